// libFuzzer target: the strict DER reader, walked recursively into constructed values, and
// SubjectPublicKeyInfo inspection.
#include <cstddef>
#include <cstdint>

#include "signet/core/algorithm.h"
#include "signet/core/der.h"

namespace {

void walk(signet::ByteView input, int depth) {
  if (depth > 16) return;
  signet::der::Reader reader(input);
  while (!reader.empty()) {
    const auto tlv = reader.next();
    if (!tlv) return;
    if ((tlv->tag & 0x20U) != 0) walk(tlv->content, depth + 1);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const signet::ByteView input(data, size);
  walk(input, 0);
  static_cast<void>(signet::inspect_public_key(input));
  return 0;
}
