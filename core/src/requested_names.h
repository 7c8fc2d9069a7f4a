// The subjectAltName reader shared by CSRs (csr.cc) and certificates being recertified
// (recertify.cc): the same GeneralNames rules for both, so a recertified certificate's names go
// to policy exactly as a request's would.
#pragma once

#include <string_view>

#include "signet/core/bytes.h"
#include "signet/core/csr.h"
#include "signet/core/result.h"

namespace signet {

// GeneralNames (RFC 5280 §4.2.1.6) from a subjectAltName extnValue, appended to `out`: dNSName,
// iPAddress (4 or 16 octets, no IPv4-mapped IPv6), rfc822Name and URI (IA5 text, no NUL); other
// forms, an empty sequence and more than 256 entries are refused. `source` ("CSR",
// "certificate") starts every message. Fails with kInvalidArgument.
[[nodiscard]] Status read_requested_names(std::string_view source, ByteView extn_value,
                                          RequestedNames& out);

}  // namespace signet
