#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "signet/core/ca.h"
#include "signet/core/ossl.h"
#include "signet/hsm/token.h"

#include "softhsm_fixture.h"

namespace signet::hsm {
namespace {

using testing::SoftHsmTest;

// Verifies a signature over `message` with an SPKI, using OpenSSL alone.
bool verifies(ByteView spki, SignatureAlgorithm alg, ByteView message, ByteView sig) {
  const unsigned char* p = spki.data();
  signet::ossl::EvpPkeyPtr key(d2i_PUBKEY(nullptr, &p, static_cast<long>(spki.size())));
  signet::ossl::EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  const EVP_MD* md = alg == SignatureAlgorithm::kEd25519       ? nullptr
                     : alg == SignatureAlgorithm::kEcdsaSha384 ? EVP_sha384()
                                                               : EVP_sha256();
  EVP_PKEY_CTX* pctx = nullptr;
  if (!key || !ctx || EVP_DigestVerifyInit(ctx.get(), &pctx, md, nullptr, key.get()) != 1) {
    return false;
  }
  if (alg == SignatureAlgorithm::kRsaPssSha256 &&
      (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
       EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, 32) != 1)) {
    return false;
  }
  return EVP_DigestVerify(ctx.get(), sig.data(), sig.size(), message.data(), message.size()) == 1;
}

struct KeyCase {
  const char* spec;
  const char* algorithm;  // nullptr: the key type's default
  const char* name;
};

void PrintTo(const KeyCase& c, std::ostream* os) {
  *os << c.name;
}

class SoftHsmKeyTest : public SoftHsmTest, public ::testing::WithParamInterface<KeyCase> {};

TEST_P(SoftHsmKeyTest, GeneratedKeyIsSensitiveNonExtractableAndSigns) {
  ASSERT_TRUE(ready_);
  const auto spec = parse_key_spec(GetParam().spec);
  ASSERT_TRUE(spec);
  const auto uri = Pkcs11Uri::parse(key_uri("ca-key"));
  ASSERT_TRUE(uri);
  const auto key = generate_key(module_, *uri, *spec);
  ASSERT_TRUE(key) << key.error().message();
  EXPECT_TRUE(key->sensitive);
  EXPECT_FALSE(key->extractable);
  EXPECT_EQ(key_spec_name(key->key), GetParam().spec);

  const auto listed = list_keys(module_, *uri);
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->size(), 1U);
  EXPECT_EQ((*listed)[0].label, "ca-key");
  EXPECT_TRUE((*listed)[0].sensitive);

  SignerOptions options;
  if (GetParam().algorithm != nullptr) {
    const auto alg = parse_signature_algorithm(GetParam().algorithm);
    ASSERT_TRUE(alg);
    options.algorithm = *alg;
  }
  const auto signer = open_signer(module_, *uri, options);
  ASSERT_TRUE(signer) << signer.error().message();
  const ByteView spki = (*signer)->public_key_der();
  EXPECT_EQ(Bytes(spki.begin(), spki.end()), key->public_key_der);
  const Bytes message(300, 0x5a);
  const auto input = signing_input((*signer)->algorithm(), message);
  ASSERT_TRUE(input);
  const auto sig = (*signer)->sign(*input);
  ASSERT_TRUE(sig) << sig.error().message();
  EXPECT_TRUE(verifies((*signer)->public_key_der(), (*signer)->algorithm(), message, *sig));

  // A CA made through the token verifies with OpenSSL.
  const auto ca =
      create_self_signed_ca({{NameAttributeType::kCommonName, "kubernetes"}},
                            std::chrono::hours(24), std::chrono::system_clock::now(), **signer);
  ASSERT_TRUE(ca) << ca.error().message();
  const unsigned char* p = ca->data();
  signet::ossl::X509Ptr x(d2i_X509(nullptr, &p, static_cast<long>(ca->size())));
  ASSERT_TRUE(x);
  EXPECT_EQ(X509_verify(x.get(), X509_get0_pubkey(x.get())), 1);
}

