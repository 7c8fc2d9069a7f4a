// Base64 (RFC 4648 §4, standard alphabet, padded): how Kubernetes JSON carries []byte fields
// (Go encoding/json uses base64.StdEncoding), e.g. CertificateSigningRequest spec.request.
#pragma once

#include <string>
#include <string_view>

#include "signet/core/bytes.h"
#include "signet/core/result.h"

namespace signet {

[[nodiscard]] std::string base64_encode(ByteView data);

// Strict: only the standard alphabet, padding to a multiple of 4, no whitespace, no bits set
// after the last full octet (RFC 4648 §3.5 canonical encoding). `what` names the field.
[[nodiscard]] Result<Bytes> base64_decode(std::string_view text, std::string_view what);

}  // namespace signet
