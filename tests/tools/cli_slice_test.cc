// The foundation's vertical slice through the CLI, checked by tools we did not write:
// OpenSSL `verify`, GnuTLS `certtool`, python-cryptography (tests/interop/check_cert.py) and
// OpenSC `pkcs11-tool`.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cert_lint.h"
#include "cli_runner.h"
#ifdef SIGNET_GOVERIFY_PATH
#include <fstream>
#include <sstream>

#include "go_verify.h"
#endif

namespace signet::testing {
namespace {

#ifdef SIGNET_GOVERIFY_PATH
std::string slurp(const std::filesystem::path& path) {
  std::stringstream s;
  s << std::ifstream(path, std::ios::binary).rdbuf();
  return s.str();
}
#endif

// Go's crypto/x509 (tests/interop/goverify) verifies `cert` for clientAuth against `ca` and
// refuses it for serverAuth (a kubelet client certificate must not serve, RFC 5280 §4.2.1.12).
void expect_go_client(const std::filesystem::path& ca, const std::filesystem::path& cert) {
#ifdef SIGNET_GOVERIFY_PATH
  GoVerifyRequest req;
  req.roots_pem = slurp(ca);
  req.cert_pem = slurp(cert);
  auto r = go_verify(req);
  EXPECT_TRUE(r.ok) << cert << ": " << r.output;
  req.eku = "serverAuth";
  r = go_verify(req);
  EXPECT_FALSE(r.ok) << cert;
  EXPECT_NE(r.error.find("certificate specifies an incompatible key usage"), std::string::npos)
      << r.output;
#else
  (void)ca;
  (void)cert;
#endif
}

class CliSliceTest : public CliTest, public ::testing::WithParamInterface<const char*> {};

TEST_P(CliSliceTest, KubeletClientCertificateIsAcceptedByIndependentVerifiers) {
  ASSERT_TRUE(ready_);
  make_ca("kubernetes", GetParam());
  for (const std::string kind : {"ec", "rsa"}) {
    const std::string node = "node-" + kind;
    openssl_csr(node, "/O=system:nodes/CN=system:node:" + node, kind);
    auto r = signet({"sign", "--ca", "kubernetes", "--profile", "kubelet-client", "--csr",
                     node + ".csr", "--out", node + ".crt"});
    ASSERT_EQ(r.exit_code, 0) << r.err;

    r = tool({"openssl", "verify", "-x509_strict", "-purpose", "sslclient", "-CAfile",
              "kubernetes.crt", node + ".crt"});
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_NE(r.out.find(": OK"), std::string::npos) << r.out;

    r = tool({"certtool", "--verify", "--load-ca-certificate", "kubernetes.crt", "--infile",
              node + ".crt", "--verify-purpose", "1.3.6.1.5.5.7.3.2"});
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("Chain verification output: Verified."), std::string::npos) << r.out;

    r = tool({"python3", std::string(SIGNET_SOURCE_DIR) + "/tests/interop/check_cert.py",
              "--profile", "kubelet-client", "--cert", node + ".crt", "--ca", "kubernetes.crt",
              "--node-name", node});
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_EQ(lint_pem_file(dir_ / (node + ".crt")), "");
    expect_go_client(dir_ / "kubernetes.crt", dir_ / (node + ".crt"));
  }
  EXPECT_EQ(lint_pem_file(dir_ / "kubernetes.crt"), "");
  const auto r = tool({"python3", std::string(SIGNET_SOURCE_DIR) + "/tests/interop/check_cert.py",
                       "--profile", "ca", "--cert", "kubernetes.crt"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
}

TEST_P(CliSliceTest, TokenKeyIsSensitiveAndNeverExtractableForPkcs11Tool) {
  ASSERT_TRUE(ready_);
  make_ca("kubernetes", GetParam());
  // pkcs11-tool takes the PIN on its command line; this is a throw-away test token.
  const auto r = tool({"pkcs11-tool", "--module", module_, "--token-label", "cli", "--login",
                       "--pin", kPin, "--list-objects", "--type", "privkey"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("kubernetes-key"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("always sensitive"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("never extractable"), std::string::npos) << r.out;
}

TEST_P(CliSliceTest, ListingsAndSignCanPrintJson) {
  ASSERT_TRUE(ready_);
  make_ca("kubernetes", GetParam());
  auto r = signet({"--output", "json", "ca", "list"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["cas"].size(), 1U);
  EXPECT_EQ(j["cas"][0]["name"], "kubernetes");
  EXPECT_EQ(j["cas"][0]["algorithm"], GetParam());
  EXPECT_EQ(j["cas"][0]["key"].get<std::string>().find("pin-value"), std::string::npos);

  r = signet({"key", "list", "--token", "cli", "--pin-source", pin_source(), "--output", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["keys"].size(), 1U);
  EXPECT_EQ(j["keys"][0]["label"], "kubernetes-key");
  EXPECT_EQ(j["keys"][0]["sensitive"], true);
  EXPECT_EQ(j["keys"][0]["extractable"], false);

  openssl_csr("n1", "/O=system:nodes/CN=system:node:n1");
  r = signet({"sign", "--ca", "kubernetes", "--profile", "kubelet-client", "--csr", "n1.csr",
              "--output", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["subject"], "O=system:nodes, CN=system:node:n1");
  EXPECT_EQ(j["certificate"].get<std::string>().rfind("-----BEGIN CERTIFICATE-----", 0), 0U);
  write_file("n1-json.crt", j["certificate"].get<std::string>());
  EXPECT_EQ(lint_pem_file(dir_ / "n1-json.crt"), "");

  // Without --out the PEM goes to stdout.
  r = signet({"sign", "--ca", "kubernetes", "--profile", "kubelet-client", "--csr", "n1.csr"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("-----BEGIN CERTIFICATE-----", 0), 0U);
  write_file("n1-stdout.crt", r.out);
  EXPECT_EQ(lint_pem_file(dir_ / "n1-stdout.crt"), "");
}

TEST_F(CliTest, SoftwareCaKeyWorksOnlyWithTheFlag) {
  ASSERT_TRUE(ready_);
  auto r = tool({"openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
                 "-out", "soft.key"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = signet({"ca", "init", "--name", "soft", "--subject", "CN=soft", "--key", "file:soft.key"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("pass --allow-software-key for tests only"), std::string::npos) << r.err;
  r = signet({"--allow-software-key", "ca", "init", "--name", "soft", "--subject", "CN=soft",
              "--key", "file:soft.key", "--out", "soft.crt"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  openssl_csr("n1", "/O=system:nodes/CN=system:node:n1");
  // The recorded software key is refused again at signing time without the flag.
  r = signet({"sign", "--ca", "soft", "--profile", "kubelet-client", "--csr", "n1.csr"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("refusing a software CA key"), std::string::npos) << r.err;
  r = signet({"--allow-software-key", "sign", "--ca", "soft", "--profile", "kubelet-client",
              "--csr", "n1.csr", "--out", "n1.crt"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = tool({"openssl", "verify", "-x509_strict", "-purpose", "sslclient", "-CAfile", "soft.crt",
            "n1.crt"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(lint_pem_file(dir_ / "soft.crt"), "");
  EXPECT_EQ(lint_pem_file(dir_ / "n1.crt"), "");
  expect_go_client(dir_ / "soft.crt", dir_ / "n1.crt");
}

TEST_P(CliSliceTest, BenchHsmReportsRawAndEngineRatesAsJson) {
  ASSERT_TRUE(ready_);
  make_ca("kubernetes", GetParam());
  const std::string key = "pkcs11:token=cli;object=kubernetes-key?pin-source=" + pin_source();
  const auto r = signet({"bench", "hsm", "--key", key, "--threads", "1,2", "--seconds", "0.2",
                         "--repeat", "2", "--output", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["algorithm"], GetParam());
  ASSERT_EQ(j["points"].size(), 2U);
  for (const auto& p : j["points"]) {
    EXPECT_GT(p["raw_per_s"].get<double>(), 0);
    EXPECT_GT(p["engine_per_s"].get<double>(), 0);
    EXPECT_NEAR(p["ratio"].get<double>(),
                p["engine_per_s"].get<double>() / p["raw_per_s"].get<double>(), 1e-9);
    EXPECT_EQ(p["raw_samples"].size(), 2U);
    EXPECT_EQ(p["engine_samples"].size(), 2U);
    EXPECT_EQ(p["sessions"], p["threads"]);
  }
  const auto bad = signet({"bench", "hsm", "--key", key, "--threads", "0"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("--threads: '0' is not a thread count"), std::string::npos) << bad.err;
}

INSTANTIATE_TEST_SUITE_P(CaKeys, CliSliceTest, ::testing::Values("rsa-2048", "ecdsa-p256"),
                         [](const auto& p) {
                           std::string n = p.param;
                           std::erase(n, '-');
                           return n;
                         });

}  // namespace
}  // namespace signet::testing
