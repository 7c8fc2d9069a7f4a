// PKCS#10 certificate requests (RFC 2986): parsed once, proof of possession checked, and the few
// fields policy needs extracted. The SubjectPublicKeyInfo is kept as the request's own DER so the
// certificate carries it byte for byte.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
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

// The algorithm a CSR is signed with (RFC 2986 §4.1 signatureAlgorithm). Wider than
// SignatureAlgorithm (what signet signs with): clients pick their own digest. SHA-1, MD5 and
// PSS with SHA-1 are refused at parse time.
enum class CsrSignatureAlgorithm {
  kRsaPkcs1Sha256,  // sha256WithRSAEncryption (RFC 4055 §5), NULL parameters
  kRsaPkcs1Sha384,
  kRsaPkcs1Sha512,
  kRsaPssSha256,  // RSASSA-PSS (RFC 4055 §3.1) with SHA-256 and MGF1-SHA-256
  kRsaPssSha384,
  kRsaPssSha512,
  kEcdsaSha256,  // ecdsa-with-SHA256 (RFC 5758 §3.2), no parameters
  kEcdsaSha384,
  kEcdsaSha512,
  kEd25519,  // id-Ed25519 (RFC 8410 §3), no parameters
};

[[nodiscard]] std::string_view to_string(CsrSignatureAlgorithm alg) noexcept;

class Csr {
 public:
  // Largest CSR accepted, PEM or DER. Real node CSRs are under 2 KiB; RSA-4096 ones under 4 KiB.
  static constexpr std::size_t kMaxBytes = std::size_t{64} * 1024;

  // Parses one PEM "CERTIFICATE REQUEST" block or DER, and verifies its self-signature (proof
  // of possession). Subject attributes other than CN/O/OU/C/ST/L are refused.
  //
  // A strict DER walk of RFC 2986 §4 (no OpenSSL decoder): version 0; subject per decode_name();
  // SPKI kept byte for byte (RSA ≤ 8192 bits, P-256/P-384 uncompressed, Ed25519); attributes
  // with at most one extensionRequest (PKCS#9, RFC 2985 §5.4.2) whose extensions are unique,
  // recorded by OID and never copied; SAN read into RequestedNames (IA5 text without NUL, IP of
  // 4 or 16 octets, no IPv4-mapped IPv6; other GeneralName forms refused); requests for
  // basicConstraints CA:TRUE or nameConstraints refused. Nothing may follow the request; nesting
  // is capped at kMaxDepth. PEM label must be exactly "CERTIFICATE REQUEST" (as Kubernetes'
  // ParseCSR, spec §6.5; the legacy "NEW CERTIFICATE REQUEST" is refused). Every failure is
  // kInvalidArgument (never retry). Thread-safe.
  [[nodiscard]] static Result<Csr> parse(ByteView pem_or_der);

  // Deepest nesting of constructed DER values accepted (a real CSR nests 7 deep).
  static constexpr std::size_t kMaxDepth = 16;

  [[nodiscard]] const DistinguishedName& subject() const noexcept { return subject_; }
  [[nodiscard]] const RequestedNames& requested_names() const noexcept { return names_; }
  [[nodiscard]] ByteView public_key_der() const noexcept { return spki_; }
  [[nodiscard]] const KeyInfo& key() const noexcept { return key_; }
  [[nodiscard]] CsrSignatureAlgorithm signature_algorithm() const noexcept {
    return signature_algorithm_;
  }
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
  CsrSignatureAlgorithm signature_algorithm_ = CsrSignatureAlgorithm::kEcdsaSha256;
  std::vector<std::string> extension_oids_;
};

// What policy and the TBS builder read from a request, whatever it came from: a parsed CSR
// (proof of possession checked) or a certificate being recertified (signature checked under the
// old CA, recertify.h). Views only: the source must outlive it. Implicit from a Csr so every
// CSR caller of Profile::check_request / prepare_certificate stays as it was.
class RequestView {
 public:
  // NOLINTNEXTLINE(google-explicit-constructor,hicpp-explicit-conversions): a Csr is a request.
  RequestView(const Csr& csr) noexcept
      : RequestView(csr.subject(), csr.requested_names(), csr.public_key_der(), csr.key()) {}
  RequestView(const DistinguishedName& subject, const RequestedNames& names,
              ByteView public_key_der, const KeyInfo& key) noexcept
      : subject_(&subject), names_(&names), spki_(public_key_der), key_(&key) {}
  // A view of a temporary would dangle at the end of the full expression.
  RequestView(const Csr&& csr) = delete;
  RequestView(DistinguishedName&& subject, const RequestedNames& names, ByteView public_key_der,
              const KeyInfo& key) = delete;

  [[nodiscard]] const DistinguishedName& subject() const noexcept { return *subject_; }
  [[nodiscard]] const RequestedNames& requested_names() const noexcept { return *names_; }
  [[nodiscard]] ByteView public_key_der() const noexcept { return spki_; }
  [[nodiscard]] const KeyInfo& key() const noexcept { return *key_; }

 private:
  const DistinguishedName* subject_;
  const RequestedNames* names_;
  ByteView spki_;
  const KeyInfo* key_;
};

}  // namespace signet
