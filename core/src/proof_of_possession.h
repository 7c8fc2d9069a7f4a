// Proof of possession for PKCS#10 requests (RFC 2986 §3): the request's signature checked with
// the key it carries, without OpenSSL's decoders: on OpenSSL 3.0, d2i_PUBKEY and implicit fetches
// take global locks and cost ≈231 µs per P-256 key (performance-notes.md). EC points go straight
// to per-thread curve objects (ecdsa_verify.h); RSA and Ed25519 keys are built from their raw
// parts with EVP_PKEY_fromdata on a per-thread context. Digests are fetched once per process.
#pragma once

#include "signet/core/algorithm.h"
#include "signet/core/bytes.h"
#include "signet/core/result.h"

#include "csr_signature.h"

namespace signet {

// `spki_der` must have passed inspect_public_key() (which gave `key`); `signed_data` is the
// certificationRequestInfo DER as received, `signature` the BIT STRING content without its
// unused-bits octet. Fails with kInvalidArgument naming the rule. Thread-safe.
[[nodiscard]] Status verify_proof_of_possession(ByteView spki_der, const KeyInfo& key,
                                                const CsrSignatureScheme& scheme,
                                                ByteView signed_data, ByteView signature);

// The same check for any signature over `signed_data` by the key of `spki_der`: true when it
// verifies, false when it does not, an error (kInvalidArgument) when the key itself is malformed.
// Shared by the proof of possession and the recertify check (a certificate's signature under the
// old CA, recertify.h). Thread-safe.
[[nodiscard]] Result<bool> signature_verifies(ByteView spki_der, const KeyInfo& key,
                                              const CsrSignatureScheme& scheme,
                                              ByteView signed_data, ByteView signature);

}  // namespace signet
