// Certificate assembly: the fields of one certificate become TBSCertificate DER (RFC 5280 §4.1),
// which a Signer signs, and the three parts become the Certificate. The foundation's minimal
// assembly; the profile-template hot path replaces its internals, not this interface.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "signet/core/algorithm.h"
#include "signet/core/bytes.h"
#include "signet/core/result.h"
#include "signet/core/signer.h"

namespace signet {

using SystemTime = std::chrono::system_clock::time_point;

// keyUsage bits (RFC 5280 §4.2.1.3), as a bit set in named-bit order.
enum KeyUsageBit : std::uint16_t {
  kDigitalSignature = 1U << 0U,
  kContentCommitment = 1U << 1U,  // formerly nonRepudiation
  kKeyEncipherment = 1U << 2U,
  kDataEncipherment = 1U << 3U,
  kKeyAgreement = 1U << 4U,
  kKeyCertSign = 1U << 5U,
  kCrlSign = 1U << 6U,
  kEncipherOnly = 1U << 7U,
  kDecipherOnly = 1U << 8U,
};

// extKeyUsage purposes (RFC 5280 §4.2.1.12 and the vendor OIDs Kubernetes maps, spec §2.1), in
// the order of Go's x509.ExtKeyUsage constants: the KCM signer sorts EKUs that way (spec §2.5),
// and the certificate lists them in this order.
enum class ExtendedKeyUsage {
  kAny,  // anyExtendedKeyUsage 2.5.29.37.0
  kServerAuth,
  kClientAuth,
  kCodeSigning,
  kEmailProtection,
  kIpsecEndSystem,
  kIpsecTunnel,
  kIpsecUser,
  kTimeStamping,
  kOcspSigning,
  kMicrosoftSgc,  // 1.3.6.1.4.1.311.10.3.3
  kNetscapeSgc,   // 2.16.840.1.113730.4.1
};

// subjectAltName entries signet writes (RFC 5280 §4.2.1.6): dNSName as IA5String and iPAddress
// as 4 (IPv4) or 16 (IPv6) octets. Callers validate names; build_tbs refuses non-ASCII DNS names
// and other IP lengths.
struct SubjectAltNames {
  std::vector<std::string> dns;
  std::vector<Bytes> ip;
  [[nodiscard]] bool empty() const noexcept { return dns.empty() && ip.empty(); }
};

struct CertificateFields {
  Bytes serial;          // INTEGER content octets: positive and minimal (see random_serial())
  Bytes issuer_der;      // Name DER, copied verbatim from the issuer's subject (RFC 5280 §4.1.2.4)
  Bytes subject_der;     // Name DER
  Bytes public_key_der;  // SubjectPublicKeyInfo DER, copied verbatim
  SystemTime not_before;
  SystemTime not_after;
  bool is_ca = false;
  std::uint16_t key_usage = 0;
  std::vector<ExtendedKeyUsage> extended_key_usage;  // empty: no EKU extension (CAs)
  Bytes authority_key_id;                            // empty: no AKI (self-signed roots)
  // Empty: no subjectAltName. Critical only when the subject is an empty Name (§4.2.1.6).
  SubjectAltNames subject_alt_names;
};

// A serial of 16 CSPRNG octets (126 random bits), positive and DER-minimal: the top bit is
// cleared and the next one set, so it is always 16 octets (RFC 5280 §4.1.2.2: ≤ 20 octets;
// CA/B Forum: ≥ 64 random bits).
[[nodiscard]] Result<Bytes> random_serial();

// SHA-1 of the subjectPublicKey BIT STRING value: RFC 5280 §4.2.1.2 method (1).
[[nodiscard]] Result<Bytes> subject_key_id(ByteView spki_der);

// TBSCertificate DER (RFC 5280 §4.1) in one exactly-sized pass (core/src/tbs_template.h).
[[nodiscard]] Result<Bytes> build_tbs(const CertificateFields& fields, SignatureAlgorithm alg);

// The same TBSCertificate through core's general DER writer: the foundation's assembly, kept as
// the oracle the hot-path writer is tested against byte for byte. Not for production callers.
[[nodiscard]] Result<Bytes> build_tbs_reference(const CertificateFields& fields,
                                                SignatureAlgorithm alg);

// build_tbs, then the signing input, then signer.sign(), then the Certificate DER.
[[nodiscard]] Result<Bytes> sign_certificate(const CertificateFields& fields, Signer& signer);

// Certificate DER from its parts (RFC 5280 §4.1.1).
[[nodiscard]] Bytes assemble_certificate(ByteView tbs, SignatureAlgorithm alg, ByteView signature);

}  // namespace signet
