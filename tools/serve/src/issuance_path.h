// The one issuance path of every signing endpoint (cfssl sign/authsign, /v1/sign/batch,
// /v1/k8s/csr): the profile's checks and the TBSCertificate (prepare), the CA signature, then
// the certificate recorded before anyone sees it (finish: persist-before-return, issue 7). The
// two halves let the batch endpoint keep all its signatures in flight at once
// (Signer::submit) while a single request signs in between with Signer::sign.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

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

// The certificate from the signature, as the recorder will see it; the signature's failure as
// its refusal (503 for a token that timed out: retry). `sign_time` feeds signet_sign_seconds.
[[nodiscard]] Answer<IssuanceRecord> certify(const Service& service, const Caller& caller,
                                             PendingIssue&& pending, const Result<Bytes>& signature,
                                             std::chrono::nanoseconds sign_time,
                                             std::string_view endpoint,
                                             std::chrono::system_clock::time_point now);

// Persist before return: records every certificate (IssuanceRecorder::record_all: together),
// then counts each recorded one in the metrics. Element i is nullopt when records[i] may be
// returned, else the 503 refusal that replaces it (nothing of it is returned).
[[nodiscard]] std::vector<std::optional<Refusal>> record_issued(
    const Service& service, const std::vector<IssuanceRecord>& records);

// prepare_issue, a blocking Signer::sign, certify, record_issued.
[[nodiscard]] Answer<IssuedCertificate> issue_one(const Service& service, const Caller& caller,
                                                  const Authorized& authorized, ByteView csr,
                                                  const RequestOptions& options,
                                                  std::string_view endpoint);

// The mutual-TLS client a signet endpoint (batch, k8s) serves: 403 on the plain-HTTP listener
// (HMAC-authenticated cfssl authsign only), else mtls_caller's answer; messages start `what`.
[[nodiscard]] Answer<Caller> mtls_client(const Service& service, const Request& request,
                                         std::string_view what);

// The caller's rate limit (RateLimiter): 429 naming the caller, with Retry-After.
// A batch of `count` certificates costs `count` tokens; one larger than the caller's burst is
// 413 (it could never pass, so a 429 would have the client retry for ever).
[[nodiscard]] std::optional<Response> rate_limited(const Service& service, const Caller& caller,
                                                   std::size_t count = 1);

}  // namespace signet::serve
