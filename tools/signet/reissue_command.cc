// signet reissue — a resumable bulk reissue job on the ledger (signet issue 6, items 4 and 5):
// every unrevoked record of --from-ca re-signed under --to-ca through the pipeline
// (make_recertify_work with RecertifySource::kLedgerRecord), claimed in batches with a lease,
// each batch committed (new records + items done) in one transaction, files written to --out
// only from committed items. kill -9 at any moment and rerun: it continues where it stopped.
// The job model is in scheduler/reissue_job.h.
#include <limits>
#include <memory>
#include <optional>
#include <string>

#include "signet/scheduler/reissue_job.h"

#include "commands.h"
#include "ledger_access.h"
#include "profile_loading.h"
#include "reissue_driver.h"

namespace signet::cli {
namespace {

Status check_options(const ReissueOptions& o) {
  if (o.from_ca.empty() || o.to_ca.empty()) {
    return fail(ErrorCode::kInvalidArgument,
                "reissue: --from-ca and --to-ca are required (or use `signet reissue status`)");
  }
  SIGNET_RETURN_IF_ERROR(check_ca_name(o.from_ca));
  SIGNET_RETURN_IF_ERROR(check_ca_name(o.to_ca));
  if (!o.worker_id.empty()) SIGNET_RETURN_IF_ERROR(scheduler::check_worker_id(o.worker_id));
  return {};
}
Status run_reissue(const Context& ctx, const ReissueOptions& o) {
  SIGNET_RETURN_IF_ERROR(check_options(o));
  const std::string worker = o.worker_id.empty() ? default_worker_id() : o.worker_id;
  SIGNET_ASSIGN_OR_RETURN(const ProfileSet set, load_effective_profiles(ctx, o.profiles));
  if (!o.profile.empty() && set.find(o.profile) == nullptr) {
    return fail(unknown_profile(set, o.profile));
  }
  SIGNET_ASSIGN_OR_RETURN(const StoredCa old_ca,
                          ctx.state().load_ca(o.from_ca).map_error(
                              [](Error e) { return std::move(e).context("--from-ca"); }));
  SIGNET_ASSIGN_OR_RETURN(const StoredCa new_ca,
                          ctx.state().load_ca(o.to_ca).map_error(
                              [](Error e) { return std::move(e).context("--to-ca"); }));
  // The ledger first (its schema is migrated at open), then the job tables in the same database.
  SIGNET_ASSIGN_OR_RETURN(auto ledger, open_ledger(ctx));
  SIGNET_ASSIGN_OR_RETURN(const std::string spec, ledger_spec(ctx));
  SIGNET_ASSIGN_OR_RETURN(auto jobs, scheduler::open_reissue_store(spec));

  bool created = false;
  SIGNET_ASSIGN_OR_RETURN(
      scheduler::ReissueJob job,
      jobs->open_job({o.from_ca, o.to_ca, o.profile}, now_ms(), cli_requester(), &created));
  log_step(created ? "job-created" : "job-resumed", {{"job", job.id},
                                                     {"worker", worker},
                                                     {"total", job.total},
                                                     {"state", std::string(to_string(job.state))}});
  return drive_job(ctx, o, *jobs, *ledger, job, set, old_ca, new_ca, worker);
}

Status reissue_status(const Context& ctx, std::optional<std::int64_t> id) {
  SIGNET_ASSIGN_OR_RETURN(auto ledger, open_ledger(ctx));
  SIGNET_ASSIGN_OR_RETURN(const std::string spec, ledger_spec(ctx));
  SIGNET_ASSIGN_OR_RETURN(auto jobs, scheduler::open_reissue_store(spec));
  SIGNET_ASSIGN_OR_RETURN(const scheduler::ReissueJob job, jobs->find_job(id));
  SIGNET_ASSIGN_OR_RETURN(const Progress p, progress_of(*jobs, job));
  emit(ctx, progress_json(job, p), progress_text(job, p));
  return {};
}

}  // namespace

void register_reissue_commands(CLI::App& app, Context& ctx, Action& action) {
  auto o = std::make_shared<ReissueOptions>();
  auto* cmd = app.add_subcommand(
      "reissue", "Re-sign every ledger record of one CA under another: a resumable job");
  cmd->add_option("--from-ca", o->from_ca, "the CA whose records are reissued");
  cmd->add_option("--to-ca", o->to_ca, "the CA that signs the new certificates");
  cmd->add_option("--profile", o->profile, "only records of this profile (default: all)");
  cmd->add_option("--rate", o->rate, "at most this many certificates per second (0: unlimited)")
      ->check(CLI::Range(0.0, 1e7));
  cmd->add_option("--out", o->out,
                  "directory for the new certificates, <old serial hex>.crt (written only once "
                  "committed to the ledger)");
  cmd->add_flag("--force", o->force, "resume a failed job: its failed items are retried");
  cmd->add_option("--worker-id", o->worker_id,
                  "this worker's name in claims (default: the host name; distinct per process "
                  "when several share one PostgreSQL ledger)");
  cmd->add_option("--lease", o->lease_seconds,
                  "seconds a claim lasts without renewal; a crashed worker's claims are taken "
                  "over after it")
      ->check(CLI::Range(1.0, 86400.0));
  cmd->add_option("--batch", o->batch, "items per claim and per commit transaction")
      ->check(CLI::Range(std::size_t{1}, scheduler::kMaxClaim));
  cmd->add_option("--max-in-flight", o->max_in_flight,
                  "items alive at once in the pipeline (default 1024; at least twice --batch)")
      ->check(CLI::Range(2, 65536));
  cmd->add_option("--cpu-threads", o->cpu_threads, "pipeline CPU threads (0: one per core)")
      ->check(CLI::Range(0, 1024));
  cmd->add_flag("--sign-inline", o->sign_inline,
                "the pipeline's CPU workers call the blocking Signer::sign (C_Sign on a token) "
                "themselves, no session threads: can be faster on a token that signs on this "
                "machine's CPUs (SoftHSM, P-256); give --cpu-threads as many as --sessions; "
                "never for a network HSM");
  cmd->add_option("--sessions", o->sessions,
                  "token sessions, one per signature in flight (0: one per core; a network HSM "
                  "wants its in-flight target)")
      ->check(CLI::Range(0, 4096));
  cmd->add_option("--profiles", o->profiles,
                  "profiles file (default: <state>/profiles.json when present)");
  cmd->add_option("--progress-interval", o->progress_interval,
                  "seconds between JSON progress lines on stderr when it is not a terminal")
      ->check(CLI::Range(0.0, 3600.0));
  cmd->footer(
      "Every step is a JSON line on stderr and an audit event (reissue-start, reissue-claim, "
      "reissue-commit, reissue-finish).\n"
      "Exit status: 0 when the job finished, 1 when items failed (rerun with --force), 75 to "
      "retry later.\n"
      "Examples:\n"
      "  signet reissue --from-ca kubernetes --to-ca kubernetes-2027 --out new-certs/\n"
      "  signet reissue --from-ca kubernetes --to-ca kubernetes-2027 --profile kubelet-client \\\n"
      "      --rate 500 --ledger postgresql://signet@db/signet --worker-id node-a --lease 30\n"
      "  signet reissue status --output json");

  auto job_id = std::make_shared<std::optional<std::int64_t>>();
  auto* status = cmd->add_subcommand("status", "Phase, done/total, rate and ETA of a reissue job");
  status->add_option("--job", *job_id, "job id (default: the newest job)")
      ->check(CLI::Range(std::int64_t{1}, std::numeric_limits<std::int64_t>::max()));
  status->footer(
      "Examples:\n  signet reissue status\n  signet reissue status --job 3 --output json");
  status->callback([&ctx, &action, job_id] {
    action = [&ctx, job_id] { return reissue_status(ctx, *job_id); };
  });
  cmd->callback([&ctx, &action, o, status] {
    if (*status) return;  // `reissue status` set its own action
    action = [&ctx, o] { return run_reissue(ctx, *o); };
  });
}

}  // namespace signet::cli
