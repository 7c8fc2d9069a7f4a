// The signet provider in-process: a token key through OSSL_STORE as an EVP_PKEY, X509_sign and
// X509_CRL_sign with it, the results verified in OpenSSL's default library context (which never
// saw the provider); the private key never exported; clear refusals for bad URIs and PINs.
#include <atomic>
#include <cstdlib>
#include <ctime>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "provider_fixture.h"

namespace signet::testing {
namespace {

struct KeyCase {
  const char* spec;
  const char* type;  // EVP_PKEY_is_a
  int bits;
  int signature_nid;      // of certificates signed with `md`
  const EVP_MD* (*md)();  // nullptr: no digest (Ed25519)
  const char* name;
};

const EVP_MD* md_of(const KeyCase& c) {
  return c.md == nullptr ? nullptr : c.md();
}

void PrintTo(const KeyCase& c, std::ostream* os) {
  *os << c.name;
}

class ProviderKeyTest : public ProviderTest, public ::testing::WithParamInterface<KeyCase> {};

Bytes spki_of(EVP_PKEY* key) {
  unsigned char* der = nullptr;
  const int len = i2d_PUBKEY(key, &der);
  if (len <= 0) return {};
  const ossl::BufferPtr owned(der);
  return Bytes(der, der + len);
}

TEST_P(ProviderKeyTest, StoreGivesTokenKeyThatSignsCertificateAndCrl) {
  ASSERT_TRUE(ready_);
  Bytes token_spki;
  const std::string uri = generate("ca-key", GetParam().spec, &token_spki);
  std::string errors;
  const ossl::EvpPkeyPtr key = load_key(uri, &errors);
  ASSERT_TRUE(key) << errors;
  EXPECT_TRUE(EVP_PKEY_is_a(key.get(), GetParam().type));
  EXPECT_EQ(EVP_PKEY_get_bits(key.get()), GetParam().bits);
  EXPECT_GT(EVP_PKEY_get_security_bits(key.get()), 100);
  EXPECT_GE(EVP_PKEY_get_size(key.get()), 64);
  // The public half OpenSSL encodes is exactly the token's.
  EXPECT_EQ(spki_of(key.get()), token_spki);

  // X509_sign: certificate signed in the token, verified by the default provider alone.
  const ossl::X509Ptr cert = self_signed(key.get(), "signet-provider-ca", md_of(GetParam()));
  ASSERT_TRUE(cert) << error_queue();
  EXPECT_EQ(X509_check_private_key(cert.get(), key.get()), 1) << error_queue();
  const ossl::X509Ptr seen = reparse(cert.get());
  ASSERT_TRUE(seen);
  EXPECT_EQ(X509_get_signature_nid(seen.get()), GetParam().signature_nid);
  EXPECT_EQ(X509_verify(seen.get(), X509_get0_pubkey(seen.get())), 1) << error_queue();

  // X509_CRL_sign: a CRL with one revoked serial, verified the same way.
  X509CrlPtr crl(X509_CRL_new_ex(libctx_, nullptr));
  ASSERT_TRUE(crl);
  ASSERT_EQ(X509_CRL_set_version(crl.get(), X509_CRL_VERSION_2), 1);
  ASSERT_EQ(X509_CRL_set_issuer_name(crl.get(), X509_get_subject_name(cert.get())), 1);
  Asn1TimePtr now(ASN1_TIME_adj(nullptr, std::time(nullptr), 0, 0));
  Asn1TimePtr next(ASN1_TIME_adj(nullptr, std::time(nullptr), 7, 0));
  ASSERT_EQ(X509_CRL_set1_lastUpdate(crl.get(), now.get()), 1);
  ASSERT_EQ(X509_CRL_set1_nextUpdate(crl.get(), next.get()), 1);
  X509_REVOKED* revoked = X509_REVOKED_new();
  ASSERT_NE(revoked, nullptr);
  Asn1IntegerPtr serial(ASN1_INTEGER_new());
  ASN1_INTEGER_set(serial.get(), 4242);
  X509_REVOKED_set_serialNumber(revoked, serial.get());
  X509_REVOKED_set_revocationDate(revoked, now.get());
  ASSERT_EQ(X509_CRL_add0_revoked(crl.get(), revoked), 1);
  ASSERT_GT(X509_CRL_sign(crl.get(), key.get(), md_of(GetParam())), 0) << error_queue();
  unsigned char* der = nullptr;
  const int len = i2d_X509_CRL(crl.get(), &der);
  ASSERT_GT(len, 0);
  const ossl::BufferPtr owned(der);
  const unsigned char* p = der;
  const X509CrlPtr seen_crl(d2i_X509_CRL(nullptr, &p, len));
  ASSERT_TRUE(seen_crl);
  EXPECT_EQ(X509_CRL_get_signature_nid(seen_crl.get()), GetParam().signature_nid);
  EXPECT_EQ(X509_CRL_verify(seen_crl.get(), X509_get0_pubkey(seen.get())), 1) << error_queue();
}

TEST_P(ProviderKeyTest, PrivateKeyNeverLeavesTheToken) {
  ASSERT_TRUE(ready_);
  const ossl::EvpPkeyPtr key = load_key(generate("k", GetParam().spec));
  ASSERT_TRUE(key) << error_queue();
  // A private-key export is refused with the rule named.
  OSSL_PARAM* params = nullptr;
  EXPECT_NE(EVP_PKEY_todata(key.get(), OSSL_KEYMGMT_SELECT_PRIVATE_KEY, &params), 1);
  EXPECT_NE(error_queue().find("refusing to export the private key of a token key"),
            std::string::npos);
  // A key-pair export yields the public half only.
  ASSERT_EQ(EVP_PKEY_todata(key.get(), EVP_PKEY_KEYPAIR, &params), 1) << error_queue();
  EXPECT_EQ(OSSL_PARAM_locate(params, OSSL_PKEY_PARAM_RSA_D), nullptr);
  EXPECT_EQ(OSSL_PARAM_locate(params, OSSL_PKEY_PARAM_PRIV_KEY), nullptr);
  OSSL_PARAM_free(params);
  // No encoder can write the private key (PKCS#8 DER or PEM).
  unsigned char* der = nullptr;
  EXPECT_LE(i2d_PrivateKey(key.get(), &der), 0);
  EXPECT_EQ(der, nullptr);
  const ossl::BioPtr bio(BIO_new(BIO_s_mem()));
  EXPECT_NE(PEM_write_bio_PrivateKey(bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr),
            1);
  EXPECT_EQ(BIO_pending(bio.get()), 0);
  ERR_clear_error();
}

TEST_P(ProviderKeyTest, CertificateOfAnotherKeyDoesNotMatch) {
  ASSERT_TRUE(ready_);
  const std::string first = generate("first", GetParam().spec);
  const std::string second = generate("second", GetParam().spec);
  const ossl::EvpPkeyPtr a = load_key(first);
  const ossl::EvpPkeyPtr b = load_key(second);
  ASSERT_TRUE(a && b) << error_queue();
  const ossl::X509Ptr cert = self_signed(a.get(), "first", md_of(GetParam()));
  ASSERT_TRUE(cert) << error_queue();
  EXPECT_EQ(X509_check_private_key(cert.get(), a.get()), 1);
  EXPECT_EQ(X509_check_private_key(cert.get(), b.get()), 0);
  EXPECT_EQ(EVP_PKEY_eq(a.get(), b.get()), 0);
  ERR_clear_error();
}

// EVP_PKEY_sign over a digest the caller computed (openssl pkeyutl -sign): one C_Sign, verified
// with the public key alone in the default library context.
TEST_P(ProviderKeyTest, SignsPrecomputedDigest) {
  ASSERT_TRUE(ready_);
  Bytes spki;
  const ossl::EvpPkeyPtr key = load_key(generate("k", GetParam().spec, &spki));
  ASSERT_TRUE(key) << error_queue();
  if (GetParam().md == nullptr) {
    // PureEdDSA has no pre-hashed form: refused, not faked.
    const ossl::EvpPkeyCtxPtr ed(EVP_PKEY_CTX_new_from_pkey(libctx_, key.get(), nullptr));
    EXPECT_NE(EVP_PKEY_sign_init(ed.get()), 1);
    ERR_clear_error();
    return;
  }
  const std::string message = "signed by a token key through EVP_PKEY_sign";
  unsigned char digest[32];
  unsigned int digest_len = 0;
  ASSERT_EQ(EVP_Digest(message.data(), message.size(), digest, &digest_len, EVP_sha256(), nullptr),
            1);
  const ossl::EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(libctx_, key.get(), nullptr));
  ASSERT_TRUE(ctx);
  ASSERT_EQ(EVP_PKEY_sign_init(ctx.get()), 1) << error_queue();
  ASSERT_EQ(EVP_PKEY_CTX_set_signature_md(ctx.get(), EVP_sha256()), 1) << error_queue();
  std::size_t sig_len = 0;
  ASSERT_EQ(EVP_PKEY_sign(ctx.get(), nullptr, &sig_len, digest, digest_len), 1);
  Bytes sig(sig_len);
  ASSERT_EQ(EVP_PKEY_sign(ctx.get(), sig.data(), &sig_len, digest, digest_len), 1) << error_queue();
  sig.resize(sig_len);
  // A digest of the wrong length is refused, not signed.
  std::size_t short_len = sig.size();
  Bytes ignored(sig.size());
  EXPECT_NE(EVP_PKEY_sign(ctx.get(), ignored.data(), &short_len, digest, 20), 1);
  EXPECT_NE(error_queue().find("expected a 32-octet digest to sign, got 20 octets"),
            std::string::npos);

