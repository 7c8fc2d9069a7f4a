#include "signet/core/algorithm.h"

#include <array>
#include <string>

#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "signet/core/der.h"
#include "signet/core/oid.h"
#include "signet/core/ossl.h"

#include "fetched_digest.h"

namespace signet {
namespace {

// AlgorithmIdentifier DER, RFC 4055 §5 (RSA, NULL parameters), RFC 5758 §3.2 (ECDSA, absent
// parameters), RFC 8410 §3 (Ed25519, absent parameters).
constexpr std::array<std::uint8_t, 15> kSha256WithRsa = {
    0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b, 0x05, 0x00};
constexpr std::array<std::uint8_t, 12> kEcdsaWithSha256 = {0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86,
                                                           0x48, 0xce, 0x3d, 0x04, 0x03, 0x02};
constexpr std::array<std::uint8_t, 12> kEcdsaWithSha384 = {0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86,
                                                           0x48, 0xce, 0x3d, 0x04, 0x03, 0x03};
// RSASSA-PSS with explicit parameters: hashAlgorithm SHA-256, maskGenAlgorithm MGF1 with SHA-256,
// saltLength 32, trailerField default (RFC 4055 §3.1; the digest's length as the salt, as
// RFC 8017 §9.1 recommends and Go and OpenSSL write).
constexpr std::array<std::uint8_t, 67> kRsaPssSha256 = {
    0x30, 0x41, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0a, 0x30,
    0x34, 0xa0, 0x0f, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04,
    0x02, 0x01, 0x05, 0x00, 0xa1, 0x1c, 0x30, 0x1a, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86,
    0xf7, 0x0d, 0x01, 0x01, 0x08, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65,
    0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0xa2, 0x03, 0x02, 0x01, 0x20};
constexpr std::array<std::uint8_t, 7> kEd25519 = {0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70};

bool equals(ByteView a, ByteView b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end());
}

Result<KeyInfo> inspect_rsa_key(ByteView bit_string) {
  if (bit_string.empty() || bit_string[0] != 0) {
    return fail(ErrorCode::kInvalidArgument, "RSA public key: BIT STRING has unused bits");
  }
  SIGNET_ASSIGN_OR_RETURN(const der::Tlv key,
                          der::parse_single(bit_string.subspan(1), der::kSequence, "RSAPublicKey"));
  der::Reader fields(key.content);
  SIGNET_ASSIGN_OR_RETURN(const der::Tlv modulus, fields.expect(der::kInteger, "RSA modulus"));
  ByteView m = modulus.content;
  while (!m.empty() && m[0] == 0) m = m.subspan(1);
  if (m.empty()) return fail(ErrorCode::kInvalidArgument, "RSA public key: modulus is zero");
  std::size_t bits = m.size() * 8;
  for (std::uint8_t top = m[0]; (top & 0x80U) == 0; top = static_cast<std::uint8_t>(top << 1U)) {
    --bits;
  }
  return KeyInfo{KeyType::kRsa, bits};
}

}  // namespace

const EVP_MD* fetched_digest(DigestAlgorithm alg) {
  static const ossl::EvpMdPtr kSha256(EVP_MD_fetch(nullptr, "SHA2-256", nullptr));
  static const ossl::EvpMdPtr kSha384(EVP_MD_fetch(nullptr, "SHA2-384", nullptr));
  switch (alg) {
    case DigestAlgorithm::kSha256:
      return kSha256.get();
    case DigestAlgorithm::kSha384:
      return kSha384.get();
    case DigestAlgorithm::kNone:
      return nullptr;
  }
  return nullptr;
}

std::string_view to_string(KeyType type) noexcept {
  switch (type) {
    case KeyType::kRsa:
      return "rsa";
    case KeyType::kEcP256:
      return "ecdsa-p256";
    case KeyType::kEcP384:
      return "ecdsa-p384";
    case KeyType::kEd25519:
      return "ed25519";
  }
  return "unknown";
}

