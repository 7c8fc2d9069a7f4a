// The pipeline's work for one certificate request: on a worker, parse the CSR (proof of
// possession), apply the profile and build the TBSCertificate and its signing input; after the
// CA's signature, assemble the Certificate DER. Built on core's two-half issuance
// (prepare_certificate / finish_certificate); the signer itself is the pipeline's.
#pragma once

#include <chrono>
#include <memory>

#include "signet/core/bytes.h"
#include "signet/core/ca.h"
#include "signet/core/issuer.h"
#include "signet/core/profile.h"
#include "signet/scheduler/pipeline.h"

namespace signet::scheduler {

// What every item of one batch shares. Outlives the pipeline run.
struct IssueContext {
  const CaCertificate* ca = nullptr;
  SignatureAlgorithm algorithm{};  // the CA signer's (checked against the CA once, by the caller)
  SystemTime now;                  // one issuance time for the batch
};

// `profile` must outlive the work. The CSR is PEM or DER, at most Csr::kMaxBytes.
[[nodiscard]] std::unique_ptr<ItemWork> make_csr_work(const IssueContext& context, Bytes csr,
                                                      const Profile& profile,
                                                      RequestOptions options = {});

// Where a recertify input comes from: a certificate file or line (OLD's signature is checked), or
// signet's own ledger (RecertifyRequest::from_ledger_record: only the signature check is skipped).
enum class RecertifySource { kCertificate, kLedgerRecord };

// The recertify path (signet issue 5, item 3; core/recertify.h): `certificate` (PEM or DER, at
// most RecertifyRequest::kMaxBytes) must have been issued by `old_ca`; it is re-signed under
// context.ca with its subject, SANs and key, after the same profile policy as a CSR. `old_ca`
// and `profile` must outlive the work.
[[nodiscard]] std::unique_ptr<ItemWork> make_recertify_work(
    const IssueContext& context, const CaCertificate& old_ca, Bytes certificate,
    const Profile& profile, RequestOptions options = {},
    RecertifySource source = RecertifySource::kCertificate);

}  // namespace signet::scheduler
