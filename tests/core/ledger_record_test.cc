// record_from_certificate's two readers (core/src/ledger_record_der.h): signet's DER walk must
// give exactly the fields OpenSSL's d2i_X509 path gives, for certificates built here with
// OpenSSL's X509 API (not by signet): SAN forms in mixed order, UTCTime and GeneralizedTime,
// serials needing a leading zero octet, EC and RSA keys, multi-attribute subjects. Forms it
// does not read (otherName SANs) must make it decline, so the OpenSSL path answers.
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "signet/core/ledger.h"
#include "signet/core/ossl.h"

#include "ledger_record_der.h"

namespace signet::ledger {
namespace record_readers {

struct CertSpec {
  std::string sans;  // X509V3 config form: "DNS:a,IP:10.0.0.1,email:x@y,URI:https://u"
  std::vector<std::pair<std::string, std::string>> subject;
  long not_after_days = 365;  // ≥ ~9,000 days crosses 2050: GeneralizedTime (RFC 5280 §4.1.2.5)
  std::string serial_hex = "7f0102030405060708";
  int key = EVP_PKEY_EC;
};

ossl::EvpPkeyPtr make_key(int type) {
  EVP_PKEY* k = type == EVP_PKEY_EC ? EVP_EC_gen("P-256") : EVP_RSA_gen(2048);
  return ossl::EvpPkeyPtr(k);
}

Bytes make_cert(const CertSpec& spec) {
  const ossl::EvpPkeyPtr key = make_key(spec.key);
  ossl::X509Ptr x(X509_new());
  X509_set_version(x.get(), 2);
  BIGNUM* bn = nullptr;
  BN_hex2bn(&bn, spec.serial_hex.c_str());
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x.get()));
  BN_free(bn);
  X509_gmtime_adj(X509_getm_notBefore(x.get()), -300);
  X509_time_adj_ex(X509_getm_notAfter(x.get()), static_cast<int>(spec.not_after_days), 0, nullptr);
  X509_NAME* name = X509_get_subject_name(x.get());
  for (const auto& [field, value] : spec.subject) {
    X509_NAME_add_entry_by_txt(name, field.c_str(), MBSTRING_UTF8,
                               reinterpret_cast<const unsigned char*>(value.c_str()), -1, -1, 0);
  }
  X509_NAME* issuer = X509_NAME_new();
  X509_NAME_add_entry_by_txt(issuer, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("test issuer"), -1, -1, 0);
  X509_set_issuer_name(x.get(), issuer);
  X509_NAME_free(issuer);
  X509_set_pubkey(x.get(), key.get());
  if (!spec.sans.empty()) {
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, x.get(), x.get(), nullptr, nullptr, 0);
    X509_EXTENSION* ext =
        X509V3_EXT_conf_nid(nullptr, &ctx, NID_subject_alt_name, spec.sans.c_str());
    EXPECT_NE(ext, nullptr) << spec.sans;
    X509_add_ext(x.get(), ext, -1);
    X509_EXTENSION_free(ext);
  }
  EXPECT_GT(X509_sign(x.get(), key.get(), EVP_sha256()), 0);
  unsigned char* der = nullptr;
  const int len = i2d_X509(x.get(), &der);
  Bytes out(der, der + len);
  OPENSSL_free(der);
  return out;
}

void expect_same(const CertSpec& spec) {
  const Bytes der = make_cert(spec);
  CertificateRecord fast;
  CertificateRecord slow;
  ASSERT_TRUE(read_record_fields(der, fast)) << "the DER reader declined " << spec.sans;
  const Status s = read_record_fields_openssl(der, slow);
  ASSERT_TRUE(s) << s.error().message();
  EXPECT_EQ(fast.serial, slow.serial);
  EXPECT_EQ(fast.not_before, slow.not_before);
  EXPECT_EQ(fast.not_after, slow.not_after);
  EXPECT_EQ(fast.subject, slow.subject);
  EXPECT_EQ(fast.sans, slow.sans) << spec.sans;
  EXPECT_EQ(fast.spki_sha256, slow.spki_sha256);
}

TEST(LedgerRecordReaders, DerReaderMatchesOpenSslOnEveryFieldAndForm) {
  expect_same({"DNS:node-1.example,IP:10.0.0.7,DNS:b.example",
               {{"O", "system:nodes"}, {"CN", "system:node:node-1"}}});
  expect_same({"IP:2001:db8::1,email:ops@example.com,URI:spiffe://cluster/ns/a,DNS:x.example",
               {{"CN", "mixed"}}});
  expect_same({"", {{"CN", "kube-apiserver-etcd-client"}}});  // no SAN extension
  expect_same({"DNS:far.example", {{"CN", "far"}}, 10000});   // GeneralizedTime notAfter
  expect_same({"DNS:a.example", {{"CN", "high-bit serial"}}, 365, "8f0102030405060708090a0b0c"});
  expect_same(
      {"DNS:rsa.example", {{"O", "a"}, {"O", "b"}, {"CN", "rsa"}}, 365, "01", EVP_PKEY_RSA});
}

TEST(LedgerRecordReaders, FormsTheDerReaderDoesNotReadGoToOpenSsl) {
  const Bytes other = make_cert({"otherName:1.2.3.4;UTF8:x,DNS:a.example", {{"CN", "other"}}});
  CertificateRecord fast;
  EXPECT_FALSE(read_record_fields(other, fast));
  auto r = record_from_certificate(other, {"ca", 0, "p", "test", "1", 1});
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->sans, (std::vector<std::string>{"other:0", "DNS:a.example"}));

  Bytes truncated = make_cert({"DNS:a.example", {{"CN", "t"}}});
  truncated.pop_back();
  EXPECT_FALSE(read_record_fields(truncated, fast));
  auto bad = record_from_certificate(truncated, {"ca", 0, "p", "test", "1", 1});
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message().find("not one DER X.509 certificate"), std::string::npos)
      << bad.error().message();
}

}  // namespace record_readers
}  // namespace signet::ledger
