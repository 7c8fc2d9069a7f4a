// A CA certificate as signet holds it: parsed once when loaded, with the bytes every issued
// certificate copies (subject DER for the issuer field, SKI for the AKI) kept ready.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

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
  [[nodiscard]] ByteView issuer_der() const noexcept { return issuer_der_; }
  // The AKI keyIdentifier (RFC 5280 §4.2.1.1); empty when the certificate has none.
  [[nodiscard]] ByteView authority_key_id() const noexcept { return aki_; }
  // basicConstraints pathLenConstraint (RFC 5280 §4.2.1.9); nullopt when unlimited.
  [[nodiscard]] std::optional<std::int64_t> path_length() const noexcept { return path_length_; }
  // Issuer and subject are the same name: a root (or a self-issued certificate, §3.2).
  [[nodiscard]] bool self_issued() const noexcept { return issuer_der_ == subject_der_; }

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
  Bytes issuer_der_;
  Bytes aki_;
  std::optional<std::int64_t> path_length_;
};

// What a new CA certificate asserts besides its names and key: keyUsage (keyCertSign is always
// added, RFC 5280 §4.2.1.3) and subjectAltName (kubeadm puts DNS:<CN> on its CAs). A CA profile
// fills it (Profile::plan_ca); the default is keyCertSign + cRLSign and no SAN.
struct CaExtensions {
  std::uint16_t key_usage = kKeyCertSign | kCrlSign;
  SubjectAltNames subject_alt_names;
};

// A self-signed root: basicConstraints critical CA:TRUE, keyUsage critical from `extensions`,
// SKI, no EKU (spec §7 item 6), notBefore backdated 5 minutes like kubeadm.
[[nodiscard]] Result<Bytes> create_self_signed_ca(const DistinguishedName& subject,
                                                  std::chrono::seconds validity, SystemTime now,
                                                  Signer& signer,
                                                  const CaExtensions& extensions = {});

// An intermediate CA certificate for `subject_public_key_der` (a key in a token), signed by
// `parent_signer`, which must hold the key of `parent`: issuer = the parent's subject DER
// verbatim (RFC 5280 §4.1.2.4), AKI = the parent's SKI, SKI of the new key, basicConstraints
// critical CA:TRUE, keyUsage critical and SAN from `extensions`, no EKU, notBefore backdated 5 min,
// notAfter = now + validity clamped to the parent's notAfter. Refused when the parent is not
// valid at `now`, has pathLenConstraint 0, or has the same subject or key as the new CA.
[[nodiscard]] Result<Bytes> create_intermediate_ca(const DistinguishedName& subject,
                                                   std::chrono::seconds validity, SystemTime now,
                                                   const CaCertificate& parent,
                                                   Signer& parent_signer,
                                                   ByteView subject_public_key_der,
                                                   const CaExtensions& extensions = {});

// Fails unless `ca` is valid at `now` (notBefore <= now < notAfter), naming the date it is not.
[[nodiscard]] Status check_valid_at(const CaCertificate& ca, SystemTime now);

// Fails unless `child` was issued by `parent`: issuer = parent subject, AKI (when present) = parent
// SKI, the signature verifies with the parent's key, and the parent may sign CA certificates
// (pathLenConstraint not 0). Each message names what differs.
[[nodiscard]] Status check_issued_by(const CaCertificate& child, const CaCertificate& parent);

// The certificates of a PEM bundle (CERTIFICATE blocks only, whitespace between them), each a
// CA by CaCertificate::parse's rules; at most 8 and 256 KiB in all. `what` names the file.
[[nodiscard]] Result<std::vector<CaCertificate>> parse_ca_bundle(ByteView pem,
                                                                 std::string_view what);

// RFC 5280 §6 path validation by OpenSSL (X509_verify_cert, X509_V_FLAG_X509_STRICT, at `now`):
// `ca` must chain through `chain` to a self-signed root that `chain` contains. Returns the path
// above `ca`, nearest first, root last. For CAs signed by a root outside the state: the check
// proves the bundle is consistent, not that the root is the right one to trust.
[[nodiscard]] Result<std::vector<CaCertificate>> verify_chain_to_root(
    const CaCertificate& ca, const std::vector<CaCertificate>& chain, SystemTime now);

// Fails unless `signer` holds the private key of `ca` (same SubjectPublicKeyInfo): catches a
// CA recorded with the wrong key URI before anything is signed.
[[nodiscard]] Status check_signer_matches(const CaCertificate& ca, const Signer& signer);

}  // namespace signet
