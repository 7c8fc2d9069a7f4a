// The hot path's one-pass TBS writer (core/src/tbs_template.h) against the foundation's DER-writer
// assembly (build_tbs_reference): byte-identical output over many random field sets, the same
// refusals with the same messages, and the output accepted by OpenSSL's parser (a decoder we did
// not write) with the fields we put in.
#include <random>

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "signet/core/certificate.h"
#include "signet/core/name.h"
#include "signet/core/ossl.h"

namespace signet {
namespace {

Bytes spki_of(const char* type, const char* param) {
  const ossl::EvpPkeyPtr key(param == nullptr ? EVP_PKEY_Q_keygen(nullptr, nullptr, type)
                                              : EVP_PKEY_Q_keygen(nullptr, nullptr, type, param));
  EXPECT_TRUE(key);
  unsigned char* der = nullptr;
  const int len = i2d_PUBKEY(key.get(), &der);
  EXPECT_GT(len, 0);
  Bytes out(der, der + len);
  OPENSSL_free(der);
  return out;
}

class RandomFields {
 public:
  explicit RandomFields(unsigned seed) : rng_(seed) {
    spkis_.push_back(spki_of("EC", "P-256"));
    spkis_.push_back(spki_of("EC", "P-384"));
    spkis_.push_back(spki_of("ED25519", nullptr));
  }

  CertificateFields next() {
    CertificateFields f;
    f.serial.resize(pick(1, 20));
    for (auto& b : f.serial) b = static_cast<std::uint8_t>(pick(0, 255));
    f.serial[0] = static_cast<std::uint8_t>(f.serial[0] & 0x7fU);
    if (pick(0, 3) == 0) f.serial[0] = 0;  // leading zero octets are stripped (minimal INTEGER)
    f.issuer_der = name(pick(1, 3));
    // Sometimes the empty Name: the SAN then becomes critical (RFC 5280 §4.2.1.6).
    f.subject_der = pick(0, 5) == 0 ? Bytes{0x30, 0x00} : name(pick(1, 30));
    f.public_key_der = spkis_[static_cast<std::size_t>(pick(0, 2))];
    // 1950..2258 (system_clock counts nanoseconds in int64: it ends in 2262): UTCTime and
    // GeneralizedTime, before and after 1970, leap days and the 2049/2050 switch included.
    const std::int64_t secs = pick64(-631152000, 9098000000);
    f.not_before = SystemTime(std::chrono::seconds(secs));
    f.not_after = f.not_before + std::chrono::seconds(pick(1, 86400 * 365 * 3));
    f.is_ca = pick(0, 4) == 0;
    f.key_usage = static_cast<std::uint16_t>(pick(0, 511));
    for (int i = pick(0, 4); i > 0; --i) {
      f.extended_key_usage.push_back(static_cast<ExtendedKeyUsage>(pick(0, 11)));
    }
    if (pick(0, 1) == 0) {
      f.authority_key_id.resize(static_cast<std::size_t>(pick(1, 40)));
      for (auto& b : f.authority_key_id) b = static_cast<std::uint8_t>(pick(0, 255));
    }
    for (int i = pick(0, 3) == 0 ? pick(1, 40) : pick(0, 2); i > 0; --i) {
      f.subject_alt_names.dns.push_back("n" + std::to_string(pick(0, 1 << 20)) +
                                        std::string(static_cast<std::size_t>(pick(0, 60)), 'a') +
                                        ".example");
    }
    for (int i = pick(0, 2); i > 0; --i) {
      f.subject_alt_names.ip.push_back(Bytes(pick(0, 1) == 0 ? 4U : 16U, 0x0a));
    }
    return f;
  }

  int pick(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
  std::int64_t pick64(std::int64_t lo, std::int64_t hi) {
    return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng_);
  }

 private:
  Bytes name(int cn_length) {
    const auto der = encode_name(
        {{NameAttributeType::kOrganization, "system:nodes"},
         {NameAttributeType::kCommonName, std::string(static_cast<std::size_t>(cn_length), 'c')}});
    EXPECT_TRUE(der);
    return *der;
  }