  const unsigned char* p = spki.data();
  const ossl::EvpPkeyPtr pub(d2i_PUBKEY(nullptr, &p, static_cast<long>(spki.size())));
  ASSERT_TRUE(pub);
  const ossl::EvpPkeyCtxPtr vctx(EVP_PKEY_CTX_new_from_pkey(nullptr, pub.get(), nullptr));
  ASSERT_EQ(EVP_PKEY_verify_init(vctx.get()), 1);
  ASSERT_EQ(EVP_PKEY_CTX_set_signature_md(vctx.get(), EVP_sha256()), 1);
  EXPECT_EQ(EVP_PKEY_verify(vctx.get(), sig.data(), sig.size(), digest, digest_len), 1)
      << error_queue();
}

INSTANTIATE_TEST_SUITE_P(
    Keys, ProviderKeyTest,
    ::testing::Values(KeyCase{"ecdsa-p256", "EC", 256, NID_ecdsa_with_SHA256, EVP_sha256, "EcP256"},
                      // SHA-384 on P-384 (signet's pairing) names ecdsa-with-SHA384.
                      KeyCase{"ecdsa-p384", "EC", 384, NID_ecdsa_with_SHA384, EVP_sha384, "EcP384"},
                      KeyCase{"rsa-2048", "RSA", 2048, NID_sha256WithRSAEncryption, EVP_sha256,
                              "Rsa2048"},
                      KeyCase{"ed25519", "ED25519", 256, NID_ED25519, nullptr, "Ed25519"}),
    [](const ::testing::TestParamInfo<KeyCase>& p) { return std::string(p.param.name); });

TEST_F(ProviderTest, RsaPssCertificateHasRfc4055Parameters) {
  ASSERT_TRUE(ready_);
  const ossl::EvpPkeyPtr key = load_key(generate("rsa", "rsa-2048"));
  ASSERT_TRUE(key) << error_queue();
  const ossl::X509Ptr cert = self_signed(key.get(), "pss", EVP_sha256());
  ASSERT_TRUE(cert) << error_queue();
  // Re-sign with PSS, salt = digest length, as TLS 1.3's rsa_pss_rsae_sha256 and RFC 4055 ask.
  const ossl::EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;
  ASSERT_EQ(EVP_DigestSignInit_ex(ctx.get(), &pctx, "SHA256", libctx_, nullptr, key.get(), nullptr),
            1)
      << error_queue();
  ASSERT_EQ(EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING), 1) << error_queue();
  ASSERT_EQ(EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST), 1) << error_queue();
  ASSERT_GT(X509_sign_ctx(cert.get(), ctx.get()), 0) << error_queue();
  const ossl::X509Ptr seen = reparse(cert.get());
  ASSERT_TRUE(seen);
  EXPECT_EQ(X509_get_signature_nid(seen.get()), NID_rsassaPss);
  EXPECT_EQ(X509_verify(seen.get(), X509_get0_pubkey(seen.get())), 1) << error_queue();
}

