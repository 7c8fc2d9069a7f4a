#include <gtest/gtest.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "signet/core/issuer.h"
#include "signet/core/software_signer.h"

#include "linted_issue.h"
#include "test_csr.h"

namespace signet {
namespace {

using testing::CsrSpec;
using testing::issue_linted;
using testing::make_csr_der;
using testing::openssl_verifies;

struct TestCa {
  std::unique_ptr<SoftwareSigner> signer;
  CaCertificate cert;
};

TestCa make_ca(KeySpec spec, std::chrono::seconds validity = std::chrono::hours(87600)) {
  auto signer = SoftwareSigner::generate(spec);
  EXPECT_TRUE(signer);
  const auto der = create_self_signed_ca({{NameAttributeType::kCommonName, "kubernetes"}}, validity,
                                         std::chrono::system_clock::now(), **signer);
  EXPECT_TRUE(der) << der.error().message();
  auto cert = CaCertificate::parse(*der);
  EXPECT_TRUE(cert) << cert.error().message();
  return {std::move(*signer), std::move(*cert)};
}

ossl::X509Ptr parse_x509(ByteView der) {
  const unsigned char* p = der.data();
  return ossl::X509Ptr(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
}

class IssueTest : public ::testing::TestWithParam<KeySpec> {};

TEST_P(IssueTest, KubeletClientCertificateHasTheKubernetesProfile) {
  TestCa ca = make_ca(GetParam());
  EXPECT_TRUE(openssl_verifies(ca.cert.der(), ca.cert.public_key_der()));
  const Profile* profile = find_profile("kubelet-client");
  ASSERT_NE(profile, nullptr);
  for (const std::string key : {"EC", "RSA"}) {
    CsrSpec spec;
    spec.key = key;
    const auto csr = Csr::parse(make_csr_der(spec));
    ASSERT_TRUE(csr);
    const auto now = std::chrono::system_clock::now();
    const auto issued = issue_linted(ca.cert, *ca.signer, *profile, *csr, now);
    ASSERT_TRUE(issued) << issued.error().message();
    EXPECT_TRUE(openssl_verifies(issued->der, ca.cert.public_key_der()));

    const auto x = parse_x509(issued->der);
    ASSERT_TRUE(x);
    EXPECT_EQ(X509_get_version(x.get()), 2);
    EXPECT_EQ(X509_check_ca(x.get()), 0);
    EXPECT_EQ(X509_get_extended_key_usage(x.get()), static_cast<uint32_t>(XKU_SSL_CLIENT));
    const uint32_t ku = X509_get_key_usage(x.get());
    EXPECT_TRUE(ku & KU_DIGITAL_SIGNATURE);
    EXPECT_EQ((ku & KU_KEY_ENCIPHERMENT) != 0, key == "RSA");
    EXPECT_NE(X509_get0_subject_key_id(x.get()), nullptr);
    const ASN1_OCTET_STRING* aki = X509_get0_authority_key_id(x.get());
    ASSERT_NE(aki, nullptr);
    EXPECT_EQ(
        Bytes(ASN1_STRING_get0_data(aki), ASN1_STRING_get0_data(aki) + ASN1_STRING_length(aki)),
        Bytes(ca.cert.subject_key_id().begin(), ca.cert.subject_key_id().end()));
    // KCM rule (spec §2.5): a TTL of 8 h or more ends at now + TTL - 5 min, i.e. exactly TTL
    // after the backdated notBefore.
    EXPECT_EQ(issued->not_after - issued->not_before, std::chrono::hours(8760));
    EXPECT_EQ(issued->serial.size(), 16U);
    EXPECT_EQ(issued->serial[0] & 0xc0U, 0x40U);
    EXPECT_EQ(std::chrono::time_point_cast<std::chrono::seconds>(now) - issued->not_before,
              std::chrono::minutes(5));
    // The issuer is the CA subject byte for byte.
    unsigned char* issuer = nullptr;
    const int len = i2d_X509_NAME(X509_get_issuer_name(x.get()), &issuer);
    EXPECT_EQ(Bytes(issuer, issuer + len),
              Bytes(ca.cert.subject_der().begin(), ca.cert.subject_der().end()));
    OPENSSL_free(issuer);
  }
}

INSTANTIATE_TEST_SUITE_P(CaKeys, IssueTest,
                         ::testing::Values(KeySpec{KeyType::kEcP256, 0},
                                           KeySpec{KeyType::kEcP384, 0},
                                           KeySpec{KeyType::kRsa, 2048}),
                         [](const ::testing::TestParamInfo<KeySpec>& p) {
                           std::string name = key_spec_name({p.param.type, p.param.rsa_bits});
                           std::erase(name, '-');
                           return name;
                         });

TEST(IssuePolicyTest, KubeletClientRulesNameTheRuleAndTheValue) {
  TestCa ca = make_ca({KeyType::kEcP256, 0});
  const Profile& profile = *find_profile("kubelet-client");
  struct Case {
    CsrSpec spec;
    std::string message;
  };
  std::vector<Case> cases;
  Case wrong_o;
  wrong_o.spec.subject = {{"O", "system:masters"}, {"CN", "system:node:n1"}};
  wrong_o.message = "subject O must be exactly system:nodes, got [system:masters]";
  cases.push_back(wrong_o);
  Case two_o;
  two_o.spec.subject = {{"O", "system:nodes"}, {"O", "system:masters"}, {"CN", "system:node:n1"}};
  two_o.message = "subject O must be exactly system:nodes";
  cases.push_back(two_o);
  Case wrong_cn;
  wrong_cn.spec.subject = {{"O", "system:nodes"}, {"CN", "admin"}};
  wrong_cn.message = "subject CN must be system:node:<node name>, got 'admin'";
  cases.push_back(wrong_cn);
  Case empty_node;
  empty_node.spec.subject = {{"O", "system:nodes"}, {"CN", "system:node:"}};
  empty_node.message = "subject CN must be system:node:<node name>";
  cases.push_back(empty_node);
  Case extra;
  extra.spec.subject = {{"O", "system:nodes"}, {"OU", "x"}, {"CN", "system:node:n1"}};
  extra.message = "subject must hold only CN and O";
  cases.push_back(extra);
  Case san;
  san.spec.san = "DNS:n1.example";
  san.message = "subjectAltName is not allowed in a kubelet-client certificate, got DNS:n1.example";
  cases.push_back(san);
  Case weak;
  weak.spec.key = "RSA1024";
  weak.message = "RSA keys must be 2048 to 8192 bits, got 1024";
  cases.push_back(weak);
  for (const auto& c : cases) {
    const auto csr = Csr::parse(make_csr_der(c.spec));
    ASSERT_TRUE(csr) << csr.error().message();
    const auto issued =
        issue_linted(ca.cert, *ca.signer, profile, *csr, std::chrono::system_clock::now());
    ASSERT_FALSE(issued) << c.message;
    EXPECT_NE(issued.error().message().find("kubelet-client: "), std::string::npos);
    EXPECT_NE(issued.error().message().find(c.message), std::string::npos)
        << issued.error().message();
    EXPECT_EQ(issued.error().retry(), Retry::kNever);
  }
}

TEST(IssuePolicyTest, ValidityIsClampedToTheCaAndExpiredCasRefuse) {
  TestCa ca = make_ca({KeyType::kEcP256, 0}, std::chrono::hours(24));
  const auto csr = Csr::parse(make_csr_der({}));
  ASSERT_TRUE(csr);
  const Profile& profile = *find_profile("kubelet-client");
  const auto now = std::chrono::system_clock::now();
  const auto issued = issue_linted(ca.cert, *ca.signer, profile, *csr, now);
  ASSERT_TRUE(issued);
  EXPECT_EQ(issued->not_after, ca.cert.not_after());
  const auto late = issue_linted(ca.cert, *ca.signer, profile, *csr, now + std::chrono::hours(48));
  ASSERT_FALSE(late);
  EXPECT_NE(late.error().message().find("expired at"), std::string::npos);
}

TEST(IssuePolicyTest, SignerMustHoldTheCaKey) {
  TestCa ca = make_ca({KeyType::kEcP256, 0});
  auto other = SoftwareSigner::generate({KeyType::kEcP256, 0});
  ASSERT_TRUE(other);
  const auto status = check_signer_matches(ca.cert, **other);
  ASSERT_FALSE(status);
  EXPECT_NE(status.error().message().find("public keys differ"), std::string::npos);
  EXPECT_TRUE(check_signer_matches(ca.cert, *ca.signer));
}

TEST(CaCertificateTest, RefusesLeafCertificatesAsCas) {
  TestCa ca = make_ca({KeyType::kEcP256, 0});
  const auto csr = Csr::parse(make_csr_der({}));
  const auto leaf = issue_linted(ca.cert, *ca.signer, *find_profile("kubelet-client"), *csr,
                                 std::chrono::system_clock::now());
  ASSERT_TRUE(leaf);
  const auto parsed = CaCertificate::parse(leaf->der);
  ASSERT_FALSE(parsed);
  EXPECT_NE(parsed.error().message().find("not a CA"), std::string::npos);
}

}  // namespace
}  // namespace signet