  std::mt19937_64 rng_;
  std::vector<Bytes> spkis_;
};

TEST(TbsTemplateTest, ByteIdenticalToTheReferenceWriterOverRandomFields) {
  RandomFields gen(20261201);
  const SignatureAlgorithm algs[] = {
      SignatureAlgorithm::kEcdsaSha256, SignatureAlgorithm::kEcdsaSha384,
      SignatureAlgorithm::kRsaPkcs1Sha256, SignatureAlgorithm::kRsaPssSha256,
      SignatureAlgorithm::kEd25519};
  int long_forms = 0;
  for (int i = 0; i < 3000; ++i) {
    const CertificateFields f = gen.next();
    const SignatureAlgorithm alg = algs[static_cast<std::size_t>(i) % std::size(algs)];
    const auto fast = build_tbs(f, alg);
    const auto reference = build_tbs_reference(f, alg);
    ASSERT_TRUE(reference) << reference.error().message();
    ASSERT_TRUE(fast) << fast.error().message();
    ASSERT_EQ(to_hex(*fast), to_hex(*reference)) << "field set " << i;
    if (fast->size() > 255) ++long_forms;  // 3-octet lengths exercised too
  }
  EXPECT_GT(long_forms, 100);
}

TEST(TbsTemplateTest, OpenSslReadsTheFieldsBack) {
  RandomFields gen(7);
  for (int i = 0; i < 50; ++i) {
    CertificateFields f = gen.next();
    f.serial = {0x40, 0x01, 0x02};
    const auto tbs = build_tbs(f, SignatureAlgorithm::kEcdsaSha256);
    ASSERT_TRUE(tbs);
    const Bytes cert = assemble_certificate(*tbs, SignatureAlgorithm::kEcdsaSha256,
                                            Bytes{0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01});
    const unsigned char* p = cert.data();
    const ossl::X509Ptr x(d2i_X509(nullptr, &p, static_cast<long>(cert.size())));
    ASSERT_TRUE(x) << "field set " << i;
    EXPECT_EQ(X509_get_version(x.get()), 2);
    EXPECT_EQ(ASN1_INTEGER_get(X509_get0_serialNumber(x.get())), 0x400102);
    const std::int64_t nb = std::chrono::system_clock::to_time_t(f.not_before);
    int day = 0;
    int sec = 0;
    ASN1_TIME* epoch = ASN1_TIME_set(nullptr, 0);
    ASSERT_EQ(ASN1_TIME_diff(&day, &sec, epoch, X509_get0_notBefore(x.get())), 1);
    ASN1_TIME_free(epoch);
    EXPECT_EQ(std::int64_t{day} * 86400 + sec, nb) << "field set " << i;
  }
}

TEST(TbsTemplateTest, RefusesLikeTheReference) {
  RandomFields gen(1);
  CertificateFields base = gen.next();
  base.serial = {0x40};
  const auto same_refusal = [](const CertificateFields& f, const std::string& message) {
    const auto fast = build_tbs(f, SignatureAlgorithm::kEcdsaSha256);
    const auto reference = build_tbs_reference(f, SignatureAlgorithm::kEcdsaSha256);
    ASSERT_FALSE(fast);
    ASSERT_FALSE(reference);
    EXPECT_EQ(fast.error().message(), reference.error().message());
    EXPECT_EQ(fast.error().code(), reference.error().code());
    EXPECT_NE(fast.error().message().find(message), std::string::npos) << fast.error().message();
  };
  CertificateFields negative = base;
  negative.serial = {0x80, 0x01};
  same_refusal(negative, "serial must be positive and at most 20 octets");
  CertificateFields backwards = base;
  backwards.not_after = backwards.not_before;
  same_refusal(backwards, "notAfter must be later than notBefore");
  CertificateFields early = base;
  early.not_before = SystemTime(std::chrono::seconds(-700000000));  // 1947
  same_refusal(early, "certificate time out of range (1950-9999)");
  CertificateFields dns = base;
  dns.subject_alt_names.dns = {"bad name"};
  same_refusal(dns, "dNSName must be non-empty printable ASCII");
  CertificateFields ip = base;
  ip.subject_alt_names.ip = {Bytes(5, 1)};
  same_refusal(ip, "iPAddress must be 4 or 16 octets, got 5");
  CertificateFields key = base;
  key.public_key_der = {0x30, 0x03, 0x02, 0x01, 0x00};
  same_refusal(key, "key algorithm");
}

}  // namespace
}  // namespace signet
