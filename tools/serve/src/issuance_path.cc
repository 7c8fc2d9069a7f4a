#include "issuance_path.h"

#include <cstdint>

#include "signet/core/csr.h"

#include "cfssl_envelope.h"
#include "metrics.h"
#include "rate_limiter.h"

namespace signet::serve {

Answer<PendingIssue> prepare_issue(const Authorized& authorized, ByteView csr,
                                   const RequestOptions& options,
                                   std::chrono::system_clock::time_point now) {
  auto parsed = Csr::parse(csr);
  if (!parsed) {
    return refuse(400, kCfsslCsrParseFailed, "certificate_request: " + parsed.error().message());
  }
  const ServedCa& ca = *authorized.ca;
  auto prepared = prepare_certificate(ca.certificate, ca.signer->algorithm(), *authorized.profile,
                                      *parsed, now, options);
  if (!prepared) return tl::unexpected(refusal_from(prepared.error()));
  return PendingIssue{authorized, std::move(*prepared)};
}

Answer<IssuanceRecord> certify(const Service& service, const Caller& caller, PendingIssue&& pending,
                               const Result<Bytes>& signature, std::chrono::nanoseconds sign_time,
                               std::string_view endpoint,
                               std::chrono::system_clock::time_point now) {
  if (!signature) {
    Refusal r = refusal_from(signature.error());
    r.message = "signing failed: " + r.message;
    return tl::unexpected(r);
  }
  service.metrics.sign_latency(sign_time);
  const ServedCa& ca = *pending.authorized.ca;
  const Profile& profile = *pending.authorized.profile;
  return IssuanceRecord{ca.name,
                        profile.name(),
                        caller.requester,
                        std::string(endpoint),
                        finish_certificate(std::move(pending.prepared), *signature),
                        now};
}

std::vector<std::optional<Refusal>> record_issued(const Service& service,
                                                  const std::vector<IssuanceRecord>& records) {
  std::vector<std::optional<Refusal>> out(records.size());
  if (records.empty()) return out;
  const auto start = std::chrono::steady_clock::now();
  const std::vector<Status> recorded = service.recorder.record_all(records);
  // Each certificate waited this long for its commit.
  const auto waited = std::chrono::steady_clock::now() - start;
  for (std::size_t i = 0; i < records.size(); ++i) {
    service.metrics.ledger_latency(waited);
    if (i < recorded.size() && recorded[i]) {
      service.metrics.signature(records[i].ca, records[i].profile);
      continue;
    }
    const std::string why = i < recorded.size() ? recorded[i].error().message()
                                                : std::string("the recorder gave no answer");
    out[i] = Refusal{503, 503, "certificate not returned: recording it failed: " + why};
  }
  return out;
}

Answer<IssuedCertificate> issue_one(const Service& service, const Caller& caller,
                                    const Authorized& authorized, ByteView csr,
                                    const RequestOptions& options, std::string_view endpoint) {
  const auto now = std::chrono::system_clock::now();
  auto pending = prepare_issue(authorized, csr, options, now);
  if (!pending) return tl::unexpected(pending.error());
  const auto start = std::chrono::steady_clock::now();
  const Result<Bytes> signature = authorized.ca->signer->sign(pending->prepared.signing_input);
  auto record = certify(service, caller, std::move(*pending), signature,
                        std::chrono::steady_clock::now() - start, endpoint, now);
  if (!record) return tl::unexpected(record.error());
  std::vector<IssuanceRecord> one;
  one.push_back(std::move(*record));
  if (auto refused = record_issued(service, one).front()) return tl::unexpected(*refused);
  return std::move(one.front().certificate);
}

Answer<Caller> mtls_client(const Service& service, const Request& request, std::string_view what) {
  if (!request.tls) {
    return refuse(403, 403,
                  std::string(what) +
                      ": needs mutual TLS (a client certificate); the plain-HTTP listener "
                      "serves only HMAC-authenticated /api/v1/cfssl/authsign");
  }
  auto caller = mtls_caller(service.config, request);
  if (!caller) {
    Refusal r = caller.error();
    r.message = std::string(what) + ": " + r.message;
    return tl::unexpected(r);
  }
  return caller;
}

std::optional<Response> rate_limited(const Service& service, const Caller& caller,
                                     std::size_t count) {
  if (const auto burst = service.limiter.burst(caller.requester);
      burst && static_cast<double>(count) > *burst) {
    return cfssl_failure({413, 413,
                          std::to_string(count) + " certificates in one call exceed " +
                              caller.requester + "'s rate_limit burst of " +
                              std::to_string(static_cast<std::uint64_t>(*burst)) +
                              "; send at most that many per call"});
  }
  const auto wait = service.limiter.take_n(caller.requester, count);
  if (!wait) return std::nullopt;
  Response r = cfssl_failure(
      {429, 429,
       caller.requester + " is over its rate_limit; retry after " + std::to_string(*wait) + " s"});
  r.retry_after = *wait;
  return r;
}

}  // namespace signet::serve
