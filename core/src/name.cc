#include "signet/core/name.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <string>

#include "signet/core/der.h"
#include "signet/core/text.h"

namespace signet {
namespace {

struct AttributeSpec {
  NameAttributeType type;
  std::string_view short_name;
  std::array<std::uint8_t, 3> oid;  // 2.5.4.n (X.520), content octets
};

constexpr std::array<AttributeSpec, 6> kAttributes = {{
    {NameAttributeType::kCommonName, "CN", {0x55, 0x04, 0x03}},
    {NameAttributeType::kOrganization, "O", {0x55, 0x04, 0x0a}},
    {NameAttributeType::kOrganizationalUnit, "OU", {0x55, 0x04, 0x0b}},
    {NameAttributeType::kCountry, "C", {0x55, 0x04, 0x06}},
    {NameAttributeType::kState, "ST", {0x55, 0x04, 0x08}},
    {NameAttributeType::kLocality, "L", {0x55, 0x04, 0x07}},
}};

const AttributeSpec& spec_of(NameAttributeType type) {
  for (const auto& spec : kAttributes) {
    if (spec.type == type) return spec;
  }
  return kAttributes[0];
}

Status check_value(NameAttributeType type, std::string_view value) {
  const std::string name(short_name(type));
  if (value.empty()) return fail(ErrorCode::kInvalidArgument, name + " must not be empty");
  const auto chars = printable_utf8_length(value);
  if (!chars) {
    return fail(ErrorCode::kInvalidArgument,
                name + " must be valid UTF-8 without control characters");
  }
  // ub-common-name, ub-organization-name, ... are 64 (RFC 5280 Appendix A.1).
  if (*chars > 64) {
    return fail(ErrorCode::kInvalidArgument, name + " is longer than 64 characters (RFC 5280)");
  }
  if (type == NameAttributeType::kCountry) {
    const bool two_letters = value.size() == 2 &&
                             std::isupper(static_cast<unsigned char>(value[0])) &&
                             std::isupper(static_cast<unsigned char>(value[1]));
    if (!two_letters) {
      return fail(ErrorCode::kInvalidArgument,
                  "C must be a two-letter upper-case country code (ISO 3166), got '" +
                      std::string(value) + "'");
    }
  }
  return {};
}

bool printable_string_char(unsigned char c) {
  // X.680 §41.4 Table 10: A-Z a-z 0-9 space ' ( ) + , - . / : = ?
  return std::isalnum(c) != 0 ||
         std::string_view(" '()+,-./:=?").find(static_cast<char>(c)) != std::string_view::npos;
}

std::string_view string_type_name(std::uint8_t tag) {
  switch (tag) {
    case 0x0c:
      return "UTF8String";
    case 0x12:
      return "NumericString";
    case 0x13:
      return "PrintableString";
    case 0x14:
      return "T61String";
    case 0x16:
      return "IA5String";
    case 0x1c:
      return "UniversalString";
    case 0x1e:
      return "BMPString";
    default:
      return "a non-string type";
  }
}

Result<std::string> decode_value(std::uint8_t tag, ByteView content, const std::string& field) {
  const std::string_view text = as_text(content);
  if (tag != der::kUtf8String && tag != der::kPrintableString && tag != der::kIa5String) {
    return fail(ErrorCode::kInvalidArgument,
                field + " is encoded as " + std::string(string_type_name(tag)) + " (tag 0x" +
                    to_hex(ByteView(&tag, 1)) +
                    "); only UTF8String, PrintableString and IA5String are accepted");
  }
  if (text.find('\0') != std::string_view::npos) {
    return fail(ErrorCode::kInvalidArgument, field + " contains a NUL byte");
  }
  if (content.empty()) return fail(ErrorCode::kInvalidArgument, field + " is empty");
  if (content.size() > kMaxDecodedValueBytes) {
    return fail(ErrorCode::kInvalidArgument, field + " is " + std::to_string(content.size()) +
                                                 " bytes; the limit is " +
                                                 std::to_string(kMaxDecodedValueBytes));
  }
  if (tag == der::kPrintableString) {
    for (const std::uint8_t c : content) {
      if (!printable_string_char(c)) {
        return fail(ErrorCode::kInvalidArgument, field + " is a PrintableString with character 0x" +
                                                     to_hex(ByteView(&c, 1)) +
                                                     " outside its set (X.680 §41.4)");
      }
    }
  }
  if (tag == der::kIa5String) {
    for (const std::uint8_t c : content) {
      if (c >= 0x80) {
        return fail(ErrorCode::kInvalidArgument, field + " is an IA5String with non-ASCII bytes");
      }
    }
  }
  if (!printable_utf8_length(text)) {
    return fail(ErrorCode::kInvalidArgument,
                field + " is not valid UTF-8 or holds a control character");
  }
  return std::string(text);
}

}  // namespace

Result<DistinguishedName> decode_name(ByteView name_der, std::string_view what) {
  const std::string prefix(what);
  SIGNET_ASSIGN_OR_RETURN(const der::Tlv name, der::parse_single(name_der, der::kSequence, what));
  DistinguishedName dn;
  der::Reader rdns(name.content);
  while (!rdns.empty()) {
    SIGNET_ASSIGN_OR_RETURN(const der::Tlv rdn, rdns.expect(der::kSet, prefix + " RDN"));
    der::Reader atvs(rdn.content);
    SIGNET_ASSIGN_OR_RETURN(const der::Tlv atv,
                            atvs.expect(der::kSequence, prefix + " AttributeTypeAndValue"));
    if (!atvs.empty()) {
      return fail(ErrorCode::kInvalidArgument,
                  prefix + " has a multi-valued RDN; one attribute per RDN is accepted");
    }
    der::Reader fields(atv.content);
    SIGNET_ASSIGN_OR_RETURN(const der::Tlv type, fields.expect(der::kOid, prefix + " attribute"));
    SIGNET_ASSIGN_OR_RETURN(const der::Tlv value, fields.next());
    if (!fields.empty()) {
      return fail(ErrorCode::kInvalidArgument,
                  prefix + " AttributeTypeAndValue has trailing fields");
    }
    const AttributeSpec* spec = nullptr;
    for (const auto& candidate : kAttributes) {
      if (std::equal(type.content.begin(), type.content.end(), candidate.oid.begin(),
                     candidate.oid.end())) {
        spec = &candidate;
      }
    }
    if (spec == nullptr) {
      const auto dotted = der::oid_to_string(type.content);
      return fail(ErrorCode::kInvalidArgument, prefix + " attribute " +
                                                   (dotted ? *dotted : "<malformed OID>") +
                                                   " is not supported (CN, O, OU, C, ST, L)");
    }
    SIGNET_ASSIGN_OR_RETURN(
        std::string text,
        decode_value(value.tag, value.content, prefix + " " + std::string(spec->short_name)));
    dn.push_back({spec->type, std::move(text)});
  }
  return dn;
}

std::string_view short_name(NameAttributeType type) noexcept {
  return spec_of(type).short_name;
}

Result<DistinguishedName> parse_distinguished_name(std::string_view text) {
  constexpr std::size_t kMaxText = 4096;
  if (text.size() > kMaxText) {
    return fail(ErrorCode::kInvalidArgument, "subject is longer than 4096 characters");
  }
  DistinguishedName dn;
  std::size_t i = 0;
  while (i <= text.size()) {
    // One "TYPE=value" up to an unescaped comma.
    std::string part;
    bool escaped = false;
    for (; i < text.size(); ++i) {
      const char c = text[i];
      if (escaped) {
        part.push_back(c);
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
        part.push_back(c);
      } else if (c == ',') {
        break;
      } else {
        part.push_back(c);
      }
    }
    ++i;  // skip the comma
    const auto eq = part.find('=');
    auto trim = [](const std::string& s) {
      const auto b = s.find_first_not_of(' ');
      const auto e = s.find_last_not_of(' ');
      return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
    };
    if (eq == std::string::npos) {
      return fail(ErrorCode::kInvalidArgument,
                  "subject: '" + part.substr(0, 64) + "' is not TYPE=value (e.g. CN=kubernetes)");
    }
    const std::string type_text = trim(part.substr(0, eq));
    std::string raw_value = trim(part.substr(eq + 1));
    std::string value;
    for (std::size_t k = 0; k < raw_value.size(); ++k) {
      if (raw_value[k] == '\\' && k + 1 < raw_value.size()) ++k;
      value.push_back(raw_value[k]);
    }
    const AttributeSpec* spec = nullptr;
    for (const auto& candidate : kAttributes) {
      if (candidate.short_name == type_text) spec = &candidate;
    }
    if (spec == nullptr) {
      return fail(ErrorCode::kInvalidArgument, "subject: attribute '" + type_text.substr(0, 32) +
                                                   "' is not supported (CN, O, OU, C, ST, L)");
    }
    if (auto ok = check_value(spec->type, value); !ok) return fail(ok.error().context("subject"));
    dn.push_back({spec->type, std::move(value)});
  }
  if (dn.empty()) return fail(ErrorCode::kInvalidArgument, "subject is empty");
  return dn;
}

Result<Bytes> encode_name(const DistinguishedName& dn) {
  der::Writer w;
  const auto name = w.open(der::kSequence);
  for (const auto& attr : dn) {
    if (auto ok = check_value(attr.type, attr.value); !ok) return fail(ok.error());
    const auto rdn = w.open(der::kSet);
    const auto atv = w.open(der::kSequence);
    w.put(der::kOid, spec_of(attr.type).oid);
    // countryName is PrintableString (X.520); everything else UTF8String (RFC 5280 §4.1.2.6).
    const std::uint8_t tag =
        attr.type == NameAttributeType::kCountry ? der::kPrintableString : der::kUtf8String;
    w.put(tag, as_bytes(attr.value));
    w.close(atv);
    w.close(rdn);
  }
  w.close(name);
  return std::move(w).take();
}

std::string format_name(const DistinguishedName& dn) {
  std::string out;
  for (const auto& attr : dn) {
    if (!out.empty()) out += ", ";
    out += short_name(attr.type);
    out += '=';
    out += attr.value;
  }
  return out;
}

std::vector<std::string> values_of(const DistinguishedName& dn, NameAttributeType type) {
  std::vector<std::string> out;
  for (const auto& attr : dn) {
    if (attr.type == type) out.push_back(attr.value);
  }
  return out;
}

}  // namespace signet
