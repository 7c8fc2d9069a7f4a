// PKCS#10 certification requests (RFC 2986) written with signet's DER writer and signed by any
// Signer: the CA's own request (ca_request.h) and the node requests of `signet fleet generate`.
#pragma once

#include <vector>

#include "signet/core/bytes.h"
#include "signet/core/certificate.h"
#include "signet/core/name.h"
#include "signet/core/result.h"
#include "signet/core/signer.h"

namespace signet {

// One extension asked for in the extensionRequest attribute (PKCS#9, RFC 2985 §5.4.2).
struct RequestedExtension {
  Bytes oid;  // content octets of the OID
  bool critical = false;
  Bytes value_der;  // extnValue's content: the extension's own DER
};

// The subjectAltName extension (RFC 5280 §4.2.1.6) for `names`: dNSName [2] IA5String and
// iPAddress [7] of 4 or 16 octets. Refuses non-ASCII DNS names and other IP lengths.
[[nodiscard]] Result<RequestedExtension> subject_alt_name_extension(const SubjectAltNames& names);

// CertificationRequest DER for `subject`, the signer's public key and `extensions` (no
// attribute at all when there are none), signed by `signer` with its algorithm; the signature
// is verified against the signer's public key before the request is returned.
[[nodiscard]] Result<Bytes> build_csr(const DistinguishedName& subject,
                                      const std::vector<RequestedExtension>& extensions,
                                      Signer& signer);

}  // namespace signet
