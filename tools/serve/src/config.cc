// The server config file: JSON read with nlohmann/json, every field checked by type and range.
// Unknown keys are refused (a misspelt "client_certificate" must not silently disable a rule).
#include "signet/serve/config.h"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "signet/core/bytes.h"
#include "signet/core/duration.h"

namespace signet::serve {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxKeyFileBytes = 4096;
constexpr std::size_t kMinHmacKeyBytes = 16;  // 128 bits (NIST SP 800-107 §5.2: key ≥ security)
constexpr std::size_t kMaxNameLength = 63;

Error bad(const std::string& field, const std::string& rule) {
  return {ErrorCode::kInvalidArgument, "server config: " + field + ": " + rule};
}

std::string shown(const json& j) {
  std::string s = j.dump(-1, ' ', false, json::error_handler_t::replace);
  if (s.size() > 80) s = s.substr(0, 77) + "...";
  return s;
}

Status only_keys(const json& obj, const std::string& field,
                 std::initializer_list<std::string_view> keys) {
  for (const auto& [k, v] : obj.items()) {
    if (std::find(keys.begin(), keys.end(), k) == keys.end()) {
      std::string known;
      for (auto key : keys) known += (known.empty() ? "" : ", ") + std::string(key);
      return fail(bad(field, "unknown key '" + k.substr(0, 64) + "' (known: " + known + ")"));
    }
  }
  return {};
}

Result<std::string> string_at(const json& obj, const std::string& field, const char* key,
                              bool required) {
  const auto it = obj.find(key);
  if (it == obj.end()) {
    if (required) return fail(bad(field + "." + key, "is required"));
    return std::string();
  }
  if (!it->is_string()) return fail(bad(field + "." + key, "must be a string, got " + shown(*it)));
  const auto& s = it->get_ref<const std::string&>();
  if (s.empty()) return fail(bad(field + "." + key, "must not be empty"));
  if (s.size() > 4096) return fail(bad(field + "." + key, "longer than 4096 characters"));
  return s;
}

Result<std::vector<std::string>> strings_at(const json& obj, const std::string& field,
                                            const char* key) {
  std::vector<std::string> out;
  const auto it = obj.find(key);
  if (it == obj.end()) return out;
  if (!it->is_array()) {
    return fail(bad(field + "." + key, "must be an array of strings, got " + shown(*it)));
  }
  for (const auto& v : *it) {
    if (!v.is_string() || v.get_ref<const std::string&>().empty()) {
      return fail(
          bad(field + "." + key, "every entry must be a non-empty string, got " + shown(v)));
    }
    out.push_back(v.get<std::string>());
  }
  return out;
}

Status check_name(const std::string& field, const std::string& name) {
  const bool ok =
      !name.empty() && name.size() <= kMaxNameLength &&
      std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
      });
  if (!ok) {
    return fail(bad(field, "must be 1-63 of [a-z0-9-_.], got '" + name.substr(0, 80) + "'"));
  }
  return {};
}

std::filesystem::path resolve(const std::filesystem::path& base, const std::string& p) {
  const std::filesystem::path path(p);
  return path.is_absolute() ? path : base / path;
}

Result<std::chrono::seconds> duration_at(const json& obj, const std::string& field, const char* key,
                                         std::chrono::seconds fallback) {
  SIGNET_ASSIGN_OR_RETURN(const std::string text, string_at(obj, field, key, false));
  if (text.empty()) return fallback;
  auto d = parse_duration(text);
  if (!d) return fail(bad(field + "." + key, d.error().message()));
  if (*d > std::chrono::hours(24)) {
    return fail(bad(field + "." + key, "must be at most 24h, got " + text));
  }
  return *d;
}

Result<std::size_t> size_at(const json& obj, const std::string& field, const char* key,
                            std::size_t fallback, std::size_t min, std::size_t max) {
  const auto it = obj.find(key);
  if (it == obj.end()) return fallback;
  if (!it->is_number_unsigned()) {
    return fail(bad(field + "." + key, "must be a non-negative integer, got " + shown(*it)));
  }
  const auto v = it->get<std::uint64_t>();
  if (v < min || v > max) {
    return fail(bad(field + "." + key, "must be between " + std::to_string(min) + " and " +
                                           std::to_string(max) + ", got " + std::to_string(v)));
  }
  return static_cast<std::size_t>(v);
}

