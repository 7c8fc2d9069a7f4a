#include "signet/core/secret_bytes.h"

#include <string>

#include <openssl/crypto.h>

namespace signet {

SecretBytes& SecretBytes::operator=(SecretBytes&& other) noexcept {
  if (this != &other) {
    wipe();
    bytes_ = std::move(other.bytes_);
  }
  return *this;
}

void SecretBytes::truncate(std::size_t size) noexcept {
  if (size >= bytes_.size()) return;
  OPENSSL_cleanse(bytes_.data() + size, bytes_.size() - size);
  bytes_.resize(size);  // shrinking never reallocates
}

void SecretBytes::wipe() noexcept {
  if (!bytes_.empty()) OPENSSL_cleanse(bytes_.data(), bytes_.size());
  bytes_.clear();
}

void cleanse(std::string& text) noexcept {
  // The whole capacity: a string that shrank keeps old bytes past its size. Growing to the
  // capacity never reallocates.
  text.resize(text.capacity());
  if (!text.empty()) OPENSSL_cleanse(text.data(), text.size());
  text.clear();
}

void cleanse(Bytes& bytes) noexcept {
  bytes.resize(bytes.capacity());
  if (!bytes.empty()) OPENSSL_cleanse(bytes.data(), bytes.size());
  bytes.clear();
}

}  // namespace signet