std::string_view to_string(SignatureAlgorithm alg) noexcept {
  switch (alg) {
    case SignatureAlgorithm::kRsaPkcs1Sha256:
      return "sha256WithRSAEncryption";
    case SignatureAlgorithm::kRsaPssSha256:
      return "RSASSA-PSS-SHA256";
    case SignatureAlgorithm::kEcdsaSha256:
      return "ecdsa-with-SHA256";
    case SignatureAlgorithm::kEcdsaSha384:
      return "ecdsa-with-SHA384";
    case SignatureAlgorithm::kEd25519:
      return "Ed25519";
  }
  return "unknown";
}

Result<KeySpec> parse_key_spec(std::string_view text) {
  if (text == "ecdsa-p256") return KeySpec{KeyType::kEcP256, 0};
  if (text == "ecdsa-p384") return KeySpec{KeyType::kEcP384, 0};
  if (text == "ed25519") return KeySpec{KeyType::kEd25519, 0};
  if (text == "rsa-2048") return KeySpec{KeyType::kRsa, 2048};
  if (text == "rsa-3072") return KeySpec{KeyType::kRsa, 3072};
  if (text == "rsa-4096") return KeySpec{KeyType::kRsa, 4096};
  return fail(ErrorCode::kInvalidArgument,
              "unknown key algorithm '" + std::string(text) +
                  "' (expected ecdsa-p256, ecdsa-p384, rsa-2048, rsa-3072, rsa-4096 or ed25519)");
}

std::string key_spec_name(const KeyInfo& info) {
  if (info.type == KeyType::kRsa) return "rsa-" + std::to_string(info.bits);
  return std::string(to_string(info.type));
}

SignatureAlgorithm default_signature_algorithm(KeyType type) noexcept {
  switch (type) {
    case KeyType::kRsa:
      return SignatureAlgorithm::kRsaPkcs1Sha256;
    case KeyType::kEcP256:
      return SignatureAlgorithm::kEcdsaSha256;
    case KeyType::kEcP384:
      return SignatureAlgorithm::kEcdsaSha384;
    case KeyType::kEd25519:
      return SignatureAlgorithm::kEd25519;
  }
  return SignatureAlgorithm::kEcdsaSha256;
}

DigestAlgorithm digest_of(SignatureAlgorithm alg) noexcept {
  switch (alg) {
    case SignatureAlgorithm::kRsaPkcs1Sha256:
    case SignatureAlgorithm::kRsaPssSha256:
    case SignatureAlgorithm::kEcdsaSha256:
      return DigestAlgorithm::kSha256;
    case SignatureAlgorithm::kEcdsaSha384:
      return DigestAlgorithm::kSha384;
    case SignatureAlgorithm::kEd25519:
      return DigestAlgorithm::kNone;
  }
  return DigestAlgorithm::kNone;
}

KeyType key_type_of(SignatureAlgorithm alg) noexcept {
  switch (alg) {
    case SignatureAlgorithm::kRsaPkcs1Sha256:
    case SignatureAlgorithm::kRsaPssSha256:
      return KeyType::kRsa;
    case SignatureAlgorithm::kEcdsaSha256:
      return KeyType::kEcP256;
    case SignatureAlgorithm::kEcdsaSha384:
      return KeyType::kEcP384;
    case SignatureAlgorithm::kEd25519:
      return KeyType::kEd25519;
  }
  return KeyType::kEcP256;
}

Result<SignatureAlgorithm> parse_signature_algorithm(std::string_view text) {
  if (text == "rsa-pkcs1-sha256") return SignatureAlgorithm::kRsaPkcs1Sha256;
  if (text == "rsa-pss-sha256") return SignatureAlgorithm::kRsaPssSha256;
  if (text == "ecdsa-sha256") return SignatureAlgorithm::kEcdsaSha256;
  if (text == "ecdsa-sha384") return SignatureAlgorithm::kEcdsaSha384;
  if (text == "ed25519") return SignatureAlgorithm::kEd25519;
  return fail(ErrorCode::kInvalidArgument,
              "unknown signature algorithm '" + std::string(text) +
                  "' (expected rsa-pkcs1-sha256, rsa-pss-sha256, ecdsa-sha256, ecdsa-sha384 or "
                  "ed25519)");
}

