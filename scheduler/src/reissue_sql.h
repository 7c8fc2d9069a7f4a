// What the SQLite and PostgreSQL reissue stores share: the schema, the job columns, the checks,
// the audit events and the messages, so both behave (and fail) the same way.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "signet/core/ledger.h"
#include "signet/scheduler/reissue_job.h"

namespace signet::scheduler {

[[nodiscard]] Result<std::unique_ptr<ReissueJobStore>> open_sqlite_reissue_store(
    const std::string& path);
[[nodiscard]] Result<std::unique_ptr<ReissueJobStore>> open_postgres_reissue_store(
    std::string_view uri);

namespace reissue_sql {

// Items reference the ledger's records (old and new); UNIQUE (job_id, record_id) is "one item per
// old record", UNIQUE (new_record_id) is "a new record belongs to one item". States: pending,
// claimed, done, failed. Times in unix milliseconds.
inline constexpr const char* kSqliteSchema =
    "CREATE TABLE IF NOT EXISTS reissue_schema_version (version INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS reissue_jobs ("
    " id INTEGER PRIMARY KEY, from_ca TEXT NOT NULL, to_ca TEXT NOT NULL, profile TEXT NOT NULL,"
    " created_at INTEGER NOT NULL, state TEXT NOT NULL, message TEXT NOT NULL,"
    " total INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS reissue_items ("
    " id INTEGER PRIMARY KEY, job_id INTEGER NOT NULL REFERENCES reissue_jobs (id),"
    " record_id INTEGER NOT NULL REFERENCES certificates (id), state TEXT NOT NULL,"
    " worker TEXT NOT NULL DEFAULT '', lease_until INTEGER NOT NULL DEFAULT 0,"
    " new_record_id INTEGER REFERENCES certificates (id), done_at INTEGER NOT NULL DEFAULT 0,"
    " delivered INTEGER NOT NULL DEFAULT 0, error TEXT NOT NULL DEFAULT '',"
    " UNIQUE (job_id, record_id), UNIQUE (new_record_id));"
    "CREATE INDEX IF NOT EXISTS reissue_items_by_state ON reissue_items (job_id, state, id);";

inline constexpr const char* kPostgresSchema =
    "CREATE TABLE IF NOT EXISTS reissue_schema_version (version INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS reissue_jobs ("
    " id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, from_ca TEXT NOT NULL,"
    " to_ca TEXT NOT NULL, profile TEXT NOT NULL, created_at BIGINT NOT NULL,"
    " state TEXT NOT NULL, message TEXT NOT NULL, total BIGINT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS reissue_items ("
    " id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
    " job_id BIGINT NOT NULL REFERENCES reissue_jobs (id),"
    " record_id BIGINT NOT NULL REFERENCES certificates (id), state TEXT NOT NULL,"
    " worker TEXT NOT NULL DEFAULT '', lease_until BIGINT NOT NULL DEFAULT 0,"
    " new_record_id BIGINT REFERENCES certificates (id), done_at BIGINT NOT NULL DEFAULT 0,"
    " delivered BOOLEAN NOT NULL DEFAULT false, error TEXT NOT NULL DEFAULT '',"
    " UNIQUE (job_id, record_id), UNIQUE (new_record_id));"
    "CREATE INDEX IF NOT EXISTS reissue_items_by_state ON reissue_items (job_id, state, id);";

inline constexpr std::string_view kSelectJob =
    "SELECT id, from_ca, to_ca, profile, created_at, state, message, total FROM reissue_jobs";

[[nodiscard]] Status check_spec(const ReissueJobSpec& spec);
// A renewal's spec: the same CA on both sides, and at most kMaxRenewalItems records.
[[nodiscard]] Status check_renewal(const ReissueJobSpec& spec, std::size_t records);
[[nodiscard]] Status check_claim(std::size_t n, std::int64_t lease_ms);
[[nodiscard]] JobState parse_state(std::string_view text);
[[nodiscard]] Error no_job(std::optional<std::int64_t> id);
// kNotFound: no active renewal of this spec (open_renewal with no records).
[[nodiscard]] Error no_renewal(const ReissueJobSpec& spec);
// kFailedPrecondition: another active renewal of the CA (another profile filter) is unfinished.
[[nodiscard]] Error other_renewal(const ReissueJob& other);
[[nodiscard]] std::string newer_schema(int found);

[[nodiscard]] ledger::AuditEvent start_event(std::int64_t job, const ReissueJobSpec& spec,
                                             std::uint64_t total, std::int64_t time,
                                             std::string_view actor);
// "renew-start" with the job's CA, profile and size.
[[nodiscard]] ledger::AuditEvent renewal_start_event(std::int64_t job, const ReissueJobSpec& spec,
                                                     std::uint64_t total, std::int64_t time,
                                                     std::string_view actor);
// `base` (actor, time, issuer) with action "reissue-commit" and the batch's counts as detail.
[[nodiscard]] ledger::AuditEvent commit_event(const ledger::AuditEvent& base, std::int64_t job,
                                              const CommitOutcome& outcome);

}  // namespace reissue_sql
}  // namespace signet::scheduler
