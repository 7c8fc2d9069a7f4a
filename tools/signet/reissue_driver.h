// What `signet reissue` and `signet renew run` share: the options of a job run, the step log,
// progress, and drive_job, which takes an open job (scheduler/reissue_job.h) to its end.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "signet/core/ledger.h"
#include "signet/core/profile.h"
#include "signet/core/signer.h"
#include "signet/scheduler/reissue_job.h"

#include "context.h"
#include "state.h"

namespace signet::cli {

struct ReissueOptions {
  std::string from_ca;
  std::string to_ca;
  std::string profile;
  double rate = 0;  // certificates per second; 0: as fast as the token signs
  std::string out;
  bool force = false;
  std::string worker_id;
  double lease_seconds = 60;
  std::size_t batch = 256;
  // At least twice --batch: signing goes on while a batch commits (equal, the pipeline drained at
  // every commit and a renewal ran at 0.75x its pace).
  std::size_t max_in_flight = 1024;
  std::size_t cpu_threads = 0;
  std::size_t sessions = 0;  // token sessions (signatures in flight); 0: one per core
  bool sign_inline = false;  // PipelineOptions::sign_inline
  std::string profiles;
  double progress_interval = 2.0;
  // The end of a failed job's message: what to do.
  std::string retry_hint = "rerun with --force after fixing the cause";
};

[[nodiscard]] std::int64_t now_ms();

// Every step goes to stderr as one JSON line (as aks-engine's rotate-certs logs each step), so
// a job's history can be read from CI logs as well as from the ledger's audit trail.
void log_step(const std::string& step, const nlohmann::json& fields);

// The ledger location as open_ledger resolves it, for the job store on the same database.
[[nodiscard]] Result<std::string> ledger_spec(const Context& ctx);

// A CA key opened for the pipeline (as sign-batch opens it): a submit queue as deep as the
// pipeline, so Signer::submit never blocks a worker.
[[nodiscard]] Result<std::unique_ptr<Signer>> open_reissue_signer(const Context& ctx,
                                                                  const std::string& ref,
                                                                  std::size_t max_in_flight,
                                                                  std::size_t sessions);

// The host name, made a valid worker id.
[[nodiscard]] std::string default_worker_id();

struct Progress {
  std::string phase;
  scheduler::JobCounts counts;
  double rate = 0;  // items per second over the last minute
  std::optional<double> eta_seconds;
};

// Phase, done/total, rate and ETA from the job's items (shared by progress lines and status).
[[nodiscard]] Result<Progress> progress_of(scheduler::ReissueJobStore& jobs,
                                           const scheduler::ReissueJob& job);
[[nodiscard]] nlohmann::json progress_json(const scheduler::ReissueJob& job, const Progress& p);
[[nodiscard]] std::string progress_text(const scheduler::ReissueJob& job, const Progress& p);

// Takes an open job to its end: --force handling for a failed one, recovery of this worker's
// earlier claims and undelivered files, rounds of claim → re-sign under new_ca → commit →
// deliver (at most o.rate a second) until no item is pending or claimed, then the job's end
// and its "reissue-finish" event; prints the final progress (--output) and fails when items
// failed.
[[nodiscard]] Status drive_job(const Context& ctx, const ReissueOptions& o,
                               scheduler::ReissueJobStore& jobs_store,
                               ledger::LedgerStore& ledger_store, scheduler::ReissueJob job,
                               const ProfileSet& set, const StoredCa& old_ca,
                               const StoredCa& new_ca, const std::string& worker);

}  // namespace signet::cli
