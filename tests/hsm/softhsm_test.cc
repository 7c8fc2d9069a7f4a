#include <gtest/gtest.h>
#include <openssl/evp.h>
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
  const char* md = alg == SignatureAlgorithm::kEcdsaSha384 ? "SHA384" : "SHA256";
  return key && ctx &&
         EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_get_digestbyname(md), nullptr, key.get()) ==
             1 &&
         EVP_DigestVerify(ctx.get(), sig.data(), sig.size(), message.data(), message.size()) == 1;
}

class SoftHsmKeyTest : public SoftHsmTest, public ::testing::WithParamInterface<const char*> {};

TEST_P(SoftHsmKeyTest, GeneratedKeyIsSensitiveNonExtractableAndSigns) {
  ASSERT_TRUE(ready_);
  const auto spec = parse_key_spec(GetParam());
  ASSERT_TRUE(spec);
  const auto uri = Pkcs11Uri::parse(key_uri("ca-key"));
  ASSERT_TRUE(uri);
  const auto key = generate_key(module_, *uri, *spec);
  ASSERT_TRUE(key) << key.error().message();
  EXPECT_TRUE(key->sensitive);
  EXPECT_FALSE(key->extractable);
  EXPECT_EQ(key_spec_name(key->key), GetParam());

  const auto listed = list_keys(module_, *uri);
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->size(), 1U);
  EXPECT_EQ((*listed)[0].label, "ca-key");
  EXPECT_TRUE((*listed)[0].sensitive);

  const auto signer = open_signer(module_, *uri);
  ASSERT_TRUE(signer) << signer.error().message();
  EXPECT_EQ((*signer)->public_key_der().size(), key->public_key_der.size());
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
                         ::testing::Values("ecdsa-p256", "ecdsa-p384", "rsa-2048"),
                         [](const auto& p) {
                           std::string n = p.param;
                           std::erase(n, '-');
                           return n;
                         });

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
