// Every profile through the CLI, from `openssl req` CSRs, signed in a SoftHSM token and checked by
// verifiers signet did not write; Kubernetes CertificateSigningRequest objects; `signet profiles
// show` and the profiles file.
#include <ctime>
#include <fstream>
#include <functional>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cert_lint.h"
#include "cli_runner.h"
#ifdef SIGNET_GOVERIFY_PATH
#include "go_verify.h"
#endif

namespace signet::testing {
namespace {

using nlohmann::json;

// What a verifier is told about one issued certificate.
struct Issued {
  std::string cert;  // file name in the test directory
  std::string ca;    // issuing CA certificate file
  std::string cn;    // exact subject CN
  std::vector<std::string> orgs;
  std::vector<std::string> ekus;  // "serverAuth", "clientAuth" in certificate order
  std::vector<std::string> dns;
  std::vector<std::string> ips;
  bool sans = false;
};

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ",") + s;
  return out;
}

// One independent verifier: returns "" when it accepts the certificate, else what it said.
struct Verifier {
  std::string name;
  std::function<std::string(const CliTest&, const Issued&)> check;
};

// A verifier runs a program through this (CliTest::tool is protected).
using Runner = std::function<RunResult(const std::vector<std::string>&)>;

std::string openssl_verify(const Runner& run, const Issued& c) {
  std::string out;
  for (const auto& eku : c.ekus) {
    const auto r = run({"openssl", "verify", "-x509_strict", "-purpose",
                        eku == "serverAuth" ? "sslserver" : "sslclient", "-CAfile", c.ca, c.cert});
    if (r.exit_code != 0 || r.out.find(": OK") == std::string::npos) out += r.out + r.err;
  }
  return out;
}

std::string certtool_verify(const Runner& run, const Issued& c) {
  std::string out;
  for (const auto& eku : c.ekus) {
    const auto r =
        run({"certtool", "--verify", "--load-ca-certificate", c.ca, "--infile", c.cert,
             "--verify-purpose", eku == "serverAuth" ? "1.3.6.1.5.5.7.3.1" : "1.3.6.1.5.5.7.3.2"});
    if (r.exit_code != 0 || r.out.find("Chain verification output: Verified.") == std::string::npos)
      out += r.out + r.err;
  }
  return out;
}

// certtool --verify-chain: the leaf followed by its CA in one file, the last one trusted, with
// the purpose OID (RFC 5280 §4.2.1.12) restricting every certificate of the chain.
std::string certtool_verify_chain(const Runner& run, const std::filesystem::path& dir,
                                  const Issued& c) {
  const std::string chain = "chain-" + c.cert;
  std::ofstream(dir / chain) << std::ifstream(dir / c.cert).rdbuf()
                             << std::ifstream(dir / c.ca).rdbuf();
  std::string out;
  for (const auto& eku : c.ekus) {
    const auto r = run({"certtool", "--verify-chain", "--infile", chain, "--verify-purpose",
                        eku == "serverAuth" ? "1.3.6.1.5.5.7.3.1" : "1.3.6.1.5.5.7.3.2"});
    if (r.exit_code != 0 || r.out.find("Chain verification output: Verified.") == std::string::npos)
      out += r.out + r.err;
  }
  return out;
}

#ifdef SIGNET_GOVERIFY_PATH
std::string slurp(const std::filesystem::path& path) {
  std::stringstream s;
  s << std::ifstream(path, std::ios::binary).rdbuf();
  return s.str();
}

