// GET /v1/ca/NAME: the PEM chain of a served CA (issue 7 item 3), so a client can fetch the trust
// bundle its certificates verify against. Public certificates only, but not unauthenticated:
// on TLS listeners the caller must be a configured mutual-TLS client (any of them: the chain of
// every served CA is theirs to see); the plain-HTTP listener is loopback-only by config, and
// local processes are trusted with public certificates as they are with /info.
#include <algorithm>
#include <string_view>

#include "authorization.h"
#include "cfssl_envelope.h"
#include "service.h"

namespace signet::serve {

namespace {
constexpr std::string_view kPrefix = "/v1/ca/";
constexpr std::size_t kMaxShownName = 64;
}  // namespace

Response ca_chain(const Service& service, const Request& request) {
  if (request.tls) {
    auto caller = mtls_caller(service.config, request);
    if (!caller) {
      Refusal r = caller.error();
      r.message = "ca chain: " + r.message;
      return cfssl_failure(r);
    }
  }
  std::string_view path = request.target;
  if (const auto q = path.find('?'); q != std::string_view::npos) path = path.substr(0, q);
  const std::string_view name = path.substr(std::min(path.size(), kPrefix.size()));
  const auto ca = std::find_if(service.cas.begin(), service.cas.end(),
                               [&](const ServedCa& c) { return c.name == name; });
  if (ca == service.cas.end()) {
    std::string served;
    for (const auto& c : service.cas) served += (served.empty() ? "" : ", ") + c.name;
    return cfssl_failure({404, 404,
                          "ca chain: CA '" + std::string(name.substr(0, kMaxShownName)) +
                              "' is not served here (served: " + served + ")"});
  }
  std::string pem = ca->bundle_pem;
  if (pem.empty()) pem = ca->certificate_pem + ca->chain_pem;
  return Response{200, std::move(pem), "application/x-pem-file", std::nullopt};
}

}  // namespace signet::serve