// "rate_limit": {"per_second": R, "burst": B}: both numbers, R in (0, 1e6], B in [1, 1e6].
Result<std::optional<RateLimit>> parse_rate_limit(const json& obj, const std::string& field) {
  const auto it = obj.find("rate_limit");
  if (it == obj.end() || it->is_null()) return std::optional<RateLimit>();
  const std::string f = field + ".rate_limit";
  if (!it->is_object()) return fail(bad(f, "must be an object, got " + shown(*it)));
  SIGNET_RETURN_IF_ERROR(only_keys(*it, f, {"per_second", "burst"}));
  constexpr double kMax = 1e6;
  const auto number = [&](const char* key, double min, const char* min_text,
                          bool inclusive) -> Result<double> {
    const auto v = it->find(key);
    if (v == it->end() || !v->is_number()) {
      return fail(bad(f + "." + key, std::string("must be a number, got ") +
                                         (v == it->end() ? "nothing" : shown(*v))));
    }
    const double d = v->get<double>();
    const bool low_ok = inclusive ? d >= min : d > min;
    if (!low_ok || !(d <= kMax)) {
      return fail(bad(f + "." + key, std::string("must be ") +
                                         (inclusive ? "at least " : "above ") + min_text +
                                         " and at most 1e6, got " + shown(*v)));
    }
    return d;
  };
  RateLimit r;
  SIGNET_ASSIGN_OR_RETURN(r.per_second, number("per_second", 0, "0", false));
  SIGNET_ASSIGN_OR_RETURN(r.burst, number("burst", 1, "1", true));
  return std::optional<RateLimit>(r);
}

Result<Grant> parse_grant(const json& obj, const std::string& field) {
  Grant g;
  SIGNET_ASSIGN_OR_RETURN(g.ca, string_at(obj, field, "ca", true));
  SIGNET_ASSIGN_OR_RETURN(g.profiles, strings_at(obj, field, "profiles"));
  if (g.profiles.empty()) {
    return fail(bad(field + ".profiles", "must name at least one profile this caller may use"));
  }
  SIGNET_ASSIGN_OR_RETURN(g.default_profile, string_at(obj, field, "default_profile", false));
  if (!g.default_profile.empty() &&
      std::find(g.profiles.begin(), g.profiles.end(), g.default_profile) == g.profiles.end()) {
    return fail(bad(field + ".default_profile",
                    "'" + g.default_profile + "' is not among this caller's profiles"));
  }
  SIGNET_ASSIGN_OR_RETURN(g.rate_limit, parse_rate_limit(obj, field));
  return g;
}

Result<std::array<unsigned char, 32>> parse_pin(const std::string& field, const std::string& hex) {
  std::array<unsigned char, 32> out{};
  if (hex.size() != 64) {
    return fail(bad(field, "must be 64 hex digits (SHA-256 of the SubjectPublicKeyInfo), got " +
                               std::to_string(hex.size()) + " characters"));
  }
  for (std::size_t i = 0; i < 32; ++i) {
    unsigned v = 0;
    const char* first = hex.data() + 2 * i;
    const auto [ptr, ec] = std::from_chars(first, first + 2, v, 16);
    if (ec != std::errc() || ptr != first + 2) {
      return fail(bad(field, "is not hex: '" + hex.substr(0, 64) + "'"));
    }
    out[i] = static_cast<unsigned char>(v);
  }
  return out;
}

