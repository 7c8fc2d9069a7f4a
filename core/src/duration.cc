#include "signet/core/duration.h"

#include <ctime>
#include <string>

namespace signet {

Result<std::chrono::seconds> parse_duration(std::string_view text) {
  constexpr std::int64_t kMaxSeconds = 100LL * 366 * 24 * 3600;
  auto bad = [&](const std::string& why) {
    return fail(ErrorCode::kInvalidArgument, "invalid duration '" +
                                                 std::string(text.substr(0, 64)) + "': " + why +
                                                 " (expected e.g. 8760h, 90m, 1h30m)");
  };
  if (text.empty()) return bad("empty");
  std::int64_t total = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    std::int64_t number = 0;
    const std::size_t start = i;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      number = number * 10 + (text[i] - '0');
      if (number > kMaxSeconds) return bad("too long (at most 100 years)");
      ++i;
    }
    if (i == start) return bad("a number must come before each unit");
    if (i == text.size()) return bad("missing unit (h, m or s)");
    std::int64_t unit = 0;
    switch (text[i]) {
      case 'h':
        unit = 3600;
        break;
      case 'm':
        unit = 60;
        break;
      case 's':
        unit = 1;
        break;
      default:
        return bad(std::string("unknown unit '") + text[i] + "'");
    }
    ++i;
    total += number * unit;
    if (total > kMaxSeconds) return bad("too long (at most 100 years)");
  }
  if (total <= 0) return bad("must be positive");
  return std::chrono::seconds(total);
}

std::string format_time(std::chrono::system_clock::time_point t) {
  const std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];  // NOLINT(modernize-avoid-c-arrays)
  const std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return {buf, n};
}

}  // namespace signet
