// Recertification (signet issue 5, item 3): an existing certificate re-signed under another CA
// with the same subject, SANs and public key and fresh validity, with no node involved. The
// bulk-reissue primitive of CA rotation.
//
// No proof of possession is asked, so the authority is the old CA: an input is accepted only if
// it was issued by OLD (issuer Name, AKI and signature all say so) and its subject, SANs and key
// still pass the profile's policy, exactly as a CSR's would (Profile::check_request through
// RequestView). Nothing is copied from the old certificate but those three: serial, validity,
// issuer, AKI and every extension come from the new CA and the profile (RFC 5280 §4.1).
//
// Validity: an expired (or not yet valid) old certificate is accepted. Re-signing expired leaves
// during a rotation is legitimate, and OLD's signature, not the old dates, is what vouches for
// the binding of name and key. OLD itself may have expired too; only its certificate is used.
#pragma once

#include <cstddef>

#include "signet/core/bytes.h"
#include "signet/core/ca.h"
#include "signet/core/csr.h"
#include "signet/core/issuer.h"
#include "signet/core/name.h"
#include "signet/core/profile.h"
#include "signet/core/result.h"

namespace signet {

class RecertifyRequest {
 public:
  // Largest input certificate, PEM or DER (as Csr::kMaxBytes: leaves are a few KiB).
  static constexpr std::size_t kMaxBytes = std::size_t{64} * 1024;
  // Deepest nesting of constructed DER values accepted (a leaf nests 6 deep).
  static constexpr std::size_t kMaxDepth = 16;

  // One PEM "CERTIFICATE" block or DER, walked with signet's strict DER reader (no OpenSSL
  // object per input). Refused, each with a kInvalidArgument message naming the rule:
  // oversized, truncated or malformed DER, trailing data, a version other than v1/v3, a v1
  // certificate with unique IDs or extensions (RFC 5280 §4.1.2.8-9), keyUsage keyCertSign
  // without CA:TRUE (§4.2.1.3), the two
  // signature AlgorithmIdentifiers differing (RFC 5280 §4.1.1.2), SHA-1/MD5 signatures, a
  // self-issued certificate (issuer = subject), a CA certificate (basicConstraints CA:TRUE),
  // OLD's own key, duplicate extensions, SAN forms policy cannot take; and "not issued by
  // OLD", naming which of issuer Name (RFC 5280 §4.1.2.4), AKI keyIdentifier (§4.2.1.1) or the
  // signature (§4.1.1.3) differs. The signature is checked last (the only expensive step).
  // Thread-safe.
  [[nodiscard]] static Result<RecertifyRequest> from_certificate(ByteView pem_or_der,
                                                                 const CaCertificate& old_ca);

  // A record from signet's own ledger (signet issue 5 item 3: "or it is a ledger record signet
  // issued"): `certificate_der` is the DER the ledger holds for a certificate OLD issued through
  // signet. Every check of from_certificate applies except the signature, which signet itself
  // made when it recorded the certificate; trusting it is what lets a rotation re-sign at the
  // token's rate (checking OLD's P-256 signature costs about as much CPU as SoftHSM's own
  // signature). Only callers that read the bytes from the ledger may use this.
  [[nodiscard]] static Result<RecertifyRequest> from_ledger_record(ByteView certificate_der,
                                                                   const CaCertificate& old_ca);

  // What policy and the TBS builder read (valid while this object lives).
  [[nodiscard]] RequestView view() const noexcept { return {subject_, names_, spki_, key_}; }
  [[nodiscard]] const DistinguishedName& subject() const noexcept { return subject_; }
  [[nodiscard]] const RequestedNames& requested_names() const noexcept { return names_; }
  [[nodiscard]] ByteView public_key_der() const noexcept { return spki_; }
  [[nodiscard]] const KeyInfo& key() const noexcept { return key_; }
  // The old certificate's serial (hex), for messages and logs.
  [[nodiscard]] const std::string& old_serial_hex() const noexcept { return old_serial_hex_; }

 private:
  RecertifyRequest() = default;
  [[nodiscard]] static Result<RecertifyRequest> parse(ByteView pem_or_der,
                                                      const CaCertificate& old_ca,
                                                      bool check_signature);

  DistinguishedName subject_;
  RequestedNames names_;
  Bytes spki_;
  KeyInfo key_;
  std::string old_serial_hex_;
};

// prepare_certificate for a recertify input under `new_ca` (same profile rules, same TBS builder,
// new serial and validity). Also refused: the input's key being the new CA's own key.
[[nodiscard]] Result<PreparedCertificate> prepare_recertified(
    const CaCertificate& new_ca, SignatureAlgorithm algorithm, const Profile& profile,
    const RecertifyRequest& request, SystemTime now, const RequestOptions& options = {});

}  // namespace signet
