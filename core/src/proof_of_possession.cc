#include "proof_of_possession.h"

#include <array>
#include <cstdint>
#include <string>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rsa.h>

#include "signet/core/der.h"
#include "signet/core/ossl.h"

#include "ecdsa_verify.h"

namespace signet {
namespace {

enum class Hash { kSha256, kSha384, kSha512, kNone };

Hash hash_of(CsrSignatureAlgorithm alg) {
  switch (alg) {
    case CsrSignatureAlgorithm::kRsaPkcs1Sha256:
    case CsrSignatureAlgorithm::kRsaPssSha256:
    case CsrSignatureAlgorithm::kEcdsaSha256:
      return Hash::kSha256;
    case CsrSignatureAlgorithm::kRsaPkcs1Sha384:
    case CsrSignatureAlgorithm::kRsaPssSha384:
    case CsrSignatureAlgorithm::kEcdsaSha384:
      return Hash::kSha384;
    case CsrSignatureAlgorithm::kRsaPkcs1Sha512:
    case CsrSignatureAlgorithm::kRsaPssSha512:
    case CsrSignatureAlgorithm::kEcdsaSha512:
      return Hash::kSha512;
    case CsrSignatureAlgorithm::kEd25519:
      return Hash::kNone;
  }
  return Hash::kNone;
}

// Fetched once per process (thread-safe static initialisation); EVP_MD objects are immutable and
// shared by every thread.
const EVP_MD* digest(Hash hash) {
  static const ossl::EvpMdPtr kSha256(EVP_MD_fetch(nullptr, "SHA2-256", nullptr));
  static const ossl::EvpMdPtr kSha384(EVP_MD_fetch(nullptr, "SHA2-384", nullptr));
  static const ossl::EvpMdPtr kSha512(EVP_MD_fetch(nullptr, "SHA2-512", nullptr));
  switch (hash) {
    case Hash::kSha256:
      return kSha256.get();
    case Hash::kSha384:
      return kSha384.get();
    case Hash::kSha512:
      return kSha512.get();
    case Hash::kNone:
      break;
  }
  return nullptr;
}

// DigestInfo prefixes for EMSA-PKCS1-v1_5 (RFC 8017 §9.2, note 1): the RSA check compares the
// recovered block with prefix ‖ digest, so the RSA context needs no digest of its own (setting
// one makes OpenSSL 3.0 fetch it again on every call).
ByteView digest_info_prefix(Hash hash) {
  static constexpr std::array<std::uint8_t, 19> kSha256 = {0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60,
                                                           0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
                                                           0x01, 0x05, 0x00, 0x04, 0x20};
  static constexpr std::array<std::uint8_t, 19> kSha384 = {0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60,
                                                           0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
                                                           0x02, 0x05, 0x00, 0x04, 0x30};
  static constexpr std::array<std::uint8_t, 19> kSha512 = {0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60,
                                                           0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
                                                           0x03, 0x05, 0x00, 0x04, 0x40};
  switch (hash) {
    case Hash::kSha256:
      return kSha256;
    case Hash::kSha384:
      return kSha384;
    case Hash::kSha512:
      return kSha512;
    case Hash::kNone:
      break;
  }
  return {};
}

// One key-building context per thread and key type: EVP_PKEY_CTX is not shareable, and creating
// one by name each time is an implicit fetch under a global lock. EC keys never come here
// (ecdsa_verify.h).
EVP_PKEY_CTX* fromdata_context(KeyType type) {
  thread_local const ossl::EvpPkeyCtxPtr kRsa(EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr));
  thread_local const ossl::EvpPkeyCtxPtr kEd25519(
      EVP_PKEY_CTX_new_from_name(nullptr, "ED25519", nullptr));
  switch (type) {
    case KeyType::kRsa:
      return kRsa.get();
    case KeyType::kEd25519:
      return kEd25519.get();
    case KeyType::kEcP256:
    case KeyType::kEcP384:
      break;
  }
  return nullptr;
}

tl::unexpected<Error> no_proof(const CsrSignatureScheme& scheme) {
  ossl::drain_errors();
  return fail(ErrorCode::kInvalidArgument,
              "CSR signature (" + std::string(to_string(scheme.algorithm)) +
                  ") does not verify with its own public key (no proof of possession, "
                  "RFC 2986 §3)");
}

// The BIT STRING content of the SPKI's subjectPublicKey, without the unused-bits octet (which
// inspect_public_key() already required to be zero for RSA; checked here for all).
Result<ByteView> public_key_bits(ByteView spki_der) {
  SIGNET_ASSIGN_OR_RETURN(const der::Tlv spki,
                          der::parse_single(spki_der, der::kSequence, "SubjectPublicKeyInfo"));
  der::Reader fields(spki.content);
  SIGNET_RETURN_IF_ERROR(fields.expect(der::kSequence, "key algorithm"));
  SIGNET_ASSIGN_OR_RETURN(const der::Tlv bits, fields.expect(der::kBitString, "public key"));
  if (bits.content.empty() || bits.content[0] != 0) {
    return fail(ErrorCode::kInvalidArgument, "CSR public key BIT STRING has unused bits");
  }
  return bits.content.subspan(1);
}

// RSAPublicKey (RFC 8017 §A.1.1) as OSSL_PARAM unsigned integers: OpenSSL wants them in native
// byte order, so the big-endian magnitudes are reversed into `n_le` / `e_le`.
Status rsa_params(ByteView key_bits, Bytes& n_le, Bytes& e_le) {
  SIGNET_ASSIGN_OR_RETURN(const der::Tlv key,
                          der::parse_single(key_bits, der::kSequence, "RSAPublicKey"));
  der::Reader f(key.content);
  SIGNET_ASSIGN_OR_RETURN(const der::Tlv n_tlv, f.expect(der::kInteger, "RSA modulus"));
  SIGNET_ASSIGN_OR_RETURN(const der::Tlv e_tlv, f.expect(der::kInteger, "RSA exponent"));
  if (!f.empty()) {
    return fail(ErrorCode::kInvalidArgument, "RSAPublicKey: trailing data after the exponent");
  }
  SIGNET_ASSIGN_OR_RETURN(const ByteView n, der::unsigned_integer(n_tlv, "RSA modulus"));
  SIGNET_ASSIGN_OR_RETURN(const ByteView e, der::unsigned_integer(e_tlv, "RSA exponent"));
  // An odd exponent of 3 up to 2^64 - 1 (RFC 8017 §3.1; larger ones are a denial-of-service
  // tool, not a key).
  if (e.size() > 8 || (e.back() & 1U) == 0 || (e.size() == 1 && e[0] < 3)) {
    return fail(ErrorCode::kInvalidArgument,
                "CSR RSA public exponent must be odd, at least 3 and below 2^64");
  }
  n_le.assign(n.rbegin(), n.rend());
  e_le.assign(e.rbegin(), e.rend());
  return {};
}

Result<ossl::EvpPkeyPtr> build_key(ByteView spki_der, const KeyInfo& info) {
  SIGNET_ASSIGN_OR_RETURN(const ByteView bits, public_key_bits(spki_der));
  EVP_PKEY_CTX* ctx = fromdata_context(info.type);
  if (ctx == nullptr || EVP_PKEY_fromdata_init(ctx) != 1) {
    return fail(ErrorCode::kInternal, "EVP_PKEY_fromdata_init: " + ossl::drain_errors());
  }
  Bytes n_le;
  Bytes e_le;
  std::array<OSSL_PARAM, 3> params{};
  // OSSL_PARAM wants non-const buffers; OpenSSL only reads them for fromdata.
  auto* raw =
      const_cast<std::uint8_t*>(bits.data());  // NOLINT(cppcoreguidelines-pro-type-const-cast)
  switch (info.type) {
    case KeyType::kRsa:
      SIGNET_RETURN_IF_ERROR(rsa_params(bits, n_le, e_le));
      params[0] = OSSL_PARAM_construct_BN(OSSL_PKEY_PARAM_RSA_N, n_le.data(), n_le.size());
      params[1] = OSSL_PARAM_construct_BN(OSSL_PKEY_PARAM_RSA_E, e_le.data(), e_le.size());
      break;
    case KeyType::kEcP256:
    case KeyType::kEcP384:
      return fail(ErrorCode::kInternal, "EC proofs of possession go through ecdsa_verify_digest");
    case KeyType::kEd25519:
      params[0] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, raw, bits.size());
      break;
  }
  params[2] = OSSL_PARAM_construct_end();
  if (info.type == KeyType::kEd25519) params[1] = OSSL_PARAM_construct_end();
  EVP_PKEY* pkey = nullptr;
  if (EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params.data()) != 1) {
    return fail(
        ErrorCode::kInvalidArgument,
        "CSR public key is not a valid " + key_spec_name(info) + " key: " + ossl::drain_errors());
  }
  return ossl::EvpPkeyPtr(pkey);
}

