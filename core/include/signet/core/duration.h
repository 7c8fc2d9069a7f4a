// Durations as Kubernetes writes them ("87600h", "90m", "1h30m", "3600s").
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "signet/core/result.h"

namespace signet {

// Accepts one or more <digits><unit> groups with units h, m, s; the total must be positive and
// at most 100 years. Days are not accepted: Go's time.ParseDuration, which kubeadm uses, has none.
[[nodiscard]] Result<std::chrono::seconds> parse_duration(std::string_view text);

// RFC 3339 UTC, seconds precision: "2026-11-23T15:49:55Z".
[[nodiscard]] std::string format_time(std::chrono::system_clock::time_point t);

}  // namespace signet
