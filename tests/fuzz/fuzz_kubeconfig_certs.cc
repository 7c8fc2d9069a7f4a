// libFuzzer target: the kubeconfig certificate extraction of `signet certs check-expiration`
// (YAML, base64 -data fields), then the certificate parser over every embedded blob.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "expiry_input.h"
#include "kubeconfig_certs.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);  // NOLINT
  const auto refs = signet::cli::expiry::parse_kubeconfig_certs(text, "fuzz.conf");
  if (!refs) return 0;
  for (const auto& ref : *refs) {
    if (ref.data) {
      static_cast<void>(signet::cli::expiry::parse_certificates(*ref.data, "fuzz data"));
      static_cast<void>(signet::cli::expiry::parse_certificates(
          *ref.data, "fuzz data", signet::cli::expiry::PemPolicy::kSkipOtherBlocks));
    }
  }
  return 0;
}