TEST_F(ProviderTest, UnsupportedDigestAndSaltAreRefusedAtInit) {
  ASSERT_TRUE(ready_);
  const ossl::EvpPkeyPtr key = load_key(generate("rsa", "rsa-2048"));
  ASSERT_TRUE(key) << error_queue();
  const ossl::EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  EXPECT_NE(
      EVP_DigestSignInit_ex(ctx.get(), nullptr, "SHA512", libctx_, nullptr, key.get(), nullptr), 1);
  EXPECT_NE(error_queue().find("digest 'SHA512' is not supported with RSA token keys"),
            std::string::npos);
  const ossl::EvpMdCtxPtr pss(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;
  ASSERT_EQ(EVP_DigestSignInit_ex(pss.get(), &pctx, "SHA256", libctx_, nullptr, key.get(), nullptr),
            1);
  ASSERT_EQ(EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING), 1);
  EXPECT_LE(EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_MAX), 0);
  EXPECT_NE(error_queue().find("PSS salt length must be the digest length (32), got 'max'"),
            std::string::npos);
}

// One EVP_PKEY shared by several threads, as a TLS server's worker threads share its key: every
// signature is made in the token (the signer's session pool) and verifies.
TEST_F(ProviderTest, ThreadsShareOneTokenKey) {
  ASSERT_TRUE(ready_);
  Bytes spki;
  const ossl::EvpPkeyPtr key = load_key(generate("shared", "ecdsa-p256", &spki), nullptr);
  ASSERT_TRUE(key) << error_queue();
  const unsigned char* p = spki.data();
  const ossl::EvpPkeyPtr pub(d2i_PUBKEY(nullptr, &p, static_cast<long>(spki.size())));
  ASSERT_TRUE(pub);
  constexpr int kThreads = 4;
  constexpr int kPerThread = 25;
  std::atomic<int> good{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        const std::string message = "thread " + std::to_string(t) + " message " + std::to_string(i);
        const ossl::EvpMdCtxPtr sign(EVP_MD_CTX_new());
        std::size_t len = 0;
        if (EVP_DigestSignInit_ex(sign.get(), nullptr, "SHA256", libctx_, nullptr, key.get(),
                                  nullptr) != 1 ||
            EVP_DigestSign(sign.get(), nullptr, &len, nullptr, 0) != 1) {
          continue;
        }
        Bytes sig(len);
        if (EVP_DigestSign(sign.get(), sig.data(), &len,
                           reinterpret_cast<const unsigned char*>(message.data()),
                           message.size()) != 1) {
          continue;
        }
        const ossl::EvpMdCtxPtr verify(EVP_MD_CTX_new());
        if (EVP_DigestVerifyInit(verify.get(), nullptr, EVP_sha256(), nullptr, pub.get()) == 1 &&
            EVP_DigestVerify(verify.get(), sig.data(), len,
                             reinterpret_cast<const unsigned char*>(message.data()),
                             message.size()) == 1) {
          ++good;
        }
      }
      ERR_clear_error();
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(good.load(), kThreads * kPerThread);
}

