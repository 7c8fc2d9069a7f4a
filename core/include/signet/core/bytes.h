// Byte buffers: owned (Bytes) and borrowed (ByteView).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace signet {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;

[[nodiscard]] inline ByteView as_bytes(std::string_view text) noexcept {
  // Byte views of text are the one place a char/uint8_t reinterpretation is needed.
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};  // NOLINT
}
[[nodiscard]] inline std::string_view as_text(ByteView bytes) noexcept {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};  // NOLINT
}

// Lower-case hex, no separators.
[[nodiscard]] std::string to_hex(ByteView bytes);

}  // namespace signet
