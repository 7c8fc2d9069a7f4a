// Key material in memory: a byte buffer that is wiped (OPENSSL_cleanse) when it is destroyed or
// overwritten, and is never copied implicitly. For private-key parts on their way into a token.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "signet/core/bytes.h"

namespace signet {

class SecretBytes {
 public:
  SecretBytes() = default;
  explicit SecretBytes(std::size_t size) : bytes_(size) {}
  SecretBytes(const SecretBytes&) = delete;
  SecretBytes& operator=(const SecretBytes&) = delete;
  // A moved-from vector hands over its heap buffer: nothing is left behind to wipe.
  SecretBytes(SecretBytes&& other) noexcept : bytes_(std::move(other.bytes_)) {}
  SecretBytes& operator=(SecretBytes&& other) noexcept;
  ~SecretBytes() { wipe(); }

  [[nodiscard]] std::uint8_t* data() noexcept { return bytes_.data(); }
  [[nodiscard]] const std::uint8_t* data() const noexcept { return bytes_.data(); }
  [[nodiscard]] std::size_t size() const noexcept { return bytes_.size(); }
  [[nodiscard]] bool empty() const noexcept { return bytes_.empty(); }
  [[nodiscard]] ByteView view() const noexcept { return bytes_; }
  // Shrinks without reallocating (the dropped tail is wiped first).
  void truncate(std::size_t size) noexcept;
  void wipe() noexcept;

 private:
  std::vector<std::uint8_t> bytes_;
};

// Wipes a buffer that held secrets before it is freed (a file's content, a decoded PEM body).
void cleanse(std::string& text) noexcept;
void cleanse(Bytes& bytes) noexcept;

}  // namespace signet
