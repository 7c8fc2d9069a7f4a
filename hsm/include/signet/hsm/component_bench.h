// The component loop of `signet bench pipeline`: the machine's real limit for issuing from CSRs
// with a token key. Each iteration is exactly the two costs the engine cannot avoid, in plain
// OpenSSL and PKCS#11 with no signet code: the proof-of-possession check of a CSR (RFC 2986 §3:
// EVP_DigestVerify of CertificationRequestInfo with the request's own key) and one C_SignInit +
// C_Sign with the CA key object (PKCS#11 v2.40 §5.12).
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include "signet/core/bytes.h"
#include "signet/core/ossl.h"
#include "signet/core/result.h"
#include "signet/hsm/pkcs11_uri.h"

namespace signet::hsm {

// One CSR's proof of possession, decoded before the clock starts: the subject's public key
// (a prebuilt EVP_PKEY), the signed CertificationRequestInfo DER and the signature.
struct PossessionProof {
  ossl::EvpPkeyPtr key;
  Bytes signed_data;
  Bytes signature;
};

// Decodes `csrs` (DER). Fails on the first that does not parse or whose signature does not
// verify, naming its index: the loop must only measure valid work.
[[nodiscard]] Result<std::vector<PossessionProof>> possession_proofs(
    const std::vector<Bytes>& csrs);

// Certificates' worth of work per second over `duration`: `threads` threads, one session each,
// each iteration verifying proofs[i] (distinct inputs, round robin) and signing a distinct digest
// with the key the URI names (its own C_FindObjects; the URI needs pin-source). RSA and ECDSA keys.
[[nodiscard]] Result<double> component_rate(const std::string& module_path, const Pkcs11Uri& uri,
                                            const std::vector<PossessionProof>& proofs,
                                            std::size_t threads,
                                            std::chrono::milliseconds duration);

}  // namespace signet::hsm
