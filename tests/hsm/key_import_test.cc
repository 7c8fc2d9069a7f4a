// import_private_key against SoftHSM: a file key becomes a sensitive, non-extractable token key
// that signs; an existing label is refused; a key whose halves disagree is destroyed again.
#include <string>

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "signet/core/key_file.h"
#include "signet/core/ossl.h"
#include "signet/hsm/token.h"

#include "softhsm_fixture.h"

namespace signet::hsm {
namespace {

using testing::SoftHsmTest;

std::string pem_of(EVP_PKEY* key) {
  const ossl::BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_PrivateKey_traditional(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  return {data, static_cast<std::size_t>(n)};
}

PrivateKeyParts parts_of(EVP_PKEY* key) {
  auto parts = parse_private_key_file(as_bytes(pem_of(key)), "test key");
  EXPECT_TRUE(parts) << parts.error().message();
  return std::move(*parts);
}

class KeyImportTest : public SoftHsmTest, public ::testing::WithParamInterface<const char*> {
 protected:
  Pkcs11Uri uri(const std::string& object) const {
    auto u = Pkcs11Uri::parse(key_uri(object));
    EXPECT_TRUE(u);
    return *u;
  }
};

TEST_P(KeyImportTest, ImportedKeyIsSensitiveNotExtractableAndSigns) {
  ASSERT_TRUE(ready_);
  const std::string kind = GetParam();
  const ossl::EvpPkeyPtr key(kind == "rsa"
                                 ? EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", std::size_t{2048})
                                 : EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  ASSERT_TRUE(key);
  const PrivateKeyParts parts = parts_of(key.get());
  const auto imported = import_private_key(module_, uri("adopted"), parts);
  ASSERT_TRUE(imported) << imported.error().message();
  EXPECT_EQ(imported->key.label, "adopted");
  EXPECT_EQ(imported->key.id.size(), 16U);
  EXPECT_TRUE(imported->key.sensitive);
  EXPECT_FALSE(imported->key.extractable);
  EXPECT_EQ(imported->key.public_key_der, parts.public_key_der);
  // What SoftHSM 2.6 reports for a C_CreateObject key with CKA_SENSITIVE true and
  // CKA_EXTRACTABLE false: CKA_ALWAYS_SENSITIVE and CKA_NEVER_EXTRACTABLE false, rightly — the
  // key existed outside the token (PKCS#11 v2.40 §4.9); only generated keys report them true.
  EXPECT_FALSE(imported->always_sensitive);
  EXPECT_FALSE(imported->never_extractable);

  // The token key signs, and OpenSSL verifies with the file key's public half.
  auto signer = open_signer(module_, uri("adopted"));
  ASSERT_TRUE(signer) << signer.error().message();
  const auto input = signing_input((*signer)->algorithm(), as_bytes("adopted"));
  ASSERT_TRUE(input);
  const auto sig = (*signer)->sign(*input);
  ASSERT_TRUE(sig) << sig.error().message();
  EXPECT_TRUE(verify_signature(parts.public_key_der, (*signer)->algorithm(), *input, *sig));

  const auto keys = list_keys(module_, uri("adopted"));
  ASSERT_TRUE(keys);
  ASSERT_EQ(keys->size(), 1U);
  EXPECT_FALSE((*keys)[0].extractable);
}

INSTANTIATE_TEST_SUITE_P(Keys, KeyImportTest, ::testing::Values("rsa", "ec"));

TEST_F(SoftHsmTest, ImportRefusesALabelInUse) {
  ASSERT_TRUE(ready_);
  const ossl::EvpPkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  const PrivateKeyParts parts = parts_of(key.get());
  const auto uri = Pkcs11Uri::parse(key_uri("taken"));
  ASSERT_TRUE(generate_key(module_, *uri, {KeyType::kEcP256, 0}));
  const auto again = import_private_key(module_, *uri, parts);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code(), ErrorCode::kAlreadyExists);
  EXPECT_EQ(again.error().message(),
            "token 'signet-test' already has an object labelled 'taken'; choose another object= "
            "for the imported key");
  auto with_id = *uri;
  with_id.object = "other";
  with_id.id = Bytes{1};
  const auto refused = import_private_key(module_, with_id, parts);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().message(), "the key URI must not set id=: signet chooses it");
}

TEST_F(SoftHsmTest, AKeyThatFailsItsSelfTestIsDestroyed) {
  ASSERT_TRUE(ready_);
  const ossl::EvpPkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  PrivateKeyParts parts = parts_of(key.get());
  // A private scalar that no longer matches the public point: the token accepts the objects,
  // the self-test signature does not verify.
  parts.ec_private_value.data()[31] ^= 0x01;
  const auto uri = Pkcs11Uri::parse(key_uri("broken"));
  const auto imported = import_private_key(module_, *uri, parts);
  ASSERT_FALSE(imported);
  EXPECT_NE(imported.error().message().find("key import undone (objects destroyed)"),
            std::string::npos)
      << imported.error().message();
  EXPECT_NE(imported.error().message().find("failed its self-test"), std::string::npos)
      << imported.error().message();
  // Neither half is left: not the private key, not the public one.
  auto by_label = *uri;
  by_label.pin_source.reset();
  const auto pubs = list_keys(module_, by_label);
  ASSERT_TRUE(pubs);
  EXPECT_TRUE(pubs->empty());
  const auto privs = list_keys(module_, *uri);
  ASSERT_TRUE(privs);
  EXPECT_TRUE(privs->empty());
}

}  // namespace
}  // namespace signet::hsm
