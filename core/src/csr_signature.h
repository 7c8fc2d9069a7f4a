// The signatureAlgorithm of a PKCS#10 request (RFC 2986 §4.1), read from its DER
// AlgorithmIdentifier with the strict reader: which algorithm, and for RSASSA-PSS the salt length
// the verifier must use (RFC 4055 §3.1).
#pragma once

#include <cstddef>

#include "signet/core/bytes.h"
#include "signet/core/csr.h"
#include "signet/core/result.h"

namespace signet {

struct CsrSignatureScheme {
  CsrSignatureAlgorithm algorithm = CsrSignatureAlgorithm::kEcdsaSha256;
  std::size_t pss_salt_length = 0;  // RSASSA-PSS only
};

// `algorithm_identifier` is the whole AlgorithmIdentifier TLV. SHA-1 and MD5 (with RSA, ECDSA,
// DSA or as the PSS hash) are refused naming the rule; so are parameters the RFCs forbid (RSA
// PKCS#1 v1.5 requires NULL, RFC 4055 §5; ECDSA and Ed25519 require none, RFC 5758 §3.2,
// RFC 8410 §3) and PSS whose MGF1 hash differs from its message hash.
[[nodiscard]] Result<CsrSignatureScheme> parse_csr_signature_algorithm(
    ByteView algorithm_identifier);

// The key type a CSR signature algorithm needs ("RSA", "ECDSA", "Ed25519") and whether `key`
// is one.
[[nodiscard]] Status check_csr_signature_key(CsrSignatureAlgorithm alg, const KeyInfo& key);

}  // namespace signet
