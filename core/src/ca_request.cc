#include "signet/core/ca_request.h"

#include <array>
#include <cstdint>

#include "signet/core/algorithm.h"
#include "signet/core/certificate.h"
#include "signet/core/csr_builder.h"
#include "signet/core/der.h"

namespace signet {
namespace {

// id-ce-basicConstraints, id-ce-keyUsage, id-ce-subjectKeyIdentifier (RFC 5280 §4.2.1).
constexpr std::array<std::uint8_t, 3> kOidBasicConstraints = {0x55, 0x1d, 0x13};
constexpr std::array<std::uint8_t, 3> kOidKeyUsage = {0x55, 0x1d, 0x0f};
constexpr std::array<std::uint8_t, 3> kOidSubjectKeyId = {0x55, 0x1d, 0x0e};
// keyUsage BIT STRING content for keyCertSign (bit 5) and cRLSign (bit 6): one octet 0000 0110,
// the last (bit 7) unused, so 1 unused bit (X.690 §11.2.2 drops trailing zero bits).
constexpr std::array<std::uint8_t, 2> kCaKeyUsageBits = {0x01, 0x06};

// The CA's extensionRequest: basicConstraints, keyUsage and SKI.
Result<std::vector<RequestedExtension>> ca_extensions(ByteView spki) {
  SIGNET_ASSIGN_OR_RETURN(const Bytes ski, subject_key_id(spki));
  der::Writer bc;
  const auto bc_seq = bc.open(der::kSequence);
  bc.put_bool(true);  // cA TRUE, no pathLenConstraint: the root's signer decides that
  bc.close(bc_seq);
  der::Writer ku;
  ku.put(der::kBitString, kCaKeyUsageBits);
  der::Writer ski_value;
  ski_value.put(der::kOctetString, ski);
  const auto oid = [](const auto& a) { return Bytes(a.begin(), a.end()); };
  return std::vector<RequestedExtension>{
      {oid(kOidBasicConstraints), true, std::move(bc).take()},
      {oid(kOidKeyUsage), true, std::move(ku).take()},
      {oid(kOidSubjectKeyId), false, std::move(ski_value).take()}};
}

}  // namespace

Result<Bytes> create_ca_request(const DistinguishedName& subject, Signer& signer) {
  SIGNET_ASSIGN_OR_RETURN(const auto extensions, ca_extensions(signer.public_key_der()));
  auto request = build_csr(subject, extensions, signer);
  if (!request) return fail(request.error().context("CA request"));
  return request;
}

}  // namespace signet
