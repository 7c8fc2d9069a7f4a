// The server's transport-independent request and answer: what the session hands the router and
// gets back. Kept free of Beast so handlers compile fast and are testable without sockets.
#pragma once

#include <array>
#include <optional>
#include <string>

#include <tl/expected.hpp>

#include "signet/core/name.h"
#include "signet/core/result.h"

namespace signet::serve {

// The verified client certificate of a mutual-TLS connection.
struct PeerIdentity {
  std::optional<DistinguishedName> subject;  // nullopt when it holds attributes signet cannot read
  std::string subject_text;                  // for messages and records
  std::array<unsigned char, 32> spki_sha256{};
};

struct Request {
  std::string method;
  std::string target;
  std::string body;
  bool tls = false;
  std::optional<PeerIdentity> peer;
};

struct Response {
  unsigned status = 200;
  std::string body;
  std::string content_type = "application/json";
  std::optional<unsigned> retry_after;  // seconds (RFC 9110 §10.2.3), with 429 and 503
};

// A refused request: the HTTP status, cfssl's error code (cfssl errors package: category*1000 +
// reason, or the HTTP status for transport-level refusals) and a message naming the rule.
struct Refusal {
  unsigned status = 400;
  int code = 400;
  std::string message;
};

template <typename T>
using Answer = tl::expected<T, Refusal>;

[[nodiscard]] inline tl::unexpected<Refusal> refuse(unsigned status, int code,
                                                    std::string message) {
  return tl::unexpected<Refusal>(Refusal{status, code, std::move(message)});
}

// cfssl error codes used here (cfssl errors/error.go).
inline constexpr int kCfsslCsrParseFailed = 9003;        // CSRError + ParseFailed
inline constexpr int kCfsslPolicyInvalidRequest = 5003;  // PolicyError + InvalidRequest
inline constexpr int kCfsslPolicyUnknownProfile = 5004;  // PolicyError + UnknownProfile
inline constexpr int kCfsslCertificateUnknown = 1000;    // CertificateError + Unknown

// A signet Error as the HTTP answer its retry class calls for: invalid input 400, policy 400
// (cfssl's policy code), not found 404, permission 403, transient 503 (Retry-After), else 500.
[[nodiscard]] Refusal refusal_from(const Error& error);

}  // namespace signet::serve
