// Go's crypto/x509 (Debian's Go 1.19, the verifier every Kubernetes component embeds) on what
// signet issues: a kubelet-client certificate verifies for clientAuth and only for it; a wrong
// chain and a malformed certificate are refused; and a negative serial, which Go 1.19 still
// accepts, is caught by signet's own lint.
#include "go_verify.h"

#include <gtest/gtest.h>

#include "signet/core/issuer.h"
#include "signet/core/lint.h"
#include "signet/core/pem.h"
#include "signet/core/software_signer.h"

#include "cert_parts.h"
#include "test_csr.h"

namespace signet {
namespace {

using testing::go_verify;
using testing::GoVerifyRequest;

struct Chain {
  std::unique_ptr<SoftwareSigner> signer;
  Bytes ca_der;
  Bytes leaf_der;
  SignatureAlgorithm alg = SignatureAlgorithm::kEcdsaSha256;
};

Chain issue_kubelet_client(KeySpec ca_key, const std::string& node_key) {
  Chain c;
  auto signer = SoftwareSigner::generate(ca_key);
  EXPECT_TRUE(signer);
  c.signer = std::move(*signer);
  c.alg = c.signer->algorithm();
  const auto now = std::chrono::system_clock::now();
  const auto ca_der = create_self_signed_ca({{NameAttributeType::kCommonName, "kubernetes"}},
                                            std::chrono::hours(24 * 365), now, *c.signer);
  EXPECT_TRUE(ca_der);
  c.ca_der = *ca_der;
  const auto ca = CaCertificate::parse(c.ca_der);
  EXPECT_TRUE(ca);
  testing::CsrSpec spec;
  spec.key = node_key;
  const auto csr = Csr::parse(testing::make_csr_der(spec));
  EXPECT_TRUE(csr);
  const auto leaf = issue_certificate(*ca, *c.signer, *find_profile("kubelet-client"), *csr, now);
  EXPECT_TRUE(leaf) << leaf.error().message();
  c.leaf_der = leaf->der;
  return c;
}

std::string pem(ByteView der) {
  return pem_encode("CERTIFICATE", der);
}

TEST(GoVerifyTest, KubeletClientCertificateVerifiesForClientAuthOnly) {
  for (const KeySpec ca_key : {KeySpec{KeyType::kEcP256, 0}, KeySpec{KeyType::kRsa, 2048}}) {
    for (const std::string node_key : {"EC", "RSA"}) {
      const Chain c = issue_kubelet_client(ca_key, node_key);
      EXPECT_EQ(format_findings(lint_certificate(c.leaf_der)), "");
      GoVerifyRequest r;
      r.roots_pem = pem(c.ca_der);
      r.cert_pem = pem(c.leaf_der);
      r.eku = "clientAuth";
      const auto ok = go_verify(r);
      EXPECT_EQ(ok.exit_code, 0) << ok.output;
      EXPECT_TRUE(ok.ok) << ok.output;
      // A client certificate must not be usable as a serving certificate.
      r.eku = "serverAuth";
      const auto server = go_verify(r);
      EXPECT_EQ(server.exit_code, 1) << server.output;
      EXPECT_EQ(server.stage, "verify");
      EXPECT_NE(server.error.find("x509: certificate specifies an incompatible key usage"),
                std::string::npos)
          << server.output;
    }
  }
}

TEST(GoVerifyTest, WrongChainIsRefused) {
  const Chain c = issue_kubelet_client({KeyType::kEcP256, 0}, "EC");
  // Another CA with the same subject: Go finds it by name but the signature does not match.
  const Chain other = issue_kubelet_client({KeyType::kEcP256, 0}, "EC");
  GoVerifyRequest r;
  r.roots_pem = pem(other.ca_der);
  r.cert_pem = pem(c.leaf_der);
  const auto result = go_verify(r);
  EXPECT_EQ(result.exit_code, 1) << result.output;
  EXPECT_FALSE(result.ok);
  EXPECT_EQ(result.stage, "verify");
  EXPECT_NE(result.error.find("x509: certificate signed by unknown authority"), std::string::npos)
      << result.output;
  // The right root again: the same request verifies, so the refusal was the chain's.
  r.roots_pem = pem(c.ca_der);
  EXPECT_TRUE(go_verify(r).ok);
}

TEST(GoVerifyTest, DuplicateExtensionIsRefusedByGoAndByTheLint) {
  const Chain c = issue_kubelet_client({KeyType::kEcP256, 0}, "EC");
  auto parts = testing::CertParts::split(c.leaf_der);
  parts.extensions.push_back(*parts.extension(37));
  const auto input = signing_input(c.alg, parts.tbs());
  ASSERT_TRUE(input);
  const auto sig = c.signer->sign(*input);
  ASSERT_TRUE(sig);
  const Bytes bad = assemble_certificate(parts.tbs(), c.alg, *sig);
  const auto findings = lint_certificate(bad);
  ASSERT_EQ(findings.size(), 1U) << format_findings(findings);
  EXPECT_EQ(findings[0].rule, "extension-duplicate");
  GoVerifyRequest r;
  r.roots_pem = pem(c.ca_der);
  r.cert_pem = pem(bad);
  const auto result = go_verify(r);
  EXPECT_EQ(result.exit_code, 1) << result.output;
  EXPECT_EQ(result.stage, "parse");
  EXPECT_NE(result.error.find("duplicate extension"), std::string::npos) << result.output;
}

TEST(GoVerifyTest, NegativeSerialIsCaughtByTheLintWhateverGoSays) {
  const Chain c = issue_kubelet_client({KeyType::kEcP256, 0}, "EC");
  auto parts = testing::CertParts::split(c.leaf_der);
  parts.serial = {0x02, 0x10, 0xc0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
  const auto input = signing_input(c.alg, parts.tbs());
  ASSERT_TRUE(input);
  const auto sig = c.signer->sign(*input);
  ASSERT_TRUE(sig);
  const Bytes negative = assemble_certificate(parts.tbs(), c.alg, *sig);
  const auto findings = lint_certificate(negative);
  ASSERT_EQ(findings.size(), 1U) << format_findings(findings);
  EXPECT_EQ(findings[0].rule, "serial-negative");
  GoVerifyRequest r;
  r.roots_pem = pem(c.ca_der);
  r.cert_pem = pem(negative);
  const auto result = go_verify(r);
  // Go 1.19 accepts it (it refuses negative serials from 1.23, spec §6.1): the reason the lint
  // exists. Either answer is recorded; the verifier must at least have run.
  EXPECT_TRUE(result.exit_code == 0 || result.exit_code == 1) << result.output;
  RecordProperty("go_accepts_negative_serial", result.ok ? "yes" : "no");
  std::printf("  Go on a negative serial: %s\n", result.output.c_str());  // NOLINT
}

TEST(GoVerifyTest, NamesAreCheckedAgainstSansOnly) {
  // A kubelet client certificate has no SAN: Go refuses it for any DNS name or IP (it never
  // looks at the CN, spec §6.2), which is what --dns/--ip exist to check on serving certificates.
  const Chain c = issue_kubelet_client({KeyType::kEcP256, 0}, "EC");
  GoVerifyRequest r;
  r.roots_pem = pem(c.ca_der);
  r.cert_pem = pem(c.leaf_der);
  r.eku = "any";
  r.dns = "n1.example";
  auto result = go_verify(r);
  EXPECT_EQ(result.exit_code, 1) << result.output;
  EXPECT_NE(result.error.find("x509: certificate is not valid for any names"), std::string::npos)
      << result.output;
  r.dns.clear();
  r.ip = "10.0.0.1";
  result = go_verify(r);
  EXPECT_EQ(result.exit_code, 1) << result.output;
  EXPECT_NE(result.error.find("x509: cannot validate certificate for 10.0.0.1 because it doesn't "
                              "contain any IP SANs"),
            std::string::npos)
      << result.output;
}

TEST(GoVerifyTest, UsageErrorsExitTwo) {
  GoVerifyRequest r;
  r.roots_pem = "x";
  r.cert_pem = "y";
  r.eku = "codeSigning";
  const auto result = go_verify(r);
  EXPECT_EQ(result.exit_code, 2) << result.output;
  EXPECT_NE(result.error.find("--eku must be serverAuth, clientAuth or any, got codeSigning"),
            std::string::npos);
}

}  // namespace
}  // namespace signet
