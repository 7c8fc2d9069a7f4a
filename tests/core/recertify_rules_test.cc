// Recertify refusals for certificates OLD really signed but that break a structural rule of
// RFC 5280, and the ledger-record source (signet issue 5, item 3). The hostile inputs are made
// with OpenSSL's X509 API (edited, then re-signed with OLD's key), so each one is exactly what a
// careless or malicious CA could have produced — not a shape only signet's writer can make.
#include <algorithm>
#include <chrono>
#include <string>

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "signet/core/der.h"
#include "signet/core/issuer.h"
#include "signet/core/recertify.h"
#include "signet/core/software_signer.h"

#include "test_csr.h"

namespace signet::recertify_rules {
namespace {

using testing::CsrSpec;
using testing::make_csr_der;
using testing::openssl_verifies;

// A CA whose private key the test also holds as an EVP_PKEY, to re-sign edited certificates.
struct KeyedCa {
  ossl::EvpPkeyPtr pkey;
  std::unique_ptr<SoftwareSigner> signer;
  CaCertificate cert;
};

ossl::EvpPkeyPtr new_key(bool rsa) {
  return ossl::EvpPkeyPtr(rsa ? EVP_RSA_gen(2048) : EVP_EC_gen("P-256"));
}

KeyedCa make_ca(bool rsa, const std::string& cn) {
  ossl::EvpPkeyPtr pkey = new_key(rsa);
  EXPECT_TRUE(pkey);
  EVP_PKEY_up_ref(pkey.get());
  auto signer = SoftwareSigner::from_pkey(ossl::EvpPkeyPtr(pkey.get()), "test");
  EXPECT_TRUE(signer) << signer.error().message();
  const auto der =
      create_self_signed_ca({{NameAttributeType::kCommonName, cn}}, std::chrono::hours(24 * 365),
                            std::chrono::system_clock::now(), **signer);
  EXPECT_TRUE(der) << der.error().message();
  auto cert = CaCertificate::parse(*der);
  EXPECT_TRUE(cert) << cert.error().message();
  return {std::move(pkey), std::move(*signer), std::move(*cert)};
}

const Profile& client_profile() {
  return *find_profile("kubelet-client");
}

Bytes issue_leaf(KeyedCa& ca) {
  CsrSpec spec;  // a kubelet-client request: O=system:nodes, CN=system:node:…
  const auto csr = Csr::parse(make_csr_der(spec));
  EXPECT_TRUE(csr) << csr.error().message();
  const auto issued = issue_certificate(ca.cert, *ca.signer, client_profile(), *csr,
                                        std::chrono::system_clock::now());
  EXPECT_TRUE(issued) << issued.error().message();
  return issued ? issued->der : Bytes{};
}

ossl::X509Ptr to_x509(ByteView der) {
  const unsigned char* p = der.data();
  return ossl::X509Ptr(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
}

// Re-signs `x` (after the caller's edits) with `key` and `md` and returns its DER.
Bytes resign(X509* x, EVP_PKEY* key, const EVP_MD* md) {
  EXPECT_GT(X509_sign(x, key, md), 0);
  unsigned char* out = nullptr;
  const int len = i2d_X509(x, &out);
  Bytes der(out, out + std::max(len, 0));
  OPENSSL_free(out);
  return der;
}

void remove_extension(X509* x, int nid) {
  const int at = X509_get_ext_by_NID(x, nid, -1);
  if (at >= 0) X509_EXTENSION_free(X509_delete_ext(x, at));
}

void add_extension(X509* x, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, nullptr, x, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  ASSERT_NE(ext, nullptr);
  X509_add_ext(x, ext, -1);
  X509_EXTENSION_free(ext);
}

std::string refusal(const KeyedCa& old_ca, ByteView input) {
  const auto r = RecertifyRequest::from_certificate(input, old_ca.cert);
  EXPECT_FALSE(r) << "accepted a certificate that must be refused";
  return r ? std::string() : r.error().message();
}

void expect_contains(const std::string& text, const std::string& part) {
  EXPECT_NE(text.find(part), std::string::npos) << "message: " << text << "\nexpected: " << part;
}

class RecertifyRulesTest : public ::testing::Test {
 protected:
  KeyedCa old = make_ca(false, "kubernetes");
  Bytes leaf = issue_leaf(old);
};

TEST_F(RecertifyRulesTest, TheUneditedLeafIsAcceptedSoEachRefusalIsTheEditsDoing) {
  const auto x = to_x509(leaf);
  ASSERT_TRUE(x);
  const Bytes resigned = resign(x.get(), old.pkey.get(), EVP_sha256());
  EXPECT_TRUE(RecertifyRequest::from_certificate(resigned, old.cert));
  EXPECT_TRUE(openssl_verifies(resigned, old.cert.public_key_der()));
}

TEST_F(RecertifyRulesTest, VersionTwoIsRefused) {
  const auto x = to_x509(leaf);
  ASSERT_TRUE(x);
  ASSERT_EQ(X509_set_version(x.get(), X509_VERSION_2), 1);
  EXPECT_EQ(refusal(old, resign(x.get(), old.pkey.get(), EVP_sha256())),
            "certificate version must be v3 (2) or absent (v1), got 0x01");
}

TEST_F(RecertifyRulesTest, VersionOneWithExtensionsIsRefused) {
  const auto x = to_x509(leaf);
  ASSERT_TRUE(x);
  ASSERT_EQ(X509_set_version(x.get(), X509_VERSION_1), 1);  // OpenSSL still writes extensions
  EXPECT_EQ(refusal(old, resign(x.get(), old.pkey.get(), EVP_sha256())),
            "certificate is v1 but carries extensions (RFC 5280 §4.1.2.9: extensions appear only "
            "in v3)");
}

TEST_F(RecertifyRulesTest, VersionOneWithAUniqueIdIsRefused) {
  // OpenSSL has no setter for issuerUniqueID: splice "[1] BIT STRING" after the SPKI of a v1
  // TBS by hand. The signature no longer matters: the structural rule is checked before it.
  const auto x = to_x509(leaf);
  ASSERT_TRUE(x);
  ASSERT_EQ(X509_set_version(x.get(), X509_VERSION_1), 1);
  while (X509_get_ext_count(x.get()) > 0) X509_EXTENSION_free(X509_delete_ext(x.get(), 0));
  Bytes der = resign(x.get(), old.pkey.get(), EVP_sha256());
  ASSERT_TRUE(RecertifyRequest::from_certificate(der, old.cert))
      << "a v1 certificate with neither extensions nor unique IDs is a legal input";
  // Certificate ::= SEQUENCE { tbs, signatureAlgorithm, signature }: rebuild it with the
  // unique ID appended to the TBS (a tiny DER re-encoder: tag, minimal length, content).
  der::Reader outer(der);
  const auto cert = outer.expect(der::kSequence, "Certificate");
  ASSERT_TRUE(cert);
  der::Reader fields(cert->content);
  const auto tbs = fields.expect(der::kSequence, "tbs");
  ASSERT_TRUE(tbs);
  const auto tlv = [](std::uint8_t tag, const Bytes& content) {
    Bytes out = {tag};
    const std::size_t n = content.size();
    if (n < 0x80) {
      out.push_back(static_cast<std::uint8_t>(n));
    } else if (n < 0x100) {
      out.insert(out.end(), {0x81, static_cast<std::uint8_t>(n)});
    } else {
      out.insert(out.end(),
                 {0x82, static_cast<std::uint8_t>(n >> 8U), static_cast<std::uint8_t>(n)});
    }
    out.insert(out.end(), content.begin(), content.end());
    return out;
  };
  Bytes tbs_content(tbs->content.begin(), tbs->content.end());
  const Bytes unique_id = {0x81, 0x02, 0x00, 0xAA};  // issuerUniqueID [1] IMPLICIT BIT STRING
  tbs_content.insert(tbs_content.end(), unique_id.begin(), unique_id.end());
  Bytes cert_content = tlv(0x30, tbs_content);
  const ByteView rest = cert->content.subspan(tbs->whole.size());
  cert_content.insert(cert_content.end(), rest.begin(), rest.end());
  der = tlv(0x30, cert_content);
  EXPECT_EQ(refusal(old, der),
            "certificate is v1 but carries a unique identifier (RFC 5280 §4.1.2.8: "
            "issuerUniqueID and subjectUniqueID appear only in v2 or v3)");
}

TEST_F(RecertifyRulesTest, KeyCertSignWithoutBasicConstraintsIsRefused) {
  const auto x = to_x509(leaf);
  ASSERT_TRUE(x);
  remove_extension(x.get(), NID_basic_constraints);
  remove_extension(x.get(), NID_key_usage);
  add_extension(x.get(), NID_key_usage, "critical,digitalSignature,keyCertSign");
  EXPECT_EQ(refusal(old, resign(x.get(), old.pkey.get(), EVP_sha256())),
            "certificate asserts keyUsage keyCertSign without basicConstraints CA:TRUE (RFC 5280 "
            "§4.2.1.3 forbids that); recertify re-signs leaf certificates only");
}

TEST_F(RecertifyRulesTest, DuplicateExtensionsAreRefused) {
  const auto x = to_x509(leaf);
  ASSERT_TRUE(x);
  add_extension(x.get(), NID_ext_key_usage, "clientAuth");  // a second extendedKeyUsage
  EXPECT_EQ(refusal(old, resign(x.get(), old.pkey.get(), EVP_sha256())),
            "certificate has extension 2.5.29.37 twice (RFC 5280 §4.2: at most one instance)");
}

TEST_F(RecertifyRulesTest, OuterAndInnerSignatureAlgorithmsMustBeIdentical) {
  Bytes der = leaf;
  // ecdsa-with-SHA256 (1.2.840.10045.4.3.2): the last occurrence is the outer
  // signatureAlgorithm; make it ecdsa-with-SHA384 (…4.3.3) and leave the TBS's alone.
  const Bytes oid = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02};
  const auto at = std::find_end(der.begin(), der.end(), oid.begin(), oid.end());
  ASSERT_NE(at, der.end());
  *(at + static_cast<std::ptrdiff_t>(oid.size()) - 1) = 0x03;
  EXPECT_EQ(refusal(old, der),
            "certificate signatureAlgorithm differs from the tbsCertificate signature field "
            "(RFC 5280 §4.1.1.2: they must be identical)");
}

TEST(RecertifyRulesRsa, ShaOneSignaturesAreRefusedEvenFromOld) {
  KeyedCa old_ca = make_ca(true, "kubernetes");
  const auto x = to_x509(issue_leaf(old_ca));
  ASSERT_TRUE(x);
  const Bytes sha1 = resign(x.get(), old_ca.pkey.get(), EVP_sha1());
  ASSERT_TRUE(openssl_verifies(sha1, old_ca.cert.public_key_der()))
      << "the input really is OLD's SHA-1 signature";
  expect_contains(refusal(old_ca, sha1), "SHA-1 and MD5 signatures are refused");
}

TEST(RecertifyRulesRsa, AnEcdsaSignatureCannotComeFromAnRsaCa) {
  KeyedCa old_ca = make_ca(true, "kubernetes");
  const auto x = to_x509(issue_leaf(old_ca));
  ASSERT_TRUE(x);
  const ossl::EvpPkeyPtr attacker = new_key(false);
  ASSERT_TRUE(attacker);
  EXPECT_EQ(refusal(old_ca, resign(x.get(), attacker.get(), EVP_sha256())),
            "certificate was not issued by the --from-ca CA 'CN=kubernetes': it is signed with "
            "ecdsa-with-SHA256, which the CA's key cannot make");
}

// The ledger source skips only the signature: every other rule still holds.
TEST_F(RecertifyRulesTest, ALedgerRecordSkipsOnlyTheSignatureCheck) {
  Bytes tampered = leaf;
  tampered.back() ^= 0x01;  // OLD's signature no longer verifies
  expect_contains(refusal(old, tampered), "does not verify with the CA's public key");
  const auto trusted = RecertifyRequest::from_ledger_record(tampered, old.cert);
  ASSERT_TRUE(trusted) << trusted.error().message();
  EXPECT_EQ(format_name(trusted->subject()).rfind("O=system:nodes, CN=system:node:", 0), 0U)
      << format_name(trusted->subject());

  KeyedCa other = make_ca(false, "etcd-ca");
  const auto foreign = RecertifyRequest::from_ledger_record(issue_leaf(other), old.cert);
  ASSERT_FALSE(foreign);
  expect_contains(foreign.error().message(), "its issuer is 'CN=etcd-ca'");
  const auto ca_itself = RecertifyRequest::from_ledger_record(old.cert.der(), old.cert);
  ASSERT_FALSE(ca_itself);
  expect_contains(ca_itself.error().message(), "is self-issued");
  const auto x = to_x509(leaf);
  ASSERT_TRUE(x);
  add_extension(x.get(), NID_ext_key_usage, "clientAuth");
  const auto duplicate =
      RecertifyRequest::from_ledger_record(resign(x.get(), old.pkey.get(), EVP_sha256()), old.cert);
  ASSERT_FALSE(duplicate);
  expect_contains(duplicate.error().message(), "twice");
}

}  // namespace
}  // namespace signet::recertify_rules
