// The report of `signet certs check-expiration`: for every certificate its expiry, residual time
// and issuing CA; for every CA its own expiry; for every endpoint whether its chain verifies.
// Built once from an Inventory (expiry_sources.h), printed as kubeadm-like text or JSON.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "expiry_sources.h"

namespace signet::cli::expiry {

struct ReportOptions {
  std::chrono::system_clock::time_point now = std::chrono::system_clock::now();
  // Certificates expiring within this (or already expired) are flagged; none when unset.
  std::optional<std::chrono::seconds> warn_within;
};

struct ReportRow {
  std::string name;
  std::string source;
  bool missing = false;
  std::string missing_reason;
  std::string subject;  // RFC 2253 form
  std::chrono::system_clock::time_point not_after;
  std::int64_t residual_seconds = 0;  // negative once expired
  bool expired = false;
  bool within_warning = false;
  // The CA row that issued it: "unknown" when none matched, "self-signed" for a root.
  std::string issuer_ca;
  // How: "signature" (verified with the CA's key), "name" (issuer name and AKI match but the
  // signature does not verify: a re-keyed CA of the same name), "self-signed", or "".
  std::string issuer_match;
};

struct EndpointRow {
  std::string endpoint;
  std::size_t chain_length = 0;
  std::optional<bool> verified;  // unset: no CA from another source to verify against
  std::string detail;            // the verification error, or why it was not verified
};

struct Report {
  std::vector<ReportRow> certificates;
  std::vector<ReportRow> authorities;
  std::vector<EndpointRow> endpoints;
  std::optional<std::chrono::seconds> warn_within;
  // Present certificates (either table) that expire within warn_within or have expired.
  [[nodiscard]] std::vector<std::string> flagged() const;
};

[[nodiscard]] Report build_report(const Inventory& inventory, const ReportOptions& options);

// kubeadm's ShortHumanDuration ("45s", "59m", "23h", "364d", "9y"); negative durations read
// "expired 3d ago" (kubeadm prints "<invalid>").
[[nodiscard]] std::string format_residual(std::int64_t seconds);

[[nodiscard]] nlohmann::json report_json(const Report& report);
[[nodiscard]] std::string report_text(const Report& report);

}  // namespace signet::cli::expiry
