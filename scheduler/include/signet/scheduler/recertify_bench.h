// The recertify series of `signet bench pipeline` (signet issue 5, item 3): certificates an old
// CA issued, re-signed under the token CA through run_pipeline (make_recertify_work: DER walk,
// signature under OLD, policy, TBS, C_Sign, assemble). Its baseline is hsm::raw_token_rate with
// the same key object at the same thread count.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "signet/core/bytes.h"
#include "signet/core/ca.h"
#include "signet/core/ledger.h"
#include "signet/core/profile.h"
#include "signet/core/result.h"
#include "signet/core/signer.h"

namespace signet::scheduler {

// The old side, outside the clock: a software P-256 CA ("CN=signet bench old CA") and one
// kubelet-client certificate (DER) under it per CSR of `csrs` (bench_csrs.h: distinct keys).
struct OldCertificates {
  CaCertificate old_ca;
  std::vector<Bytes> certificates;
};
[[nodiscard]] Result<OldCertificates> make_old_certificates(const std::vector<Bytes>& csrs);

struct RecertifyBench {
  const CaCertificate* new_ca = nullptr;  // the token CA
  const CaCertificate* old_ca = nullptr;
  const Profile* profile = nullptr;
  Signer* signer = nullptr;  // holds new_ca's key
  std::size_t cpu_threads = 2;
  std::size_t max_in_flight = 512;
  bool sign_inline = false;  // PipelineOptions::sign_inline
  // Items of one pass; 0 means one per certificate. More than the certificates streams them
  // round robin (each output is still distinct: fresh serial), so memory does not grow with the
  // count (the 1,000,000-certificate RSS run).
  std::uint64_t items = 0;
  // Not null: every certificate is recorded there (group commit, persist-before-return) before
  // the sink counts it, so the rate is "ledger on" (signet issue 6 acceptance: ≥ 0.9 × off).
  ledger::LedgerStore* ledger = nullptr;
  // Not null: the inputs are OLD's records in this ledger under `source_issuer` (put there by
  // record_old_certificates), streamed page by page inside the clock and taken as ledger records
  // (RecertifyRequest::from_ledger_record: no signature check, signet issue 5 item 3).
  ledger::LedgerStore* source_ledger = nullptr;
  std::string source_issuer;
};

// Records `certificates` (issued by OLD) in `store` under `issuer`, as issuance would have: the
// setup of the ledger-record recertify series. Outside any clock.
[[nodiscard]] Status record_old_certificates(ledger::LedgerStore& store, const std::string& issuer,
                                             const std::vector<Bytes>& certificates);

// Certificates per second of one pass. Fails unless every certificate was issued.
[[nodiscard]] Result<double> recertify_rate(const std::vector<Bytes>& certificates,
                                            const RecertifyBench& bench);

// Peak resident set of this process so far (getrusage ru_maxrss), in MiB.
[[nodiscard]] double peak_rss_mib();

}  // namespace signet::scheduler