// Go's crypto/x509 as every Kubernetes component runs it: Certificate.Verify with the profile's
// ExtKeyUsage and, for a serving certificate, each DNS and IP SAN as the name (Go's
// VerifyHostname). Go must also refuse what the certificate does not allow: the other EKU (when
// the profile has only one) and a name or address outside its SANs.
std::string go_check(const std::filesystem::path& dir, const Issued& c) {
  GoVerifyRequest req;
  req.roots_pem = slurp(dir / c.ca);
  req.cert_pem = slurp(dir / c.cert);
  std::string out;
  const auto expect = [&](const GoVerifyRequest& q, const std::string& refusal) {
    const auto r = go_verify(q);
    const std::string what = "eku " + q.eku + (q.dns.empty() ? "" : " dns " + q.dns) +
                             (q.ip.empty() ? "" : " ip " + q.ip) + ": ";
    if (refusal.empty() && !r.ok) out += what + "refused: " + r.output + "\n";
    if (!refusal.empty() &&
        (r.ok || r.stage != "verify" || r.error.find(refusal) == std::string::npos)) {
      out += what + "expected refusal '" + refusal + "', got: " + r.output + "\n";
    }
  };
  for (const auto& eku : c.ekus) {
    req.eku = eku;
    req.dns.clear();
    req.ip.clear();
    if (c.dns.empty() && c.ips.empty()) expect(req, "");
    for (const auto& d : c.dns) {
      req.dns = d;
      expect(req, "");
    }
    req.dns.clear();
    for (const auto& ip : c.ips) {
      req.ip = ip;
      expect(req, "");
    }
    req.ip.clear();
    if (c.sans) {
      req.dns = "not-a-san.example";
      expect(req, "certificate is valid for ");
      req.dns.clear();
      req.ip = "192.0.2.1";  // RFC 5737 documentation address, never one of the test SANs
      expect(req, "certificate is valid for ");
      req.ip.clear();
    }
  }
  if (c.ekus.size() == 1) {
    req.eku = c.ekus[0] == "serverAuth" ? "clientAuth" : "serverAuth";
    if (!c.dns.empty()) req.dns = c.dns[0];
    expect(req, "certificate specifies an incompatible key usage");
  }
  return out;
}
#endif

std::string python_check(const Runner& run, const Issued& c) {
  std::vector<std::string> argv = {
      "python3",      std::string(SIGNET_SOURCE_DIR) + "/tests/interop/check_cert.py",
      "--profile",    "leaf",
      "--cert",       c.cert,
      "--ca",         c.ca,
      "--expect-cn",  c.cn,
      "--expect-eku", join(c.ekus)};
  for (const auto& o : c.orgs) argv.insert(argv.end(), {"--expect-o", o});
  if (c.sans) argv.insert(argv.end(), {"--expect-dns", join(c.dns), "--expect-ip", join(c.ips)});
  const auto r = run(argv);
  return r.exit_code == 0 ? "" : r.out + r.err;
}

class CliProfilesTest : public CliTest {
 protected:
  // The verifiers every issued certificate must satisfy. A new verifier (e.g. a Go crypto/x509
  // program) is one more line here.
  std::vector<Verifier> verifiers() const {
    const Runner run = [this](const std::vector<std::string>& argv) { return tool(argv); };
    return {
        {"openssl verify -x509_strict",
         [run](const CliTest&, const Issued& c) { return openssl_verify(run, c); }},
        {"certtool --verify",
         [run](const CliTest&, const Issued& c) { return certtool_verify(run, c); }},
        {"certtool --verify-chain",
         [run, this](const CliTest&, const Issued& c) {
           return certtool_verify_chain(run, dir_, c);
         }},
        {"check_cert.py (python-cryptography)",
         [run](const CliTest&, const Issued& c) { return python_check(run, c); }},
        {"signet lint (core/lint.h)",
         [this](const CliTest&, const Issued& c) { return lint_pem_file(dir_ / c.cert); }},
#ifdef SIGNET_GOVERIFY_PATH
        {"Go crypto/x509 (tests/interop/goverify)",
         [this](const CliTest&, const Issued& c) { return go_check(dir_, c); }},
#endif
    };
  }

