// What the handlers share: the validated config, the profiles, the served CAs and the recorder.
// All of it is immutable while serving except the recorder (thread-safe) and the drain flag.
#pragma once

#include <atomic>
#include <vector>

#include "signet/core/profile.h"
#include "signet/serve/config.h"
#include "signet/serve/issuance.h"

#include "http_types.h"

namespace signet::serve {

class Metrics;
class RateLimiter;

struct Service {
  const ServerConfig& config;
  const ProfileSet& profiles;
  const std::vector<ServedCa>& cas;
  IssuanceRecorder& recorder;
  const std::atomic<bool>& draining;
  Metrics& metrics;      // thread-safe (atomics)
  RateLimiter& limiter;  // thread-safe (a mutex per bucket)
};

// The cfssl-compatible endpoints (cfssl api/signhandler, api/info). Each answers in cfssl's
// envelope; a refused request issues nothing and records nothing.
[[nodiscard]] Response cfssl_sign(const Service& service, const Request& request);
[[nodiscard]] Response cfssl_authsign(const Service& service, const Request& request);
[[nodiscard]] Response cfssl_info(const Service& service, const Request& request);

// signet's own endpoints (issue 7 item 3): GET /v1/ca/NAME (ca_chain_handler.cc),
// POST /v1/sign/batch (batch_handler.cc), POST /v1/k8s/csr (k8s_handler.cc), GET /metrics.
[[nodiscard]] Response ca_chain(const Service& service, const Request& request);
[[nodiscard]] Response sign_batch(const Service& service, const Request& request);
[[nodiscard]] Response k8s_csr(const Service& service, const Request& request);
[[nodiscard]] Response metrics_endpoint(const Service& service, const Request& request);

// Dispatches by method and path: the endpoints above, GET /healthz, GET /readyz; 404 / 405.
[[nodiscard]] Response route(const Service& service, const Request& request);

}  // namespace signet::serve
