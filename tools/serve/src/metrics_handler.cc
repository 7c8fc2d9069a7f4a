// GET /metrics: the Prometheus text exposition (format 0.0.4). Not public: request counts and
// CA/profile names are operational detail, so on TLS listeners the scraper needs a configured
// client certificate (as for /v1/ca/NAME); the loopback plain-HTTP listener is open to it.
#include "authorization.h"
#include "cfssl_envelope.h"
#include "metrics.h"
#include "service.h"

namespace signet::serve {

Response metrics_endpoint(const Service& service, const Request& request) {
  if (request.tls) {
    auto caller = mtls_caller(service.config, request);
    if (!caller) {
      Refusal r = caller.error();
      r.message = "metrics: " + r.message;
      return cfssl_failure(r);
    }
  }
  std::string text = service.metrics.format();
  std::vector<std::pair<std::string, SignerLoad>> loads;
  for (const auto& ca : service.cas) {
    if (!ca.load) continue;
    if (auto load = ca.load()) loads.emplace_back(ca.name, *load);
  }
  Metrics::format_signer_gauges(text, loads);
  return Response{200, std::move(text), "text/plain; version=0.0.4; charset=utf-8", std::nullopt};
}

}  // namespace signet::serve
