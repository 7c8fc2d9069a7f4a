// PKCS#10 certificate requests (RFC 2986): parsed once, proof of possession checked, and the few
// fields policy needs extracted. The SubjectPublicKeyInfo is kept as the request's own DER so the
// certificate carries it byte for byte.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "signet/core/algorithm.h"
#include "signet/core/bytes.h"
#include "signet/core/name.h"
#include "signet/core/result.h"

namespace signet {

// What a CSR asked for in its subjectAltName extension (RFC 5280 §4.2.1.6).
struct RequestedNames {
  std::vector<std::string> dns;
  std::vector<std::string> ip;  // textual
  std::vector<std::string> email;
  std::vector<std::string> uri;
  [[nodiscard]] bool empty() const noexcept {
    return dns.empty() && ip.empty() && email.empty() && uri.empty();
  }
};

class Csr {
 public:
  // Largest CSR accepted, PEM or DER. Real node CSRs are under 2 KiB; RSA-4096 ones under 4 KiB.
  static constexpr std::size_t kMaxBytes = std::size_t{64} * 1024;

  // Parses one PEM "CERTIFICATE REQUEST" block or DER, and verifies its self-signature (proof
  // of possession). Subject attributes other than CN/O/OU/C/ST/L are refused.
  [[nodiscard]] static Result<Csr> parse(ByteView pem_or_der);

  [[nodiscard]] const DistinguishedName& subject() const noexcept { return subject_; }
  [[nodiscard]] const RequestedNames& requested_names() const noexcept { return names_; }
  [[nodiscard]] ByteView public_key_der() const noexcept { return spki_; }
  [[nodiscard]] const KeyInfo& key() const noexcept { return key_; }
  // OIDs (dotted) of every extension the CSR requested; none is ever copied to a certificate.
  [[nodiscard]] const std::vector<std::string>& requested_extensions() const noexcept {
    return extension_oids_;
  }

 private:
  Csr() = default;

  DistinguishedName subject_;
  RequestedNames names_;
  Bytes spki_;
  KeyInfo key_;
  std::vector<std::string> extension_oids_;
};

}  // namespace signet
