// libFuzzer target: kubeadm CA key files (`signet ca import --key-file`): PEM framing, labels,
// encryption headers, base64, the DER structure check and OpenSSL's decoding of what passes.
// The seed corpus holds throwaway keys generated for it alone: they protect nothing.
#include <cstddef>
#include <cstdint>

#include "signet/core/key_file.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static_cast<void>(signet::parse_private_key_file(signet::ByteView(data, size), "fuzz"));
  return 0;
}
