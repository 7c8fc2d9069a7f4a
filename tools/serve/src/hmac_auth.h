// cfssl's "standard" authentication (cfssl auth/auth.go): the client posts
//   {"token": base64(HMAC-SHA-256(key, request)), "request": base64(sign request JSON)}
// (Go encodes []byte as standard base64; "timestamp" and "remote_address" are not part of the
// MAC and are ignored, as cfssl's Standard provider ignores them).
#pragma once

#include <chrono>
#include <string_view>
#include <vector>

#include "signet/core/bytes.h"
#include "signet/serve/config.h"

#include "http_types.h"

namespace signet::serve {

struct AuthenticatedRequest {
  Bytes token;
  Bytes request;  // the inner sign request JSON
};

// 400 for anything that is not that object.
[[nodiscard]] Answer<AuthenticatedRequest> parse_authenticated_request(std::string_view body);

[[nodiscard]] Bytes hmac_sha256(ByteView key, ByteView data);

// The key whose MAC matches (compared in constant time): 401 "invalid token" when none does,
// 401 naming the key and its expiry when the matching key has expired.
[[nodiscard]] Answer<const HmacKeyRule*> authenticate(const std::vector<HmacKeyRule>& keys,
                                                      const AuthenticatedRequest& request,
                                                      std::chrono::system_clock::time_point now);

}  // namespace signet::serve
