#include "cert_lint.h"

#include <fstream>
#include <sstream>
#include <string_view>

#include "signet/core/bytes.h"
#include "signet/core/lint.h"
#include "signet/core/pem.h"

namespace signet::testing {

std::string lint_pem_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return path.string() + ": cannot be read";
  std::stringstream s;
  s << in.rdbuf();
  const std::string text = s.str();
  // pem_or_der takes exactly one block (RFC 7468 strict), so a bundle is cut at each END line.
  constexpr std::string_view kBegin = "-----BEGIN CERTIFICATE-----";
  constexpr std::string_view kEnd = "-----END CERTIFICATE-----";
  std::string out;
  std::size_t count = 0;
  for (std::size_t at = text.find(kBegin); at != std::string::npos;
       at = text.find(kBegin, at + 1)) {
    const std::size_t end = text.find(kEnd, at);
    if (end == std::string::npos) return out + path.string() + ": unterminated PEM block";
    const std::string block = text.substr(at, end + kEnd.size() - at);
    const std::string what = path.string() + " certificate #" + std::to_string(++count);
    const auto der = pem_or_der(as_bytes(block), "CERTIFICATE", what);
    if (!der) {
      out += what + ": " + der.error().message() + "\n";
      continue;
    }
    const auto findings = lint_certificate(*der);
    if (!findings.empty()) out += what + ": " + format_findings(findings) + "\n";
  }
  if (count == 0) return path.string() + ": no PEM CERTIFICATE block";
  return out;
}

}  // namespace signet::testing
