// Recertify (signet issue 5, item 3): a certificate OLD issued, re-signed under NEW with the same
// subject, SANs and key; every forged or hostile input refused with its rule. Certificates are
// checked with OpenSSL's X509 API (not our DER walk) and with signet's lint.
#include "signet/core/recertify.h"

#include <chrono>
#include <string>

#include <gtest/gtest.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "signet/core/issuer.h"
#include "signet/core/lint.h"
#include "signet/core/software_signer.h"

#include "test_csr.h"

namespace signet {
namespace {

using testing::CsrSpec;
using testing::make_csr_der;
using testing::openssl_verifies;

struct TestCa {
  std::unique_ptr<SoftwareSigner> signer;
  CaCertificate cert;
};

TestCa make_ca(KeySpec spec, const std::string& cn,
               SystemTime now = std::chrono::system_clock::now()) {
  auto signer = SoftwareSigner::generate(spec);
  EXPECT_TRUE(signer);
  const auto der = create_self_signed_ca({{NameAttributeType::kCommonName, cn}},
                                         std::chrono::hours(87600), now, **signer);
  EXPECT_TRUE(der) << der.error().message();
  auto cert = CaCertificate::parse(*der);
  EXPECT_TRUE(cert) << cert.error().message();
  return {std::move(*signer), std::move(*cert)};
}

const Profile& profile(const char* name) {
  const Profile* p = find_profile(name);
  EXPECT_NE(p, nullptr) << name;
  return *p;
}

// A kubelet-serving certificate (node subject, DNS and IP SANs) issued by `ca` at `now`.
Bytes issue_leaf(TestCa& ca, SystemTime now = std::chrono::system_clock::now(),
                 const char* profile_name = "kubelet-serving") {
  CsrSpec spec;
  spec.san = "DNS:n1.example, IP:10.0.0.7";
  const auto csr = Csr::parse(make_csr_der(spec));
  EXPECT_TRUE(csr) << csr.error().message();
  const auto issued = issue_certificate(ca.cert, *ca.signer, profile(profile_name), *csr, now);
  EXPECT_TRUE(issued) << issued.error().message();
  return issued ? issued->der : Bytes{};
}

Result<IssuedCertificate> recertify(TestCa& new_ca, const TestCa& old_ca, ByteView input,
                                    const char* profile_name = "kubelet-serving") {
  SIGNET_ASSIGN_OR_RETURN(const RecertifyRequest request,
                          RecertifyRequest::from_certificate(input, old_ca.cert));
  SIGNET_ASSIGN_OR_RETURN(
      PreparedCertificate prepared,
      prepare_recertified(new_ca.cert, new_ca.signer->algorithm(), profile(profile_name), request,
                          std::chrono::system_clock::now()));
  SIGNET_ASSIGN_OR_RETURN(const Bytes signature, new_ca.signer->sign(prepared.signing_input));
  return finish_certificate(std::move(prepared), signature);
}

std::string refusal(TestCa& new_ca, const TestCa& old_ca, ByteView input,
                    const char* profile_name = "kubelet-serving") {
  const auto r = recertify(new_ca, old_ca, input, profile_name);
  EXPECT_FALSE(r) << "accepted a certificate that must be refused";
  return r ? std::string() : r.error().message();
}

// No gmock in this tree: a substring check that prints the whole message when it fails.
void expect_contains(const std::string& text, const std::string& part) {
  EXPECT_NE(text.find(part), std::string::npos) << "message: " << text << "\nexpected: " << part;
}

ossl::X509Ptr parse_x509(ByteView der) {
  const unsigned char* p = der.data();
  return ossl::X509Ptr(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
}

Bytes name_der(const X509_NAME* name) {
  unsigned char* out = nullptr;
  const int len = i2d_X509_NAME(name, &out);
  Bytes der(out, out + std::max(len, 0));
  OPENSSL_free(out);
  return der;
}

Bytes spki_der(X509* x) {
  unsigned char* out = nullptr;
  const int len = i2d_PUBKEY(X509_get0_pubkey(x), &out);
  Bytes der(out, out + std::max(len, 0));
  OPENSSL_free(out);
  return der;
}

// A leaf signed by `signer` claiming to come from `claimed` (issuer Name and AKI copied).
Bytes forged_leaf(const CaCertificate& claimed, Signer& signer, ByteView subject_der,
                  ByteView issuer_der) {
  auto key = SoftwareSigner::generate(KeySpec{});
  EXPECT_TRUE(key);
  CertificateFields f;
  f.serial = *random_serial();
  f.issuer_der.assign(issuer_der.begin(), issuer_der.end());
  f.subject_der.assign(subject_der.begin(), subject_der.end());
  f.public_key_der.assign((*key)->public_key_der().begin(), (*key)->public_key_der().end());
  f.not_before = std::chrono::system_clock::now() - std::chrono::hours(1);
  f.not_after = f.not_before + std::chrono::hours(24);
  f.key_usage = kDigitalSignature;
  f.extended_key_usage = {ExtendedKeyUsage::kClientAuth};
  f.authority_key_id.assign(claimed.subject_key_id().begin(), claimed.subject_key_id().end());
  auto der = sign_certificate(f, signer);
  EXPECT_TRUE(der) << der.error().message();
  return der ? *der : Bytes{};
}

Bytes node_name_der() {
  return *encode_name({{NameAttributeType::kOrganization, "system:nodes"},
                       {NameAttributeType::kCommonName, "system:node:n1"}});
}

class RecertifyTest : public ::testing::TestWithParam<KeySpec> {};

TEST_P(RecertifyTest, KeepsSubjectSansAndKeyUnderTheNewCa) {
  TestCa old_ca = make_ca(GetParam(), "kubernetes");
  TestCa new_ca = make_ca(GetParam(), "kubernetes-2027");
  const Bytes old_der = issue_leaf(old_ca);
  const auto issued = recertify(new_ca, old_ca, old_der);
  ASSERT_TRUE(issued) << issued.error().message();
  EXPECT_TRUE(lint_certificate(issued->der).empty())
      << format_findings(lint_certificate(issued->der));
  EXPECT_TRUE(openssl_verifies(issued->der, new_ca.cert.public_key_der()));
  EXPECT_FALSE(openssl_verifies(issued->der, old_ca.cert.public_key_der()));

  const auto before = parse_x509(old_der);
  const auto after = parse_x509(issued->der);
  ASSERT_TRUE(before && after);
  EXPECT_EQ(name_der(X509_get_subject_name(before.get())),
            name_der(X509_get_subject_name(after.get())));
  EXPECT_EQ(name_der(X509_get_issuer_name(after.get())),
            Bytes(new_ca.cert.subject_der().begin(), new_ca.cert.subject_der().end()));
  EXPECT_EQ(spki_der(before.get()), spki_der(after.get()));
  EXPECT_NE(
      ASN1_INTEGER_cmp(X509_get0_serialNumber(before.get()), X509_get0_serialNumber(after.get())),
      0);
  const ASN1_OCTET_STRING* aki = X509_get0_authority_key_id(after.get());
  ASSERT_NE(aki, nullptr);
  EXPECT_EQ(Bytes(ASN1_STRING_get0_data(aki), ASN1_STRING_get0_data(aki) + ASN1_STRING_length(aki)),
            Bytes(new_ca.cert.subject_key_id().begin(), new_ca.cert.subject_key_id().end()));
  ASSERT_EQ(issued->subject_alt_names.dns.size(), 1U);
  EXPECT_EQ(issued->subject_alt_names.dns[0], "n1.example");
  ASSERT_EQ(issued->subject_alt_names.ip.size(), 1U);
  EXPECT_EQ(issued->subject_alt_names.ip[0], (Bytes{10, 0, 0, 7}));
  EXPECT_EQ(X509_get_extended_key_usage(after.get()), static_cast<uint32_t>(XKU_SSL_SERVER));
}

INSTANTIATE_TEST_SUITE_P(CaKeys, RecertifyTest,
                         ::testing::Values(KeySpec{KeyType::kEcP256, 0},
                                           KeySpec{KeyType::kRsa, 2048}),
                         [](const auto& param_info) {
                           return param_info.param.type == KeyType::kRsa ? std::string("Rsa2048")
                                                                         : std::string("P256");
                         });

// Documented choice (recertify.h): an expired leaf from OLD is re-signed; OLD's signature is
// the authority, and rotation after an outage must be able to reissue expired certificates.
TEST(RecertifyRefusals, ExpiredCertificateFromOldIsAccepted) {
  const auto past = std::chrono::system_clock::now() - std::chrono::hours(24 * 800);
  TestCa old_ca = make_ca(KeySpec{}, "kubernetes", past);
  TestCa new_ca = make_ca(KeySpec{}, "kubernetes-2027");
  const Bytes old_der = issue_leaf(old_ca, past);
  const auto x = parse_x509(old_der);
  ASSERT_TRUE(x);
  ASSERT_LT(X509_cmp_current_time(X509_get0_notAfter(x.get())), 0) << "the input must be expired";
  const auto issued = recertify(new_ca, old_ca, old_der);
  ASSERT_TRUE(issued) << issued.error().message();
  EXPECT_GT(issued->not_after, std::chrono::system_clock::now());
}

TEST(RecertifyRefusals, CertificateFromAnotherCaWithAnotherName) {
  TestCa old_ca = make_ca(KeySpec{}, "kubernetes");
  TestCa other = make_ca(KeySpec{}, "etcd-ca");
  TestCa new_ca = make_ca(KeySpec{}, "kubernetes-2027");
  EXPECT_EQ(refusal(new_ca, old_ca, issue_leaf(other)),
            "certificate was not issued by the --from-ca CA 'CN=kubernetes': its issuer is "
            "'CN=etcd-ca' (RFC 5280 §4.1.2.4: issuer must equal the CA's subject)");
}

TEST(RecertifyRefusals, CertificateFromAnotherCaWithTheSameNameFailsOnTheAki) {
  TestCa old_ca = make_ca(KeySpec{}, "kubernetes");
  TestCa twin = make_ca(KeySpec{}, "kubernetes");  // same subject, another key
  TestCa new_ca = make_ca(KeySpec{}, "kubernetes-2027");
  const std::string message = refusal(new_ca, old_ca, issue_leaf(twin));
  expect_contains(message,
                  ("certificate was not issued by the --from-ca CA 'CN=kubernetes': "
                   "its authorityKeyIdentifier " +
                   to_hex(twin.cert.subject_key_id()) + " is not the CA's subjectKeyIdentifier " +
                   to_hex(old_ca.cert.subject_key_id())));
}

TEST(RecertifyRefusals, ForgedIssuerAndAkiFailOnTheSignature) {
  TestCa old_ca = make_ca(KeySpec{}, "kubernetes");
  TestCa new_ca = make_ca(KeySpec{}, "kubernetes-2027");
  auto attacker = SoftwareSigner::generate(KeySpec{});
  ASSERT_TRUE(attacker);
  const Bytes forged =
      forged_leaf(old_ca.cert, **attacker, node_name_der(), old_ca.cert.subject_der());
  EXPECT_EQ(refusal(new_ca, old_ca, forged, "kubelet-client"),
            "certificate was not issued by the --from-ca CA 'CN=kubernetes': its signature "
            "(ecdsa-with-SHA256) does not verify with the CA's public key (RFC 5280 §4.1.1.3)");
}

TEST(RecertifyRefusals, TamperedSignatureOfAGenuineCertificate) {
  TestCa old_ca = make_ca(KeySpec{KeyType::kRsa, 2048}, "kubernetes");
  TestCa new_ca = make_ca(KeySpec{}, "kubernetes-2027");
  Bytes der = issue_leaf(old_ca);
  der.back() ^= 0x01;
  expect_contains(refusal(new_ca, old_ca, der),
                  ("its signature (sha256WithRSAEncryption) does not verify with the CA's public "
                   "key"));
}

TEST(RecertifyRefusals, SelfSignedCertificateNamingANode) {
  TestCa old_ca = make_ca(KeySpec{}, "kubernetes");
  TestCa new_ca = make_ca(KeySpec{}, "kubernetes-2027");
  auto node = SoftwareSigner::generate(KeySpec{});
  ASSERT_TRUE(node);
  const Bytes self_signed = forged_leaf(old_ca.cert, **node, node_name_der(), node_name_der());
  EXPECT_EQ(refusal(new_ca, old_ca, self_signed, "kubelet-client"),
            "certificate is self-issued (issuer = subject 'O=system:nodes, CN=system:node:n1'); "
            "only a certificate the --from-ca CA signed can be recertified without the node");
}

TEST(RecertifyRefusals, TheOldCaItselfAndIntermediatesAreNotLeaves) {
  TestCa old_ca = make_ca(KeySpec{}, "kubernetes");
  TestCa new_ca = make_ca(KeySpec{}, "kubernetes-2027");
  expect_contains(refusal(new_ca, old_ca, old_ca.cert.der()), ("is self-issued"));
  auto sub_key = SoftwareSigner::generate(KeySpec{});
  ASSERT_TRUE(sub_key);
  const auto sub = create_intermediate_ca(
      {{NameAttributeType::kCommonName, "sub"}}, std::chrono::hours(24),
      std::chrono::system_clock::now(), old_ca.cert, *old_ca.signer, (*sub_key)->public_key_der());
  ASSERT_TRUE(sub) << sub.error().message();
  EXPECT_EQ(refusal(new_ca, old_ca, *sub),
            "certificate is a CA (basicConstraints CA:TRUE); recertify re-signs leaf "
            "certificates only (create CAs with `signet ca init`)");
}

TEST(RecertifyRefusals, ProfileNoLongerAllowsIt) {
  TestCa old_ca = make_ca(KeySpec{}, "kubernetes");
  TestCa new_ca = make_ca(KeySpec{}, "kubernetes-2027");
  // A serving certificate's DNS/IP names are not allowed in a kubelet-client certificate.
  EXPECT_EQ(refusal(new_ca, old_ca, issue_leaf(old_ca), "kubelet-client"),
            "kubelet-client: subjectAltName is not allowed in a kubelet-client certificate, got "
            "DNS:n1.example");
}

TEST(RecertifyRefusals, MalformedInput) {
  TestCa old_ca = make_ca(KeySpec{}, "kubernetes");
  TestCa new_ca = make_ca(KeySpec{}, "kubernetes-2027");
  const Bytes good = issue_leaf(old_ca);
  const Bytes truncated(good.begin(), good.end() - 10);
  expect_contains(refusal(new_ca, old_ca, truncated),
                  ("certificate is not a valid X.509 certificate: "));
  Bytes trailing = good;
  trailing.push_back(0);
  EXPECT_EQ(refusal(new_ca, old_ca, trailing),
            "certificate has 1 bytes of trailing data after the DER certificate");
  const Bytes garbage = {0x30, 0x03, 0x02, 0x01, 0x00};
  expect_contains(refusal(new_ca, old_ca, garbage),
                  ("certificate is not a valid X.509 certificate: "));
  const Bytes oversized(RecertifyRequest::kMaxBytes + 1, 0x30);
  EXPECT_EQ(refusal(new_ca, old_ca, oversized), "certificate is 65537 bytes; the limit is 65536");
  // Hostile nesting: 2,000 SEQUENCEs, each inside the next (long-form lengths past 127).
  Bytes nested;
  for (int i = 0; i < 2000; ++i) {
    Bytes outer = {0x30};
    const std::size_t n = nested.size();
    if (n < 0x80) {
      outer.push_back(static_cast<std::uint8_t>(n));
    } else if (n < 0x100) {
      outer.insert(outer.end(), {0x81, static_cast<std::uint8_t>(n)});
    } else {
      outer.insert(outer.end(),
                   {0x82, static_cast<std::uint8_t>(n >> 8U), static_cast<std::uint8_t>(n)});
    }
    outer.insert(outer.end(), nested.begin(), nested.end());
    nested = std::move(outer);
  }
  expect_contains(refusal(new_ca, old_ca, nested), ("certificate is not a valid X.509"));
  const std::string pem =
      "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE "
      "REQUEST-----\n";
  EXPECT_FALSE(recertify(new_ca, old_ca,
                         ByteView(reinterpret_cast<const std::uint8_t*>(pem.data()), pem.size())));
}

}  // namespace
}  // namespace signet
