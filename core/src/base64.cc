#include "signet/core/base64.h"

#include <array>

namespace signet {
namespace {

constexpr std::string_view kAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int value_of(char c) {
  const auto pos = kAlphabet.find(c);
  return pos == std::string_view::npos ? -1 : static_cast<int>(pos);
}

}  // namespace

std::string base64_encode(ByteView data) {
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= data.size(); i += 3) {
    const unsigned v = (unsigned{data[i]} << 16U) | (unsigned{data[i + 1]} << 8U) | data[i + 2];
    for (int shift = 18; shift >= 0; shift -= 6) out += kAlphabet[(v >> shift) & 0x3fU];
  }
  const std::size_t rest = data.size() - i;
  if (rest > 0) {
    unsigned v = unsigned{data[i]} << 16U;
    if (rest == 2) v |= unsigned{data[i + 1]} << 8U;
    out += kAlphabet[(v >> 18U) & 0x3fU];
    out += kAlphabet[(v >> 12U) & 0x3fU];
    out += rest == 2 ? kAlphabet[(v >> 6U) & 0x3fU] : '=';
    out += '=';
  }
  return out;
}

Result<Bytes> base64_decode(std::string_view text, std::string_view what) {
  const auto bad = [&](const std::string& why) {
    return fail(ErrorCode::kInvalidArgument, std::string(what) + " is not valid base64: " + why);
  };
  if (text.size() % 4 != 0) return bad("length is not a multiple of 4");
  Bytes out;
  out.reserve(text.size() / 4 * 3);
  for (std::size_t i = 0; i < text.size(); i += 4) {
    std::array<int, 4> v{};
    int pad = 0;
    for (std::size_t k = 0; k < 4; ++k) {
      const char c = text[i + k];
      if (c == '=' && i + 4 == text.size() && k >= 2) {
        ++pad;
        v[k] = 0;
        continue;
      }
      if (pad > 0) return bad("data after padding");
      v[k] = value_of(c);
      if (v[k] < 0) return bad("unexpected character at offset " + std::to_string(i + k));
    }
    const unsigned n = (static_cast<unsigned>(v[0]) << 18U) | (static_cast<unsigned>(v[1]) << 12U) |
                       (static_cast<unsigned>(v[2]) << 6U) | static_cast<unsigned>(v[3]);
    if ((pad == 1 && (n & 0xffU) != 0) || (pad == 2 && (n & 0xffffU) != 0)) {
      return bad("non-canonical padding bits");
    }
    out.push_back(static_cast<std::uint8_t>(n >> 16U));
    if (pad < 2) out.push_back(static_cast<std::uint8_t>((n >> 8U) & 0xffU));
    if (pad < 1) out.push_back(static_cast<std::uint8_t>(n & 0xffU));
  }
  return out;
}

}  // namespace signet
