// A CA certificate as signet holds it: parsed once when loaded, with the bytes every issued
// certificate copies (subject DER for the issuer field, SKI for the AKI) kept ready.
#pragma once

#include <chrono>
#include <string>

#include "signet/core/algorithm.h"
#include "signet/core/bytes.h"
#include "signet/core/certificate.h"
#include "signet/core/name.h"
#include "signet/core/result.h"
#include "signet/core/signer.h"

namespace signet {

class CaCertificate {
 public:
  // Largest CA certificate file accepted: one certificate, with room for RSA-8192 and long names.
  static constexpr std::size_t kMaxBytes = std::size_t{256} * 1024;

  // One PEM CERTIFICATE (or DER). Refused unless basicConstraints says CA:TRUE and, when
  // keyUsage is present, it allows keyCertSign (RFC 5280 §4.2.1.9, §4.2.1.3).
  [[nodiscard]] static Result<CaCertificate> parse(ByteView pem_or_der);

  [[nodiscard]] ByteView der() const noexcept { return der_; }
  [[nodiscard]] ByteView subject_der() const noexcept { return subject_der_; }
  [[nodiscard]] ByteView subject_key_id() const noexcept { return ski_; }
  [[nodiscard]] ByteView public_key_der() const noexcept { return spki_; }
  [[nodiscard]] const KeyInfo& key() const noexcept { return key_; }
  [[nodiscard]] const std::string& subject_text() const noexcept { return subject_text_; }
  [[nodiscard]] const std::string& serial_hex() const noexcept { return serial_hex_; }
  [[nodiscard]] SystemTime not_before() const noexcept { return not_before_; }
  [[nodiscard]] SystemTime not_after() const noexcept { return not_after_; }

 private:
  CaCertificate() = default;

  Bytes der_;
  Bytes subject_der_;
  Bytes ski_;
  Bytes spki_;
  KeyInfo key_;
  std::string subject_text_;
  std::string serial_hex_;
  SystemTime not_before_;
  SystemTime not_after_;
};

// A self-signed root: basicConstraints critical CA:TRUE, keyUsage critical keyCertSign+cRLSign,
// SKI, no EKU (spec §7 item 6), notBefore backdated 5 minutes like kubeadm.
[[nodiscard]] Result<Bytes> create_self_signed_ca(const DistinguishedName& subject,
                                                  std::chrono::seconds validity, SystemTime now,
                                                  Signer& signer);

// Fails unless `signer` holds the private key of `ca` (same SubjectPublicKeyInfo): catches a
// CA recorded with the wrong key URI before anything is signed.
[[nodiscard]] Status check_signer_matches(const CaCertificate& ca, const Signer& signer);

}  // namespace signet
