// libFuzzer target: subject strings ("CN=...,O=...") and their DER encoding.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "signet/core/der.h"
#include "signet/core/name.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);  // NOLINT
  const auto dn = signet::parse_distinguished_name(text);
  if (!dn) return 0;
  const auto der = signet::encode_name(*dn);
  // Whatever the parser accepted must encode, as one well-formed SEQUENCE.
  if (!der || !signet::der::parse_single(*der, signet::der::kSequence, "Name")) std::abort();
  return 0;
}
