// The certificate lint (spec §7 items 1–7, §6.1): what signet issues lints clean, and each
// crafted defect gives exactly its own finding.
#include "signet/core/lint.h"

#include <gtest/gtest.h>

#include "signet/core/issuer.h"
#include "signet/core/software_signer.h"

#include "cert_parts.h"
#include "test_csr.h"

namespace signet {
namespace {

using testing::CertParts;
using testing::extension;
using testing::seq;
using testing::tlv;

struct Issued {
  std::unique_ptr<SoftwareSigner> signer;
  Bytes ca_der;
  Bytes leaf_der;
};

Issued issue(KeySpec ca_key, const std::string& csr_key) {
  Issued out;
  auto signer = SoftwareSigner::generate(ca_key);
  EXPECT_TRUE(signer);
  out.signer = std::move(*signer);
  const auto now = std::chrono::system_clock::now();
  auto ca_der = create_self_signed_ca({{NameAttributeType::kCommonName, "kubernetes"}},
                                      std::chrono::hours(87600), now, *out.signer);
  EXPECT_TRUE(ca_der);
  out.ca_der = *ca_der;
  const auto ca = CaCertificate::parse(out.ca_der);
  EXPECT_TRUE(ca);
  testing::CsrSpec spec;
  spec.key = csr_key;
  const auto csr = Csr::parse(testing::make_csr_der(spec));
  EXPECT_TRUE(csr);
  auto leaf = issue_certificate(*ca, *out.signer, *find_profile("kubelet-client"), *csr, now);
  EXPECT_TRUE(leaf) << leaf.error().message();
  out.leaf_der = leaf->der;
  return out;
}

std::vector<std::string> rules(ByteView cert) {
  std::vector<std::string> out;
  for (const auto& f : lint_certificate(cert)) out.push_back(f.rule);
  return out;
}

TEST(LintTest, IssuedCertificatesAndCasLintClean) {
  for (const KeySpec ca_key : {KeySpec{KeyType::kEcP256, 0}, KeySpec{KeyType::kEcP384, 0},
                               KeySpec{KeyType::kRsa, 2048}, KeySpec{KeyType::kEd25519, 0}}) {
    for (const std::string csr_key : {"EC", "RSA"}) {
      const Issued i = issue(ca_key, csr_key);
      EXPECT_EQ(format_findings(lint_certificate(i.ca_der)), "") << key_spec_name({ca_key.type});
      EXPECT_EQ(format_findings(lint_certificate(i.leaf_der)), "")
          << key_spec_name({ca_key.type}) << " / " << csr_key;
    }
  }
}

class LintDefectTest : public ::testing::Test {
 protected:
  void SetUp() override {
    issued_ = issue({KeyType::kEcP256, 0}, "EC");
    leaf_ = CertParts::split(issued_.leaf_der);
    ca_ = CertParts::split(issued_.ca_der);
    ASSERT_EQ(leaf_.join(), issued_.leaf_der);  // the split is lossless
    ASSERT_TRUE(lint_certificate(issued_.leaf_der).empty());
  }

  // Exactly `rule`, and its message mentions `text`.
  static void expect_only(const CertParts& parts, const std::string& rule,
                          const std::string& text) {
    const auto findings = lint_certificate(parts.join());
    ASSERT_EQ(findings.size(), 1U) << format_findings(findings);
    EXPECT_EQ(findings[0].rule, rule) << findings[0].message;
    EXPECT_NE(findings[0].message.find(text), std::string::npos) << findings[0].message;
  }

