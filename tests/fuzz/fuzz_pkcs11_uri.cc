// libFuzzer target: RFC 7512 URI parser. Anything it accepts must round-trip through
// to_string() to an equal URI.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "signet/hsm/pkcs11_uri.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);  // NOLINT
  const auto uri = signet::hsm::Pkcs11Uri::parse(text);
  if (!uri) return 0;
  const auto again = signet::hsm::Pkcs11Uri::parse(uri->to_string());
  if (!again || again->token != uri->token || again->object != uri->object ||
      again->id != uri->id || again->pin_source != uri->pin_source ||
      again->module_path != uri->module_path) {
    std::abort();  // a URI signet wrote must read back as the same URI
  }
  return 0;
}
