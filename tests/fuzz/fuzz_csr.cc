// libFuzzer target: CSR intake (PEM or DER, proof of possession, subject, SANs) and the profile
// check on whatever parses.
#include <cstddef>
#include <cstdint>

#include "signet/core/csr.h"
#include "signet/core/profile.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto csr = signet::Csr::parse(signet::ByteView(data, size));
  if (!csr) return 0;
  static_cast<void>(signet::find_profile("kubelet-client")->check_request(*csr));
  return 0;
}
