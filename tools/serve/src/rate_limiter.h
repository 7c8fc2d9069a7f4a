// Per-caller token buckets (signet issue 7 item 2: "per-client rate limits answer 429 with
// Retry-After"). One bucket per client rule and per HMAC key that has a "rate_limit"; callers
// without one are never limited. The set of buckets is fixed at construction (no allocation or
// map mutation while serving); each bucket has its own small mutex, held for a few arithmetic
// operations.
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "signet/serve/config.h"

namespace signet::serve {

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;

  // Buckets for every "clients" rule ("mtls:<name>") and "hmac_keys" entry ("hmac:<name>") with
  // a rate_limit, each starting full.
  explicit RateLimiter(const ServerConfig& config, Clock::time_point now = Clock::now());

  // Takes one token from `requester`'s bucket. nullopt: allowed. Otherwise refused, and the
  // value is the whole seconds (≥ 1, rounded up) until a token is back: the Retry-After value
  // of RFC 9110 §10.2.3.
  [[nodiscard]] std::optional<unsigned> take(const std::string& requester,
                                             Clock::time_point now = Clock::now()) {
    return take_n(requester, 1, now);
  }
  // Takes `count` tokens at once (a batch call costs one per certificate, so a batch endpoint
  // is not a way around the limit), or none: the wait is until `count` are back. A count above
  // the bucket's burst could never pass; callers refuse it first (burst()).
  [[nodiscard]] std::optional<unsigned> take_n(const std::string& requester, std::size_t count,
                                               Clock::time_point now = Clock::now());
  // The requester's burst (the most one call may take), or nullopt when it is not limited.
  [[nodiscard]] std::optional<double> burst(const std::string& requester) const;

 private:
  struct Bucket {
    RateLimit limit;
    double tokens = 0;
    Clock::time_point last;
    std::mutex mutex;
  };
  std::map<std::string, std::unique_ptr<Bucket>, std::less<>> buckets_;
};

}  // namespace signet::serve
