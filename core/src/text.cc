#include "signet/core/text.h"

#include <array>
#include <string>

namespace signet {

std::optional<std::size_t> printable_utf8_length(std::string_view s) noexcept {
  std::size_t count = 0;
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = 0;
    std::uint32_t cp = 0;
    if (c < 0x80) {
      if (c < 0x20 || c == 0x7f) return std::nullopt;
      n = 1;
      cp = c;
    } else if ((c & 0xe0U) == 0xc0U) {
      n = 2;
      cp = c & 0x1fU;
    } else if ((c & 0xf0U) == 0xe0U) {
      n = 3;
      cp = c & 0x0fU;
    } else if ((c & 0xf8U) == 0xf0U) {
      n = 4;
      cp = c & 0x07U;
    } else {
      return std::nullopt;
    }
    if (i + n > s.size()) return std::nullopt;
    for (std::size_t k = 1; k < n; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xc0U) != 0x80U) return std::nullopt;
      cp = (cp << 6U) | (cc & 0x3fU);
    }
    static constexpr std::array<std::uint32_t, 5> kMinForLength = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMinForLength[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
      return std::nullopt;
    }
    i += n;
    ++count;
  }
  return count;
}

Status check_label(std::string_view what, std::string_view value, std::size_t max_bytes) {
  const std::string name(what);
  if (value.empty()) return fail(ErrorCode::kInvalidArgument, name + " must not be empty");
  if (value.size() > max_bytes) {
    return fail(ErrorCode::kInvalidArgument,
                name + " is longer than " + std::to_string(max_bytes) + " bytes");
  }
  if (!printable_utf8_length(value)) {
    return fail(ErrorCode::kInvalidArgument,
                name + " must be valid UTF-8 without control characters");
  }
  if (value.front() == ' ' || value.back() == ' ') {
    return fail(ErrorCode::kInvalidArgument, name + " must not start or end with a blank");
  }
  return {};
}

}  // namespace signet
