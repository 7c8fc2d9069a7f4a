// The hot path's TBSCertificate writer (signet issue 4, item 5). The layout of every certificate
// signet issues is fixed (RFC 5280 §4.1: version, serial, signature, issuer, validity, subject,
// SPKI, then the extensions in build_tbs_reference's order), so it is written in one pass into a
// buffer sized exactly beforehand: constant prefixes for the version and the extension headers,
// the issuer and SPKI copied verbatim, times formatted without gmtime/strftime, and the SKI hashed
// with a per-thread digest context. Output is byte-identical to build_tbs_reference (the DER
// writer), which a test checks over random field sets.
#pragma once

#include <cstdint>
#include <span>

#include <openssl/types.h>

#include "signet/core/algorithm.h"
#include "signet/core/bytes.h"
#include "signet/core/certificate.h"
#include "signet/core/result.h"

namespace signet {

// CertificateFields as views: what prepare_certificate fills from the CA, the CSR and the plan
// without copying any of them.
struct TbsParts {
  ByteView serial;
  ByteView issuer_der;
  ByteView subject_der;
  ByteView public_key_der;
  SystemTime not_before;
  SystemTime not_after;
  bool is_ca = false;
  std::uint16_t key_usage = 0;
  std::span<const ExtendedKeyUsage> extended_key_usage;
  ByteView authority_key_id;
  const SubjectAltNames* subject_alt_names = nullptr;  // nullptr or empty: no SAN
};

[[nodiscard]] TbsParts tbs_parts(const CertificateFields& fields);

// The checks and output of build_tbs (same messages, same codes).
[[nodiscard]] Result<Bytes> write_tbs(const TbsParts& parts, SignatureAlgorithm alg);

// `md` over `data` into `out` (EVP_MD_get_size(md) octets) with this thread's reused
// EVP_MD_CTX: no context allocation per call. `md` must be a fetched digest (fetched_digest.h).
[[nodiscard]] Status thread_digest(const EVP_MD* md, ByteView data, std::uint8_t* out);

}  // namespace signet
