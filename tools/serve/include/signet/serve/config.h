// The server's one config file (JSON; README "signet serve" shows an example). Parsed and
// validated whole by ServerConfig::parse before anything listens: every refusal names the field
// and the offending value. `signet config check FILE` runs the same checks plus the ones that
// need the state directory (CAs exist, profiles exist: check_against).
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "signet/core/name.h"
#include "signet/core/profile.h"
#include "signet/core/result.h"
#include "signet/core/secret_bytes.h"

namespace signet::serve {

struct ListenAddress {
  std::string host;        // a literal IPv4/IPv6 address (no names: what is bound must be explicit)
  std::uint16_t port = 0;  // 0: a free port chosen by the kernel (tests)
  [[nodiscard]] std::string text() const;
};

// "127.0.0.1:8443", "[::1]:8443". Host names are refused.
[[nodiscard]] Result<ListenAddress> parse_listen_address(std::string_view text);
[[nodiscard]] bool is_loopback(const ListenAddress& address);

struct ListenerConfig {
  ListenAddress address;
  // Plain HTTP: only on loopback, only for HMAC-authenticated requests (/authsign) and the
  // unauthenticated /info, /healthz, /readyz.
  bool plain_http = false;
};

enum class ClientCertificates {
  kRequire,  // no client certificate: the handshake fails (TLS alert)
  kOptional  // verified when sent; /sign then needs one, /authsign uses HMAC instead
};

struct TlsConfig {
  std::filesystem::path certificate;  // PEM: the server certificate, then its intermediates
  std::string key;                    // file:PATH (needs --allow-software-key); pkcs11: later
  std::vector<std::filesystem::path> client_cas;  // PEM bundles the client certificates chain to
  ClientCertificates client_certificates = ClientCertificates::kRequire;
};

// A token bucket (per client rule / per HMAC key): `burst` requests at once, refilled at
// `per_second`. Over it a signing request gets 429 with Retry-After (RFC 6585 §4).
struct RateLimit {
  double per_second = 0;  // > 0, at most 1e6
  double burst = 1;       // ≥ 1, at most 1e6
};

// What one authenticated caller may use.
struct Grant {
  std::string ca;                     // a served CA name
  std::vector<std::string> profiles;  // signet profile names
  std::string default_profile;        // used when a request names none; empty: the only one
  std::optional<RateLimit>
      rate_limit;  // "rate_limit": {"per_second": R, "burst": B}; none: no limit
};

// A mutual-TLS client, known by its certificate subject or by the SHA-256 of its
// SubjectPublicKeyInfo (the pin of RFC 7469 §2.4, written as 64 hex digits).
struct ClientRule {
  std::string name;
  std::optional<DistinguishedName> subject;
  std::optional<std::array<unsigned char, 32>> spki_sha256;
  Grant grant;
};

// A cfssl "standard" auth key: HMAC-SHA-256 over the request (cfssl auth package). The key file
// holds hex, as cfssl's auth_keys do; the key never appears in the config itself.
struct HmacKeyRule {
  std::string name;
  std::filesystem::path key_file;
  SecretBytes key;
  std::chrono::system_clock::time_point expires;
  Grant grant;
};

struct Limits {
  std::size_t max_header_bytes = std::size_t{8} * 1024;
  std::size_t max_body_bytes = std::size_t{1024} * 1024;
  std::chrono::seconds header_timeout{10};  // the whole request head, from its first byte
  std::chrono::seconds body_timeout{30};    // the whole body (and writing the response)
  std::chrono::seconds idle_timeout{60};    // a kept-alive connection waiting for a request
  std::chrono::seconds drain_timeout{30};   // graceful shutdown: in-flight requests finish
  unsigned io_threads = 2;
  unsigned sign_threads = 4;
};

struct ServerConfig {
  // Largest config file read.
  static constexpr std::size_t kMaxBytes = std::size_t{1} << 20;

  std::vector<ListenerConfig> listeners;
  std::optional<TlsConfig> tls;  // required when any listener is TLS
  std::vector<std::string> cas;
  std::vector<ClientRule> clients;
  std::vector<HmacKeyRule> hmac_keys;
  Limits limits;
  std::filesystem::path record_file;  // empty: no JSON-lines log (the ledger always records)

  // Parses and validates `json_text`; relative paths are resolved against `base_dir` (the
  // config file's directory) and HMAC key files are read (hex, at least 16 bytes).
  [[nodiscard]] static Result<ServerConfig> parse(std::string_view json_text,
                                                  const std::filesystem::path& base_dir);
  // Reads (≤ kMaxBytes) and parses a config file.
  [[nodiscard]] static Result<ServerConfig> load(const std::filesystem::path& path);

  // The checks that need the served world: every grant's CA is served and its profiles exist.
  [[nodiscard]] Status check_against(const ProfileSet& profiles) const;
};

// "2027-01-01T00:00:00Z" (RFC 3339 §5.6, UTC "Z" only, no fractions).
[[nodiscard]] Result<std::chrono::system_clock::time_point> parse_rfc3339_utc(
    std::string_view text);

}  // namespace signet::serve