// cfssl's auth key format: hex text (cfssl auth.New: hex.DecodeString), surrounding whitespace
// ignored as cfssl's file: form does.
Result<SecretBytes> read_hmac_key(const std::string& field, const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(bad(field, "cannot read key file " + path.string()));
  std::string text(kMaxKeyFileBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  struct Wipe {
    std::string& s;
    ~Wipe() { cleanse(s); }
  } wipe{text};
  if (text.size() > kMaxKeyFileBytes) {
    return fail(bad(field, "key file " + path.string() + " is larger than 4096 bytes"));
  }
  const auto first = text.find_first_not_of(" \t\r\n");
  const auto last = text.find_last_not_of(" \t\r\n");
  const std::string_view hex = first == std::string::npos
                                   ? std::string_view()
                                   : std::string_view(text).substr(first, last - first + 1);
  if (hex.size() % 2 != 0 || hex.empty()) {
    return fail(bad(field, "key file " + path.string() +
                               " must hold an even number of hex digits (cfssl's auth key form)"));
  }
  SecretBytes key(hex.size() / 2);
  for (std::size_t i = 0; i < key.size(); ++i) {
    unsigned v = 0;
    const char* p = hex.data() + 2 * i;
    const auto [ptr, ec] = std::from_chars(p, p + 2, v, 16);
    if (ec != std::errc() || ptr != p + 2) {
      return fail(bad(field, "key file " + path.string() + " is not hex"));
    }
    key.data()[i] = static_cast<std::uint8_t>(v);
  }
  if (key.size() < kMinHmacKeyBytes) {
    return fail(bad(field, "key in " + path.string() + " has " + std::to_string(key.size()) +
                               " bytes; at least 16 (128 bits) are required"));
  }
  return key;
}

Result<TlsConfig> parse_tls(const json& j, const std::filesystem::path& base) {
  if (!j.is_object()) return fail(bad("tls", "must be an object, got " + shown(j)));
  SIGNET_RETURN_IF_ERROR(
      only_keys(j, "tls", {"certificate", "key", "client_ca", "client_certificates"}));
  TlsConfig t;
  SIGNET_ASSIGN_OR_RETURN(const std::string cert, string_at(j, "tls", "certificate", true));
  t.certificate = resolve(base, cert);
  SIGNET_ASSIGN_OR_RETURN(t.key, string_at(j, "tls", "key", true));
  if (t.key.rfind("file:", 0) == 0) {
    t.key = "file:" + resolve(base, t.key.substr(5)).string();
  } else {
    return fail(bad("tls.key",
                    "must be file:PATH (a token key through the provider comes "
                    "later), got '" +
                        t.key.substr(0, 80) + "'"));
  }
  SIGNET_ASSIGN_OR_RETURN(const auto cas, strings_at(j, "tls", "client_ca"));
  for (const auto& c : cas) t.client_cas.push_back(resolve(base, c));
  SIGNET_ASSIGN_OR_RETURN(const std::string mode,
                          string_at(j, "tls", "client_certificates", false));
  if (mode.empty() || mode == "require") {
    t.client_certificates = ClientCertificates::kRequire;
  } else if (mode == "optional") {
    t.client_certificates = ClientCertificates::kOptional;
  } else {
    return fail(bad("tls.client_certificates",
                    R"(must be "require" or "optional", got ')" + mode.substr(0, 80) + "'"));
  }
  if (t.client_cas.empty()) {
    return fail(bad("tls.client_ca",
                    "must name at least one PEM bundle: client certificates "
                    "are verified against it (mutual TLS is the default)"));
  }
  return t;
}

Result<Limits> parse_limits(const json& j) {
  Limits l;
  if (!j.is_object()) return fail(bad("limits", "must be an object, got " + shown(j)));
  SIGNET_RETURN_IF_ERROR(
      only_keys(j, "limits",
                {"max_header_bytes", "max_body_bytes", "header_timeout", "body_timeout",
                 "idle_timeout", "drain_timeout", "io_threads", "sign_threads"}));
  SIGNET_ASSIGN_OR_RETURN(l.max_header_bytes, size_at(j, "limits", "max_header_bytes",
                                                      l.max_header_bytes, 1024, 64 * 1024));
  SIGNET_ASSIGN_OR_RETURN(l.max_body_bytes, size_at(j, "limits", "max_body_bytes", l.max_body_bytes,
                                                    4096, 16 * 1024 * 1024));
  SIGNET_ASSIGN_OR_RETURN(l.header_timeout,
                          duration_at(j, "limits", "header_timeout", l.header_timeout));
  SIGNET_ASSIGN_OR_RETURN(l.body_timeout, duration_at(j, "limits", "body_timeout", l.body_timeout));
  SIGNET_ASSIGN_OR_RETURN(l.idle_timeout, duration_at(j, "limits", "idle_timeout", l.idle_timeout));
  SIGNET_ASSIGN_OR_RETURN(l.drain_timeout,
                          duration_at(j, "limits", "drain_timeout", l.drain_timeout));
  SIGNET_ASSIGN_OR_RETURN(const std::size_t io,
                          size_at(j, "limits", "io_threads", l.io_threads, 1, 64));
  SIGNET_ASSIGN_OR_RETURN(const std::size_t sign,
                          size_at(j, "limits", "sign_threads", l.sign_threads, 1, 256));
  l.io_threads = static_cast<unsigned>(io);
  l.sign_threads = static_cast<unsigned>(sign);
  return l;
}

Result<ListenerConfig> parse_listener(const json& j, const std::string& field) {
  if (!j.is_object()) return fail(bad(field, "must be an object, got " + shown(j)));
  SIGNET_RETURN_IF_ERROR(only_keys(j, field, {"address", "plain_http"}));
  ListenerConfig l;
  SIGNET_ASSIGN_OR_RETURN(const std::string address, string_at(j, field, "address", true));
  auto parsed = parse_listen_address(address);
  if (!parsed) return fail(bad(field + ".address", parsed.error().message()));
  l.address = *parsed;
  if (const auto it = j.find("plain_http"); it != j.end()) {
    if (!it->is_boolean()) {
      return fail(bad(field + ".plain_http", "must be true or false, got " + shown(*it)));
    }
    l.plain_http = it->get<bool>();
  }
  if (l.plain_http && !is_loopback(l.address)) {
    return fail(bad(field,
                    "plain HTTP is allowed only on a loopback address (127.0.0.0/8, ::1), "
                    "got " +
                        l.address.text()));
  }
  return l;
}

Result<ClientRule> parse_client(const json& j, const std::string& field) {
  if (!j.is_object()) return fail(bad(field, "must be an object, got " + shown(j)));
  SIGNET_RETURN_IF_ERROR(only_keys(
      j, field,
      {"name", "subject", "spki_sha256", "ca", "profiles", "default_profile", "rate_limit"}));
  ClientRule c;
  SIGNET_ASSIGN_OR_RETURN(c.name, string_at(j, field, "name", true));
  SIGNET_RETURN_IF_ERROR(check_name(field + ".name", c.name));
  SIGNET_ASSIGN_OR_RETURN(const std::string subject, string_at(j, field, "subject", false));
  SIGNET_ASSIGN_OR_RETURN(const std::string pin, string_at(j, field, "spki_sha256", false));
  if (subject.empty() == pin.empty()) {
    return fail(bad(field, R"(needs exactly one of "subject" or "spki_sha256")"));
  }
  if (!subject.empty()) {
    auto dn = parse_distinguished_name(subject);
    if (!dn) return fail(bad(field + ".subject", dn.error().message()));
    c.subject = std::move(*dn);
  } else {
    SIGNET_ASSIGN_OR_RETURN(c.spki_sha256, parse_pin(field + ".spki_sha256", pin));
  }
  SIGNET_ASSIGN_OR_RETURN(c.grant, parse_grant(j, field));
  return c;
}

Result<HmacKeyRule> parse_hmac_key(const json& j, const std::string& field,
                                   const std::filesystem::path& base) {
  if (!j.is_object()) return fail(bad(field, "must be an object, got " + shown(j)));
  SIGNET_RETURN_IF_ERROR(only_keys(
      j, field,
      {"name", "key_file", "expires", "ca", "profiles", "default_profile", "rate_limit"}));
  HmacKeyRule k;
  SIGNET_ASSIGN_OR_RETURN(k.name, string_at(j, field, "name", true));
  SIGNET_RETURN_IF_ERROR(check_name(field + ".name", k.name));
  SIGNET_ASSIGN_OR_RETURN(const std::string file, string_at(j, field, "key_file", true));
  k.key_file = resolve(base, file);
  SIGNET_ASSIGN_OR_RETURN(k.key, read_hmac_key(field + ".key_file", k.key_file));
  SIGNET_ASSIGN_OR_RETURN(const std::string expires, string_at(j, field, "expires", true));
  auto t = parse_rfc3339_utc(expires);
  if (!t) return fail(bad(field + ".expires", t.error().message()));
  k.expires = *t;
  SIGNET_ASSIGN_OR_RETURN(k.grant, parse_grant(j, field));
  return k;
}

template <typename T, typename F>
Result<std::vector<T>> parse_array(const json& root, const char* key, F&& each) {
  std::vector<T> out;
  const auto it = root.find(key);
  if (it == root.end()) return out;
  if (!it->is_array()) return fail(bad(key, "must be an array, got " + shown(*it)));
  if (it->size() > 10000) return fail(bad(key, "more than 10000 entries"));
  for (std::size_t i = 0; i < it->size(); ++i) {
    SIGNET_ASSIGN_OR_RETURN(T v, each((*it)[i], std::string(key) + "[" + std::to_string(i) + "]"));
    out.push_back(std::move(v));
  }
  return out;
}

}  // namespace

