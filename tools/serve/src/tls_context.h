// The server's TLS: an Asio ssl::context from the server's chain and EVP_PKEY (a file key now; a
// token key through the signet provider plugs in as the same EVP_PKEY), TLS 1.2 minimum
// (RFC 8996 deprecates 1.0/1.1), client certificates verified against the configured CA bundles.
#pragma once

#include <optional>

#include <boost/asio/ssl/context.hpp>

#include "signet/core/result.h"
#include "signet/serve/config.h"
#include "signet/serve/server.h"

#include "http_types.h"

namespace signet::serve {

[[nodiscard]] Result<std::unique_ptr<boost::asio::ssl::context>> make_tls_context(
    const TlsConfig& config, const TlsIdentity& identity);

// The verified peer certificate of a finished handshake; nullopt when the client sent none.
[[nodiscard]] std::optional<PeerIdentity> peer_identity(SSL* ssl);

}  // namespace signet::serve
