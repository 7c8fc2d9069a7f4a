#include <string_view>

#include "cfssl_envelope.h"
#include "metrics.h"
#include "service.h"

namespace signet::serve {
namespace {

Response plain(unsigned status, std::string body) {
  return Response{status, std::move(body) + "\n", "text/plain; charset=utf-8", std::nullopt};
}

Response dispatch(const Service& service, const Request& request, std::string_view path) {
  struct Endpoint {
    std::string_view path;
    std::string_view method;
    Response (*handler)(const Service&, const Request&);
  };
  static constexpr Endpoint kEndpoints[] = {
      {"/api/v1/cfssl/sign", "POST", &cfssl_sign},
      {"/api/v1/cfssl/authsign", "POST", &cfssl_authsign},
      {"/api/v1/cfssl/info", "POST", &cfssl_info},
      {"/v1/sign/batch", "POST", &sign_batch},
      {"/v1/k8s/csr", "POST", &k8s_csr},
      {"/metrics", "GET", &metrics_endpoint},
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
  if (path.substr(0, 7) == "/v1/ca/") {
    if (request.method != "GET") {
      return cfssl_failure(
          {405, 405, "/v1/ca/NAME accepts only GET, got " + request.method.substr(0, 16)});
    }
    return ca_chain(service, request);
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

}  // namespace

Response route(const Service& service, const Request& request) {
  // The path without a query (cfssl clients send none; a query never selects anything here).
  std::string_view path = request.target;
  if (const auto q = path.find('?'); q != std::string_view::npos) path = path.substr(0, q);
  Response r = dispatch(service, request, path);
  service.metrics.request(path, r.status);
  if (const auto c = Metrics::error_class(r.status); !c.empty()) service.metrics.error(c);
  return r;
}

}  // namespace signet::serve
