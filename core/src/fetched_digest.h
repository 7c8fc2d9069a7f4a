// Digests fetched once per process: an implicit fetch per call (EVP_sha256(), name lookups)
// takes a global lock on OpenSSL 3.0 (performance-notes.md, "Where OpenSSL 3.0 spends the time").
#pragma once

#include <openssl/types.h>

#include "signet/core/algorithm.h"

namespace signet {

// nullptr for DigestAlgorithm::kNone.
[[nodiscard]] const EVP_MD* fetched_digest(DigestAlgorithm alg);

}  // namespace signet
