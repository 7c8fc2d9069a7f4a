// Issuance: a checked request, a CA and its signer in; a signed certificate out.
#pragma once

#include <chrono>

#include "signet/core/ca.h"
#include "signet/core/certificate.h"
#include "signet/core/csr.h"
#include "signet/core/profile.h"
#include "signet/core/result.h"
#include "signet/core/signer.h"

namespace signet {

// Kubernetes backdates by 5 minutes to absorb clock skew (kubeadm CertificateBackdate; KCM
// signer, spec §2.5).
inline constexpr std::chrono::seconds kBackdate{5 * 60};

struct IssuedCertificate {
  Bytes der;
  Bytes serial;
  DistinguishedName subject;
  SubjectAltNames subject_alt_names;
  SystemTime not_before;
  SystemTime not_after;
};

// Issuance in two halves around the CA signature, for callers that keep many signatures in
// flight (the pipeline signs through Signer::submit between them). prepare_certificate does
// everything but the signature: the profile's checks, the TBSCertificate and the signer's input.
struct PreparedCertificate {
  SignatureAlgorithm algorithm{};
  Bytes tbs;            // TBSCertificate DER
  Bytes signing_input;  // signing_input(algorithm, tbs): what Signer::sign takes
  Bytes serial;
  DistinguishedName subject;
  SubjectAltNames subject_alt_names;
  SystemTime not_before;
  SystemTime not_after;
};

// The rules of issue_certificate below, for a CA key that signs with `algorithm` (the caller
// checked once that its signer holds the CA key: check_signer_matches).
[[nodiscard]] Result<PreparedCertificate> prepare_certificate(
    const CaCertificate& ca, SignatureAlgorithm algorithm, const Profile& profile,
    const RequestView& csr, SystemTime now, const RequestOptions& options = {});

// The Certificate DER from the prepared half and the CA's signature over its signing input.
[[nodiscard]] IssuedCertificate finish_certificate(PreparedCertificate&& prepared,
                                                   ByteView signature);

// Checks that `signer` holds the CA key and applies the profile to the CSR (with the per-request
// `options`, each bounded by the profile), then signs: serial random, notBefore = now - 5 min,
// notAfter = min(now + TTL (- 5 min when TTL ≥ 8 h), CA notAfter) (spec §2.5), subject, SAN,
// keyUsage and extKeyUsage from the profile's plan (never from the CSR's extensions), SKI from
// the CSR's key, AKI from the CA's SKI. Refuses when the CA has expired or is not yet valid.
[[nodiscard]] Result<IssuedCertificate> issue_certificate(const CaCertificate& ca, Signer& signer,
                                                          const Profile& profile, const Csr& csr,
                                                          SystemTime now,
                                                          const RequestOptions& options = {});

}  // namespace signet
