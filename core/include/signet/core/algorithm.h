// Key types and signature algorithms, and the DER that names them in certificates.
#pragma once

#include <cstddef>
#include <string_view>

#include "signet/core/bytes.h"
#include "signet/core/result.h"

namespace signet {

enum class KeyType { kRsa, kEcP256, kEcP384, kEd25519 };

// The algorithm a certificate's signature uses (RFC 5280 §4.1.1.2). Appended values only: the
// numbering is not stored anywhere, but other modules switch over it.
enum class SignatureAlgorithm {
  kRsaPkcs1Sha256,  // sha256WithRSAEncryption, RFC 4055 §5
  kRsaPssSha256,  // RSASSA-PSS, SHA-256, MGF1-SHA-256, 32-octet salt (RFC 4055 §3.1, RFC 8017 §8.1)
  kEcdsaSha256,  // ecdsa-with-SHA256, RFC 5758 §3.2
  kEcdsaSha384,  // ecdsa-with-SHA384
  kEd25519,      // id-Ed25519, RFC 8410 §3 (pure EdDSA: signs the message, not a digest)
};

enum class DigestAlgorithm { kSha256, kSha384, kNone };

struct KeyInfo {
  KeyType type = KeyType::kEcP256;
  std::size_t bits = 0;  // RSA modulus bits; curve size otherwise
};

[[nodiscard]] std::string_view to_string(KeyType type) noexcept;
[[nodiscard]] std::string_view to_string(SignatureAlgorithm alg) noexcept;

// "ecdsa-p256", "rsa-2048", ... as accepted by `signet key generate --algorithm`.
struct KeySpec {
  KeyType type = KeyType::kEcP256;
  std::size_t rsa_bits = 0;
};
[[nodiscard]] Result<KeySpec> parse_key_spec(std::string_view text);
[[nodiscard]] std::string key_spec_name(const KeyInfo& info);

// The signature algorithm signet uses for a CA key of this type: the one Go and kubeadm use
// (spec §1.1): SHA-256 for RSA and P-256, SHA-384 for P-384.
[[nodiscard]] SignatureAlgorithm default_signature_algorithm(KeyType type) noexcept;
[[nodiscard]] DigestAlgorithm digest_of(SignatureAlgorithm alg) noexcept;
[[nodiscard]] KeyType key_type_of(SignatureAlgorithm alg) noexcept;
// "rsa-pkcs1-sha256", "rsa-pss-sha256", "ecdsa-sha256", "ecdsa-sha384", "ed25519": the names
// configuration and the CLI accept for a signer's algorithm.
[[nodiscard]] Result<SignatureAlgorithm> parse_signature_algorithm(std::string_view text);
// Refuses an algorithm the key cannot produce (PSS with an EC key, SHA-384 ECDSA with P-256 —
// signet keeps the digest and the curve size paired as Go does, spec §1.1).
[[nodiscard]] Status check_algorithm_for_key(SignatureAlgorithm alg, KeyType key);

// The AlgorithmIdentifier DER for `alg`: RSA with NULL parameters, ECDSA and Ed25519 with none
// (RFC 5280 §4.1.1.2 requires the same bytes in tbsCertificate.signature).
[[nodiscard]] ByteView algorithm_identifier_der(SignatureAlgorithm alg) noexcept;

// What a Signer is handed for `tbs`: its digest, or the message itself for Ed25519.
[[nodiscard]] Result<Bytes> signing_input(SignatureAlgorithm alg, ByteView tbs);

// Checks `signature` over `input` (a signing_input()) with the key in `spki_der`, using OpenSSL.
// For startup self-tests and CA checks, not the per-certificate path (it decodes the key).
[[nodiscard]] Status verify_signature(ByteView spki_der, SignatureAlgorithm alg, ByteView input,
                                      ByteView signature);

// SubjectPublicKeyInfo DER from a key's parts, as tokens hand them out: RSA modulus and
// exponent (big-endian); an EC curve's parameters (the namedCurve OID TLV) and uncompressed point
// (RFC 5480 §2). Refused unless signet can sign with such a key.
[[nodiscard]] Result<Bytes> rsa_public_key_info(ByteView modulus, ByteView exponent);
[[nodiscard]] Result<Bytes> ec_public_key_info(ByteView curve_params, ByteView point);
// An Ed25519 SubjectPublicKeyInfo from the 32-octet public key (RFC 8410 §4).
[[nodiscard]] Result<Bytes> ed25519_public_key_info(ByteView public_key);
// The namedCurve OID TLV for P-256 or P-384 (what CKA_EC_PARAMS holds).
[[nodiscard]] Bytes named_curve_params(KeyType type);

// Reads the key type and size from SubjectPublicKeyInfo DER (RFC 5280 §4.1.2.7).
[[nodiscard]] Result<KeyInfo> inspect_public_key(ByteView spki_der);

}  // namespace signet
