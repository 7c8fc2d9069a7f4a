// The one issuance path of every signing endpoint (cfssl sign/authsign, /v1/sign/batch,
// /v1/k8s/csr): the profile's checks and the TBSCertificate (prepare), the CA signature, then
// the certificate recorded before anyone sees it (finish: persist-before-return, issue 7). The
// two halves let the batch endpoint keep all its signatures in flight at once
// (Signer::submit) while a single request signs in between with Signer::sign.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "signet/core/issuer.h"

#include "authorization.h"
#include "service.h"

namespace signet::serve {

struct PendingIssue {
  Authorized authorized;
  PreparedCertificate prepared;
};

// Parses the CSR (PEM or DER) and applies the authorised profile. 400 with cfssl's CSR code
// for an unreadable CSR; the profile's refusals as refusal_from maps them (policy: 400/5003).
[[nodiscard]] Answer<PendingIssue> prepare_issue(const Authorized& authorized, ByteView csr,
                                                 const RequestOptions& options,
                                                 std::chrono::system_clock::time_point now);

// The certificate from the signature, recorded (then counted in the metrics) before it is
// returned; 503 when the signature or the recording failed (nothing is returned then).
// `sign_time`: how long the signature took, for signet_sign_seconds.
[[nodiscard]] Answer<IssuedCertificate> finish_issue(const Service& service, const Caller& caller,
                                                     PendingIssue&& pending,
                                                     const Result<Bytes>& signature,
                                                     std::chrono::nanoseconds sign_time,
                                                     std::string_view endpoint,
                                                     std::chrono::system_clock::time_point now);

// prepare_issue, a blocking Signer::sign, finish_issue.
[[nodiscard]] Answer<IssuedCertificate> issue_one(const Service& service, const Caller& caller,
                                                  const Authorized& authorized, ByteView csr,
                                                  const RequestOptions& options,
                                                  std::string_view endpoint);

// The mutual-TLS client a signet endpoint (batch, k8s) serves: 403 on the plain-HTTP listener
// (HMAC-authenticated cfssl authsign only), else mtls_caller's answer; messages start `what`.
[[nodiscard]] Answer<Caller> mtls_client(const Service& service, const Request& request,
                                         std::string_view what);

// The caller's rate limit (RateLimiter): 429 naming the caller, with Retry-After.
[[nodiscard]] std::optional<Response> rate_limited(const Service& service, const Caller& caller);

}  // namespace signet::serve