bool is_ecdsa(CsrSignatureAlgorithm alg) {
  return alg == CsrSignatureAlgorithm::kEcdsaSha256 || alg == CsrSignatureAlgorithm::kEcdsaSha384 ||
         alg == CsrSignatureAlgorithm::kEcdsaSha512;
}

// ECDSA verifies the digest as given (truncated to the order, SEC 1 §4.1.4), on per-thread curve
// objects (ecdsa_verify.h).
Result<bool> verify_ecdsa(ByteView spki_der, const KeyInfo& key, ByteView digest,
                          ByteView signature) {
  if (key.type != KeyType::kEcP256 && key.type != KeyType::kEcP384) return false;
  SIGNET_ASSIGN_OR_RETURN(const ByteView point, public_key_bits(spki_der));
  const Result<bool> valid = ecdsa_verify_digest(key.type, point, digest, signature);
  if (!valid) {
    if (valid.error().code() != ErrorCode::kInvalidArgument) return tl::unexpected(valid.error());
    return fail(ErrorCode::kInvalidArgument, "CSR public key is not a valid " + key_spec_name(key) +
                                                 " key: " + valid.error().message());
  }
  return *valid;
}

}  // namespace

Result<bool> signature_verifies(ByteView spki_der, const KeyInfo& key,
                                const CsrSignatureScheme& scheme, ByteView signed_data,
                                ByteView signature) {
  // A failed verification leaves OpenSSL errors queued; they must not leak into the next call.
  const auto mismatch = [] {
    ossl::drain_errors();
    return false;
  };
  const Hash hash = hash_of(scheme.algorithm);
  if (hash == Hash::kNone) {
    SIGNET_ASSIGN_OR_RETURN(const ossl::EvpPkeyPtr pkey, build_key(spki_der, key));
    // Ed25519 signs the message itself (RFC 8032 §5.1.6): one-shot DigestVerify, no digest.
    const ossl::EvpMdCtxPtr ctx(EVP_MD_CTX_new());
    if (!ctx ||
        EVP_DigestVerifyInit_ex(ctx.get(), nullptr, nullptr, nullptr, nullptr, pkey.get(),
                                nullptr) != 1 ||
        EVP_DigestVerify(ctx.get(), signature.data(), signature.size(), signed_data.data(),
                         signed_data.size()) != 1) {
      return mismatch();
    }
    return true;
  }
  const EVP_MD* md = digest(hash);
  if (md == nullptr) return fail(ErrorCode::kInternal, "EVP_MD_fetch: " + ossl::drain_errors());
  std::array<std::uint8_t, EVP_MAX_MD_SIZE> digest_buf{};
  unsigned int digest_len = 0;
  if (EVP_Digest(signed_data.data(), signed_data.size(), digest_buf.data(), &digest_len, md,
                 nullptr) != 1) {
    return fail(ErrorCode::kInternal, "EVP_Digest: " + ossl::drain_errors());
  }
  ByteView to_verify(digest_buf.data(), digest_len);
  if (is_ecdsa(scheme.algorithm)) return verify_ecdsa(spki_der, key, to_verify, signature);
  SIGNET_ASSIGN_OR_RETURN(const ossl::EvpPkeyPtr pkey, build_key(spki_der, key));
  Bytes digest_info;
  const ossl::EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey.get(), nullptr));
  if (!ctx || EVP_PKEY_verify_init(ctx.get()) != 1) {
    return fail(ErrorCode::kInternal, "EVP_PKEY_verify_init: " + ossl::drain_errors());
  }
  switch (scheme.algorithm) {
    case CsrSignatureAlgorithm::kRsaPkcs1Sha256:
    case CsrSignatureAlgorithm::kRsaPkcs1Sha384:
    case CsrSignatureAlgorithm::kRsaPkcs1Sha512: {
      const ByteView prefix = digest_info_prefix(hash);
      digest_info.assign(prefix.begin(), prefix.end());
      digest_info.insert(digest_info.end(), to_verify.begin(), to_verify.end());
      to_verify = digest_info;
      if (EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING) != 1) return mismatch();
      break;
    }
    case CsrSignatureAlgorithm::kRsaPssSha256:
    case CsrSignatureAlgorithm::kRsaPssSha384:
    case CsrSignatureAlgorithm::kRsaPssSha512:
      // RFC 4055 §3.1 parameters, as the request stated them.
      if (scheme.pss_salt_length > key.bits / 8 ||
          EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PSS_PADDING) != 1 ||
          EVP_PKEY_CTX_set_signature_md(ctx.get(), md) != 1 ||
          EVP_PKEY_CTX_set_rsa_mgf1_md(ctx.get(), md) != 1 ||
          EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx.get(), static_cast<int>(scheme.pss_salt_length)) !=
              1) {
        return mismatch();
      }
      break;
    case CsrSignatureAlgorithm::kEcdsaSha256:
    case CsrSignatureAlgorithm::kEcdsaSha384:
    case CsrSignatureAlgorithm::kEcdsaSha512:
    case CsrSignatureAlgorithm::kEd25519:
      return mismatch();  // verified above (verify_ecdsa, one-shot Ed25519)
  }
  if (EVP_PKEY_verify(ctx.get(), signature.data(), signature.size(), to_verify.data(),
                      to_verify.size()) != 1) {
    return mismatch();
  }
  return true;
}

Status verify_proof_of_possession(ByteView spki_der, const KeyInfo& key,
                                  const CsrSignatureScheme& scheme, ByteView signed_data,
                                  ByteView signature) {
  SIGNET_ASSIGN_OR_RETURN(const bool ok,
                          signature_verifies(spki_der, key, scheme, signed_data, signature));
  if (!ok) return no_proof(scheme);
  return {};
}

}  // namespace signet
