#include "signet/core/ca_request.h"

#include <array>
#include <cstdint>

#include "signet/core/algorithm.h"
#include "signet/core/certificate.h"
#include "signet/core/der.h"

namespace signet {
namespace {

// pkcs-9-at-extensionRequest 1.2.840.113549.1.9.14 (RFC 2985 §5.4.2), content octets.
constexpr std::array<std::uint8_t, 9> kOidExtensionRequest = {0x2a, 0x86, 0x48, 0x86, 0xf7,
                                                              0x0d, 0x01, 0x09, 0x0e};
// id-ce-basicConstraints, id-ce-keyUsage, id-ce-subjectKeyIdentifier (RFC 5280 §4.2.1).
constexpr std::array<std::uint8_t, 3> kOidBasicConstraints = {0x55, 0x1d, 0x13};
constexpr std::array<std::uint8_t, 3> kOidKeyUsage = {0x55, 0x1d, 0x0f};
constexpr std::array<std::uint8_t, 3> kOidSubjectKeyId = {0x55, 0x1d, 0x0e};
// keyUsage BIT STRING content for keyCertSign (bit 5) and cRLSign (bit 6): one octet 0000 0110,
// the last (bit 7) unused, so 1 unused bit (X.690 §11.2.2 drops trailing zero bits).
constexpr std::array<std::uint8_t, 2> kCaKeyUsageBits = {0x01, 0x06};

void put_extension(der::Writer& w, ByteView oid, bool critical, ByteView value_der) {
  const auto ext = w.open(der::kSequence);
  w.put(der::kOid, oid);
  if (critical) w.put_bool(true);  // DEFAULT FALSE: written only when true (X.690 §11.5)
  w.put(der::kOctetString, value_der);
  w.close(ext);
}

Result<Bytes> request_info(const DistinguishedName& subject, ByteView spki) {
  SIGNET_ASSIGN_OR_RETURN(const Bytes name, encode_name(subject));
  SIGNET_ASSIGN_OR_RETURN(const Bytes ski, subject_key_id(spki));

  der::Writer bc;
  const auto bc_seq = bc.open(der::kSequence);
  bc.put_bool(true);  // cA TRUE, no pathLenConstraint: the root's signer decides that
  bc.close(bc_seq);
  der::Writer ku;
  ku.put(der::kBitString, kCaKeyUsageBits);
  der::Writer ski_value;
  ski_value.put(der::kOctetString, ski);

  // CertificationRequestInfo (RFC 2986 §4.1).
  der::Writer w;
  const auto info = w.open(der::kSequence);
  w.put_small_unsigned(0);  // version v1(0)
  w.put_raw(name);
  w.put_raw(spki);
  const auto attributes = w.open(der::context_constructed(0));  // [0] IMPLICIT SET OF Attribute
  const auto attribute = w.open(der::kSequence);
  w.put(der::kOid, kOidExtensionRequest);
  const auto values = w.open(der::kSet);
  const auto extensions = w.open(der::kSequence);
  put_extension(w, kOidBasicConstraints, true, bc.bytes());
  put_extension(w, kOidKeyUsage, true, ku.bytes());
  put_extension(w, kOidSubjectKeyId, false, ski_value.bytes());
  w.close(extensions);
  w.close(values);
  w.close(attribute);
  w.close(attributes);
  w.close(info);
  return std::move(w).take();
}

}  // namespace

Result<Bytes> create_ca_request(const DistinguishedName& subject, Signer& signer) {
  const SignatureAlgorithm alg = signer.algorithm();
  SIGNET_ASSIGN_OR_RETURN(const Bytes info, request_info(subject, signer.public_key_der()));
  SIGNET_ASSIGN_OR_RETURN(const Bytes input, signing_input(alg, info));
  SIGNET_ASSIGN_OR_RETURN(const Bytes signature, signer.sign(input));
  if (auto ok = verify_signature(signer.public_key_der(), alg, input, signature); !ok) {
    return fail(ok.error().context("CA request: the signature of " + signer.describe() +
                                   " does not verify"));
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
