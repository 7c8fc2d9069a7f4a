// Resumable bulk reissue jobs on the ledger (signet issue 6, items 4 and 5).
//
// A job is (from CA, to CA, profile filter, created_at, state). Its items are one row per old
// ledger record, each pending → claimed(worker, lease_until) → done(new record id), or failed
// (a never-retry error; `--force` puts failed items back to pending). The tables live in the
// ledger's own database (same SQLite file or PostgreSQL URI), next to `certificates`, because
// exactly-once needs one transaction over both:
//
//   commit(): for each finished item, the job item's `done` update (guarded by "still claimed by
//   this worker") and the NEW certificate's record insert (with its "issue" audit event) happen
//   in ONE transaction, with one "reissue-commit" audit event for the batch. A crash before the
//   commit leaves the items claimed (taken over once the lease expires, or at once by a rerun
//   with the same worker id): the signed certificates are lost, never written out, and signed
//   afresh. A worker whose lease was taken over updates 0 rows and its certificate is discarded.
//
// Files are written out only from committed items (undelivered() / mark_delivered()), so each
// record ends with exactly one delivered file, however often the process is killed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "signet/core/bytes.h"
#include "signet/core/ledger.h"
#include "signet/core/result.h"

namespace signet::scheduler {

// The reissue tables' own version (reissue_schema_version), independent of the ledger's.
inline constexpr int kReissueSchemaVersion = 1;
// Items per claim (and so per commit transaction).
inline constexpr std::size_t kMaxClaim = 10000;
// Items of one renewal job (open_renewal): a run renews at most this many; the rest wait for
// the next run.
inline constexpr std::size_t kMaxRenewalItems = 2'000'000;
// Worker ids: 1..128 printable ASCII characters without spaces.
inline constexpr std::size_t kMaxWorkerIdChars = 128;

struct ReissueJobSpec {
  std::string from_ca;
  std::string to_ca;
  std::string profile;  // empty: every profile
  friend bool operator==(const ReissueJobSpec&, const ReissueJobSpec&) = default;
};

enum class JobState { kActive, kFailed, kFinished };
[[nodiscard]] std::string_view to_string(JobState state) noexcept;

struct ReissueJob {
  std::int64_t id = 0;
  ReissueJobSpec spec;
  std::int64_t created_at = 0;  // unix seconds
  JobState state = JobState::kActive;
  std::string message;  // why it failed
  std::uint64_t total = 0;
};

struct JobCounts {
  std::uint64_t total = 0;
  std::uint64_t pending = 0;
  std::uint64_t claimed = 0;
  std::uint64_t claimed_live = 0;  // claims whose lease has not expired at `now_ms`
  std::uint64_t done = 0;
  std::uint64_t failed = 0;
  std::uint64_t delivered = 0;
  std::uint64_t done_recently = 0;  // done within the window given to counts()
};

// One claimed item with what the worker needs to re-sign its old record.
struct ClaimedItem {
  std::int64_t item_id = 0;
  std::int64_t record_id = 0;
  Bytes old_serial;
  std::string profile;
  std::string request_id;
  Bytes der;  // the old certificate, as recorded
};

struct IssuedItem {
  std::int64_t item_id = 0;
  ledger::CertificateRecord record;  // the NEW certificate's record
};

struct FailedItem {
  std::int64_t item_id = 0;
  std::string message;
};

struct CommitOutcome {
  std::vector<std::int64_t> committed;  // item ids whose new record is now in the ledger
  std::vector<std::int64_t> lost;       // claims taken over by another worker: discarded
  std::uint64_t failed = 0;
};

// A committed item whose file may not have been written yet.
struct Delivery {
  std::int64_t item_id = 0;
  Bytes old_serial;
  Bytes der;  // the NEW certificate
};

// Refuses an empty, long or non-printable worker id, naming the rule (kInvalidArgument).
[[nodiscard]] Status check_worker_id(std::string_view worker);

// The job tables over one ledger database. Implementations are thread-safe (one connection
// under a mutex, like the stores) and map database errors to retry-aware codes as the ledger
// stores do. Times are explicit (unix milliseconds) so leases are testable without sleeping.
class ReissueJobStore {
 public:
  ReissueJobStore() = default;
  ReissueJobStore(const ReissueJobStore&) = delete;
  ReissueJobStore& operator=(const ReissueJobStore&) = delete;
  ReissueJobStore(ReissueJobStore&&) = delete;
  ReissueJobStore& operator=(ReissueJobStore&&) = delete;
  virtual ~ReissueJobStore() = default;