INSTANTIATE_TEST_SUITE_P(Algorithms, SoftHsmKeyTest,
                         ::testing::Values(KeyCase{"ecdsa-p256", nullptr, "EcdsaP256"},
                                           KeyCase{"ecdsa-p384", nullptr, "EcdsaP384"},
                                           KeyCase{"rsa-2048", nullptr, "Rsa2048Pkcs1"},
                                           KeyCase{"rsa-2048", "rsa-pss-sha256", "Rsa2048Pss"},
                                           KeyCase{"ed25519", nullptr, "Ed25519"}),
                         [](const auto& p) { return std::string(p.param.name); });

TEST_F(SoftHsmTest, AnAlgorithmTheKeyCannotProduceIsRefused) {
  ASSERT_TRUE(ready_);
  const auto uri = Pkcs11Uri::parse(key_uri("ec-key"));
  ASSERT_TRUE(uri);
  ASSERT_TRUE(generate_key(module_, *uri, KeySpec{KeyType::kEcP256, 0}));
  SignerOptions options;
  options.algorithm = SignatureAlgorithm::kRsaPssSha256;
  const auto signer = open_signer(module_, *uri, options);
  ASSERT_FALSE(signer);
  EXPECT_NE(
      signer.error().message().find("RSASSA-PSS-SHA256 cannot be used with key type ecdsa-p256"),
      std::string::npos)
      << signer.error().message();
}

TEST_F(SoftHsmTest, WrongPinIsPermissionDeniedAndNamesNoPin) {
  ASSERT_TRUE(ready_);
  const auto bad = write_file("bad-pin", "0000-wrong");
  const auto uri =
      Pkcs11Uri::parse("pkcs11:token=signet-test;object=k?pin-source=file:" + bad.string());
  ASSERT_TRUE(uri);
  const auto key = generate_key(module_, *uri, {KeyType::kEcP256, 0});
  ASSERT_FALSE(key);
  EXPECT_EQ(key.error().code(), ErrorCode::kPermissionDenied);
  EXPECT_NE(key.error().message().find("CKR_PIN_INCORRECT"), std::string::npos);
  EXPECT_EQ(key.error().message().find("0000-wrong"), std::string::npos);
}

TEST_F(SoftHsmTest, MissingTokenKeyAndDuplicatesAreClearErrors) {
  ASSERT_TRUE(ready_);
  const auto other = Pkcs11Uri::parse("pkcs11:token=nope;object=k?pin-source=" + pin_source());
  const auto r1 = open_signer(module_, *other);
  ASSERT_FALSE(r1);
  EXPECT_EQ(r1.error().code(), ErrorCode::kNotFound);
  EXPECT_NE(r1.error().message().find("no token matches pkcs11:token=nope"), std::string::npos);
  EXPECT_NE(r1.error().message().find("'signet-test'"), std::string::npos);

  const auto uri = Pkcs11Uri::parse(key_uri("k"));
  const auto r2 = open_signer(module_, *uri);
  ASSERT_FALSE(r2);
  EXPECT_NE(r2.error().message().find("no private key matches"), std::string::npos);

  ASSERT_TRUE(generate_key(module_, *uri, {KeyType::kEcP256, 0}));
  const auto dup = generate_key(module_, *uri, {KeyType::kEcP256, 0});
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().code(), ErrorCode::kAlreadyExists);

  const auto no_pin = Pkcs11Uri::parse("pkcs11:token=signet-test;object=k");
  const auto r3 = open_signer(module_, *no_pin);
  ASSERT_FALSE(r3);
  EXPECT_NE(r3.error().message().find("needs ?pin-source="), std::string::npos);

  const auto bad_module = open_signer("/nonexistent/libpkcs11.so", *uri);
  ASSERT_FALSE(bad_module);
  EXPECT_NE(bad_module.error().message().find("cannot load PKCS#11 module"), std::string::npos);
}

TEST_F(SoftHsmTest, InitTokenRefusesAnExistingLabel) {
  ASSERT_TRUE(ready_);
  const auto again = init_token(module_, kLabel, SecretString(kSoPin), SecretString(kPin));
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code(), ErrorCode::kAlreadyExists);
}

}  // namespace
}  // namespace signet::hsm