// (d) refusals: every one a clear message on the error queue, no key, no crash.
TEST_F(ProviderTest, UnknownKeyIsNotFound) {
  ASSERT_TRUE(ready_);
  generate("present", "ecdsa-p256");
  std::string errors;
  const auto key = load_key(key_uri("absent") + "&module-path=" + module_, &errors);
  EXPECT_FALSE(key);
  EXPECT_NE(errors.find("no private key matches pkcs11:token=signet-test;object=absent"),
            std::string::npos)
      << errors;
}

TEST_F(ProviderTest, WrongPinIsRefused) {
  ASSERT_TRUE(ready_);
  generate("k", "ecdsa-p256");
  const auto bad = write_file("bad-pin", "not-the-pin\n");
  std::string errors;
  const auto key = load_key("pkcs11:token=signet-test;object=k?pin-source=file:" + bad.string() +
                                "&module-path=" + module_,
                            &errors);
  EXPECT_FALSE(key);
  EXPECT_NE(errors.find("C_Login returned CKR_PIN_INCORRECT"), std::string::npos) << errors;
  EXPECT_EQ(errors.find("not-the-pin"), std::string::npos) << "the PIN leaked: " << errors;
  EXPECT_NE(signet_lines(errors).find("permission denied"), std::string::npos) << errors;
}

TEST_F(ProviderTest, PinValueInUriIsRefused) {
  ASSERT_TRUE(ready_);
  std::string errors;
  const auto key = load_key(
      "pkcs11:token=signet-test;object=k?pin-value=1234-test-pin&module-path=" + module_, &errors);
  EXPECT_FALSE(key);
  EXPECT_NE(signet_lines(errors).find("pin-value is refused"), std::string::npos) << errors;
  EXPECT_EQ(signet_lines(errors).find("1234-test-pin"), std::string::npos)
      << "the PIN leaked: " << errors;
}

TEST_F(ProviderTest, NoModuleAnywhereIsRefused) {
  ASSERT_TRUE(ready_);
  ::unsetenv("SIGNET_PKCS11_MODULE");
  std::string errors;
  const auto key = load_key(key_uri("k"), &errors);
  EXPECT_FALSE(key);
  EXPECT_NE(errors.find("no PKCS#11 module: add module-path=PATH"), std::string::npos) << errors;
}

TEST_F(ProviderTest, ModuleFromEnvironment) {
  ASSERT_TRUE(ready_);
  generate("k", "ecdsa-p256");
  ::setenv("SIGNET_PKCS11_MODULE", module_.c_str(), 1);
  const auto key = load_key(key_uri("k"));
  EXPECT_TRUE(key) << error_queue();
}

TEST_F(ProviderTest, MalformedAndNonKeyUrisAreRefused) {
  ASSERT_TRUE(ready_);
  for (const auto& [uri, message] :
       {std::pair<std::string, std::string>{"pkcs11:token=signet-test;object=%zz",
                                            "malformed percent-encoding"},
        {"pkcs11:token=signet-test;object=k;type=cert?pin-source=file:/x",
         "the URI names type=cert"},
        {"pkcs11:token=signet-test;color=blue", "unknown path attribute 'color'"},
        {"pkcs11:" + std::string(5000, 'a'), "longer than 4096 characters"}}) {
    std::string errors;
    EXPECT_FALSE(load_key(uri, &errors));
    EXPECT_NE(errors.find(message), std::string::npos) << uri.substr(0, 80) << ": " << errors;
  }
}

}  // namespace
}  // namespace signet::testing
