// libFuzzer target: the certificate lint walks untrusted DER (profile templates, certificates
// from elsewhere) with signet's reader; it must never crash, hang or leak, whatever the input.
#include <cstddef>
#include <cstdint>

#include "signet/core/lint.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto findings = signet::lint_certificate(signet::ByteView(data, size));
  static_cast<void>(signet::format_findings(findings));
  return 0;
}
