// PINs: read from a pin-source (RFC 7512 §2.3 `file:`; signet's `env:`), held in memory that is
// wiped on destruction, never copied implicitly, never formatted.
#pragma once

#include <string>
#include <string_view>

#include "signet/core/result.h"

namespace signet::hsm {

class SecretString {
 public:
  SecretString() = default;
  // Copies `value` into heap storage that moves transfer without copying (a std::string of up to
  // 15 bytes would live inside the object and be copied, leaving a PIN behind on every move).
  // The caller wipes its own copy.
  explicit SecretString(std::string_view value);
  SecretString(const SecretString&) = delete;
  SecretString& operator=(const SecretString&) = delete;
  SecretString(SecretString&& other) noexcept;
  SecretString& operator=(SecretString&& other) noexcept;
  ~SecretString();

  // The only way to the bytes: pass them to C_Login/C_InitToken, nowhere else.
  [[nodiscard]] std::string_view reveal() const noexcept { return value_; }
  [[nodiscard]] bool empty() const noexcept { return value_.empty(); }

 private:
  void wipe() noexcept;
  std::string value_;
};

// Longest PIN accepted (PKCS#11 leaves it to the token; real HSMs allow 4–255).
inline constexpr std::size_t kMaxPinLength = 255;

// "file:/path" (the file's content, one trailing newline dropped) or "env:NAME". Errors name the
// source, never the PIN.
[[nodiscard]] Result<SecretString> read_pin(std::string_view pin_source);

}  // namespace signet::hsm
