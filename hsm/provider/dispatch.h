// The dispatch tables of the signet provider's operations (provider-base(7)), defined one
// operation per file: keymgmt.cc, signature.cc, store.cc.
#pragma once

#include <openssl/core.h>

namespace signet::provider {

extern const OSSL_DISPATCH kRsaKeymgmt[];
extern const OSSL_DISPATCH kEcKeymgmt[];
extern const OSSL_DISPATCH kEd25519Keymgmt[];
extern const OSSL_DISPATCH kRsaSignature[];
extern const OSSL_DISPATCH kEcdsaSignature[];
extern const OSSL_DISPATCH kEd25519Signature[];
extern const OSSL_DISPATCH kPkcs11Store[];

// The names the key management answers to query_operation_name(OSSL_OP_SIGNATURE). Not "RSA" or
// "ECDSA": a signature fetched by those names in a shared library context could be another
// provider's (or ours could serve another provider's key), so signet's key objects name
// signet's own signature implementations.
inline constexpr const char* kRsaSignatureName = "SIGNET-RSA";
inline constexpr const char* kEcdsaSignatureName = "SIGNET-ECDSA";
inline constexpr const char* kEd25519SignatureName = "SIGNET-ED25519";

}  // namespace signet::provider