Status check_algorithm_for_key(SignatureAlgorithm alg, KeyType key) {
  if (key_type_of(alg) == key) return {};
  return fail(ErrorCode::kInvalidArgument, "signature algorithm " + std::string(to_string(alg)) +
                                               " cannot be used with key type " +
                                               std::string(to_string(key)));
}

ByteView algorithm_identifier_der(SignatureAlgorithm alg) noexcept {
  switch (alg) {
    case SignatureAlgorithm::kRsaPkcs1Sha256:
      return kSha256WithRsa;
    case SignatureAlgorithm::kRsaPssSha256:
      return kRsaPssSha256;
    case SignatureAlgorithm::kEcdsaSha256:
      return kEcdsaWithSha256;
    case SignatureAlgorithm::kEcdsaSha384:
      return kEcdsaWithSha384;
    case SignatureAlgorithm::kEd25519:
      return kEd25519;
  }
  return {};
}

Result<Bytes> signing_input(SignatureAlgorithm alg, ByteView tbs) {
  const DigestAlgorithm digest = digest_of(alg);
  if (digest == DigestAlgorithm::kNone) return Bytes(tbs.begin(), tbs.end());
  const EVP_MD* md = fetched_digest(digest);
  if (md == nullptr) return fail(ErrorCode::kInternal, "EVP_MD_fetch: " + ossl::drain_errors());
  Bytes out(static_cast<std::size_t>(EVP_MD_get_size(md)));
  unsigned int len = 0;
  if (EVP_Digest(tbs.data(), tbs.size(), out.data(), &len, md, nullptr) != 1) {
    return fail(ErrorCode::kInternal, "EVP_Digest: " + ossl::drain_errors());
  }
  out.resize(len);
  return out;
}

Status verify_signature(ByteView spki_der, SignatureAlgorithm alg, ByteView input,
                        ByteView signature) {
  const unsigned char* p = spki_der.data();
  const ossl::EvpPkeyPtr key(
      d2i_PUBKEY(nullptr, &p, static_cast<long>(spki_der.size())));  // NOLINT
  if (!key) return fail(ErrorCode::kInvalidArgument, "public key: " + ossl::drain_errors());
  bool ok = false;
  if (alg == SignatureAlgorithm::kEd25519) {
    const ossl::EvpMdCtxPtr ctx(EVP_MD_CTX_new());
    ok = ctx &&
         EVP_DigestVerifyInit_ex(ctx.get(), nullptr, nullptr, nullptr, nullptr, key.get(),
                                 nullptr) == 1 &&
         EVP_DigestVerify(ctx.get(), signature.data(), signature.size(), input.data(),
                          input.size()) == 1;
  } else {
    const ossl::EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr));
    const EVP_MD* md = fetched_digest(digest_of(alg));
    ok = ctx && EVP_PKEY_verify_init(ctx.get()) == 1 &&
         EVP_PKEY_CTX_set_signature_md(ctx.get(), md) == 1 &&
         (alg != SignatureAlgorithm::kRsaPssSha256 ||
          (EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PSS_PADDING) == 1 &&
           EVP_PKEY_CTX_set_rsa_mgf1_md(ctx.get(), md) == 1 &&
           EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx.get(), 32) == 1)) &&
         EVP_PKEY_verify(ctx.get(), signature.data(), signature.size(), input.data(),
                         input.size()) == 1;
  }
  ossl::drain_errors();
  if (!ok) {
    return fail(ErrorCode::kFailedPrecondition,
                std::string(to_string(alg)) + " signature does not verify with the public key");
  }
  return {};
}