std::string ListenAddress::text() const {
  const bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

Result<ListenAddress> parse_listen_address(std::string_view text) {
  const std::string shown_text(text.substr(0, 80));
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos || colon + 1 == text.size()) {
    return fail(ErrorCode::kInvalidArgument,
                "listen address must be HOST:PORT (e.g. 127.0.0.1:8443), got '" + shown_text + "'");
  }
  std::string_view host = text.substr(0, colon);
  const std::string_view port = text.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  unsigned p = 0;
  const auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), p);
  if (ec != std::errc() || ptr != port.data() + port.size() || p > 65535) {
    return fail(ErrorCode::kInvalidArgument,
                "listen address port must be 0-65535, got '" + shown_text + "'");
  }
  std::array<unsigned char, 16> buf{};
  const std::string h(host);
  if (inet_pton(AF_INET, h.c_str(), buf.data()) != 1 &&
      inet_pton(AF_INET6, h.c_str(), buf.data()) != 1) {
    return fail(ErrorCode::kInvalidArgument,
                "listen address host must be a literal IP address (what is bound must be "
                "explicit), got '" +
                    shown_text + "'");
  }
  return ListenAddress{h, static_cast<std::uint16_t>(p)};
}

bool is_loopback(const ListenAddress& address) {
  std::array<unsigned char, 16> buf{};
  if (inet_pton(AF_INET, address.host.c_str(), buf.data()) == 1) return buf[0] == 127;
  if (inet_pton(AF_INET6, address.host.c_str(), buf.data()) == 1) {
    return std::all_of(buf.begin(), buf.end() - 1, [](unsigned char b) { return b == 0; }) &&
           buf[15] == 1;
  }
  return false;
}

