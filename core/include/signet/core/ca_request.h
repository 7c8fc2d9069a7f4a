// A PKCS#10 certification request (RFC 2986) for a CA whose key is in a token, for an external
// root to sign: `signet ca csr`. Built with signet's DER writer and signed by the CA's Signer.
#pragma once

#include "signet/core/bytes.h"
#include "signet/core/name.h"
#include "signet/core/result.h"
#include "signet/core/signer.h"

namespace signet {

// CertificationRequest DER for `subject` and the signer's key. The extensionRequest attribute
// (PKCS#9, RFC 2985 §5.4.2) asks for basicConstraints critical CA:TRUE, keyUsage critical
// keyCertSign+cRLSign and the key's SKI (RFC 5280 §4.2.1.2 method 1). The signature is checked
// against the signer's public key before the request is returned.
[[nodiscard]] Result<Bytes> create_ca_request(const DistinguishedName& subject, Signer& signer);

}  // namespace signet
