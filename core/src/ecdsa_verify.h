// ECDSA verification of a CSR's proof of possession through OpenSSL's curve arithmetic directly.
// On OpenSSL 3.0, building an EVP_PKEY from a point (EVP_PKEY_fromdata) and a verification
// context for it (EVP_PKEY_CTX_new_from_pkey, EVP_PKEY_verify_init) costs ≈22 µs per P-256 key,
// about a fifth of the whole check; here the group, key and point objects live once per thread
// and only the point changes (bench/RESULTS.md, hot path).
#pragma once

#include "signet/core/algorithm.h"
#include "signet/core/bytes.h"
#include "signet/core/result.h"

namespace signet {

// `point` is the SEC 1 §2.3.3 encoding from the SubjectPublicKeyInfo (checked to lie on the
// curve: P-256 and P-384 have cofactor 1, so that is the whole key validation, SEC 1 §3.2.2.1),
// `digest` the request's hash, `der_signature` the Ecdsa-Sig-Value (RFC 3279 §2.2.3; OpenSSL
// requires DER that re-encodes identically). Returns false when the signature does not verify,
// kInvalidArgument when the point is not a point of the curve. `curve` is kEcP256 or kEcP384.
// Thread-safe (per-thread state).
[[nodiscard]] Result<bool> ecdsa_verify_digest(KeyType curve, ByteView point, ByteView digest,
                                               ByteView der_signature);

}  // namespace signet
