#include "hmac_auth.h"

#include <nlohmann/json.hpp>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "signet/core/base64.h"
#include "signet/core/duration.h"

namespace signet::serve {

Answer<AuthenticatedRequest> parse_authenticated_request(std::string_view body) {
  const nlohmann::json j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return refuse(400, 400, "authsign: the body is not a JSON object");
  }
  AuthenticatedRequest out;
  for (const char* field : {"token", "request"}) {
    const auto it = j.find(field);
    if (it == j.end() || !it->is_string()) {
      return refuse(400, 400,
                    std::string("authsign: \"") + field +
                        "\" must be a base64 string (cfssl "
                        "AuthenticatedRequest)");
    }
    auto decoded = base64_decode(it->get_ref<const std::string&>(), field);
    if (!decoded) return refuse(400, 400, "authsign: " + decoded.error().message());
    (std::string_view(field) == "token" ? out.token : out.request) = std::move(*decoded);
  }
  return out;
}

Bytes hmac_sha256(ByteView key, ByteView data) {
  Bytes mac(32);
  std::size_t len = 0;
  if (EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, key.data(), key.size(), data.data(),
                data.size(), mac.data(), mac.size(), &len) == nullptr) {
    return {};  // compared against a 32-byte token, an empty MAC never matches
  }
  mac.resize(len);
  return mac;
}

Answer<const HmacKeyRule*> authenticate(const std::vector<HmacKeyRule>& keys,
                                        const AuthenticatedRequest& request,
                                        std::chrono::system_clock::time_point now) {
  // Every key is tried (a handful at most), so timing does not say which one nearly matched.
  const HmacKeyRule* match = nullptr;
  for (const auto& key : keys) {
    const Bytes mac = hmac_sha256(key.key.view(), request.request);
    if (mac.size() == request.token.size() && !mac.empty() &&
        CRYPTO_memcmp(mac.data(), request.token.data(), mac.size()) == 0) {
      match = &key;
    }
  }
  if (match == nullptr) return refuse(401, 401, "authsign: invalid token (no HMAC key matches)");
  if (now >= match->expires) {
    return refuse(
        401, 401,
        "authsign: HMAC key '" + match->name + "' expired at " + format_time(match->expires));
  }
  return match;
}

}  // namespace signet::serve
