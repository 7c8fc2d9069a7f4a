// Kubernetes CertificateSigningRequest objects (certificates.k8s.io/v1, JSON; spec §2.1): parsed
// strictly, checked for approval the way the KCM signer does (spec §2.3: only Approved, never
// Denied or Failed, never already issued), and written back as the same object with
// status.certificate set or a Failed condition appended.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "signet/core/bytes.h"
#include "signet/core/result.h"

namespace signet {

class K8sCsr {
 public:
  // Largest object accepted: a 64 KiB CSR in base64 plus metadata.
  static constexpr std::size_t kMaxBytes = std::size_t{256} * 1024;

  // Refuses anything the API server would not have stored: wrong apiVersion/kind, a missing or
  // malformed spec.request (base64 of a PEM), signerName not <domain>/<path> (≤ 571 characters)
  // or kubernetes.io/legacy-unknown, usages empty, unknown or repeated, expirationSeconds below
  // 600 or above 2^31-1, unknown fields in spec or status, more than one condition of a type,
  // Approved together with Denied. Every message names the JSON path.
  [[nodiscard]] static Result<K8sCsr> parse(std::string_view json);

  [[nodiscard]] const std::string& name() const noexcept { return name_; }  // metadata.name
  [[nodiscard]] const std::string& signer_name() const noexcept { return signer_name_; }
  [[nodiscard]] const std::vector<std::string>& usages() const noexcept { return usages_; }
  [[nodiscard]] std::optional<std::chrono::seconds> expiration() const noexcept {
    return expiration_;
  }
  // spec.request decoded: the PEM "CERTIFICATE REQUEST" bytes.
  [[nodiscard]] ByteView request() const noexcept { return request_; }

  // OK when the object may be signed: an Approved=True condition, no Denied or Failed, no
  // status.certificate yet. Otherwise kFailedPrecondition saying which.
  [[nodiscard]] Status check_signable() const;

  // The same object (every field kept) with status.certificate = base64(pem).
  [[nodiscard]] std::string with_certificate(std::string_view certificate_pem) const;
  // The same object with {type: Failed, status: "True", reason: SignerValidationFailure,
  // message, lastUpdateTime, lastTransitionTime} appended to status.conditions (spec §2.3).
  [[nodiscard]] std::string with_failure(std::string_view message,
                                         std::chrono::system_clock::time_point now) const;

 private:
  K8sCsr() = default;

  std::string original_;
  std::string name_;
  std::string signer_name_;
  std::vector<std::string> usages_;
  std::optional<std::chrono::seconds> expiration_;
  Bytes request_;
  bool approved_ = false;
  bool denied_ = false;
  bool failed_ = false;
  bool has_certificate_ = false;
  std::string refusal_reason_;  // reason/message of a Denied or Failed condition
};

}  // namespace signet
