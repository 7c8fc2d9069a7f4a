#include "rate_limiter.h"

#include <algorithm>
#include <cmath>

namespace signet::serve {

RateLimiter::RateLimiter(const ServerConfig& config, Clock::time_point now) {
  const auto add = [&](const std::string& requester, const Grant& grant) {
    if (!grant.rate_limit) return;
    auto b = std::make_unique<Bucket>();
    b->limit = *grant.rate_limit;
    b->tokens = grant.rate_limit->burst;
    b->last = now;
    buckets_.emplace(requester, std::move(b));
  };
  for (const auto& c : config.clients) add("mtls:" + c.name, c.grant);
  for (const auto& k : config.hmac_keys) add("hmac:" + k.name, k.grant);
}

std::optional<double> RateLimiter::burst(const std::string& requester) const {
  const auto it = buckets_.find(requester);
  if (it == buckets_.end()) return std::nullopt;
  return it->second->limit.burst;  // fixed at construction: no lock needed
}

std::optional<unsigned> RateLimiter::take_n(const std::string& requester, std::size_t count,
                                            Clock::time_point now) {
  const auto it = buckets_.find(requester);
  if (it == buckets_.end()) return std::nullopt;
  Bucket& b = *it->second;
  const std::lock_guard lock(b.mutex);
  // Refill for the time since the last call (never backwards: steady_clock, and a caller's
  // `now` older than the last one adds nothing), capped at the burst.
  if (now > b.last) {
    const double elapsed = std::chrono::duration<double>(now - b.last).count();
    b.tokens = std::min(b.limit.burst, b.tokens + elapsed * b.limit.per_second);
    b.last = now;
  }
  const auto cost = static_cast<double>(count);
  if (b.tokens >= cost) {
    b.tokens -= cost;
    return std::nullopt;
  }
  const double wait = (cost - b.tokens) / b.limit.per_second;
  // Retry-After is whole seconds: rounded up so that a client obeying it finds a token, ≥ 1,
  // and capped (a config's slowest rate, 1e-6/s, would otherwise overflow the header value).
  constexpr double kMaxRetryAfter = 86400;
  return static_cast<unsigned>(std::clamp(std::ceil(wait), 1.0, kMaxRetryAfter));
}

}  // namespace signet::serve
