#include "signet/core/csr_builder.h"

#include <array>
#include <cstdint>

#include "signet/core/algorithm.h"
#include "signet/core/der.h"

namespace signet {
namespace {

// pkcs-9-at-extensionRequest 1.2.840.113549.1.9.14 (RFC 2985 §5.4.2), content octets.
constexpr std::array<std::uint8_t, 9> kOidExtensionRequest = {0x2a, 0x86, 0x48, 0x86, 0xf7,
                                                              0x0d, 0x01, 0x09, 0x0e};
constexpr std::array<std::uint8_t, 3> kOidSubjectAltName = {0x55, 0x1d, 0x11};
// GeneralName CHOICE tags (RFC 5280 §4.2.1.6): [2] dNSName and [7] iPAddress, IMPLICIT.
constexpr std::uint8_t kTagDnsName = 0x82;
constexpr std::uint8_t kTagIpAddress = 0x87;

Result<Bytes> request_info(const DistinguishedName& subject, ByteView spki,
                           const std::vector<RequestedExtension>& extensions) {
  SIGNET_ASSIGN_OR_RETURN(const Bytes name, encode_name(subject));
  // CertificationRequestInfo (RFC 2986 §4.1).
  der::Writer w;
  const auto info = w.open(der::kSequence);
  w.put_small_unsigned(0);  // version v1(0)
  w.put_raw(name);
  w.put_raw(spki);
  const auto attributes = w.open(der::context_constructed(0));  // [0] IMPLICIT SET OF Attribute
  if (!extensions.empty()) {
    const auto attribute = w.open(der::kSequence);
    w.put(der::kOid, kOidExtensionRequest);
    const auto values = w.open(der::kSet);
    const auto list = w.open(der::kSequence);
    for (const auto& e : extensions) {
      const auto ext = w.open(der::kSequence);
      w.put(der::kOid, e.oid);
      if (e.critical) w.put_bool(true);  // DEFAULT FALSE: written only when true (X.690 §11.5)
      w.put(der::kOctetString, e.value_der);
      w.close(ext);
    }
    w.close(list);
    w.close(values);
    w.close(attribute);
  }
  w.close(attributes);
  w.close(info);
  return std::move(w).take();
}

}  // namespace

Result<RequestedExtension> subject_alt_name_extension(const SubjectAltNames& names) {
  der::Writer w;
  const auto seq = w.open(der::kSequence);
  for (const auto& dns : names.dns) {
    for (const char c : dns) {
      if (static_cast<unsigned char>(c) < 0x21 || static_cast<unsigned char>(c) > 0x7e) {
        return fail(ErrorCode::kInvalidArgument,
                    "subjectAltName: DNS name must be printable ASCII, got '" + dns + "'");
      }
    }
    w.put(kTagDnsName, as_bytes(dns));
  }
  for (const auto& ip : names.ip) {
    if (ip.size() != 4 && ip.size() != 16) {
      return fail(
          ErrorCode::kInvalidArgument,
          "subjectAltName: an IP address is 4 or 16 octets, got " + std::to_string(ip.size()));
    }
    w.put(kTagIpAddress, ip);
  }
  w.close(seq);
  return RequestedExtension{Bytes(kOidSubjectAltName.begin(), kOidSubjectAltName.end()), false,
                            std::move(w).take()};
}

Result<Bytes> build_csr(const DistinguishedName& subject,
                        const std::vector<RequestedExtension>& extensions, Signer& signer) {
  const SignatureAlgorithm alg = signer.algorithm();
  SIGNET_ASSIGN_OR_RETURN(const Bytes info,
                          request_info(subject, signer.public_key_der(), extensions));
  SIGNET_ASSIGN_OR_RETURN(const Bytes input, signing_input(alg, info));
  SIGNET_ASSIGN_OR_RETURN(const Bytes signature, signer.sign(input));
  // Checked before the request leaves: a token returning a bad signature is caught here, not by
  // the CA that receives the request.
  if (auto ok = verify_signature(signer.public_key_der(), alg, input, signature); !ok) {
    return fail(ok.error().context("the signature of " + signer.describe() + " does not verify"));
  }
  // CertificationRequest (RFC 2986 §4.2): the same AlgorithmIdentifier as a certificate's.
  der::Writer w;
  const auto request = w.open(der::kSequence);
  w.put_raw(info);
  w.put_raw(algorithm_identifier_der(alg));
  w.put_bit_string(signature);
  w.close(request);
  return std::move(w).take();
}

}  // namespace signet
