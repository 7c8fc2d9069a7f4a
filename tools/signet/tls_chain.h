// The certificate chain a TLS server presents (RFC 8446 §4.4.2, RFC 5246 §7.4.2), fetched
// for reporting: the handshake is not authenticated, so a chain that does not verify is still
// returned; verification against known CAs is the report's job.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "signet/core/ossl.h"
#include "signet/core/result.h"

namespace signet::cli::expiry {

struct Endpoint {
  std::string host;                        // a DNS name or an IP literal (without brackets)
  std::string port;                        // 1-65535, as digits
  [[nodiscard]] std::string text() const;  // "host:port", "[::1]:port"
};

// "HOST:PORT" or "[IPv6]:PORT"; the port must be 1-65535.
[[nodiscard]] Result<Endpoint> parse_endpoint(std::string_view text);

// Connects (TCP, then a TLS 1.2+ handshake) within `timeout` for the connect and again for the
// handshake, and returns the served chain, leaf first. SNI is the host unless it is an IP literal
// (RFC 6066 §3 forbids literal addresses in server_name). Refused or unreachable servers and
// timeouts are kUnavailable (worth retrying); a server that is not TLS is kFailedPrecondition.
// Name resolution uses getaddrinfo, which the timeout does not bound.
[[nodiscard]] Result<std::vector<ossl::X509Ptr>> fetch_served_chain(
    const Endpoint& endpoint, std::chrono::milliseconds timeout);

}  // namespace signet::cli::expiry
