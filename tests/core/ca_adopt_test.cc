// Adopting an existing PKI, the core half: kubeadm key files (each accepted format and each
// refusal), intermediate CA certificates and CA requests, checked with OpenSSL's own object path
// (X509_verify, X509_REQ_verify), not with signet's reader.
#include <chrono>
#include <string>

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "signet/core/ca.h"
#include "signet/core/ca_request.h"
#include "signet/core/key_file.h"
#include "signet/core/name.h"
#include "signet/core/ossl.h"
#include "signet/core/pem.h"
#include "signet/core/software_signer.h"

namespace signet {
namespace {

using namespace std::chrono_literals;

ossl::EvpPkeyPtr make_key(const char* type, const char* param) {
  if (std::string(type) == "RSA") {
    return ossl::EvpPkeyPtr(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", std::size_t{2048}));
  }
  if (std::string(type) == "ED25519") {
    return ossl::EvpPkeyPtr(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  }
  return ossl::EvpPkeyPtr(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", param));
}

enum class Pem { kTraditional, kPkcs8, kEncryptedPkcs8, kEncryptedTraditional };

std::string to_pem(EVP_PKEY* key, Pem form) {
  const ossl::BioPtr bio(BIO_new(BIO_s_mem()));
  char pass[] = "passphrase";  // NOLINT
  switch (form) {
    case Pem::kTraditional:
      PEM_write_bio_PrivateKey_traditional(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr);
      break;
    case Pem::kPkcs8:
      PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr);
      break;
    case Pem::kEncryptedPkcs8:
      PEM_write_bio_PKCS8PrivateKey(bio.get(), key, EVP_aes_256_cbc(), pass, 10, nullptr, nullptr);
      break;
    case Pem::kEncryptedTraditional:
      PEM_write_bio_PrivateKey_traditional(bio.get(), key, EVP_aes_256_cbc(),
                                           reinterpret_cast<unsigned char*>(pass), 10, nullptr,
                                           nullptr);
      break;
  }
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  return {data, static_cast<std::size_t>(n)};
}

Bytes spki_of(EVP_PKEY* key) {
  unsigned char* der = nullptr;
  const int n = i2d_PUBKEY(key, &der);
  const ossl::BufferPtr owned(der);
  return {der, der + n};
}

Result<PrivateKeyParts> parse(const std::string& pem) {
  return parse_private_key_file(as_bytes(pem), "key file ca.key");
}

void expect_refused(const std::string& pem, const std::string& message) {
  const auto parts = parse(pem);
  ASSERT_FALSE(parts);
  EXPECT_EQ(parts.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(parts.error().message().find(message), std::string::npos) << parts.error().message();
  EXPECT_EQ(parts.error().message().rfind("key file ca.key", 0), 0U) << parts.error().message();
}

struct KeyCase {
  const char* type;
  const char* param;
  Pem form;
  const char* label;
};

class KeyFileTest : public ::testing::TestWithParam<KeyCase> {};

TEST_P(KeyFileTest, KubeadmFormatsGiveTheKeyPartsAndTheSameSpki) {
  const auto key = make_key(GetParam().type, GetParam().param);
  ASSERT_TRUE(key);
  const std::string pem = to_pem(key.get(), GetParam().form);
  ASSERT_NE(pem.find(std::string("-----BEGIN ") + GetParam().label + "-----"), std::string::npos)
      << pem.substr(0, 40);
  const auto parts = parse(pem);
  ASSERT_TRUE(parts) << parts.error().message();
  EXPECT_EQ(parts->public_key_der, spki_of(key.get()));
  if (std::string(GetParam().type) == "RSA") {
    EXPECT_EQ(parts->key.type, KeyType::kRsa);
    EXPECT_EQ(parts->key.bits, 2048U);
    EXPECT_EQ(parts->modulus.size(), 256U);
    EXPECT_FALSE(parts->private_exponent.empty());
    EXPECT_EQ(parts->prime1.size(), 128U);
    EXPECT_FALSE(parts->coefficient.empty());
  } else {
    const std::size_t field = std::string(GetParam().param) == "P-256" ? 32 : 48;
    EXPECT_EQ(parts->ec_private_value.size(), field);
    EXPECT_EQ(parts->ec_point.size(), 1 + 2 * field);
    EXPECT_EQ(parts->ec_point[0], 0x04);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Formats, KeyFileTest,
    ::testing::Values(KeyCase{"RSA", "", Pem::kTraditional, "RSA PRIVATE KEY"},
                      KeyCase{"RSA", "", Pem::kPkcs8, "PRIVATE KEY"},
                      KeyCase{"EC", "P-256", Pem::kTraditional, "EC PRIVATE KEY"},
                      KeyCase{"EC", "P-256", Pem::kPkcs8, "PRIVATE KEY"},
                      KeyCase{"EC", "P-384", Pem::kTraditional, "EC PRIVATE KEY"}));

TEST(KeyFileRefusals, EncryptedKeysAreRefusedWithoutAskingForAPassphrase) {
  const auto key = make_key("EC", "P-256");
  expect_refused(to_pem(key.get(), Pem::kEncryptedPkcs8),
                 "the key is encrypted (PEM 'ENCRYPTED PRIVATE KEY')");
  expect_refused(to_pem(key.get(), Pem::kEncryptedTraditional),
                 "the key is encrypted (PEM header 'Proc-Type: 4,ENCRYPTED')");
}

TEST(KeyFileRefusals, OtherLabelsDerAndSeveralKeysAreRefused) {
  const auto key = make_key("EC", "P-256");
  const std::string pem = to_pem(key.get(), Pem::kTraditional);
  std::string cert = pem;
  cert.replace(cert.find("EC PRIVATE KEY"), 14, "CERTIFICATE");
  cert.replace(cert.find("EC PRIVATE KEY"), 14, "CERTIFICATE");
  expect_refused(cert,
                 "PEM label 'CERTIFICATE' is not a private key; expected RSA PRIVATE KEY "
                 "(PKCS#1), EC PRIVATE KEY (SEC1) or PRIVATE KEY (PKCS#8)");
  expect_refused(std::string("\x30\x82\x01\x00", 4), "not a PEM private key (no -----BEGIN line)");
  expect_refused(pem + pem, "more than one private key in the file");
  expect_refused(pem + "trailing", "data after the PEM block");
  expect_refused("", "no private key found");
  expect_refused(std::string(kMaxKeyFileBytes + 1, 'A'), "larger than 65536 bytes");
  // An `openssl ecparam -genkey` file: EC PARAMETERS first, then the key. Accepted.
  const std::string params =
      "-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n"
      "-----END EC PARAMETERS-----\n";
  EXPECT_TRUE(parse(params + pem));
}

TEST(KeyFileRefusals, ContentMustBeWhatTheLabelSays) {
  const auto key = make_key("EC", "P-256");
  std::string pkcs8 = to_pem(key.get(), Pem::kPkcs8);
  // PKCS#8 body under a PKCS#1 label.
  pkcs8.replace(pkcs8.find("PRIVATE KEY"), 11, "RSA PRIVATE KEY");
  pkcs8.replace(pkcs8.rfind("PRIVATE KEY"), 11, "RSA PRIVATE KEY");
  expect_refused(pkcs8, "labelled RSA PRIVATE KEY but not a PKCS#1 RSAPrivateKey");
  expect_refused("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
                 "the PEM body is not a DER private key structure");
  expect_refused("-----BEGIN PRIVATE KEY-----\n!!!!\n-----END PRIVATE KEY-----\n",
                 "PEM body is not valid base64");
}

TEST(KeyFileRefusals, WeakAndUnsupportedKeysAreRefused) {
  const ossl::EvpPkeyPtr small(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", std::size_t{1024}));
  ASSERT_TRUE(small);
  const auto r = parse(to_pem(small.get(), Pem::kTraditional));
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("1024"), std::string::npos) << r.error().message();
  const auto ed = make_key("ED25519", "");
  expect_refused(to_pem(ed.get(), Pem::kPkcs8), "key type ED25519 is not supported");
  const ossl::EvpPkeyPtr k1(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "secp256k1"));
  expect_refused(to_pem(k1.get(), Pem::kTraditional), "EC curve 'secp256k1' is not supported");
}

TEST(KeyFileRefusals, AKeyWhoseHalvesDisagreeIsRefused) {
  // Two P-256 keys: the SEC1 structure of one with the public point of the other.
  const auto a = make_key("EC", "P-256");
  const auto b = make_key("EC", "P-256");
  const auto der_of = [](EVP_PKEY* k) {
    unsigned char* der = nullptr;
    const int n = i2d_PrivateKey(k, &der);
    const ossl::BufferPtr owned(der);
    return Bytes(der, der + n);
  };
  Bytes mixed = der_of(a.get());
  const Bytes other = der_of(b.get());
  // ECPrivateKey ends with [1] { BIT STRING point } (65 + 3 octets): take b's.
  std::copy(other.end() - 66, other.end(), mixed.end() - 66);
  const std::string pem = "-----BEGIN EC PRIVATE KEY-----\n" + [&] {
    std::string b64(4 * ((mixed.size() + 2) / 3) + 1, '\0');
    const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(b64.data()),  // NOLINT
                                  mixed.data(), static_cast<int>(mixed.size()));
    b64.resize(static_cast<std::size_t>(n));
    return b64;
  }() + "\n-----END EC PRIVATE KEY-----\n";
  expect_refused(pem, "the private key is inconsistent");
}

ossl::X509Ptr decode(ByteView der) {
  const unsigned char* p = der.data();
  return ossl::X509Ptr(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
}

TEST(IntermediateCa, ChainsToItsParentAndEndsWithIt) {
  auto root_key = SoftwareSigner::generate({KeyType::kEcP384, 0});
  auto inter_key = SoftwareSigner::generate({KeyType::kRsa, 2048});
  ASSERT_TRUE(root_key && inter_key);
  const auto now = std::chrono::system_clock::now();
  const auto root_der = create_self_signed_ca(*parse_distinguished_name("CN=root,O=acme"),
                                              24h * 365, now, **root_key);
  ASSERT_TRUE(root_der) << root_der.error().message();
  const auto root = CaCertificate::parse(*root_der);
  ASSERT_TRUE(root);

  // Asks for 20 years under a 1-year root: clamped to the root's notAfter.
  const auto der = create_intermediate_ca(*parse_distinguished_name("CN=etcd-ca"), 24h * 365 * 20,
                                          now, *root, **root_key, (*inter_key)->public_key_der());
  ASSERT_TRUE(der) << der.error().message();
  const auto inter = CaCertificate::parse(*der);
  ASSERT_TRUE(inter) << inter.error().message();
  EXPECT_EQ(inter->not_after(), root->not_after());
  EXPECT_EQ(inter->not_before(),
            std::chrono::time_point_cast<std::chrono::seconds>(now) - std::chrono::minutes(5));
  EXPECT_TRUE(std::equal(inter->issuer_der().begin(), inter->issuer_der().end(),
                         root->subject_der().begin(), root->subject_der().end()));
  EXPECT_TRUE(std::equal(inter->authority_key_id().begin(), inter->authority_key_id().end(),
                         root->subject_key_id().begin(), root->subject_key_id().end()));
  EXPECT_FALSE(inter->self_issued());
  EXPECT_TRUE(check_issued_by(*inter, *root));

  // OpenSSL's view: signed by the root key, CA:TRUE critical, keyCertSign+cRLSign, no EKU.
  const auto cert = decode(*der);
  ASSERT_TRUE(cert);
  const unsigned char* k = root->public_key_der().data();
  const ossl::EvpPkeyPtr root_pub(
      d2i_PUBKEY(nullptr, &k, static_cast<long>(root->public_key_der().size())));
  EXPECT_EQ(X509_verify(cert.get(), root_pub.get()), 1);
  EXPECT_EQ(X509_check_ca(cert.get()), 1);
  EXPECT_EQ(X509_get_key_usage(cert.get()),
            static_cast<std::uint32_t>(KU_KEY_CERT_SIGN | KU_CRL_SIGN));
  EXPECT_EQ(X509_get_extension_flags(cert.get()) & EXFLAG_XKUSAGE, 0U);
  const int bc = X509_get_ext_by_NID(cert.get(), NID_basic_constraints, -1);
  ASSERT_GE(bc, 0);
  EXPECT_EQ(X509_EXTENSION_get_critical(X509_get_ext(cert.get(), bc)), 1);

  // The other way round does not chain, and each refusal names what differs.
  const auto back = check_issued_by(*root, *inter);
  ASSERT_FALSE(back);
  EXPECT_NE(back.error().message().find("names issuer '/CN=root/O=acme', not the parent's subject "
                                        "'/CN=etcd-ca'"),
            std::string::npos)
      << back.error().message();
}

TEST(IntermediateCa, RefusesAWrongParentKeyTheParentsOwnKeyAndItsSubject) {
  auto root_key = SoftwareSigner::generate({KeyType::kEcP256, 0});
  auto other = SoftwareSigner::generate({KeyType::kEcP256, 0});
  ASSERT_TRUE(root_key && other);
  const auto now = std::chrono::system_clock::now();
  const auto root = CaCertificate::parse(
      *create_self_signed_ca(*parse_distinguished_name("CN=root"), 24h, now, **root_key));
  ASSERT_TRUE(root);
  const auto subject = *parse_distinguished_name("CN=inter");
  auto r = create_intermediate_ca(subject, 1h, now, *root, **other, (*other)->public_key_der());
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("public keys differ"), std::string::npos);
  r = create_intermediate_ca(subject, 1h, now, *root, **root_key, (*root_key)->public_key_der());
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("the intermediate's key is the parent's key"),
            std::string::npos);
  r = create_intermediate_ca(*parse_distinguished_name("CN=root"), 1h, now, *root, **root_key,
                             (*other)->public_key_der());
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("must differ from its parent's"), std::string::npos);
  r = create_intermediate_ca(subject, 1h, now + 48h, *root, **root_key, (*other)->public_key_der());
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("parent CA: CA certificate '/CN=root' expired at"),
            std::string::npos)
      << r.error().message();
  // A certificate signed by another key under the same issuer name does not verify.
  const auto forged = CaCertificate::parse(
      *create_self_signed_ca(*parse_distinguished_name("CN=root"), 24h, now, **other));
  const auto inter = CaCertificate::parse(
      *create_intermediate_ca(subject, 1h, now, *forged, **other, (*root_key)->public_key_der()));
  ASSERT_TRUE(inter);
  const auto chained = check_issued_by(*inter, *root);
  ASSERT_FALSE(chained);
  EXPECT_NE(chained.error().message().find("is not the subject key identifier"), std::string::npos)
      << chained.error().message();
}

TEST(CaRequest, OpenSslAcceptsItAndSeesTheCaExtensions) {
  for (const KeySpec spec : {KeySpec{KeyType::kEcP256, 0}, KeySpec{KeyType::kRsa, 2048}}) {
    auto key = SoftwareSigner::generate(spec);
    ASSERT_TRUE(key);
    const auto der = create_ca_request(*parse_distinguished_name("CN=kubernetes,O=acme"), **key);
    ASSERT_TRUE(der) << der.error().message();
    const unsigned char* p = der->data();
    const ossl::X509ReqPtr req(d2i_X509_REQ(nullptr, &p, static_cast<long>(der->size())));
    ASSERT_TRUE(req);
    EXPECT_EQ(p, der->data() + der->size());
    EXPECT_EQ(X509_REQ_verify(req.get(), X509_REQ_get0_pubkey(req.get())), 1);
    const ossl::ExtensionStackPtr exts(X509_REQ_get_extensions(req.get()));
    ASSERT_TRUE(exts);
    int critical = 0;
    const std::unique_ptr<BASIC_CONSTRAINTS, decltype(&BASIC_CONSTRAINTS_free)> bc(
        static_cast<BASIC_CONSTRAINTS*>(
            X509V3_get_d2i(exts.get(), NID_basic_constraints, &critical, nullptr)),
        BASIC_CONSTRAINTS_free);
    ASSERT_TRUE(bc);
    EXPECT_NE(bc->ca, 0);
    EXPECT_EQ(bc->pathlen, nullptr);
    EXPECT_EQ(critical, 1);
    const std::unique_ptr<ASN1_BIT_STRING, decltype(&ASN1_BIT_STRING_free)> ku(
        static_cast<ASN1_BIT_STRING*>(
            X509V3_get_d2i(exts.get(), NID_key_usage, &critical, nullptr)),
        ASN1_BIT_STRING_free);
    ASSERT_TRUE(ku);
    EXPECT_EQ(critical, 1);
    for (int bit = 0; bit < 9; ++bit) {  // keyCertSign (5) and cRLSign (6) only
      EXPECT_EQ(ASN1_BIT_STRING_get_bit(ku.get(), bit), bit == 5 || bit == 6 ? 1 : 0) << bit;
    }
  }
}

}  // namespace
}  // namespace signet