  // Three CAs in one token, named like the CA profiles that sign each leaf.
  void make_cas(const std::string& alg) {
    make_ca("kubernetes-ca", alg);
    for (const std::string name : {"front-proxy-ca", "etcd-ca"}) {
      const std::string key = "pkcs11:token=cli;object=" + name + "-key?pin-source=" + pin_source();
      auto r = signet({"key", "generate", "--algorithm", alg, "--key", key});
      ASSERT_EQ(r.exit_code, 0) << r.err;
      r = signet({"ca", "init", "--name", name, "--key", key, "--subject", "CN=" + name,
                  "--validity", "87600h", "--out", name + ".crt"});
      ASSERT_EQ(r.exit_code, 0) << r.err;
    }
    // The CA certificates themselves: clean under the lint, and trust anchors Go accepts (a
    // self-signed CA verifies against a pool holding only itself, RFC 5280 §6.1).
    for (const std::string name : {"kubernetes-ca", "front-proxy-ca", "etcd-ca"}) {
      EXPECT_EQ(lint_pem_file(dir_ / (name + ".crt")), "") << name;
#ifdef SIGNET_GOVERIFY_PATH
      GoVerifyRequest req;
      req.roots_pem = read(name + ".crt");
      req.cert_pem = req.roots_pem;
      req.eku = "any";
      const auto r = go_verify(req);
      EXPECT_TRUE(r.ok) << name << ": " << r.output;
#endif
    }
  }

  // openssl req with a key of `kind` ("ec", "p384", "rsa", "rsa4096", "ed25519") and optional
  // SANs.
  std::string csr(const std::string& name, const std::string& subject, const std::string& kind,
                  const std::string& san = "") const {
    std::vector<std::string> argv = {"openssl",     "req",   "-new",  "-nodes", "-keyout",
                                     name + ".key", "-subj", subject, "-out",   name + ".csr"};
    if (kind == "rsa" || kind == "rsa4096") {
      argv.insert(argv.end(), {"-newkey", kind == "rsa" ? "rsa:2048" : "rsa:4096"});
    } else if (kind == "ed25519") {
      argv.insert(argv.end(), {"-newkey", "ed25519"});
    } else {
      argv.insert(argv.end(),
                  {"-newkey", "ec", "-pkeyopt",
                   kind == "p384" ? "ec_paramgen_curve:P-384" : "ec_paramgen_curve:P-256"});
    }
    if (!san.empty()) argv.insert(argv.end(), {"-addext", "subjectAltName=" + san});
    const auto r = tool(argv);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return name + ".csr";
  }

