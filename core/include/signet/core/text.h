// Text that came from outside (names, labels): valid UTF-8 without control characters, so it can
// be printed to a terminal or a JSON document without smuggling anything in.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

#include "signet/core/result.h"

namespace signet {

// Code points in `s`, or nullopt when `s` is not valid UTF-8 (RFC 3629 §4: no overlong forms,
// no surrogates, nothing above U+10FFFF) or holds a control character (C0, DEL).
[[nodiscard]] std::optional<std::size_t> printable_utf8_length(std::string_view s) noexcept;

// Refuses empty text, text over `max_bytes`, invalid UTF-8, control characters and leading or
// trailing blanks (PKCS#11 pads labels with blanks, so they would not round-trip). `what` names
// the field in the message.
[[nodiscard]] Status check_label(std::string_view what, std::string_view value,
                                 std::size_t max_bytes);

}  // namespace signet