namespace signet {
namespace {

TEST(CaBundle, ParsesCertificatesAndValidatesThePathToItsRoot) {
  auto root_key = SoftwareSigner::generate({KeyType::kEcP256, 0});
  auto inter_key = SoftwareSigner::generate({KeyType::kEcP256, 0});
  ASSERT_TRUE(root_key && inter_key);
  const auto now = std::chrono::system_clock::now();
  const Bytes root_der =
      *create_self_signed_ca(*parse_distinguished_name("CN=root"), 24h, now, **root_key);
  const auto root = CaCertificate::parse(root_der);
  const auto inter = CaCertificate::parse(
      *create_intermediate_ca(*parse_distinguished_name("CN=inter"), 1h, now, *root, **root_key,
                              (*inter_key)->public_key_der()));
  ASSERT_TRUE(root && inter);
  const std::string root_pem = pem_encode("CERTIFICATE", root_der);

  const auto bundle = parse_ca_bundle(as_bytes("\n" + root_pem + "\n"), "root.crt");
  ASSERT_TRUE(bundle) << bundle.error().message();
  ASSERT_EQ(bundle->size(), 1U);
  const auto path = verify_chain_to_root(*inter, *bundle, now);
  ASSERT_TRUE(path) << path.error().message();
  ASSERT_EQ(path->size(), 1U);
  EXPECT_EQ((*path)[0].subject_text(), "/CN=root");

  // No root to end at; a root that did not sign it; a time outside the root's validity.
  auto r = verify_chain_to_root(*inter, {}, now);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message(),
            "the chain holds no self-signed root certificate to end the path at");
  auto other = SoftwareSigner::generate({KeyType::kEcP256, 0});
  const auto stranger = CaCertificate::parse(
      *create_self_signed_ca(*parse_distinguished_name("CN=stranger"), 24h, now, **other));
  std::vector<CaCertificate> wrong;
  wrong.push_back(*CaCertificate::parse(stranger->der()));
  r = verify_chain_to_root(*inter, wrong, now);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("does not chain to a root of the chain: unable to get local "
                                     "issuer certificate"),
            std::string::npos)
      << r.error().message();
  r = verify_chain_to_root(*inter, *bundle, now + 48h);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("certificate has expired"), std::string::npos)
      << r.error().message();

  const auto key_block = parse_ca_bundle(
      as_bytes(root_pem + "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"),
      "chain.pem");
  ASSERT_FALSE(key_block);
  EXPECT_EQ(key_block.error().message(),
            "chain.pem: expected PEM CERTIFICATE blocks only (RFC 7468 §5)");
  std::string nine;
  for (int i = 0; i < 9; ++i) nine += root_pem;
  const auto too_many = parse_ca_bundle(as_bytes(nine), "chain.pem");
  ASSERT_FALSE(too_many);
  EXPECT_EQ(too_many.error().message(), "chain.pem holds more than 8 certificates");
  EXPECT_FALSE(parse_ca_bundle(as_bytes(" \n"), "chain.pem"));
}

}  // namespace
}  // namespace signet