Result<std::chrono::system_clock::time_point> parse_rfc3339_utc(std::string_view text) {
  // YYYY-MM-DDTHH:MM:SSZ
  const auto refuse = [&] {
    return fail(ErrorCode::kInvalidArgument,
                "time must be RFC 3339 UTC like 2027-01-01T00:00:00Z, got '" +
                    std::string(text.substr(0, 40)) + "'");
  };
  if (text.size() != 20 || text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' ||
      text[16] != ':' || text[19] != 'Z') {
    return refuse();
  }
  const auto num = [&](std::size_t pos, std::size_t len, int& out) {
    const char* first = text.data() + pos;
    const auto [ptr, ec] = std::from_chars(first, first + len, out);
    return ec == std::errc() && ptr == first + len;
  };
  int y = 0;
  int mo = 0;
  int d = 0;
  int h = 0;
  int mi = 0;
  int s = 0;
  if (!num(0, 4, y) || !num(5, 2, mo) || !num(8, 2, d) || !num(11, 2, h) || !num(14, 2, mi) ||
      !num(17, 2, s)) {
    return refuse();
  }
  const std::chrono::year_month_day ymd{std::chrono::year(y),
                                        std::chrono::month(static_cast<unsigned>(mo)),
                                        std::chrono::day(static_cast<unsigned>(d))};
  if (!ymd.ok() || h > 23 || mi > 59 || s > 59) return refuse();
  return std::chrono::sys_days(ymd) + std::chrono::hours(h) + std::chrono::minutes(mi) +
         std::chrono::seconds(s);
}