Result<Bytes> rsa_public_key_info(ByteView modulus, ByteView exponent) {
  der::Writer key;
  const auto rsa = key.open(der::kSequence);
  key.put_unsigned(modulus);
  key.put_unsigned(exponent);
  key.close(rsa);
  der::Writer w;
  const auto spki = w.open(der::kSequence);
  const auto alg = w.open(der::kSequence);
  w.put(der::kOid, oid::kRsaEncryption);
  w.put(der::kNull, {});
  w.close(alg);
  w.put_bit_string(key.bytes());
  w.close(spki);
  Bytes out = std::move(w).take();
  SIGNET_RETURN_IF_ERROR(inspect_public_key(out));
  return out;
}

Result<Bytes> ec_public_key_info(ByteView curve_params, ByteView point) {
  der::Writer w;
  const auto spki = w.open(der::kSequence);
  const auto alg = w.open(der::kSequence);
  w.put(der::kOid, oid::kEcPublicKey);
  w.put_raw(curve_params);
  w.close(alg);
  w.put_bit_string(point);
  w.close(spki);
  Bytes out = std::move(w).take();
  SIGNET_RETURN_IF_ERROR(inspect_public_key(out));  // refuses curves signet does not sign with
  return out;
}

Result<Bytes> ed25519_public_key_info(ByteView public_key) {
  if (public_key.size() != 32) {
    return fail(ErrorCode::kInvalidArgument,
                "Ed25519 public key must be 32 octets, not " + std::to_string(public_key.size()));
  }
  der::Writer w;
  const auto spki = w.open(der::kSequence);
  const auto alg = w.open(der::kSequence);
  w.put(der::kOid, oid::kEd25519);  // parameters absent (RFC 8410 §3)
  w.close(alg);
  w.put_bit_string(public_key);
  w.close(spki);
  return std::move(w).take();
}

Bytes named_curve_params(KeyType type) {
  der::Writer w;
  w.put(der::kOid, type == KeyType::kEcP384 ? ByteView(oid::kP384) : ByteView(oid::kP256));
  return std::move(w).take();
}

Result<KeyInfo> inspect_public_key(ByteView spki_der) {
  SIGNET_ASSIGN_OR_RETURN(const der::Tlv spki,
                          der::parse_single(spki_der, der::kSequence, "SubjectPublicKeyInfo"));
  der::Reader fields(spki.content);
  SIGNET_ASSIGN_OR_RETURN(const der::Tlv alg, fields.expect(der::kSequence, "key algorithm"));
  SIGNET_ASSIGN_OR_RETURN(const der::Tlv key, fields.expect(der::kBitString, "public key"));
  if (!fields.empty()) {
    return fail(ErrorCode::kInvalidArgument, "SubjectPublicKeyInfo: trailing fields");
  }
  der::Reader alg_fields(alg.content);
  SIGNET_ASSIGN_OR_RETURN(const der::Tlv oid, alg_fields.expect(der::kOid, "key algorithm OID"));
  if (equals(oid.content, oid::kRsaEncryption)) return inspect_rsa_key(key.content);
  if (equals(oid.content, oid::kEd25519)) {
    if (key.content.size() != 33) {
      return fail(ErrorCode::kInvalidArgument, "Ed25519 public key must be 32 octets");
    }
    return KeyInfo{KeyType::kEd25519, 256};
  }
  if (equals(oid.content, oid::kEcPublicKey)) {
    SIGNET_ASSIGN_OR_RETURN(const der::Tlv curve, alg_fields.expect(der::kOid, "EC curve"));
    // An uncompressed point: 0x00 unused-bits octet, 0x04, X, Y (RFC 5480 §2.2).
    if (equals(curve.content, oid::kP256) && key.content.size() == 2 + 64) {
      return KeyInfo{KeyType::kEcP256, 256};
    }
    if (equals(curve.content, oid::kP384) && key.content.size() == 2 + 96) {
      return KeyInfo{KeyType::kEcP384, 384};
    }
    return fail(ErrorCode::kInvalidArgument,
                "EC public key: only P-256 and P-384 with uncompressed points are accepted");
  }
  return fail(ErrorCode::kInvalidArgument, "public key algorithm OID " + to_hex(oid.content) +
                                               " is not supported (RSA, EC P-256/P-384, Ed25519)");
}

}  // namespace signet