  // The newest job with this spec; when there is none, a new active job with one pending item
  // per unrevoked record of spec.from_ca (and spec.profile when set), created with its items and
  // a "reissue-start" audit event in one transaction (`*created` set true). Concurrent callers
  // (several workers) end up with the same job.
  [[nodiscard]] virtual Result<ReissueJob> open_job(const ReissueJobSpec& spec, std::int64_t now_ms,
                                                    std::string_view actor, bool* created) = 0;
  // A renewal job (`signet renew run`: spec.from_ca == spec.to_ca, the same CA re-signs): the
  // newest ACTIVE job with this spec, resumed as it stands (`records` ignored, `*created` false);
  // when there is none, a new active job whose items are exactly `records` (ledger record ids,
  // the renewal planner's due set in deadline order, so claims take the most urgent first; at
  // most kMaxRenewalItems), created with them and a "renew-start" audit event in one transaction.
  // A finished renewal is never reopened: the next run renews what is due by then. With no
  // active job and `records` empty nothing is created: kNotFound (a run asks that first, so it
  // plans only when there is nothing to resume).
  [[nodiscard]] virtual Result<ReissueJob> open_renewal(const ReissueJobSpec& spec,
                                                        std::span<const std::int64_t> records,
                                                        std::int64_t now_ms, std::string_view actor,
                                                        bool* created) = 0;
  // A job by id, or the newest job when `id` is empty. kNotFound.
  [[nodiscard]] virtual Result<ReissueJob> find_job(std::optional<std::int64_t> id) = 0;

  // `--force`: failed items back to pending and the job active again. Returns how many.
  [[nodiscard]] virtual Result<std::uint64_t> retry_failed(std::int64_t job) = 0;
  // A rerun under the same worker id: its previous incarnation's claims go back to pending.
  [[nodiscard]] virtual Result<std::uint64_t> release_claims(std::int64_t job,
                                                             std::string_view worker) = 0;

  // Claims up to `n` (1..kMaxClaim) items that are pending or whose lease expired before
  // `now_ms`, leased to `worker` until now_ms + lease_ms. Empty: nothing claimable now.
  [[nodiscard]] virtual Result<std::vector<ClaimedItem>> claim(std::int64_t job,
                                                               std::string_view worker,
                                                               std::size_t n, std::int64_t now_ms,
                                                               std::int64_t lease_ms) = 0;
  // Extends every claim `worker` holds in the job. Returns how many it still holds.
  [[nodiscard]] virtual Result<std::uint64_t> renew(std::int64_t job, std::string_view worker,
                                                    std::int64_t now_ms, std::int64_t lease_ms) = 0;

  // One transaction: each issued item still claimed by `worker` becomes done with its new record
  // inserted (and its "issue" audit event); each failed one becomes failed; one "reissue-commit"
  // audit event (`commit_event`, its detail completed with the counts). Items no longer claimed
  // by `worker` are `lost` and nothing of theirs is written. An outer error: nothing committed.
  [[nodiscard]] virtual Result<CommitOutcome> commit(std::int64_t job, std::string_view worker,
                                                     std::span<const IssuedItem> issued,
                                                     std::span<const FailedItem> failed,
                                                     std::int64_t now_ms,
                                                     const ledger::AuditEvent& commit_event) = 0;

  // Done, undelivered items: `worker`'s own (empty worker: anyone's committed before
  // `done_before_ms`), at most `limit`, in item order.
  [[nodiscard]] virtual Result<std::vector<Delivery>> undelivered(std::int64_t job,
                                                                  std::string_view worker,
                                                                  std::int64_t done_before_ms,
                                                                  std::size_t limit) = 0;
  [[nodiscard]] virtual Status mark_delivered(std::int64_t job,
                                              std::span<const std::int64_t> items) = 0;

  // Counts by state; `done_recently` counts items done at or after `since_ms`.
  [[nodiscard]] virtual Result<JobCounts> counts(std::int64_t job, std::int64_t now_ms,
                                                 std::int64_t since_ms) = 0;
  // Moves an active job to finished or failed (with `message`). Returns false when it was not
  // active (another worker got there first), so only one "reissue-finish" event is written.
  [[nodiscard]] virtual Result<bool> end_job(std::int64_t job, JobState state,
                                             std::string_view message) = 0;

  // (old record id, new record id) of every done item, in item order (for checks and audits).
  [[nodiscard]] virtual Result<std::vector<std::pair<std::int64_t, std::int64_t>>> done_pairs(
      std::int64_t job) = 0;
};

// Opens the job tables in the ledger at `spec` (an SQLite path or a postgresql:// URI, as
// open_ledger), creating them when absent (CREATE TABLE IF NOT EXISTS and the version row in one
// transaction). The ledger's own schema must already be there: open the LedgerStore first.
[[nodiscard]] Result<std::unique_ptr<ReissueJobStore>> open_reissue_store(std::string_view spec);

}  // namespace signet::scheduler
