// Per-caller token buckets (signet issue 7 item 2: "per-client rate limits answer 429 with
// Retry-After"). One bucket per client rule and per HMAC key that has a "rate_limit"; callers
// without one are never limited. The set of buckets is fixed at construction (no allocation or
// map mutation while serving); each bucket has its own small mutex, held for a few arithmetic
// operations.
#pragma once

#include <chrono>
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
                                             Clock::time_point now = Clock::now());

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
