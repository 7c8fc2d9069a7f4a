#include "metrics.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace signet::serve {
namespace {

constexpr auto kRelaxed = std::memory_order_relaxed;

template <std::size_t N>
std::size_t index_of(const std::array<std::string_view, N>& names, std::string_view name) {
  const auto it = std::find(names.begin(), names.end(), name);
  return it == names.end() ? N - 1 : static_cast<std::size_t>(it - names.begin());
}

// A label value escaped as the exposition format requires (backslash, quote, newline).
std::string label(std::string_view v) {
  std::string out;
  for (const char c : v) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

// Shortest text that reads back as the same double ("0.0005", "2.5", "10"), as Prometheus'
// client libraries print bucket bounds.
std::string number(double v) {
  // Whole numbers as integers ("10", not %g's "1e+01").
  if (v == std::floor(v) && std::fabs(v) < 1e15) return std::to_string(static_cast<long long>(v));
  char buf[32];  // NOLINT(modernize-avoid-c-arrays): snprintf's buffer
  std::snprintf(buf, sizeof buf, "%.17g", v);
  for (int precision = 1; precision < 17; ++precision) {
    char shorter[32];  // NOLINT(modernize-avoid-c-arrays)
    std::snprintf(shorter, sizeof shorter, "%.*g", precision, v);
    if (std::strtod(shorter, nullptr) == v) return shorter;
  }
  return buf;
}

void family(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
  out.append("# HELP ").append(name).append(" ").append(help).append("\n");
  out.append("# TYPE ").append(name).append(" ").append(type).append("\n");
}

}  // namespace

void LatencyHistogram::observe(std::chrono::nanoseconds d) noexcept {
  const double seconds = std::chrono::duration<double>(d).count();
  const auto* const it =
      std::lower_bound(kBounds.begin(), kBounds.end(), seconds);  // le: inclusive
  buckets_[static_cast<std::size_t>(it - kBounds.begin())].fetch_add(1, kRelaxed);
  sum_ns_.fetch_add(static_cast<std::uint64_t>(std::max<std::int64_t>(d.count(), 0)), kRelaxed);
  count_.fetch_add(1, kRelaxed);
}

void LatencyHistogram::format(std::string& out, std::string_view name) const {
  // Read the buckets first and derive the count from them, so that one scrape is consistent
  // (+Inf == _count) even while observations race with it.
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i <= kBounds.size(); ++i) {
    cumulative += buckets_[i].load(kRelaxed);
    const std::string le = i < kBounds.size() ? number(kBounds[i]) : "+Inf";
    out.append(name).append("_bucket{le=\"").append(le).append("\"} ");
    out.append(std::to_string(cumulative)).append("\n");
  }
  const double sum = static_cast<double>(sum_ns_.load(kRelaxed)) / 1e9;
  out.append(name).append("_sum ").append(number(sum)).append("\n");
  out.append(name).append("_count ").append(std::to_string(cumulative)).append("\n");
}

Metrics::Metrics(const std::vector<std::pair<std::string, std::string>>& cas_and_profiles) {
  for (const auto& key : cas_and_profiles) {
    signatures_.try_emplace(key, std::make_unique<std::atomic<std::uint64_t>>(0));
  }
}

std::string_view Metrics::endpoint_label(std::string_view path) noexcept {
  if (path.substr(0, 7) == "/v1/ca/") return "/v1/ca";
  return kEndpoints[index_of(kEndpoints, path)];
}

void Metrics::request(std::string_view endpoint, unsigned status) noexcept {
  const auto code = std::find(kCodes.begin(), kCodes.end() - 1, status) - kCodes.begin();
  requests_[index_of(kEndpoints, endpoint_label(endpoint))][static_cast<std::size_t>(code)]
      .fetch_add(1, kRelaxed);
}

void Metrics::signature(const std::string& ca, const std::string& profile) noexcept {
  // The pairs are fixed at construction; find() on a std::map never allocates.
  const auto it = signatures_.find(std::pair<std::string, std::string>(ca, profile));
  if (it != signatures_.end()) it->second->fetch_add(1, kRelaxed);
}

void Metrics::error(std::string_view error_class) noexcept {
  errors_[index_of(kErrorClasses, error_class)].fetch_add(1, kRelaxed);
}

std::string_view Metrics::error_class(unsigned status) noexcept {
  switch (status) {
    case 400:
    case 405:
    case 413:
    case 431:
      return "invalid_request";
    case 401:
      return "unauthenticated";
    case 403:
      return "forbidden";
    case 404:
      return "not_found";
    case 429:
      return "rate_limited";
    case 503:
    case 504:
      return "unavailable";
    case 500:
      return "internal";
    default:
      return status < 400 ? "" : "other";
  }
}

void Metrics::format_signer_gauges(std::string& out,
                                   const std::vector<std::pair<std::string, SignerLoad>>& loads) {
  const auto gauge = [&](std::string_view name, std::string_view help,
                         std::size_t SignerLoad::*field) {
    family(out, name, "gauge", help);
    for (const auto& [ca, load] : loads) {
      out.append(name).append("{ca=\"").append(label(ca)).append("\"} ");
      out.append(std::to_string(load.*field)).append("\n");
    }
  };
  gauge("signet_signer_sessions", "Token sessions the CA's signer may use at once.",
        &SignerLoad::sessions);
  gauge("signet_signer_sessions_in_use", "Token sessions leased to a signature now.",
        &SignerLoad::sessions_in_use);
  gauge("signet_signer_waiters", "Signatures waiting for a token session or for queue space.",
        &SignerLoad::waiters);
}

std::string Metrics::format() const {
  std::string out;
  family(out, "signet_http_requests_total", "counter",
         "HTTP requests answered, by endpoint and status.");
  for (std::size_t e = 0; e < kEndpoints.size(); ++e) {
    for (std::size_t c = 0; c < kCodes.size(); ++c) {
      const auto n = requests_[e][c].load(kRelaxed);
      if (n == 0) continue;  // only the series seen (a scrape stays short)
      out.append("signet_http_requests_total{endpoint=\"").append(label(kEndpoints[e]));
      out.append("\",code=\"").append(kCodes[c] == 0 ? "other" : std::to_string(kCodes[c]));
      out.append("\"} ").append(std::to_string(n)).append("\n");
    }
  }
  family(out, "signet_signatures_total", "counter",
         "Certificates signed and recorded, by CA and profile.");
  for (const auto& [key, n] : signatures_) {
    out.append("signet_signatures_total{ca=\"").append(label(key.first));
    out.append("\",profile=\"").append(label(key.second)).append("\"} ");
    out.append(std::to_string(n->load(kRelaxed))).append("\n");
  }
  family(out, "signet_errors_total", "counter",
         "Refused or failed requests and batch items, by class.");
  for (std::size_t i = 0; i < kErrorClasses.size(); ++i) {
    out.append("signet_errors_total{class=\"").append(kErrorClasses[i]).append("\"} ");
    out.append(std::to_string(errors_[i].load(kRelaxed))).append("\n");
  }
  family(out, "signet_sign_seconds", "histogram", "CA signature latency (token round trip).");
  sign_.format(out, "signet_sign_seconds");
  family(out, "signet_ledger_write_seconds", "histogram",
         "Persist-before-return latency: recording one certificate in the ledger.");
  ledger_.format(out, "signet_ledger_write_seconds");
  return out;
}

}  // namespace signet::serve