  Issued issued_;
  CertParts leaf_;
  CertParts ca_;
};

TEST_F(LintDefectTest, Serial) {
  CertParts p = leaf_;
  p.serial = Bytes{0x02, 0x10, 0x80, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
  expect_only(p, "serial-negative", "is negative; RFC 5280 §4.1.2.2 requires a positive integer");
  p.serial = Bytes{0x02, 0x03, 0x00, 0x12, 0x34};
  auto f = rules(p.join());
  EXPECT_NE(std::find(f.begin(), f.end(), "serial-not-minimal"), f.end());
  p.serial = Bytes{0x02, 0x04, 0x12, 0x34, 0x56, 0x78};
  expect_only(p, "serial-low-entropy", "fewer than 64 bits");
  p.serial = Bytes(23, 0x11);
  p.serial[0] = 0x02;
  p.serial[1] = 21;
  expect_only(p, "serial-too-long", "21 octets; RFC 5280 §4.1.2.2 allows at most 20");
  p.serial = Bytes{0x02, 0x01, 0x00};
  expect_only(p, "serial-zero", "serial is zero");
}

TEST_F(LintDefectTest, VersionAndSignatureAlgorithm) {
  CertParts p = leaf_;
  p.version.clear();
  expect_only(p, "version", "version is absent (v1)");
  p = leaf_;
  p.version = tlv(der::context_constructed(0), Bytes{0x02, 0x01, 0x01});
  expect_only(p, "version", "not v3");
  p = leaf_;
  p.inner_alg = Bytes{0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x03};
  expect_only(p, "signature-mismatch", "differs from signatureAlgorithm");
  // sha256WithRSAEncryption without its NULL, in both places.
  p.inner_alg = Bytes{0x30, 0x0b, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b};
  p.outer_alg = p.inner_alg;
  expect_only(p, "signature-params", "must carry NULL parameters (RFC 4055 §5)");
  p.inner_alg =
      Bytes{0x30, 0x0c, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02, 0x05, 0x00};
  p.outer_alg = p.inner_alg;
  expect_only(p, "signature-params", "must have no parameters");
  p.inner_alg = Bytes{0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86,
                      0xf7, 0x0d, 0x01, 0x01, 0x05, 0x05, 0x00};
  p.outer_alg = p.inner_alg;
  expect_only(p, "signature-weak", "MD5 or SHA-1");
}

TEST_F(LintDefectTest, NamesAndValidity) {
  CertParts p = leaf_;
  p.subject = seq({testing::rdn(0x03, 0x1e, std::string("\0a", 2))});
  expect_only(p, "name-string-type", "subject attribute 2.5.4.3 is tag 0x1e");
  p.subject = seq({testing::rdn(0x03, der::kPrintableString, "a_b")});
  expect_only(p, "name-value", "outside PrintableString");
  p = leaf_;
  p.validity = seq({tlv(der::kGeneralizedTime, as_bytes("20300101000000Z")),
                    tlv(der::kUtcTime, as_bytes("310101000000Z"))});
  expect_only(p, "validity-encoding", "GeneralizedTime before 2050");
  p.validity = seq(
      {tlv(der::kUtcTime, as_bytes("3001010000Z")), tlv(der::kUtcTime, as_bytes("310101000000Z"))});
  expect_only(p, "validity-encoding", "is not YYMMDDHHMMSSZ");
  p.validity = seq({tlv(der::kUtcTime, as_bytes("300101000000+0100")),
                    tlv(der::kUtcTime, as_bytes("310101000000Z"))});
  expect_only(p, "validity-encoding", "is not YYMMDDHHMMSSZ");
  p.validity = seq({tlv(der::kUtcTime, as_bytes("310101000000Z")),
                    tlv(der::kUtcTime, as_bytes("300101000000Z"))});
  expect_only(p, "validity-order", "notBefore is after notAfter");
  // 2050 and later as GeneralizedTime is right.
  p.validity = seq({tlv(der::kUtcTime, as_bytes("300101000000Z")),
                    tlv(der::kGeneralizedTime, as_bytes("20500101000000Z"))});
  EXPECT_TRUE(lint_certificate(p.join()).empty());
}

TEST_F(LintDefectTest, Extensions) {
  CertParts p = leaf_;
  p.extensions.push_back(*p.extension(37));
  expect_only(p, "extension-duplicate", "extension 2.5.29.37 appears twice");
  p = leaf_;
  *p.extension(19) = extension({0x55, 0x1d, 0x13}, false, seq({}));
  expect_only(p, "extension-critical", "basicConstraints must be critical");
  p = leaf_;
  Bytes* ku = p.extension(15);
  *ku = extension({0x55, 0x1d, 0x0f}, false, Bytes{0x03, 0x02, 0x07, 0x80});
  expect_only(p, "extension-critical", "keyUsage must be critical");
  p = leaf_;
  *p.extension(37) =
      extension({0x55, 0x1d, 0x25}, true, seq({tlv(der::kOid, Bytes{0x2b, 6, 1, 5, 5, 7, 3, 2})}));
  expect_only(p, "extension-critical", "extKeyUsage must not be critical");
  p = leaf_;
  p.extensions.push_back(extension({0x2a, 0x03, 0x04}, true, Bytes{0x05, 0x00}));
  expect_only(p, "extension-unknown-critical", "critical extension 1.2.3.4 is not one Go handles");
  p = leaf_;
  p.extensions.push_back(
      extension({0x55, 0x1d, 0x11}, false, seq({tlv(0x87, Bytes{10, 0, 0, 1, 9})})));
  expect_only(p, "san-ip-length", "iPAddress has 5 octets");
  p = leaf_;
  p.extensions.push_back(extension({0x55, 0x1d, 0x11}, false, seq({tlv(0x82, as_bytes("é.x"))})));
  expect_only(p, "san-ia5", "not IA5");
  p = leaf_;
  std::erase(p.extensions, *leaf_.extension(35));
  expect_only(p, "aki-missing", "authorityKeyIdentifier is absent");
  p = leaf_;
  std::erase(p.extensions, *leaf_.extension(19));
  expect_only(p, "bc-missing", "basicConstraints is absent");
}

TEST_F(LintDefectTest, CaAndLeafRules) {
  CertParts p = ca_;
  ASSERT_TRUE(lint_certificate(p.join()).empty());
  p.extensions.push_back(extension({0x55, 0x1d, 0x25}, false,
                                   seq({tlv(der::kOid, Bytes{0x2b, 6, 1, 5, 5, 7, 3, 2})})));
  expect_only(p, "ca-eku", "a CA certificate carries extKeyUsage");
  p = ca_;
  *p.extension(15) = extension({0x55, 0x1d, 0x0f}, true, Bytes{0x03, 0x02, 0x01, 0x02});  // cRLSign
  expect_only(p, "ca-key-cert-sign", "must allow keyCertSign");
  p = leaf_;
  // digitalSignature + keyEncipherment on an EC key.
  *p.extension(15) = extension({0x55, 0x1d, 0x0f}, true, Bytes{0x03, 0x02, 0x05, 0xa0});
  expect_only(p, "ec-key-encipherment", "keyEncipherment is for RSA only");
  *p.extension(15) = extension({0x55, 0x1d, 0x0f}, true, Bytes{0x03, 0x02, 0x02, 0x84});
  expect_only(p, "leaf-key-cert-sign", "must not allow keyCertSign");
}

TEST_F(LintDefectTest, StructureAndTrailingData) {
  CertParts p = leaf_;
  p.trailing = {0x00};
  expect_only(p, "trailing-data", "1 bytes after the certificate");
  Bytes indefinite = issued_.leaf_der;
  indefinite[1] = 0x80;
  const auto f = lint_certificate(indefinite);
  ASSERT_EQ(f.size(), 1U);
  EXPECT_EQ(f[0].rule, "der");
  EXPECT_NE(f[0].message.find("indefinite length"), std::string::npos) << f[0].message;
}

}  // namespace
}  // namespace signet