namespace {

// The sections of the file, each parsed by its own function. ServerConfig::parse is split in
// three because clang-tidy 16's bugprone-unchecked-optional-access runs a dataflow analysis per
// function, and one function holding ServerConfig (which has std::optional members) across some
// thirty early returns made it run for over an hour.
Status parse_sections(const json& root, const std::filesystem::path& base_dir, ServerConfig& c) {
  SIGNET_ASSIGN_OR_RETURN(c.listeners,
                          parse_array<ListenerConfig>(root, "listeners", parse_listener));
  if (const auto it = root.find("tls"); it != root.end()) {
    SIGNET_ASSIGN_OR_RETURN(c.tls, parse_tls(*it, base_dir));
  }
  SIGNET_ASSIGN_OR_RETURN(c.cas, strings_at(root, "file", "cas"));
  if (c.cas.empty()) return fail(bad("cas", "must name at least one CA of the state directory"));
  for (const auto& ca : c.cas) SIGNET_RETURN_IF_ERROR(check_name("cas", ca));
  SIGNET_ASSIGN_OR_RETURN(c.clients, parse_array<ClientRule>(root, "clients", parse_client));
  SIGNET_ASSIGN_OR_RETURN(
      c.hmac_keys,
      parse_array<HmacKeyRule>(root, "hmac_keys", [&](const json& j, const std::string& f) {
        return parse_hmac_key(j, f, base_dir);
      }));
  if (const auto it = root.find("limits"); it != root.end()) {
    SIGNET_ASSIGN_OR_RETURN(c.limits, parse_limits(*it));
  }
  SIGNET_ASSIGN_OR_RETURN(const std::string record, string_at(root, "file", "record_file", false));
  if (!record.empty()) c.record_file = resolve(base_dir, record);
  return {};
}

// Rules that span sections: TLS present when a listener needs it, names unique across clients
// and keys, every grant naming a served CA.
Status check_cross_references(const ServerConfig& c) {
  const bool any_tls = std::any_of(c.listeners.begin(), c.listeners.end(),
                                   [](const ListenerConfig& l) { return !l.plain_http; });
  if (any_tls && !c.tls.has_value()) {
    return fail(bad("tls",
                    "is required: a listener serves HTTPS (set \"plain_http\": true only "
                    "for a loopback HMAC listener)"));
  }
  std::set<std::string> names;
  for (const auto& cl : c.clients) {
    if (!names.insert("client " + cl.name).second) {
      return fail(bad("clients", "duplicate name '" + cl.name + "'"));
    }
  }
  for (const auto& k : c.hmac_keys) {
    if (!names.insert("key " + k.name).second) {
      return fail(bad("hmac_keys", "duplicate name '" + k.name + "'"));
    }
  }
  const auto served = [&](const Grant& g, const std::string& who) -> Status {
    if (std::find(c.cas.begin(), c.cas.end(), g.ca) == c.cas.end()) {
      return fail(bad(who + ".ca", "'" + g.ca + "' is not in \"cas\""));
    }
    return {};
  };
  for (std::size_t i = 0; i < c.clients.size(); ++i) {
    SIGNET_RETURN_IF_ERROR(served(c.clients[i].grant, "clients[" + std::to_string(i) + "]"));
  }
  for (std::size_t i = 0; i < c.hmac_keys.size(); ++i) {
    SIGNET_RETURN_IF_ERROR(served(c.hmac_keys[i].grant, "hmac_keys[" + std::to_string(i) + "]"));
  }
  return {};
}

}  // namespace

Result<ServerConfig> ServerConfig::parse(std::string_view json_text,
                                         const std::filesystem::path& base_dir) {
  if (json_text.size() > kMaxBytes) {
    return fail(bad("file", "larger than " + std::to_string(kMaxBytes) + " bytes"));
  }
  json root = json::parse(json_text, nullptr, false);
  if (root.is_discarded()) return fail(bad("file", "is not valid JSON"));
  if (!root.is_object()) return fail(bad("file", "must be a JSON object"));
  SIGNET_RETURN_IF_ERROR(only_keys(
      root, "file", {"listeners", "tls", "cas", "clients", "hmac_keys", "limits", "record_file"}));
  ServerConfig c;
  SIGNET_RETURN_IF_ERROR(parse_sections(root, base_dir, c));
  SIGNET_RETURN_IF_ERROR(check_cross_references(c));
  return c;
}

Result<ServerConfig> ServerConfig::load(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return fail(ErrorCode::kNotFound, "server config: cannot read " + path.string());
  }
  std::string text(kMaxBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  auto parsed = parse(text, path.parent_path().empty() ? "." : path.parent_path());
  if (!parsed) return fail(parsed.error().context(path.string()));
  return parsed;
}

Status ServerConfig::check_against(const ProfileSet& profiles) const {
  const auto check = [&](const Grant& g, const std::string& who) -> Status {
    for (const auto& p : g.profiles) {
      const Profile* profile = profiles.find(p);
      if (profile == nullptr) {
        std::string known;
        for (const auto& n : profiles.names()) known.append(known.empty() ? "" : ", ").append(n);
        std::string rule = "unknown profile '" + p + "' (known: ";
        rule.append(known).append(")");
        return fail(bad(who + ".profiles", rule));
      }
      if (profile->kind() != ProfileKind::kLeaf) {
        return fail(bad(who + ".profiles", "'" + p +
                                               "' is a CA profile; the server issues "
                                               "leaf certificates only"));
      }
    }
    return {};
  };
  for (const auto& c : clients) SIGNET_RETURN_IF_ERROR(check(c.grant, "clients '" + c.name + "'"));
  for (const auto& k : hmac_keys) {
    SIGNET_RETURN_IF_ERROR(check(k.grant, "hmac_keys '" + k.name + "'"));
  }
  return {};
}

}  // namespace signet::serve