  json profile(const std::string& name) const {
    const auto r = signet({"profiles", "show", name, "--output", "json"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return json::parse(r.out);
  }

  void verify_all(const Issued& c) const {
    for (const auto& v : verifiers()) {
      EXPECT_EQ(v.check(*this, c), "") << v.name << " refused " << c.cert;
    }
  }

  std::string read(const std::string& name) const {
    std::stringstream s;
    s << std::ifstream(dir_ / name).rdbuf();
    return s.str();
  }

  // A certificates.k8s.io/v1 object for `csr_file`.
  json k8s_object(const std::string& csr_file, const std::string& signer,
                  const std::vector<std::string>& usages, bool approved = true) const {
    const auto r = tool({"openssl", "base64", "-A", "-in", csr_file});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    json j = {{"apiVersion", "certificates.k8s.io/v1"},
              {"kind", "CertificateSigningRequest"},
              {"metadata", {{"name", "csr-" + csr_file}}},
              {"spec", {{"request", r.out}, {"signerName", signer}, {"usages", usages}}}};
    if (approved) {
      j["status"]["conditions"] =
          json::array({{{"type", "Approved"}, {"status", "True"}, {"reason", "AutoApproved"}}});
    }
    return j;
  }

  std::string write_json(const std::string& name, const json& j) const {
    write_file(name, j.dump());
    return name;
  }
};

class CliEveryProfileTest : public CliProfilesTest,
                            public ::testing::WithParamInterface<const char*> {};

TEST_P(CliEveryProfileTest, EveryLeafProfileIsAcceptedByIndependentVerifiers) {
  ASSERT_TRUE(ready_);
  make_cas(GetParam());
  const auto all = json::parse(signet({"profiles", "show", "--output", "json"}).out);
  const std::vector<std::string> keys = {"ec", "p384", "rsa"};
  std::size_t n = 0;
  std::size_t ed25519 = 0;
  for (const auto& p : all["profiles"]) {
    if (p["kind"] == "ca") continue;
    const std::string name = p["name"];
    // Each profile with each key type in turn; one RSA-4096 key (apiserver); and an Ed25519 key
    // (RFC 8410) for every profile that allows one (the CSR signers, spec §2.3).
    std::vector<std::string> kinds = {name == "apiserver" ? "rsa4096" : keys[n++ % keys.size()]};
    for (const auto& k : p["key_types"]) {
      if (k == "ed25519") kinds.emplace_back("ed25519");
    }
    for (const auto& kind : kinds) {
      std::string trace = name;
      trace.append(" with ").append(kind);
      SCOPED_TRACE(trace);
      const std::string base = kind == "ed25519" ? name + "-ed25519" : name;
      Issued c;
      c.cert = base + ".crt";
      c.ca = std::string(p["signed_by"]) + ".crt";
      c.cn = p["cn_rule"] == "fixed"       ? std::string(p["common_name"])
             : p["cn_rule"] == "node-name" ? "system:node:node-1"
                                           : "node-1";
      std::string subject;
      for (const auto& o : p["organizations"]) {
        c.orgs.push_back(o);
        subject += "/O=" + std::string(o);
      }
      subject += "/CN=" + c.cn;
      for (const auto& u : p["default_usages"]) {
        if (u == "server auth") c.ekus.emplace_back("serverAuth");
      }
      for (const auto& u : p["default_usages"]) {
        if (u == "client auth") c.ekus.emplace_back("clientAuth");
      }
      std::string san;
      if (p["san_rule"] != "none") {
        c.sans = true;
        c.dns = {"node-1.example", "localhost"};
        c.ips = {"10.0.0.7", "fd00::7"};
        san = "DNS:node-1.example,DNS:localhost,IP:10.0.0.7,IP:fd00::7";
      }
      const std::string csr_file = csr(base, subject, kind, san);
      const auto r = signet(
          {"sign", "--ca", p["signed_by"], "--profile", name, "--csr", csr_file, "--out", c.cert});
      ASSERT_EQ(r.exit_code, 0) << r.err;
      verify_all(c);
      if (kind == "ed25519") ++ed25519;
    }
  }
  EXPECT_EQ(ed25519, 3U);  // kube-apiserver-client, kubelet-client, kubelet-serving
  EXPECT_EQ(n, 13U);       // 14 leaf profiles, one of them RSA-4096
}

INSTANTIATE_TEST_SUITE_P(CaKeys, CliEveryProfileTest, ::testing::Values("ecdsa-p256", "rsa-2048"),
                         [](const auto& p) {
                           std::string n = p.param;
                           std::erase(n, '-');
                           return n;
                         });

TEST_F(CliProfilesTest, HostsAndValidityAreBoundedByTheProfile) {
  ASSERT_TRUE(ready_);
  make_ca("kubernetes-ca", "ecdsa-p256");
  const std::string serving =
      csr("serving", "/O=system:nodes/CN=system:node:node-1", "ec", "DNS:ignored.example");
  auto r = signet({"sign", "--ca", "kubernetes-ca", "--profile", "kubelet-serving", "--csr",
                   serving, "--hosts", "node-1.example,10.0.0.9", "--validity", "720h", "--out",
                   "serving.crt", "--output", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = json::parse(r.out);
  EXPECT_EQ(j["subject_alt_names"], json({"DNS:node-1.example", "IP:10.0.0.9"}));
  Issued c{"serving.crt",  "kubernetes-ca.crt", "system:node:node-1", {"system:nodes"},
           {"serverAuth"}, {"node-1.example"},  {"10.0.0.9"},         true};
  verify_all(c);
  r = tool({"openssl", "verify", "-x509_strict", "-purpose", "sslserver", "-verify_hostname",
            "node-1.example", "-CAfile", "kubernetes-ca.crt", "serving.crt"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  r = tool({"openssl", "verify", "-purpose", "sslserver", "-verify_hostname", "ignored.example",
            "-CAfile", "kubernetes-ca.crt", "serving.crt"});
  EXPECT_NE(r.exit_code, 0) << "the CSR's own SAN was replaced by --hosts";

  const std::string client = csr("client", "/O=system:nodes/CN=system:node:node-1", "ec");
  r = signet({"sign", "--ca", "kubernetes-ca", "--profile", "kubelet-client", "--csr", client,
              "--hosts", "node-1.example", "--out", "out.crt"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("kubelet-client: --hosts is not allowed: the profile takes no "
                       "subjectAltName (san_rule none), got 'node-1.example'"),
            std::string::npos)
      << r.err;
  r = signet({"sign", "--ca", "kubernetes-ca", "--profile", "kubelet-client", "--csr", client,
              "--validity", "87600h", "--out", "out.crt"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("kubelet-client: validity must be 10m to 8760h (max_validity), got 87600h"),
            std::string::npos)
      << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir_ / "out.crt"));

  // SHA-1 signed CSRs are refused (spec §6.2).
  const auto sha1 =
      tool({"openssl", "req", "-new", "-nodes", "-sha1", "-newkey", "rsa:2048", "-keyout",
            "sha1.key", "-subj", "/O=system:nodes/CN=system:node:n1", "-out", "sha1.csr"});
  ASSERT_EQ(sha1.exit_code, 0) << sha1.err;
  r = signet({"sign", "--ca", "kubernetes-ca", "--profile", "kubelet-client", "--csr", "sha1.csr",
              "--out", "out.crt"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("SHA-1 and MD5 signatures are refused"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir_ / "out.crt"));
}

TEST_F(CliProfilesTest, ApprovedK8sObjectGetsACertificate) {
  ASSERT_TRUE(ready_);
  make_ca("kubernetes-ca", "ecdsa-p256");
  const std::string c = csr("n1", "/O=system:nodes/CN=system:node:n1", "ec");
  const json in = k8s_object(c, "kubernetes.io/kube-apiserver-client-kubelet",
                             {"digital signature", "client auth"});
  const std::string file = write_json("n1.json", in);
  // Without --out the object is the output.
  auto r = signet({"sign", "--ca", "kubernetes-ca", "--k8s-csr", file});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json out = json::parse(r.out);
  ASSERT_TRUE(out["status"].contains("certificate"));
  json expected = in;
  expected["status"]["certificate"] = out["status"]["certificate"];
  EXPECT_EQ(out, expected) << "only status.certificate changes";
  write_file("b64", out["status"]["certificate"].get<std::string>());
  r = tool({"openssl", "base64", "-d", "-A", "-in", "b64", "-out", "n1.crt"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(read("n1.crt").rfind("-----BEGIN CERTIFICATE-----", 0), 0U);
  verify_all({"n1.crt",
              "kubernetes-ca.crt",
              "system:node:n1",
              {"system:nodes"},
              {"clientAuth"},
              {},
              {},
              false});

  // From standard input, written with --out; JSON summary on stdout.
  r = tool({"sh", "-c",
            std::string(SIGNET_CLI_PATH) + " --state " + state_.string() +
                " --output json sign --ca kubernetes-ca --k8s-csr - --out signed.json < n1.json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json summary = json::parse(r.out);
  EXPECT_EQ(summary["result"], "Issued");
  EXPECT_EQ(summary["profile"], "kubelet-client");
  const json signed_object = json::parse(read("signed.json"));
  ASSERT_TRUE(signed_object["status"].contains("certificate"));
  write_file("signed.b64", signed_object["status"]["certificate"].get<std::string>());
  r = tool({"openssl", "base64", "-d", "-A", "-in", "signed.b64", "-out", "signed.crt"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(lint_pem_file(dir_ / "signed.crt"), "");
}

TEST_F(CliProfilesTest, ExpirationSecondsIsClampedToTheProfile) {
  ASSERT_TRUE(ready_);
  make_ca("kubernetes-ca", "ecdsa-p256");
  const std::string c =
      csr("serving", "/O=system:nodes/CN=system:node:n1", "ec", "DNS:n1.example,IP:10.0.0.1");
  const auto lifetime = [&](std::int64_t seconds) {
    json in = k8s_object(c, "kubernetes.io/kubelet-serving", {"digital signature", "server auth"});
    in["spec"]["expirationSeconds"] = seconds;
    const auto r = signet({"--output", "json", "sign", "--ca", "kubernetes-ca", "--k8s-csr",
                           write_json("s.json", in), "--out", "s-out.json"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    // The certificate in status.certificate (base64 of PEM) is clean under the lint too.
    write_file("s.b64",
               json::parse(read("s-out.json"))["status"]["certificate"].get<std::string>());
    EXPECT_EQ(tool({"openssl", "base64", "-d", "-A", "-in", "s.b64", "-out", "s.crt"}).exit_code,
              0);
    EXPECT_EQ(lint_pem_file(dir_ / "s.crt"), "") << seconds;
    const json j = json::parse(r.out);
    const auto parse = [](const std::string& t) {
      std::tm tm{};
      std::istringstream(t) >> std::get_time(&tm, "%Y-%m-%dT%H:%M:%SZ");
      return timegm(&tm);
    };
    return parse(j["not_after"]) - parse(j["not_before"]);
  };
  // notBefore is now - 5 min; short TTLs end at now + TTL, long ones at now + TTL - 5 min.
  EXPECT_EQ(lifetime(600), 600 + 300);
  EXPECT_EQ(lifetime(86400), 86400);
  EXPECT_EQ(lifetime(2147483647), 8760 * 3600);
  json below = k8s_object(c, "kubernetes.io/kubelet-serving", {"digital signature", "server auth"});
  below["spec"]["expirationSeconds"] = 599;
  const auto r = signet({"sign", "--ca", "kubernetes-ca", "--k8s-csr", write_json("b.json", below),
                         "--out", "b-out.json"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("CertificateSigningRequest .spec.expirationSeconds: must be 600 to "
                       "2147483647 (int32, at least 10 minutes), got 599"),
            std::string::npos)
      << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir_ / "b-out.json"));
}

TEST_F(CliProfilesTest, UnapprovedDeniedAndUnknownSignerObjectsAreNotSigned) {
  ASSERT_TRUE(ready_);
  make_ca("kubernetes-ca", "ecdsa-p256");
  const std::string c = csr("n1", "/O=system:nodes/CN=system:node:n1", "ec");
  const std::vector<std::string> usages = {"digital signature", "client auth"};
  json pending = k8s_object(c, "kubernetes.io/kube-apiserver-client-kubelet", usages, false);
  json denied = pending;
  denied["status"]["conditions"] = json::array(
      {{{"type", "Denied"}, {"status", "True"}, {"reason", "Policy"}, {"message", "not ours"}}});
  json other = k8s_object(c, "example.com/other", usages);
  const std::vector<std::pair<json, std::string>> cases = {
      {pending,
       "CertificateSigningRequest 'csr-n1.csr' is not signed: it has no Approved "
       "condition"},
      {denied, "CertificateSigningRequest 'csr-n1.csr' is not signed: Denied (Policy): not ours"},
      {other,
       "no profile serves signerName example.com/other (served: "
       "kubernetes.io/kube-apiserver-client, "},
  };
  for (const auto& [object, message] : cases) {
    const auto r = signet({"sign", "--ca", "kubernetes-ca", "--k8s-csr",
                           write_json("o.json", object), "--out", "out.json"});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find(message), std::string::npos) << r.err;
    EXPECT_FALSE(std::filesystem::exists(dir_ / "out.json"));
  }
  // --k8s-csr excludes --profile, --csr, --hosts and --validity (usage errors).
  const auto r = signet(
      {"sign", "--ca", "kubernetes-ca", "--k8s-csr", "o.json", "--profile", "kubelet-client"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("excludes"), std::string::npos) << r.err;
}

TEST_F(CliProfilesTest, PolicyViolationsBecomeAFailedCondition) {
  ASSERT_TRUE(ready_);
  make_ca("kubernetes-ca", "ecdsa-p256");
  const std::string c = csr("n1", "/O=system:nodes/CN=system:node:n1", "ec");
  const std::string masters = csr("m", "/O=system:masters/CN=eve", "ec");
  const std::vector<std::pair<json, std::string>> cases = {
      {k8s_object(c, "kubernetes.io/kube-apiserver-client-kubelet",
                  {"digital signature", "client auth", "server auth"}),
       "kubelet-client: usage 'server auth' is not allowed (allowed: digital signature, client "
       "auth, key encipherment), got [digital signature, client auth, server auth]"},
      {k8s_object(c, "kubernetes.io/kubelet-serving", {"digital signature", "server auth"}),
       "kubelet-serving: at least one DNS or IP subjectAltName is required, got none"},
      {k8s_object(masters, "kubernetes.io/kube-apiserver-client", {"client auth"}),
       "kube-apiserver-client: subject O system:masters is not allowed, got [system:masters]"},
  };
  for (const auto& [object, message] : cases) {
    const auto r =
        signet({"sign", "--ca", "kubernetes-ca", "--k8s-csr", write_json("o.json", object)});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const json out = json::parse(r.out);
    EXPECT_FALSE(out["status"].contains("certificate"));
    const json& last = out["status"]["conditions"].back();
    EXPECT_EQ(last["type"], "Failed");
    EXPECT_EQ(last["status"], "True");
    EXPECT_EQ(last["reason"], "SignerValidationFailure");
    EXPECT_EQ(last["message"], message);
    EXPECT_NE(r.err.find(message), std::string::npos) << r.err;
    // A Failed object is never signed again.
    const auto again =
        signet({"sign", "--ca", "kubernetes-ca", "--k8s-csr", write_json("failed.json", out)});
    EXPECT_EQ(again.exit_code, 1);
    EXPECT_NE(again.err.find("is not signed: Failed (SignerValidationFailure)"), std::string::npos)
        << again.err;
  }
}

TEST_F(CliProfilesTest, ProfilesShowPrintsTheEffectiveProfiles) {
  ASSERT_TRUE(ready_);
  auto r = signet({"profiles", "show"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::stringstream snapshot;
  snapshot << std::ifstream(std::string(SIGNET_SOURCE_DIR) + "/tests/core/testdata/profiles.txt")
                  .rdbuf();
  EXPECT_EQ(r.out, snapshot.str()) << "the CLI prints the snapshot form";
  r = signet({"profiles", "show", "kubelet-serving", "--output", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json j = json::parse(r.out);
  EXPECT_EQ(j["signer_names"], json({"kubernetes.io/kubelet-serving"}));
  EXPECT_EQ(j["san_rule"], "required");
  EXPECT_EQ(j["max_validity"], "8760h");
  r = signet({"profiles", "show", "kubelet-superuser"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("unknown profile 'kubelet-superuser' (known: kubernetes-ca, "),
            std::string::npos)
      << r.err;

  // A profiles file in the state directory overrides a built-in and adds a profile.
  std::filesystem::create_directories(state_);
  write_file("state/profiles.json", R"({"version": 1, "profiles": [
      {"name": "kubelet-serving", "validity": "720h", "max_validity": "720h"},
      {"name": "ingress", "base": "apiserver", "cn_rule": "request",
       "signer_names": ["example.com/ingress"]}]})");
  r = signet({"profiles", "show", "kubelet-serving"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("  validity: 720h (max 720h)\n"), std::string::npos) << r.out;
  r = signet({"profiles", "show", "ingress", "--output", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(json::parse(r.out)["cn_rule"], "request");

  write_file("bad.json",
             R"({"version": 1, "profiles": [{"name": "admin", "organizations": "x"}]})");
  r = signet({"profiles", "show", "--profiles", "bad.json"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("bad.json: profiles[0].organizations: must be an array of strings"),
            std::string::npos)
      << r.err;
}

// `ca init --profile`: the CA profiles shape the CA certificates as kubeadm writes them
// (CN, keyUsage digitalSignature + keyCertSign + cRLSign, SAN DNS:<CN>), checked by python
// cryptography and openssl; leaf profiles, foreign subjects and over-long lifetimes are refused.
TEST_F(CliProfilesTest, CaProfilesShapeTheCaCertificates) {
  auto r = signet({"token", "init", "--module", module_, "--label", "cli", "--pin-source",
                   pin_source(), "--so-pin-source", "file:" + so_pin_file_.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto key = [&](const std::string& name) {
    return "pkcs11:token=cli;object=" + name + "?pin-source=" + pin_source();
  };
  ASSERT_EQ(
      signet({"key", "generate", "--algorithm", "ecdsa-p256", "--key", key("root")}).exit_code, 0);
  ASSERT_EQ(signet({"key", "generate", "--algorithm", "rsa-2048", "--key", key("fp")}).exit_code,
            0);
  r = signet({"ca", "init", "--name", "kubernetes", "--profile", "kubernetes-ca", "--key",
              key("root"), "--out", "root.crt"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = signet({"ca", "init", "--name", "front-proxy", "--profile", "front-proxy-ca", "--parent",
              "kubernetes", "--validity", "8760h", "--key", key("fp"), "--out", "fp.crt"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const auto& [file, cn] :
       {std::pair{"root.crt", "kubernetes"}, std::pair{"fp.crt", "front-proxy-ca"}}) {
    EXPECT_EQ(lint_pem_file(dir_ / file), "");
    const std::string script =
        "import sys\n"
        "from cryptography import x509\n"
        "c = x509.load_pem_x509_certificate(open(sys.argv[1], 'rb').read())\n"
        "ku = c.extensions.get_extension_for_class(x509.KeyUsage)\n"
        "san = c.extensions.get_extension_for_class(x509.SubjectAlternativeName).value\n"
        "bc = c.extensions.get_extension_for_class(x509.BasicConstraints)\n"
        "print(c.subject.rfc4514_string(), ku.critical, ku.value.digital_signature,\n"
        "      ku.value.key_cert_sign, ku.value.crl_sign, ku.value.key_encipherment,\n"
        "      san.get_values_for_type(x509.DNSName), bc.critical, bc.value.ca)\n";
    const auto py = tool({"python3", "-c", script, file});
    ASSERT_EQ(py.exit_code, 0) << py.err;
    EXPECT_EQ(py.out,
              "CN=" + std::string(cn) + " True True True True False ['" + cn + "'] True True\n");
  }
  const auto v = tool({"openssl", "verify", "-x509_strict", "-CAfile", "root.crt", "fp.crt"});
  EXPECT_EQ(v.exit_code, 0) << v.out << v.err;

  const std::string before = snapshot_state();
  r = signet({"ca", "init", "--name", "x1", "--profile", "apiserver", "--key", key("root")});
  EXPECT_NE(r.err.find("apiserver: a leaf profile cannot make a CA"), std::string::npos) << r.err;
  r = signet({"ca", "init", "--name", "x2", "--profile", "etcd-ca", "--subject", "CN=etcd", "--key",
              key("root")});
  EXPECT_NE(r.err.find("etcd-ca: subject CN must be etcd-ca, got 'etcd'"), std::string::npos)
      << r.err;
  r = signet({"ca", "init", "--name", "x3", "--profile", "etcd-ca", "--validity", "90000h", "--key",
              key("root")});
  EXPECT_NE(r.err.find("etcd-ca: validity must be 10m to 87600h (max_validity), got 90000h"),
            std::string::npos)
      << r.err;
  r = signet({"ca", "init", "--name", "x4", "--key", key("root")});
  EXPECT_NE(r.err.find("ca init: give --subject or a CA --profile"), std::string::npos) << r.err;
  EXPECT_EQ(snapshot_state(), before);
}

}  // namespace
}  // namespace signet::testing
