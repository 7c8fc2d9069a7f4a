// Adopting an existing PKI through the CLI, checked by tools we did not write: OpenSSL
// (`verify -x509_strict`, `req -verify`, `x509 -req` as the external root), GnuTLS
// `certtool --verify-chain` and OpenSC `pkcs11-tool`.
#include <fstream>
#include <sstream>
#include <string_view>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cert_lint.h"
#include "cli_runner.h"
#ifdef SIGNET_GOVERIFY_PATH
#include "go_verify.h"
#endif

namespace signet::testing {
namespace {

std::string read_all(const std::filesystem::path& path) {
  std::stringstream s;
  s << std::ifstream(path, std::ios::binary).rdbuf();
  return s.str();
}

#ifdef SIGNET_GOVERIFY_PATH
// The first PEM block of a file: the leaf of a `sign --chain` bundle.
std::string first_certificate(const std::filesystem::path& path) {
  const std::string all = read_all(path);
  constexpr std::string_view kEnd = "-----END CERTIFICATE-----\n";
  const auto end = all.find(kEnd);
  return end == std::string::npos ? all : all.substr(0, end + kEnd.size());
}
#endif

// Go's crypto/x509 (tests/interop/goverify) verifies the leaf of `cert` for clientAuth from
// `root` through `intermediates` (PEM files, "" for none); with intermediates it must also refuse
// the leaf from the root alone, proving the intermediate is on the path (RFC 5280 §6.1).
void expect_go_client(const std::filesystem::path& root, const std::filesystem::path& cert,
                      const std::filesystem::path& intermediates = {}) {
#ifdef SIGNET_GOVERIFY_PATH
  GoVerifyRequest req;
  req.roots_pem = read_all(root);
  req.cert_pem = first_certificate(cert);
  if (!intermediates.empty()) req.intermediates_pem = read_all(intermediates);
  auto r = go_verify(req);
  EXPECT_TRUE(r.ok) << cert << ": " << r.output;
  if (!intermediates.empty()) {
    req.intermediates_pem.clear();
    r = go_verify(req);
    EXPECT_FALSE(r.ok) << cert << " verified without its intermediate";
    EXPECT_NE(r.error.find("certificate signed by unknown authority"), std::string::npos)
        << r.output;
  }
#else
  (void)root;
  (void)cert;
  (void)intermediates;
#endif
}

class CliAdoptTest : public CliTest {
 protected:
  void init_token() {
    const auto r = signet({"token", "init", "--module", module_, "--label", "cli", "--pin-source",
                           pin_source(), "--so-pin-source", "file:" + so_pin_file_.string()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  std::string uri(const std::string& object) const {
    return "pkcs11:token=cli;object=" + object + "?pin-source=" + pin_source();
  }
  void run_ok(const std::vector<std::string>& argv) {
    const auto r = tool(argv);
    ASSERT_EQ(r.exit_code, 0) << argv[0] << " " << (argv.size() > 1 ? argv[1] : "") << ": " << r.out
                              << r.err;
  }
  // A kubeadm-style CA made with the openssl CLI: ca.key and a self-signed ca.crt with
  // basicConstraints critical CA:TRUE, keyUsage critical, SKI (what `kubeadm init` writes).
  void openssl_ca(const std::string& name, const std::string& kind) {
    if (kind == "rsa") {
      run_ok({"openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out",
              name + ".pkcs8"});
      // kubeadm writes RSA keys as PKCS#1 "RSA PRIVATE KEY".
      run_ok({"openssl", "pkey", "-in", name + ".pkcs8", "-traditional", "-out", name + ".key"});
    } else {
      run_ok({"openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
              "-out", name + ".pkcs8"});
      run_ok({"openssl", "pkey", "-in", name + ".pkcs8", "-traditional", "-out", name + ".key"});
    }
    run_ok({"openssl", "req", "-x509", "-new", "-key", name + ".key", "-subj", "/CN=" + name,
            "-days", "3650", "-addext", "basicConstraints=critical,CA:TRUE", "-addext",
            "keyUsage=critical,digitalSignature,keyEncipherment,keyCertSign", "-out",
            name + ".crt"});
  }
  void sign_leaf(const std::string& ca, const std::string& node,
                 const std::vector<std::string>& extra = {}) {
    openssl_csr(node, "/O=system:nodes/CN=system:node:" + node);
    std::vector<std::string> args = {"sign",        "--ca",           ca,
                                     "--profile",   "kubelet-client", "--csr",
                                     node + ".csr", "--out",          node + ".crt"};
    args.insert(args.end(), extra.begin(), extra.end());
    const auto r = signet(args);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(lint_pem_file(dir_ / (node + ".crt")), "");
  }
  void expect_verified(const std::vector<std::string>& argv, const std::string& marker) {
    const auto r = tool(argv);
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_NE(r.out.find(marker), std::string::npos) << r.out << r.err;
  }
};

TEST_F(CliAdoptTest, ImportsACaWhoseKeyIsAlreadyInTheToken) {
  ASSERT_TRUE(ready_);
  // The CA and its key come from elsewhere (here: another signet state on the same token).
  make_ca("kubernetes", "ecdsa-p256");
  state_ = dir_ / "adopting-state";  // no config: the URI names the module
  const auto r =
      signet({"--output", "json", "ca", "import", "--name", "k8s", "--cert", "kubernetes.crt",
              "--key", uri("kubernetes-key") + "&module-path=" + module_});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["name"], "k8s");
  EXPECT_EQ(j["subject"], "/CN=kubernetes");
  EXPECT_TRUE(j["warnings"].empty());
  EXPECT_FALSE(j.contains("imported_key"));
  sign_leaf("k8s", "n1");
  expect_verified({"openssl", "verify", "-x509_strict", "-purpose", "sslclient", "-CAfile",
                   "kubernetes.crt", "n1.crt"},
                  "n1.crt: OK");
  EXPECT_EQ(lint_pem_file(dir_ / "kubernetes.crt"), "");
  expect_go_client(dir_ / "kubernetes.crt", dir_ / "n1.crt");
}

class CliKubeadmImportTest : public CliAdoptTest,
                             public ::testing::WithParamInterface<const char*> {};

TEST_P(CliKubeadmImportTest, FileKeyMovesIntoTheTokenAndTheFileIsLeftAlone) {
  ASSERT_TRUE(ready_);
  openssl_ca("ca", GetParam());
  init_token();
  const std::string key_before = read_all(dir_ / "ca.key");
  const std::string cert_before = read_all(dir_ / "ca.crt");
  const auto r = signet({"--output", "json", "ca", "import", "--name", "kubernetes", "--cert",
                         "ca.crt", "--key-file", "ca.key", "--into", uri("kubernetes-ca")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["imported_key"]["label"], "kubernetes-ca");
  EXPECT_EQ(j["imported_key"]["sensitive"], true);
  EXPECT_EQ(j["imported_key"]["extractable"], false);
  // SoftHSM 2.6 reports these false for a C_CreateObject key: it lived outside the token.
  EXPECT_EQ(j["imported_key"]["always_sensitive"], false);
  EXPECT_EQ(j["imported_key"]["never_extractable"], false);
  ASSERT_EQ(j["warnings"].size(), 1U);
  const std::string warning = j["warnings"][0];
  EXPECT_NE(warning.find("shred -u ca.key"), std::string::npos) << warning;
  EXPECT_NE(warning.find("remove it from every backup"), std::string::npos) << warning;
  EXPECT_EQ(j["key"].get<std::string>().find("pin-value"), std::string::npos);
  // The record names the key by label and the CKA_ID signet gave it.
  EXPECT_EQ(j["key"].get<std::string>().rfind("pkcs11:token=cli;object=kubernetes-ca;id=%", 0), 0U)
      << j["key"];

  // The key file and certificate are byte-identical; nothing was written next to them.
  EXPECT_EQ(read_all(dir_ / "ca.key"), key_before);
  EXPECT_EQ(read_all(dir_ / "ca.crt"), cert_before);

  // OpenSC sees a private signing key that is sensitive and not extractable (pkcs11-tool lists
  // "extractable" and "never extractable" among the access flags when they are true; SoftHSM
  // rightly reports CKA_NEVER_EXTRACTABLE false for a key that came from a file).
  const auto objects = tool({"pkcs11-tool", "--module", module_, "--token-label", "cli", "--login",
                             "--pin", kPin, "--list-objects", "--type", "privkey"});
  ASSERT_EQ(objects.exit_code, 0) << objects.err;
  EXPECT_NE(objects.out.find("label:      kubernetes-ca"), std::string::npos) << objects.out;
  EXPECT_NE(objects.out.find("Usage:      sign\n"), std::string::npos) << objects.out;
  EXPECT_NE(objects.out.find("Access:     sensitive\n"), std::string::npos) << objects.out;
  EXPECT_EQ(objects.out.find("extractable"), std::string::npos) << objects.out;

  // A leaf signed in the token verifies against the original kubeadm ca.crt.
  sign_leaf("kubernetes", "node-1");
  expect_verified({"openssl", "verify", "-x509_strict", "-purpose", "sslclient", "-CAfile",
                   "ca.crt", "node-1.crt"},
                  "node-1.crt: OK");
  expect_verified(
      {"certtool", "--verify", "--load-ca-certificate", "ca.crt", "--infile", "node-1.crt"},
      "Chain verification output: Verified.");
  expect_go_client(dir_ / "ca.crt", dir_ / "node-1.crt");
  EXPECT_EQ(lint_pem_file(dir_ / "ca.crt"), "") << "the imported kubeadm-style CA";

  // Text output carries the same warning.
  const auto text = signet({"ca", "import", "--name", "again", "--cert", "ca.crt", "--key-file",
                            "ca.key", "--into", uri("kubernetes-ca-2")});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("WARNING: the key file ca.key was not modified"), std::string::npos)
      << text.out;
}

INSTANTIATE_TEST_SUITE_P(Keys, CliKubeadmImportTest, ::testing::Values("rsa", "ec"));

TEST_F(CliAdoptTest, IntermediateUnderARootVerifiesWithOpenSslAndGnuTls) {
  ASSERT_TRUE(ready_);
  make_ca("root", "ecdsa-p384");
  auto r = signet({"key", "generate", "--algorithm", "rsa-2048", "--key", uri("inter-key")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // Asks for more than the root's 10 years: clamped to the root's notAfter.
  r = signet({"ca", "init", "--name", "inter", "--parent", "root", "--subject", "CN=etcd-ca",
              "--validity", "200000h", "--key", uri("inter-key"), "--out", "inter.crt"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("parent: root"), std::string::npos) << r.out;

  r = signet({"--output", "json", "ca", "list"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto list = nlohmann::json::parse(r.out)["cas"];
  ASSERT_EQ(list.size(), 2U);
  EXPECT_EQ(list[0]["name"], "inter");
  EXPECT_EQ(list[0]["parent"], "root");
  EXPECT_EQ(list[0]["not_after"], list[1]["not_after"]);
  EXPECT_TRUE(list[1]["parent"].is_null());
  r = signet({"ca", "list"});
  EXPECT_NE(r.out.find("\tPARENT\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\troot\n"), std::string::npos) << r.out;

  // python3-cryptography reads the intermediate: signed by the root's P-384 key with SHA-384,
  // issuer = root subject, AKI = root SKI, CA:TRUE critical, keyCertSign+cRLSign critical, no
  // EKU, notAfter = the root's.
  const auto py = tool(
      {"python3", "-c",
       "from cryptography import x509\n"
       "from cryptography.hazmat.primitives import hashes\n"
       "from cryptography.hazmat.primitives.asymmetric import ec\n"
       "E = x509.ExtensionOID\n"
       "r = x509.load_pem_x509_certificate(open('root.crt','rb').read())\n"
       "i = x509.load_pem_x509_certificate(open('inter.crt','rb').read())\n"
       "r.public_key().verify(i.signature, i.tbs_certificate_bytes, ec.ECDSA(hashes.SHA384()))\n"
       "assert i.issuer.public_bytes() == r.subject.public_bytes()\n"
       "aki = i.extensions.get_extension_for_oid(E.AUTHORITY_KEY_IDENTIFIER).value\n"
       "ski = r.extensions.get_extension_for_oid(E.SUBJECT_KEY_IDENTIFIER).value\n"
       "assert aki.key_identifier == ski.digest\n"
       "bc = i.extensions.get_extension_for_oid(E.BASIC_CONSTRAINTS)\n"
       "assert bc.critical and bc.value.ca\n"
       "ku = i.extensions.get_extension_for_oid(E.KEY_USAGE)\n"
       "assert ku.critical and ku.value.key_cert_sign and ku.value.crl_sign\n"
       "assert not ku.value.digital_signature\n"
       "assert all(e.oid != E.EXTENDED_KEY_USAGE for e in i.extensions)\n"
       "end = lambda c: getattr(c, 'not_valid_after_utc', None) or c.not_valid_after\n"
       "assert end(i) == end(r)\n"
       "print('python-cryptography: ok')\n"});
  EXPECT_EQ(py.exit_code, 0) << py.out << py.err;
  EXPECT_NE(py.out.find("python-cryptography: ok"), std::string::npos) << py.out << py.err;

  sign_leaf("inter", "leaf");
  expect_verified({"openssl", "verify", "-x509_strict", "-purpose", "sslclient", "-CAfile",
                   "root.crt", "-untrusted", "inter.crt", "leaf.crt"},
                  "leaf.crt: OK");
  // signet's root and intermediate are clean under the lint; Go finds the path through the
  // intermediate (an RSA intermediate under a P-384 root) and only through it.
  EXPECT_EQ(lint_pem_file(dir_ / "root.crt"), "");
  EXPECT_EQ(lint_pem_file(dir_ / "inter.crt"), "");
  expect_go_client(dir_ / "root.crt", dir_ / "leaf.crt", dir_ / "inter.crt");
  // The root alone does not verify the leaf: the intermediate is really in the path.
  const auto without = tool({"openssl", "verify", "-CAfile", "root.crt", "leaf.crt"});
  EXPECT_NE(without.exit_code, 0) << without.out;

  // --chain: the leaf followed by the intermediate (not the root), as a TLS peer sends it.
  sign_leaf("inter", "chained", {"--chain"});
  const std::string bundle = read_all(dir_ / "chained.crt");
  EXPECT_EQ(bundle.find(read_all(dir_ / "inter.crt")),
            bundle.size() - read_all(dir_ / "inter.crt").size());
  EXPECT_EQ(bundle.find(read_all(dir_ / "root.crt")), std::string::npos);
  std::ofstream(dir_ / "full-chain.pem") << bundle << read_all(dir_ / "root.crt");
  expect_verified({"certtool", "--verify-chain", "--infile", "full-chain.pem"},
                  "Chain verification output: Verified.");
  expect_verified({"openssl", "verify", "-x509_strict", "-CAfile", "root.crt", "-untrusted",
                   "chained.crt", "chained.crt"},
                  "chained.crt: OK");
}

TEST_F(CliAdoptTest, CaRequestSignedByAnExternalRootIsImportedAndIssues) {
  ASSERT_TRUE(ready_);
  openssl_ca("root", "ec");  // the external root: a file key we never see again
  init_token();
  auto r = signet({"key", "generate", "--algorithm", "ecdsa-p256", "--key", uri("k8s-key")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = signet({"--output", "json", "ca", "csr", "--name", "kubernetes", "--subject",
              "CN=kubernetes,O=acme", "--key", uri("k8s-key"), "--out", "k8s.csr"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["out"], "k8s.csr");

  const auto text = tool({"openssl", "req", "-noout", "-text", "-in", "k8s.csr"});
  EXPECT_NE(text.out.find("CA:TRUE"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("Certificate Sign, CRL Sign"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("Subject: CN = kubernetes, O = acme"), std::string::npos) << text.out;
  // openssl reports a good self-signature on stderr as "verify OK" (3.0) or "Certificate request
  // self-signature verify OK" (3.2+).
  const auto verify = tool({"openssl", "req", "-verify", "-noout", "-in", "k8s.csr"});
  EXPECT_NE((verify.out + verify.err).find("verify OK"), std::string::npos) << verify.err;

  // The external root signs it as a CA.
  std::ofstream(dir_ / "ca-ext.cnf")
      << "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n"
         "subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n";
  run_ok({"openssl", "x509", "-req", "-in", "k8s.csr", "-CA", "root.crt", "-CAkey", "root.key",
          "-CAcreateserial", "-days", "365", "-extfile", "ca-ext.cnf", "-out", "k8s.crt"});

  r = signet(
      {"ca", "import", "--name", "kubernetes", "--cert", "k8s.crt", "--key", uri("k8s-key")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("issuer: not in the state"), std::string::npos) << r.out;
  sign_leaf("kubernetes", "n1", {"--chain"});
  expect_verified({"openssl", "verify", "-x509_strict", "-purpose", "sslclient", "-CAfile",
                   "root.crt", "-untrusted", "k8s.crt", "n1.crt"},
                  "n1.crt: OK");
  expect_go_client(dir_ / "root.crt", dir_ / "n1.crt", dir_ / "k8s.crt");
  EXPECT_EQ(lint_pem_file(dir_ / "k8s.crt"), "") << "the imported intermediate";

  // --chain: the path to the external root is validated by OpenSSL and kept for sign --chain;
  // a bundle with another root is refused, naming OpenSSL's reason.
  openssl_ca("other-root", "ec");
  const std::string state_before = snapshot_state();
  r = signet({"ca", "import", "--name", "kubernetes-3", "--cert", "k8s.crt", "--key",
              uri("k8s-key"), "--chain", "other-root.crt"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("--chain other-root.crt: CA certificate '/CN=kubernetes/O=acme' does not "
                       "chain to a root of the chain: unable to get local issuer certificate"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(snapshot_state(), state_before);
  r = signet({"--output", "json", "ca", "import", "--name", "kubernetes-3", "--cert", "k8s.crt",
              "--key", uri("k8s-key"), "--chain", "root.crt"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["chain"], nlohmann::json::array({"/CN=root"}));
  sign_leaf("kubernetes-3", "n3", {"--chain"});
  const std::string bundle = read_all(dir_ / "n3.crt");
  EXPECT_NE(bundle.find(read_all(dir_ / "k8s.crt")), std::string::npos);
  EXPECT_EQ(bundle.find(read_all(dir_ / "root.crt")), std::string::npos);
  expect_verified({"openssl", "verify", "-x509_strict", "-CAfile", "root.crt", "-untrusted",
                   "n3.crt", "n3.crt"},
                  "n3.crt: OK");

  // The root can join the state (its key moved into the token) and the intermediate can then be
  // recorded under it: --parent checks the signature.
  r = signet({"ca", "import", "--name", "root", "--cert", "root.crt", "--key-file", "root.key",
              "--into", uri("root-key")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = signet({"--output", "json", "ca", "import", "--name", "kubernetes-2", "--cert", "k8s.crt",
              "--key", uri("k8s-key"), "--parent", "root"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["parent"], "root");
}

}  // namespace
}  // namespace signet::testing
