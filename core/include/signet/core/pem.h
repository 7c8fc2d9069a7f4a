// PEM (RFC 7468) in and out. Strict: exactly one block with the expected label, standard
// base64, nothing but whitespace around it.
#pragma once

#include <string>
#include <string_view>

#include "signet/core/bytes.h"
#include "signet/core/result.h"

namespace signet {

// If `input` starts (after whitespace) with "-----BEGIN", decodes the one `label` block;
// otherwise returns `input` as DER. `what` names the input in messages ("CSR node.csr").
[[nodiscard]] Result<Bytes> pem_or_der(ByteView input, std::string_view label,
                                       std::string_view what);

[[nodiscard]] std::string pem_encode(std::string_view label, ByteView der);

}  // namespace signet
