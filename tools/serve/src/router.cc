#include <string_view>

#include "cfssl_envelope.h"
#include "service.h"

namespace signet::serve {
namespace {

Response plain(unsigned status, std::string body) {
  return Response{status, std::move(body) + "\n", "text/plain; charset=utf-8", std::nullopt};
}

}  // namespace

Response route(const Service& service, const Request& request) {
  // The path without a query (cfssl clients send none; a query never selects anything here).
  std::string_view path = request.target;
  if (const auto q = path.find('?'); q != std::string_view::npos) path = path.substr(0, q);

  struct Endpoint {
    std::string_view path;
    std::string_view method;
    Response (*handler)(const Service&, const Request&);
  };
  static constexpr Endpoint kEndpoints[] = {
      {"/api/v1/cfssl/sign", "POST", &cfssl_sign},
      {"/api/v1/cfssl/authsign", "POST", &cfssl_authsign},
      {"/api/v1/cfssl/info", "POST", &cfssl_info},
  };
  for (const auto& e : kEndpoints) {
    if (path != e.path) continue;
    if (request.method != e.method) {
      return cfssl_failure({405, 405,
                            std::string(e.path) + " accepts only " + std::string(e.method) +
                                ", got " + request.method.substr(0, 16)});
    }
    return e.handler(service, request);
  }
  if (path == "/healthz" || path == "/readyz") {
    if (request.method != "GET" && request.method != "HEAD") {
      return plain(405, "method not allowed");
    }
    // Live while the process serves; ready until a drain starts (load balancers stop sending).
    if (path == "/readyz" && service.draining.load()) {
      Response r = plain(503, "draining");
      r.retry_after = 1;
      return r;
    }
    return plain(200, "ok");
  }
  return cfssl_failure({404, 404, "no endpoint " + std::string(path.substr(0, 128))});
}

}  // namespace signet::serve
