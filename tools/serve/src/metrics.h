// The server's /metrics (Prometheus text exposition format 0.0.4): requests by endpoint and
// status, signatures by CA and profile, errors by class, the signing and ledger-write latency
// histograms. Every series is created at construction (the endpoints, status codes and error
// classes are fixed; CA × profile comes from the config), so the hot path only increments
// relaxed atomics and never locks or allocates.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "signet/serve/issuance.h"

namespace signet::serve {

// A histogram with fixed upper bounds (seconds), cumulative only when formatted.
class LatencyHistogram {
 public:
  // 0.5 ms … 10 s: a SoftHSM signature takes well under 1 ms, a network HSM or an fsync'd
  // ledger commit several ms, a queue behind a busy token up to the session wait (5 s).
  static constexpr std::array<double, 14> kBounds = {
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  void observe(std::chrono::nanoseconds d) noexcept;
  // "<name>_bucket{le=...} n" lines (+Inf included), then _sum and _count.
  void format(std::string& out, std::string_view name) const;

 private:
  std::array<std::atomic<std::uint64_t>, kBounds.size() + 1> buckets_{};  // last: above all
  std::atomic<std::uint64_t> sum_ns_{0};
  std::atomic<std::uint64_t> count_{0};
};

class Metrics {
 public:
  // The endpoints counted by name; any other path is counted as "other" (bounded cardinality:
  // a scanner probing random paths must not grow the output).
  static constexpr std::array<std::string_view, 10> kEndpoints = {"/api/v1/cfssl/sign",
                                                                  "/api/v1/cfssl/authsign",
                                                                  "/api/v1/cfssl/info",
                                                                  "/v1/sign/batch",
                                                                  "/v1/k8s/csr",
                                                                  "/v1/ca",
                                                                  "/metrics",
                                                                  "/healthz",
                                                                  "/readyz",
                                                                  "other"};
  static constexpr std::array<unsigned, 13> kCodes = {200, 400, 401, 403, 404, 405, 409,
                                                      413, 429, 500, 503, 504, 0};  // 0: other
  // Error classes, from the HTTP status (error_class) or named by a handler ("policy": a
  // Kubernetes CSR answered with a Failed condition).
  static constexpr std::array<std::string_view, 9> kErrorClasses = {
      "invalid_request", "unauthenticated", "forbidden", "not_found", "policy",
      "rate_limited",    "unavailable",     "internal",  "other"};

  // `cas_and_profiles`: every (CA, profile) pair a grant allows: the signature series.
  explicit Metrics(const std::vector<std::pair<std::string, std::string>>& cas_and_profiles);

  void request(std::string_view endpoint, unsigned status) noexcept;
  void signature(const std::string& ca, const std::string& profile) noexcept;
  void error(std::string_view error_class) noexcept;
  void sign_latency(std::chrono::nanoseconds d) noexcept { sign_.observe(d); }
  void ledger_latency(std::chrono::nanoseconds d) noexcept { ledger_.observe(d); }

  // The class an HTTP error status is counted under ("" for a success).
  [[nodiscard]] static std::string_view error_class(unsigned status) noexcept;
  // "/v1/ca/kubernetes" → "/v1/ca"; an unknown path → "other".
  [[nodiscard]] static std::string_view endpoint_label(std::string_view path) noexcept;

  // The whole exposition, "# HELP"/"# TYPE" before each family, ending in a newline.
  [[nodiscard]] std::string format() const;
  // The gauges signet_signer_sessions{ca}, signet_signer_sessions_in_use{ca} and
  // signet_signer_waiters{ca}, read at scrape time from each CA's Signer::load() (CAs whose
  // signer has no session pool are left out).
  static void format_signer_gauges(std::string& out,
                                   const std::vector<std::pair<std::string, SignerLoad>>& loads);

 private:
  std::array<std::array<std::atomic<std::uint64_t>, kCodes.size()>, kEndpoints.size()> requests_{};
  std::map<std::pair<std::string, std::string>, std::unique_ptr<std::atomic<std::uint64_t>>>
      signatures_;
  std::array<std::atomic<std::uint64_t>, kErrorClasses.size()> errors_{};
  LatencyHistogram sign_;
  LatencyHistogram ledger_;
};

}  // namespace signet::serve
