#include "reissue_sql.h"

#include "signet/core/text.h"

namespace signet::scheduler {

std::string_view to_string(JobState state) noexcept {
  switch (state) {
    case JobState::kActive:
      return "active";
    case JobState::kFailed:
      return "failed";
    case JobState::kFinished:
      return "finished";
  }
  return "active";
}

Status check_worker_id(std::string_view worker) {
  const bool printable =
      std::all_of(worker.begin(), worker.end(), [](char c) { return c > ' ' && c < 0x7f; });
  if (worker.empty() || worker.size() > kMaxWorkerIdChars || !printable) {
    return fail(ErrorCode::kInvalidArgument,
                "reissue: a worker id is 1.." + std::to_string(kMaxWorkerIdChars) +
                    " printable ASCII characters without spaces, got '" +
                    std::string(worker.substr(0, 64)) + "'");
  }
  return {};
}

Result<std::unique_ptr<ReissueJobStore>> open_reissue_store(std::string_view spec) {
  if (spec.starts_with("postgresql://") || spec.starts_with("postgres://")) {
    return open_postgres_reissue_store(spec);
  }
  if (spec.empty() || spec.find("://") != std::string_view::npos) {
    return fail(ErrorCode::kInvalidArgument,
                "reissue: the ledger is an SQLite file path or a postgresql:// URI");
  }
  return open_sqlite_reissue_store(std::string(spec));
}

namespace reissue_sql {

namespace {

// The CA names and the profile filter, the rules a reissue and a renewal share.
Status check_fields(const ReissueJobSpec& spec) {
  for (const auto& [what, value] :
       {std::pair{"--from-ca", &spec.from_ca}, std::pair{"--to-ca", &spec.to_ca}}) {
    if (value->empty() || value->size() > ledger::kMaxIssuerChars ||
        !printable_utf8_length(*value)) {
      return fail(ErrorCode::kInvalidArgument,
                  std::string("reissue: ") + what + " must be a CA name of 1..63 characters");
    }
  }
  if (spec.profile.size() > 128 || !printable_utf8_length(spec.profile)) {
    return fail(ErrorCode::kInvalidArgument,
                "reissue: --profile must be a profile name of at most 128 characters");
  }
  return {};
}

}  // namespace

Status check_spec(const ReissueJobSpec& spec) {
  SIGNET_RETURN_IF_ERROR(check_fields(spec));
  if (spec.from_ca == spec.to_ca) {
    return fail(ErrorCode::kInvalidArgument, "reissue: --from-ca and --to-ca are both '" +
                                                 spec.from_ca +
                                                 "' (a reissue moves certificates to another CA)");
  }
  return {};
}

Status check_renewal(const ReissueJobSpec& spec, std::size_t records) {
  SIGNET_RETURN_IF_ERROR(check_fields(spec));
  if (spec.from_ca != spec.to_ca) {
    return fail(ErrorCode::kInvalidArgument, "renew: a renewal re-signs under the same CA, got '" +
                                                 spec.from_ca + "' and '" + spec.to_ca + "'");
  }
  if (records > kMaxRenewalItems) {
    return fail(ErrorCode::kInvalidArgument,
                "renew: a run renews at most " + std::to_string(kMaxRenewalItems) +
                    " certificates, got " + std::to_string(records) + " (use a shorter --horizon)");
  }
  return {};
}

Status check_claim(std::size_t n, std::int64_t lease_ms) {
  if (n == 0 || n > kMaxClaim) {
    return fail(ErrorCode::kInvalidArgument, "reissue: a claim takes 1.." +
                                                 std::to_string(kMaxClaim) + " items, got " +
                                                 std::to_string(n));
  }
  if (lease_ms < 1000 || lease_ms > std::int64_t{24} * 3600 * 1000) {
    return fail(ErrorCode::kInvalidArgument,
                "reissue: a lease is 1 s..24 h, got " + std::to_string(lease_ms) + " ms");
  }
  return {};
}

JobState parse_state(std::string_view text) {
  if (text == "failed") return JobState::kFailed;
  if (text == "finished") return JobState::kFinished;
  return JobState::kActive;
}

Error no_job(std::optional<std::int64_t> id) {
  return {ErrorCode::kNotFound, id ? "reissue: no job " + std::to_string(*id)
                                   : std::string("reissue: no reissue job in this ledger")};
}

Error no_renewal(const ReissueJobSpec& spec) {
  return {ErrorCode::kNotFound,
          "renew: no active renewal of CA " + spec.from_ca +
              (spec.profile.empty() ? std::string() : ", profile " + spec.profile) +
              ", and no current unrevoked record of it to renew"};
}

Error other_renewal(const ReissueJob& other) {
  const std::string profile = other.spec.profile.empty() ? "" : " --profile " + other.spec.profile;
  return {ErrorCode::kFailedPrecondition,
          "renew: renewal job " + std::to_string(other.id) + " of CA " + other.spec.from_ca +
              " (profile " + (other.spec.profile.empty() ? "*" : other.spec.profile) +
              ") is unfinished; finish it first: signet renew run --ca " + other.spec.from_ca +
              profile};
}

std::string newer_schema(int found) {
  return "reissue: the ledger's reissue tables are at version " + std::to_string(found) +
         ", newer than this signet's " + std::to_string(kReissueSchemaVersion) +
         " (upgrade signet)";
}

ledger::AuditEvent start_event(std::int64_t job, const ReissueJobSpec& spec, std::uint64_t total,
                               std::int64_t time, std::string_view actor) {
  ledger::AuditEvent e;
  e.time = time;
  e.actor = std::string(actor);
  e.action = "reissue-start";
  e.issuer = spec.from_ca;
  e.detail = "job=" + std::to_string(job) + " to=" + spec.to_ca +
             " profile=" + (spec.profile.empty() ? "*" : spec.profile) +
             " total=" + std::to_string(total);
  return e;
}

ledger::AuditEvent renewal_start_event(std::int64_t job, const ReissueJobSpec& spec,
                                       std::uint64_t total, std::int64_t time,
                                       std::string_view actor) {
  ledger::AuditEvent e = start_event(job, spec, total, time, actor);
  e.action = "renew-start";
  e.detail = "job=" + std::to_string(job) +
             " profile=" + (spec.profile.empty() ? "*" : spec.profile) +
             " total=" + std::to_string(total);
  return e;
}

ledger::AuditEvent commit_event(const ledger::AuditEvent& base, std::int64_t job,
                                const CommitOutcome& outcome) {
  ledger::AuditEvent e = base;
  e.action = "reissue-commit";
  e.detail =
      "job=" + std::to_string(job) + " committed=" + std::to_string(outcome.committed.size()) +
      " lost=" + std::to_string(outcome.lost.size()) + " failed=" + std::to_string(outcome.failed) +
      (base.detail.empty() ? "" : " ") + base.detail;
  return e;
}

}  // namespace reissue_sql
}  // namespace signet::scheduler
