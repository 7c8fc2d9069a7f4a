// Distinguished names: the attributes signet writes (CN, O, OU, C, ST, L), how they are parsed
// from the command line ("CN=kubernetes,O=acme") and encoded (RFC 5280 §4.1.2.4: UTF8String,
// PrintableString for countryName per X.520).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "signet/core/bytes.h"
#include "signet/core/result.h"

namespace signet {

enum class NameAttributeType {
  kCommonName,
  kOrganization,
  kOrganizationalUnit,
  kCountry,
  kState,
  kLocality
};

struct NameAttribute {
  NameAttributeType type = NameAttributeType::kCommonName;
  std::string value;  // UTF-8

  friend bool operator==(const NameAttribute&, const NameAttribute&) = default;
};

using DistinguishedName = std::vector<NameAttribute>;  // in RDN order, one attribute per RDN

[[nodiscard]] std::string_view short_name(NameAttributeType type) noexcept;  // "CN", "O", ...

// Parses "CN=kubernetes,O=acme" (RFC 4514 style; "\," escapes a comma). Every value must be
// non-empty valid UTF-8 of at most 64 characters (the ub-* bounds of RFC 5280 Appendix A).
[[nodiscard]] Result<DistinguishedName> parse_distinguished_name(std::string_view text);

// The DER Name for `dn`.
[[nodiscard]] Result<Bytes> encode_name(const DistinguishedName& dn);

// Reads a DER Name (RFC 5280 §4.1.2.4) that came from outside, e.g. a CSR's subject: one
// attribute per RDN, only the types above, values in UTF8String, PrintableString (its X.680
// §41.4 character set) or IA5String, valid UTF-8 with no NUL or other control character, at most
// kMaxDecodedValueBytes each. `what` starts every message ("CSR subject").
inline constexpr std::size_t kMaxDecodedValueBytes = 1024;
[[nodiscard]] Result<DistinguishedName> decode_name(ByteView name_der, std::string_view what);

// "CN=system:node:n1, O=system:nodes" for messages and listings.
[[nodiscard]] std::string format_name(const DistinguishedName& dn);

// Values of one attribute type in `dn`.
[[nodiscard]] std::vector<std::string> values_of(const DistinguishedName& dn,
                                                 NameAttributeType type);

}  // namespace signet
