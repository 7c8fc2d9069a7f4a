// libFuzzer target: CertificateSigningRequest objects (JSON, base64 request), then the CSR they
// carry through the profile its signerName selects, and the objects written back.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "signet/core/csr.h"
#include "signet/core/k8s_csr.h"
#include "signet/core/profile.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);  // NOLINT
  const auto object = signet::K8sCsr::parse(text);
  if (!object) return 0;
  static_cast<void>(object->check_signable());
  static_cast<void>(object->with_failure("fuzz", std::chrono::system_clock::now()));
  const auto csr = signet::Csr::parse(object->request());
  const signet::Profile* profile = signet::builtin_profiles().find_by_signer(object->signer_name());
  if (csr && profile != nullptr) {
    signet::RequestOptions options;
    options.usages = object->usages();
    options.expiration = object->expiration();
    static_cast<void>(profile->check_request(*csr, options));
  }
  return 0;
}
