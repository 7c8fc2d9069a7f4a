// The rate limiter's token bucket and the /metrics exposition, without a server.
#include <chrono>
#include <regex>
#include <sstream>

#include <gtest/gtest.h>

#include "metrics.h"
#include "rate_limiter.h"

namespace signet::serve {
namespace {

using namespace std::chrono_literals;

ServerConfig limited(double per_second, double burst) {
  ServerConfig c;
  ClientRule rule;
  rule.name = "ingress";
  rule.grant.ca = "kubernetes";
  rule.grant.profiles = {"kubelet-client"};
  rule.grant.rate_limit = RateLimit{per_second, burst};
  c.clients.push_back(rule);
  HmacKeyRule key;
  key.name = "ci";
  key.grant = rule.grant;
  key.grant.rate_limit.reset();
  c.hmac_keys.push_back(std::move(key));
  return c;
}

TEST(RateLimiterTest, BurstThenRefillAtTheRateWithRetryAfterRoundedUp) {
  const auto t0 = RateLimiter::Clock::time_point{} + 1000s;
  RateLimiter limiter(limited(0.5, 3), t0);  // one token every 2 s, 3 at once
  for (int i = 0; i < 3; ++i) EXPECT_EQ(limiter.take("mtls:ingress", t0), std::nullopt) << i;
  EXPECT_EQ(limiter.take("mtls:ingress", t0), 2U);          // a whole token is 2 s away
  EXPECT_EQ(limiter.take("mtls:ingress", t0 + 500ms), 2U);  // 1.5 s: rounded up
  EXPECT_EQ(limiter.take("mtls:ingress", t0 + 1500ms), 1U);
  EXPECT_EQ(limiter.take("mtls:ingress", t0 + 2s), std::nullopt);
  EXPECT_EQ(limiter.take("mtls:ingress", t0 + 2s), 2U);
  // A long pause refills to the burst, never beyond.
  for (int i = 0; i < 3; ++i) EXPECT_EQ(limiter.take("mtls:ingress", t0 + 1h), std::nullopt);
  EXPECT_EQ(limiter.take("mtls:ingress", t0 + 1h), 2U);
  // A clock reading older than the last one adds nothing.
  EXPECT_EQ(limiter.take("mtls:ingress", t0), 2U);
}

TEST(RateLimiterTest, ABatchTakesOneTokenPerCertificateOrNone) {
  const auto t0 = RateLimiter::Clock::time_point{} + 1000s;
  RateLimiter limiter(limited(1, 10), t0);  // one token a second, 10 at once
  EXPECT_EQ(limiter.burst("mtls:ingress"), 10.0);
  EXPECT_EQ(limiter.burst("hmac:ci"), std::nullopt);  // not limited
  EXPECT_EQ(limiter.take_n("mtls:ingress", 6, t0), std::nullopt);
  EXPECT_EQ(limiter.take_n("mtls:ingress", 6, t0), 2U);  // 4 left: 2 more are 2 s away
  EXPECT_EQ(limiter.take_n("mtls:ingress", 4, t0), std::nullopt) << "the refusal took nothing";
  EXPECT_EQ(limiter.take("mtls:ingress", t0), 1U);
  EXPECT_EQ(limiter.take_n("mtls:ingress", 3, t0 + 3s), std::nullopt);
  EXPECT_EQ(limiter.take_n("hmac:ci", 1000, t0), std::nullopt);
}

TEST(RateLimiterTest, CallersWithoutALimitAndUnknownCallersAreNeverLimited) {
  const auto t0 = RateLimiter::Clock::time_point{} + 1s;
  RateLimiter limiter(limited(1, 1), t0);
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(limiter.take("hmac:ci", t0), std::nullopt);
    EXPECT_EQ(limiter.take("mtls:nobody", t0), std::nullopt);
  }
  EXPECT_EQ(limiter.take("mtls:ingress", t0), std::nullopt);
  EXPECT_EQ(limiter.take("mtls:ingress", t0), 1U);
}

TEST(RateLimiterTest, RetryAfterIsCappedForTinyRates) {
  const auto t0 = RateLimiter::Clock::time_point{} + 1s;
  RateLimiter limiter(limited(1e-9, 1), t0);
  EXPECT_EQ(limiter.take("mtls:ingress", t0), std::nullopt);
  EXPECT_EQ(limiter.take("mtls:ingress", t0), 86400U);
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

bool has_line(const std::string& text, const std::string& line) {
  const auto lines = lines_of(text);
  return std::find(lines.begin(), lines.end(), line) != lines.end();
}

TEST(MetricsTest, CountersByLabelAndUnknownPathsAsOther) {
  Metrics m({{"kubernetes", "kubelet-client"}, {"kubernetes", "kubelet-serving"}});
  m.request("/api/v1/cfssl/sign", 200);
  m.request("/api/v1/cfssl/sign", 200);
  m.request("/v1/ca/kubernetes", 404);
  m.request("/wp-admin/x", 404);
  m.request("/v1/sign/batch", 418);
  m.signature("kubernetes", "kubelet-client");
  m.signature("unknown-ca", "kubelet-client");  // not a configured pair: not counted
  m.error(Metrics::error_class(429));
  m.error("policy");
  const std::string t = m.format();
  EXPECT_TRUE(
      has_line(t, R"(signet_http_requests_total{endpoint="/api/v1/cfssl/sign",code="200"} 2)"))
      << t;
  EXPECT_TRUE(has_line(t, R"(signet_http_requests_total{endpoint="/v1/ca",code="404"} 1)")) << t;
  EXPECT_TRUE(has_line(t, R"(signet_http_requests_total{endpoint="other",code="404"} 1)")) << t;
  EXPECT_TRUE(
      has_line(t, R"(signet_http_requests_total{endpoint="/v1/sign/batch",code="other"} 1)"))
      << t;
  EXPECT_TRUE(has_line(t, R"(signet_signatures_total{ca="kubernetes",profile="kubelet-client"} 1)"))
      << t;
  EXPECT_TRUE(
      has_line(t, R"(signet_signatures_total{ca="kubernetes",profile="kubelet-serving"} 0)"))
      << t;
  EXPECT_TRUE(has_line(t, R"(signet_errors_total{class="rate_limited"} 1)")) << t;
  EXPECT_TRUE(has_line(t, R"(signet_errors_total{class="policy"} 1)")) << t;
  EXPECT_TRUE(has_line(t, R"(signet_errors_total{class="internal"} 0)")) << t;
  EXPECT_EQ(t.find("unknown-ca"), std::string::npos);
  EXPECT_EQ(Metrics::error_class(200), "");
  EXPECT_EQ(Metrics::error_class(401), "unauthenticated");
  EXPECT_EQ(Metrics::error_class(503), "unavailable");
  // Every family is announced once, before its samples.
  for (const char* name :
       {"signet_http_requests_total", "signet_signatures_total", "signet_errors_total",
        "signet_sign_seconds", "signet_ledger_write_seconds"}) {
    const auto type = t.find(std::string("# TYPE ") + name + " ");
    ASSERT_NE(type, std::string::npos) << name;
    EXPECT_EQ(t.find(std::string("# TYPE ") + name + " ", type + 1), std::string::npos) << name;
    EXPECT_LT(t.find(std::string("# HELP ") + name + " "), type) << name;
  }
}

TEST(MetricsTest, HistogramBucketsAreCumulativeWithInclusiveUpperBounds) {
  Metrics m(std::vector<std::pair<std::string, std::string>>{});
  m.sign_latency(500us);  // exactly 0.0005: in le="0.0005" (le is inclusive)
  m.sign_latency(3ms);    // le="0.005"
  m.sign_latency(20s);    // above every bound: only +Inf
  m.ledger_latency(1ms);
  const std::string t = m.format();
  EXPECT_TRUE(has_line(t, R"(signet_sign_seconds_bucket{le="0.0005"} 1)")) << t;
  EXPECT_TRUE(has_line(t, R"(signet_sign_seconds_bucket{le="0.0025"} 1)")) << t;
  EXPECT_TRUE(has_line(t, R"(signet_sign_seconds_bucket{le="0.005"} 2)")) << t;
  EXPECT_TRUE(has_line(t, R"(signet_sign_seconds_bucket{le="10"} 2)")) << t;
  EXPECT_TRUE(has_line(t, R"(signet_sign_seconds_bucket{le="+Inf"} 3)")) << t;
  EXPECT_TRUE(has_line(t, "signet_sign_seconds_count 3")) << t;
  EXPECT_TRUE(has_line(t, "signet_sign_seconds_sum 20.0035")) << t;
  EXPECT_TRUE(has_line(t, R"(signet_ledger_write_seconds_bucket{le="0.001"} 1)")) << t;
  EXPECT_TRUE(has_line(t, "signet_ledger_write_seconds_count 1")) << t;
  // Bucket bounds ascend and counts never decrease.
  std::uint64_t previous = 0;
  const std::regex bucket(R"re(^signet_sign_seconds_bucket\{le="([^"]+)"\} ([0-9]+)$)re");
  int buckets = 0;
  for (const auto& line : lines_of(t)) {
    std::smatch match;
    if (!std::regex_match(line, match, bucket)) continue;
    const auto n = std::stoull(match[2]);
    EXPECT_GE(n, previous) << line;
    previous = n;
    ++buckets;
  }
  EXPECT_EQ(buckets, static_cast<int>(LatencyHistogram::kBounds.size()) + 1);
}

TEST(MetricsTest, SignerGaugesPerCa) {
  std::string out;
  Metrics::format_signer_gauges(out, {{"kubernetes", SignerLoad{8, 3, 2}}, {"etcd", {}}});
  EXPECT_TRUE(has_line(out, "# TYPE signet_signer_sessions gauge")) << out;
  EXPECT_TRUE(has_line(out, R"(signet_signer_sessions{ca="kubernetes"} 8)")) << out;
  EXPECT_TRUE(has_line(out, R"(signet_signer_sessions_in_use{ca="kubernetes"} 3)")) << out;
  EXPECT_TRUE(has_line(out, R"(signet_signer_waiters{ca="kubernetes"} 2)")) << out;
  EXPECT_TRUE(has_line(out, R"(signet_signer_waiters{ca="etcd"} 0)")) << out;
}

TEST(MetricsTest, LabelValuesAreEscaped) {
  const std::vector<std::pair<std::string, std::string>> pairs = {{"ca\"x", "p\\q\nr"}};
  Metrics m(pairs);
  m.signature("ca\"x", "p\\q\nr");
  EXPECT_TRUE(has_line(m.format(), R"(signet_signatures_total{ca="ca\"x",profile="p\\q\nr"} 1)"))
      << m.format();
}

}  // namespace
}  // namespace signet::serve
