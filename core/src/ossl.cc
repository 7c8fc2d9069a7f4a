#include "signet/core/ossl.h"

#include <array>
#include <string>

#include <openssl/err.h>

namespace signet::ossl {

std::string drain_errors() {
  std::string text;
  unsigned long code = 0;  // NOLINT(google-runtime-int): OpenSSL's type
  while ((code = ERR_get_error()) != 0) {
    std::array<char, 256> buf{};
    ERR_error_string_n(code, buf.data(), buf.size());
    if (!text.empty()) text += "; ";
    text += buf.data();
  }
  return text.empty() ? std::string("no OpenSSL error recorded") : text;
}

}  // namespace signet::ossl
