#include "signet/hsm/pkcs11_uri.h"

#include <charconv>
#include <string>
#include <vector>

namespace signet::hsm {
namespace {

Error uri_error(const std::string& why) {
  return {ErrorCode::kInvalidArgument, "pkcs11 URI: " + why};
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Characters allowed unencoded in an attribute value: RFC 7512 §2.3 pk11-pchar / pk11-qchar
// (unreserved, a few sub-delims, ':', '[', ']', '@', '!', '$', '\'', '(', ')', '*', '+', ',', '=',
// and '/', '?', '|' in queries). Anything else must be percent-encoded.
bool allowed_raw(char c, bool in_query) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  switch (c) {
    case '-':
    case '.':
    case '_':
    case '~':
    case ':':
    case '[':
    case ']':
    case '@':
    case '!':
    case '$':
    case '\'':
    case '(':
    case ')':
    case '*':
    case '+':
    case ',':
    case '=':
      return true;
    case '/':
    case '?':
    case '|':
      return in_query;
    case '&':
      return !in_query;
    default:
      return false;
  }
}

Result<std::string> decode(std::string_view name, std::string_view raw, bool in_query) {
  std::string out;
  out.reserve(raw.size());
  for (std::size_t i = 0; i < raw.size(); ++i) {
    const char c = raw[i];
    if (c == '%') {
      const int hi = i + 2 < raw.size() ? hex_value(raw[i + 1]) : -1;
      const int lo = i + 2 < raw.size() ? hex_value(raw[i + 2]) : -1;
      if (hi < 0 || lo < 0) {
        return fail(uri_error("attribute '" + std::string(name) +
                              "' has a malformed percent-encoding (RFC 3986 §2.1)"));
      }
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (!allowed_raw(c, in_query)) {
      return fail(uri_error("attribute '" + std::string(name) + "' contains a character that " +
                            "must be percent-encoded (RFC 7512 §2.3)"));
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string encode(std::string_view value, bool in_query) {
  static constexpr std::string_view kHex = "0123456789ABCDEF";
  std::string out;
  for (const char c : value) {
    // ';' and '&' and '?' separate attributes; encode them (and '%') whatever the position.
    if (allowed_raw(c, in_query) && c != '&' && c != '?' && c != '=') {
      out.push_back(c);
    } else {
      const auto u = static_cast<unsigned char>(c);
      out.push_back('%');
      out.push_back(kHex[u >> 4U]);
      out.push_back(kHex[u & 0xfU]);
    }
  }
  return out;
}

std::vector<std::string_view> split(std::string_view text, char sep) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (true) {
    const auto pos = text.find(sep, start);
    parts.push_back(text.substr(start, pos == std::string_view::npos ? pos : pos - start));
    if (pos == std::string_view::npos) break;
    start = pos + 1;
  }
  return parts;
}

template <typename T>
Status set_once(std::optional<T>& slot, T value, std::string_view name) {
  if (slot) return fail(uri_error("attribute '" + std::string(name) + "' appears twice"));
  slot = std::move(value);
  return {};
}

Status apply_path(Pkcs11Uri& uri, std::string_view name, std::string value) {
  if (name == "token") return set_once(uri.token, std::move(value), name);
  if (name == "manufacturer") return set_once(uri.manufacturer, std::move(value), name);
  if (name == "serial") return set_once(uri.serial, std::move(value), name);
  if (name == "model") return set_once(uri.model, std::move(value), name);
  if (name == "object") return set_once(uri.object, std::move(value), name);
  if (name == "id") return set_once(uri.id, Bytes(value.begin(), value.end()), name);
  if (name == "type") {
    if (value != "private" && value != "public" && value != "cert" && value != "secret-key" &&
        value != "data") {
      return fail(uri_error("type must be private, public, cert, secret-key or data, got '" +
                            value.substr(0, 32) + "'"));
    }
    return set_once(uri.type, std::move(value), name);
  }
  if (name == "slot-id") {
    std::uint64_t id = 0;
    const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), id);
    if (ec != std::errc() || end != value.data() + value.size() || value.empty()) {
      return fail(uri_error("slot-id must be a decimal number"));
    }
    return set_once(uri.slot_id, id, name);
  }
  if (name == "library-manufacturer" || name == "library-description" ||
      name == "library-version" || name == "slot-manufacturer" || name == "slot-description") {
    return {};  // Valid RFC 7512 attributes that signet does not filter on.
  }
  if (name.rfind("x-", 0) == 0) return {};  // vendor-specific (RFC 7512 §2.3)
  return fail(uri_error("unknown path attribute '" + std::string(name.substr(0, 32)) + "'"));
}

Status apply_query(Pkcs11Uri& uri, std::string_view name, std::string value) {
  if (name == "pin-value") {
    return fail(
        uri_error("pin-value is refused: a PIN in a URI leaks into shell history, ps and "
                  "logs; use pin-source=file:PATH or pin-source=env:NAME"));
  }
  if (name == "pin-source") {
    if (value.rfind("file:", 0) != 0 && value.rfind("env:", 0) != 0) {
      // RFC 7512 also allows a bare path; signet asks for the explicit scheme.
      return fail(uri_error("pin-source must be file:PATH or env:NAME"));
    }
    return set_once(uri.pin_source, std::move(value), name);
  }
  if (name == "module-path") return set_once(uri.module_path, std::move(value), name);
  if (name == "module-name") {
    return fail(uri_error("module-name is not supported yet; use module-path=PATH"));
  }
  if (name.rfind("x-", 0) == 0) return {};
  return fail(uri_error("unknown query attribute '" + std::string(name.substr(0, 32)) + "'"));
}

}  // namespace

Result<Pkcs11Uri> Pkcs11Uri::parse(std::string_view text) {
  if (text.size() > kMaxLength) {
    return fail(uri_error("longer than " + std::to_string(kMaxLength) + " characters"));
  }
  constexpr std::string_view kScheme = "pkcs11:";
  if (text.substr(0, kScheme.size()) != kScheme) {
    return fail(
        uri_error("must start with 'pkcs11:' (RFC 7512), e.g. "
                  "pkcs11:token=signet;object=ca?pin-source=file:/path/pin"));
  }
  text.remove_prefix(kScheme.size());
  const auto q = text.find('?');
  const std::string_view path = text.substr(0, q);
  const std::string_view query = q == std::string_view::npos ? "" : text.substr(q + 1);

  Pkcs11Uri uri;
  auto parse_part = [&](std::string_view part, bool in_query) -> Status {
    const auto eq = part.find('=');
    if (eq == std::string_view::npos || eq == 0) {
      return fail(uri_error("'" + std::string(part.substr(0, 32)) + "' is not name=value"));
    }
    const std::string_view name = part.substr(0, eq);
    SIGNET_ASSIGN_OR_RETURN(std::string value, decode(name, part.substr(eq + 1), in_query));
    if (value.find('\0') != std::string::npos && name != "id") {
      return fail(uri_error("attribute '" + std::string(name) + "' contains a NUL byte"));
    }
    return in_query ? apply_query(uri, name, std::move(value))
                    : apply_path(uri, name, std::move(value));
  };
  if (!path.empty()) {
    for (const auto part : split(path, ';')) SIGNET_RETURN_IF_ERROR(parse_part(part, false));
  }
  if (q != std::string_view::npos) {
    if (query.empty()) return fail(uri_error("empty query after '?'"));
    for (const auto part : split(query, '&')) SIGNET_RETURN_IF_ERROR(parse_part(part, true));
  }
  // signet records the canonical form (to_string) and must read it back: its percent-encoding
  // (RFC 7512 §2.3) can be longer than the text given, so the limit applies to it too.
  if (uri.to_string().size() > kMaxLength) {
    return fail(uri_error("longer than " + std::to_string(kMaxLength) +
                          " characters once written canonically (percent-encoded)"));
  }
  return uri;
}

std::string Pkcs11Uri::to_string(bool with_query) const {
  std::string out = "pkcs11:";
  bool first = true;
  auto add = [&](std::string_view name, const std::optional<std::string>& v, bool query) {
    if (!v) return;
    if (!first) out += query ? '&' : ';';
    first = false;
    out += name;
    out += '=';
    out += encode(*v, query);
  };
  add("token", token, false);
  add("manufacturer", manufacturer, false);
  add("serial", serial, false);
  add("model", model, false);
  if (slot_id) add("slot-id", std::to_string(*slot_id), false);
  add("object", object, false);
  if (id) {
    if (!first) out += ';';
    first = false;
    out += "id=";
    static constexpr std::string_view kHex = "0123456789ABCDEF";
    for (const std::uint8_t b : *id) {
      out += '%';
      out += kHex[b >> 4U];
      out += kHex[b & 0xfU];
    }
  }
  add("type", type, false);
  if (with_query && (module_path || module_name || pin_source)) {
    out += '?';
    first = true;
    add("module-path", module_path, true);
    add("module-name", module_name, true);
    add("pin-source", pin_source, true);
  }
  return out;
}

}  // namespace signet::hsm
