#include "signet/hsm/secret.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>
#include <system_error>

#include <openssl/crypto.h>

namespace signet::hsm {

SecretString::SecretString(std::string_view value) {
  value_.reserve(kMaxPinLength + 1);
  value_.assign(value);
}

SecretString::SecretString(SecretString&& other) noexcept : value_(std::move(other.value_)) {
  other.wipe();
}

SecretString& SecretString::operator=(SecretString&& other) noexcept {
  if (this != &other) {
    wipe();
    value_ = std::move(other.value_);
    other.wipe();
  }
  return *this;
}

SecretString::~SecretString() {
  wipe();
}

void SecretString::wipe() noexcept {
  // OPENSSL_cleanse is not optimised away (unlike memset before free).
  if (value_.capacity() > 0) OPENSSL_cleanse(value_.data(), value_.capacity());
  value_.clear();
}

namespace {

Result<SecretString> read_pin_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) {
    return fail(ErrorCode::kNotFound,
                "cannot open PIN file " + path + ": " +
                    std::error_code(errno, std::generic_category()).message());
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return fail(ErrorCode::kInvalidArgument, "PIN file " + path + " is not a regular file");
  }
  std::array<char, kMaxPinLength + 2> buf{};
  std::size_t total = 0;
  while (total < buf.size()) {
    const ssize_t n = ::read(fd, buf.data() + total, buf.size() - total);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      ::close(fd);
      OPENSSL_cleanse(buf.data(), buf.size());
      return fail(ErrorCode::kUnavailable, "cannot read PIN file " + path);
    }
    if (n == 0) break;
    total += static_cast<std::size_t>(n);
  }
  ::close(fd);
  // One trailing newline is the file's, not the PIN's (`echo 1234 > pin`).
  if (total > 0 && buf[total - 1] == '\n') --total;
  if (total > 0 && buf[total - 1] == '\r') --total;
  SecretString secret(std::string_view(buf.data(), total));
  OPENSSL_cleanse(buf.data(), buf.size());
  if (secret.reveal().size() > kMaxPinLength) {
    return fail(ErrorCode::kInvalidArgument, "PIN file " + path + " holds more than " +
                                                 std::to_string(kMaxPinLength) + " bytes");
  }
  if (secret.empty()) return fail(ErrorCode::kInvalidArgument, "PIN file " + path + " is empty");
  return secret;
}

}  // namespace

Result<SecretString> read_pin(std::string_view pin_source) {
  if (pin_source.rfind("file:", 0) == 0) return read_pin_file(std::string(pin_source.substr(5)));
  if (pin_source.rfind("env:", 0) == 0) {
    const std::string name(pin_source.substr(4));
    const char* value = std::getenv(name.c_str());  // NOLINT(concurrency-mt-unsafe): startup
    if (value == nullptr) {
      return fail(ErrorCode::kNotFound, "PIN environment variable " + name + " is not set");
    }
    SecretString secret{std::string_view(value)};
    if (secret.empty()) {
      return fail(ErrorCode::kInvalidArgument, "PIN environment variable " + name + " is empty");
    }
    if (secret.reveal().size() > kMaxPinLength) {
      return fail(ErrorCode::kInvalidArgument,
                  "PIN environment variable " + name + " is longer than 255 bytes");
    }
    return secret;
  }
  return fail(ErrorCode::kInvalidArgument,
              "pin-source must be file:PATH or env:NAME (a PIN is never taken from the command "
              "line)");
}

}  // namespace signet::hsm
