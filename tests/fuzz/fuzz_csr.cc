// libFuzzer target: CSR intake — the strict DER walker (RFC 2986 §4), PEM, subject, SANs,
// extensionRequest, signature AlgorithmIdentifier, proof of possession — and the profile check
// on whatever parses. Seeds cover every key type and digest signet accepts (corpus/csr).
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
