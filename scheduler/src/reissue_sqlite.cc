// The reissue job tables in the SQLite ledger (reissue_job.h). One writer at a time is SQLite's
// rule anyway: every write is a BEGIN IMMEDIATE transaction (the write lock taken up front, so
// two workers on one file queue on the 5 s busy timeout instead of deadlocking), which makes a
// claim's read-then-update atomic without SKIP LOCKED.
#include <sqlite3.h>

#include <algorithm>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "signet/core/text.h"
#include "signet/scheduler/reissue_job.h"

#include "ledger_sql.h"
#include "reissue_sql.h"
#include "sqlite_columns.h"
#include "sqlite_store.h"

namespace signet::scheduler {
namespace {

tl::unexpected<Error> db_error(sqlite3* db, int rc, std::string_view what) {
  const int primary = rc & 0xff;
  const ErrorCode code =
      primary == SQLITE_BUSY || primary == SQLITE_LOCKED || primary == SQLITE_IOERR
          ? ErrorCode::kUnavailable
      : primary == SQLITE_CONSTRAINT ? ErrorCode::kAlreadyExists
      : primary == SQLITE_FULL       ? ErrorCode::kResourceExhausted
                                     : ErrorCode::kInternal;
  std::string message = "reissue (sqlite): " + std::string(what) + ": " + sqlite3_errstr(rc);
  if (db != nullptr && sqlite3_errmsg(db) != nullptr)
    message += std::string(" (") + sqlite3_errmsg(db) + ")";
  return fail(code, std::move(message));
}

using sqlite::bind_blob;
using sqlite::bind_text;
using sqlite::column_blob;
using sqlite::column_text;

class SqliteReissueStore final : public ReissueJobStore {
 public:
  static Result<std::unique_ptr<SqliteReissueStore>> open(const std::string& path) {
    sqlite3* raw = nullptr;
    const int rc =
        sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr);
    SqlitePtr db(raw);
    if (rc != SQLITE_OK) return db_error(db.get(), rc, "open " + path);
    sqlite3_extended_result_codes(db.get(), 1);
    sqlite3_busy_timeout(db.get(), 5000);
    std::unique_ptr<SqliteReissueStore> store(new SqliteReissueStore(std::move(db)));
    // As the ledger store: WAL (set on the file already), fsync at each commit (a committed
    // `done` must survive power loss, or a rerun would issue a second certificate).
    SIGNET_RETURN_IF_ERROR(store->exec("PRAGMA synchronous=FULL"));
    SIGNET_RETURN_IF_ERROR(store->exec("PRAGMA foreign_keys=ON"));
    SIGNET_RETURN_IF_ERROR(store->migrate());
    return store;
  }

  Result<ReissueJob> open_job(const ReissueJobSpec& spec, std::int64_t now_ms,
                              std::string_view actor, bool* created) override {
    SIGNET_RETURN_IF_ERROR(reissue_sql::check_spec(spec));
    const std::lock_guard lock(mutex_);
    Tx tx(*this);
    SIGNET_RETURN_IF_ERROR(tx.begin());
    SIGNET_ASSIGN_OR_RETURN(std::optional<ReissueJob> found, newest_job(kSameSpec, spec));
    if (found) {
      if (created != nullptr) *created = false;
      SIGNET_RETURN_IF_ERROR(tx.commit());
      return std::move(*found);
    }
    SIGNET_ASSIGN_OR_RETURN(const std::int64_t id, insert_job(spec, now_ms));
    // One pending item per unrevoked record of OLD (a single INSERT … SELECT: 100,000 rows in
    // one statement, no round trip per record).
    SIGNET_ASSIGN_OR_RETURN(
        sqlite3_stmt * items,
        stmt("INSERT INTO reissue_items (job_id, record_id, state) SELECT ?1, id, 'pending'"
             " FROM certificates WHERE issuer = ?2 AND revoked = 0 AND (?3 = '' OR profile = ?3)"
             " ORDER BY id"));
    sqlite3_bind_int64(items, 1, id);
    bind_text(items, 2, spec.from_ca);
    bind_text(items, 3, spec.profile);
    if (const int rc = sqlite3_step(items); rc != SQLITE_DONE) {
      return db_error(db_.get(), rc, "enumerate the job's records");
    }
    const auto total = static_cast<std::uint64_t>(sqlite3_changes64(db_.get()));
    auto job = start_job(tx, id, spec, total, now_ms,
                         reissue_sql::start_event(id, spec, total, now_ms / 1000, actor));
    if (job && created != nullptr) *created = true;
    return job;
  }

  Result<ReissueJob> open_renewal(const ReissueJobSpec& spec, std::span<const std::int64_t> records,
                                  std::int64_t now_ms, std::string_view actor,
                                  bool* created) override {
    SIGNET_RETURN_IF_ERROR(reissue_sql::check_renewal(spec, records.size()));
    const std::lock_guard lock(mutex_);
    Tx tx(*this);
    SIGNET_RETURN_IF_ERROR(tx.begin());
    SIGNET_ASSIGN_OR_RETURN(std::optional<ReissueJob> active, newest_job(kActiveSpec, spec));
    if (active) {
      if (created != nullptr) *created = false;
      SIGNET_RETURN_IF_ERROR(tx.commit());
      return std::move(*active);
    }
    if (records.empty()) return fail(reissue_sql::no_renewal(spec));
    // One unfinished renewal per CA: two with different profile filters would hold the same
    // records twice.
    SIGNET_ASSIGN_OR_RETURN(std::optional<ReissueJob> other, newest_job(kActiveRenewal, spec));
    if (other) return fail(reissue_sql::other_renewal(*other));
    SIGNET_ASSIGN_OR_RETURN(const std::int64_t id, insert_job(spec, now_ms));
    // Only records still of this CA (and profile filter) and unrevoked: one revoked since the
    // plan is not renewed.
    SIGNET_ASSIGN_OR_RETURN(
        sqlite3_stmt * item,
        stmt("INSERT INTO reissue_items (job_id, record_id, state) SELECT ?1, id, 'pending'"
             " FROM certificates WHERE id = ?2 AND issuer = ?3 AND revoked = 0"
             " AND (?4 = '' OR profile = ?4)"));
    std::uint64_t total = 0;
    for (const std::int64_t record : records) {
      sqlite3_bind_int64(item, 1, id);
      sqlite3_bind_int64(item, 2, record);
      bind_text(item, 3, spec.from_ca);
      bind_text(item, 4, spec.profile);
      if (const int rc = sqlite3_step(item); rc != SQLITE_DONE) {
        return db_error(db_.get(), rc, "add record " + std::to_string(record) + " to the renewal");
      }
      total += static_cast<std::uint64_t>(sqlite3_changes64(db_.get()));
      sqlite3_reset(item);
    }
    if (total == 0) return fail(reissue_sql::no_renewal(spec));  // rolled back
    auto job = start_job(tx, id, spec, total, now_ms,
                         reissue_sql::renewal_start_event(id, spec, total, now_ms / 1000, actor));
    if (job && created != nullptr) *created = true;
    return job;
  }

  Result<ReissueJob> find_job(std::optional<std::int64_t> id) override {
    const std::lock_guard lock(mutex_);
    SIGNET_ASSIGN_OR_RETURN(sqlite3_stmt * s,
                            stmt(std::string(reissue_sql::kSelectJob) +
                                 (id ? " WHERE id = ?1" : " ORDER BY id DESC LIMIT 1")));
    if (id) sqlite3_bind_int64(s, 1, *id);
    const int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
      ReissueJob job = read_job(s);
      sqlite3_reset(s);
      return job;
    }
    sqlite3_reset(s);
    if (rc != SQLITE_DONE) return db_error(db_.get(), rc, "find the job");
    return fail(reissue_sql::no_job(id));
  }

  Result<std::uint64_t> retry_failed(std::int64_t job) override {
    const std::lock_guard lock(mutex_);
    Tx tx(*this);
    SIGNET_RETURN_IF_ERROR(tx.begin());
    SIGNET_ASSIGN_OR_RETURN(
        const std::uint64_t n,
        write("UPDATE reissue_items SET state = 'pending', worker = '', lease_until = 0,"
              " error = '' WHERE job_id = ?1 AND state = 'failed'",
              job));
    SIGNET_RETURN_IF_ERROR(
        write("UPDATE reissue_jobs SET state = 'active', message = '' WHERE id = ?1", job));
    SIGNET_RETURN_IF_ERROR(tx.commit());
    return n;
  }

  Result<std::uint64_t> release_claims(std::int64_t job, std::string_view worker) override {
    SIGNET_RETURN_IF_ERROR(check_worker_id(worker));
    const std::lock_guard lock(mutex_);
    Tx tx(*this);
    SIGNET_RETURN_IF_ERROR(tx.begin());
    SIGNET_ASSIGN_OR_RETURN(
        sqlite3_stmt * s,
        stmt("UPDATE reissue_items SET state = 'pending', worker = '', lease_until = 0"
             " WHERE job_id = ?1 AND state = 'claimed' AND worker = ?2"));
    sqlite3_bind_int64(s, 1, job);
    bind_text(s, 2, worker);
    if (const int rc = sqlite3_step(s); rc != SQLITE_DONE) {
      return db_error(db_.get(), rc, "release claims");
    }
    const auto n = static_cast<std::uint64_t>(sqlite3_changes64(db_.get()));
    SIGNET_RETURN_IF_ERROR(tx.commit());
    return n;
  }

  Result<std::vector<ClaimedItem>> claim(std::int64_t job, std::string_view worker, std::size_t n,
                                         std::int64_t now_ms, std::int64_t lease_ms) override {
    SIGNET_RETURN_IF_ERROR(check_worker_id(worker));
    SIGNET_RETURN_IF_ERROR(reissue_sql::check_claim(n, lease_ms));
    const std::lock_guard lock(mutex_);
    Tx tx(*this);
    SIGNET_RETURN_IF_ERROR(tx.begin());
    SIGNET_ASSIGN_OR_RETURN(
        sqlite3_stmt * s,
        stmt("UPDATE reissue_items SET state = 'claimed', worker = ?1, lease_until = ?2"
             " WHERE id IN (SELECT id FROM reissue_items WHERE job_id = ?3 AND"
             " (state = 'pending' OR (state = 'claimed' AND lease_until < ?4)) ORDER BY id"
             " LIMIT ?5) RETURNING id, record_id"));
    bind_text(s, 1, worker);
    sqlite3_bind_int64(s, 2, now_ms + lease_ms);
    sqlite3_bind_int64(s, 3, job);
    sqlite3_bind_int64(s, 4, now_ms);
    sqlite3_bind_int64(s, 5, static_cast<std::int64_t>(n));
    // RETURNING (SQLite 3.35+) names exactly the rows this statement claimed.
    std::vector<std::pair<std::int64_t, std::int64_t>> rows;
    int rc = 0;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
      rows.emplace_back(sqlite3_column_int64(s, 0), sqlite3_column_int64(s, 1));
    }
    sqlite3_reset(s);
    if (rc != SQLITE_DONE) return db_error(db_.get(), rc, "claim");
    std::sort(rows.begin(), rows.end());
    std::vector<ClaimedItem> out;
    out.reserve(rows.size());
    for (const auto& [item_id, record_id] : rows) {
      SIGNET_ASSIGN_OR_RETURN(
          sqlite3_stmt * q,
          stmt("SELECT serial, profile, request_id, der FROM certificates WHERE id = ?1"));
      sqlite3_bind_int64(q, 1, record_id);
      if (const int qrc = sqlite3_step(q); qrc != SQLITE_ROW) {
        sqlite3_reset(q);
        return db_error(db_.get(), qrc == SQLITE_DONE ? SQLITE_CORRUPT : qrc,
                        "read the old record " + std::to_string(record_id));
      }
      out.push_back({item_id, record_id, column_blob(q, 0), column_text(q, 1), column_text(q, 2),
                     column_blob(q, 3)});
      sqlite3_reset(q);
    }
    SIGNET_RETURN_IF_ERROR(tx.commit());
    return out;
  }

  Result<std::uint64_t> renew(std::int64_t job, std::string_view worker, std::int64_t now_ms,
                              std::int64_t lease_ms) override {
    SIGNET_RETURN_IF_ERROR(check_worker_id(worker));
    const std::lock_guard lock(mutex_);
    Tx tx(*this);
    SIGNET_RETURN_IF_ERROR(tx.begin());
    SIGNET_ASSIGN_OR_RETURN(sqlite3_stmt * s,
                            stmt("UPDATE reissue_items SET lease_until = ?1 WHERE job_id = ?2 AND"
                                 " state = 'claimed' AND worker = ?3"));
    sqlite3_bind_int64(s, 1, now_ms + lease_ms);
    sqlite3_bind_int64(s, 2, job);
    bind_text(s, 3, worker);
    if (const int rc = sqlite3_step(s); rc != SQLITE_DONE) return db_error(db_.get(), rc, "renew");
    const auto n = static_cast<std::uint64_t>(sqlite3_changes64(db_.get()));
    SIGNET_RETURN_IF_ERROR(tx.commit());
    return n;
  }

  Result<CommitOutcome> commit(std::int64_t job, std::string_view worker,
                               std::span<const IssuedItem> issued,
                               std::span<const FailedItem> failed, std::int64_t now_ms,
                               const ledger::AuditEvent& commit_event) override {
    SIGNET_RETURN_IF_ERROR(check_worker_id(worker));
    for (const auto& item : issued) SIGNET_RETURN_IF_ERROR(ledger::check_record(item.record));
    const std::lock_guard lock(mutex_);
    Tx tx(*this);
    SIGNET_RETURN_IF_ERROR(tx.begin());
    CommitOutcome out;
    for (const auto& item : issued) {
      // The claim check first: a taken-over item writes nothing (its certificate is dropped).
      SIGNET_ASSIGN_OR_RETURN(
          sqlite3_stmt * s,
          stmt("UPDATE reissue_items SET state = 'done', done_at = ?1, lease_until = 0"
               " WHERE id = ?2 AND job_id = ?3 AND state = 'claimed' AND worker = ?4"));
      sqlite3_bind_int64(s, 1, now_ms);
      sqlite3_bind_int64(s, 2, item.item_id);
      sqlite3_bind_int64(s, 3, job);
      bind_text(s, 4, worker);
      if (const int rc = sqlite3_step(s); rc != SQLITE_DONE) {
        return db_error(db_.get(), rc, "mark an item done");
      }
      if (sqlite3_changes64(db_.get()) == 0) {
        out.lost.push_back(item.item_id);
        continue;
      }
      SIGNET_ASSIGN_OR_RETURN(const std::int64_t record_id, insert_record(item.record));
      SIGNET_ASSIGN_OR_RETURN(sqlite3_stmt * link,
                              stmt("UPDATE reissue_items SET new_record_id = ?1 WHERE id = ?2"));
      sqlite3_bind_int64(link, 1, record_id);
      sqlite3_bind_int64(link, 2, item.item_id);
      if (const int rc = sqlite3_step(link); rc != SQLITE_DONE) {
        return db_error(db_.get(), rc, "link the new record");
      }
      SIGNET_RETURN_IF_ERROR(insert_audit(sql::issue_event(item.record)));
      out.committed.push_back(item.item_id);
    }
    for (const auto& item : failed) {
      SIGNET_ASSIGN_OR_RETURN(
          sqlite3_stmt * s,
          stmt("UPDATE reissue_items SET state = 'failed', error = ?1, lease_until = 0"
               " WHERE id = ?2 AND job_id = ?3 AND state = 'claimed' AND worker = ?4"));
      bind_text(s, 1, item.message.substr(0, 1024));
      sqlite3_bind_int64(s, 2, item.item_id);
      sqlite3_bind_int64(s, 3, job);
      bind_text(s, 4, worker);
      if (const int rc = sqlite3_step(s); rc != SQLITE_DONE) {
        return db_error(db_.get(), rc, "mark an item failed");
      }
      out.failed += static_cast<std::uint64_t>(sqlite3_changes64(db_.get()));
    }
    SIGNET_RETURN_IF_ERROR(insert_audit(reissue_sql::commit_event(commit_event, job, out)));
    SIGNET_RETURN_IF_ERROR(tx.commit());
    return out;
  }

  Result<std::vector<Delivery>> undelivered(std::int64_t job, std::string_view worker,
                                            std::int64_t done_before_ms,
                                            std::size_t limit) override {
    const std::lock_guard lock(mutex_);
    SIGNET_ASSIGN_OR_RETURN(sqlite3_stmt * s,
                            stmt("SELECT i.id, o.serial, n.der FROM reissue_items i"
                                 " JOIN certificates o ON o.id = i.record_id"
                                 " JOIN certificates n ON n.id = i.new_record_id"
                                 " WHERE i.job_id = ?1 AND i.state = 'done' AND i.delivered = 0 AND"
                                 " ((?2 <> '' AND i.worker = ?2) OR (?2 = '' AND i.done_at < ?3))"
                                 " ORDER BY i.id LIMIT ?4"));
    sqlite3_bind_int64(s, 1, job);
    bind_text(s, 2, worker);
    sqlite3_bind_int64(s, 3, done_before_ms);
    sqlite3_bind_int64(s, 4, static_cast<std::int64_t>(limit));
    std::vector<Delivery> out;
    int rc = 0;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
      out.push_back({sqlite3_column_int64(s, 0), column_blob(s, 1), column_blob(s, 2)});
    }
    sqlite3_reset(s);
    if (rc != SQLITE_DONE) return db_error(db_.get(), rc, "read undelivered items");
    return out;
  }

  Status mark_delivered(std::int64_t job, std::span<const std::int64_t> items) override {
    const std::lock_guard lock(mutex_);
    Tx tx(*this);
    SIGNET_RETURN_IF_ERROR(tx.begin());
    for (const std::int64_t id : items) {
      SIGNET_ASSIGN_OR_RETURN(
          sqlite3_stmt * s,
          stmt("UPDATE reissue_items SET delivered = 1 WHERE id = ?1 AND job_id = ?2"));
      sqlite3_bind_int64(s, 1, id);
      sqlite3_bind_int64(s, 2, job);
      if (const int rc = sqlite3_step(s); rc != SQLITE_DONE) {
        return db_error(db_.get(), rc, "mark delivered");
      }
    }
    return tx.commit();
  }

  Result<JobCounts> counts(std::int64_t job, std::int64_t now_ms, std::int64_t since_ms) override {
    const std::lock_guard lock(mutex_);
    SIGNET_ASSIGN_OR_RETURN(
        sqlite3_stmt * s,
        stmt("SELECT count(*), coalesce(sum(state = 'pending'), 0),"
             " coalesce(sum(state = 'claimed'), 0),"
             " coalesce(sum(state = 'claimed' AND lease_until >= ?2), 0),"
             " coalesce(sum(state = 'done'), 0), coalesce(sum(state = 'failed'), 0),"
             " coalesce(sum(delivered), 0), coalesce(sum(state = 'done' AND done_at >= ?3), 0)"
             " FROM reissue_items WHERE job_id = ?1"));
    sqlite3_bind_int64(s, 1, job);
    sqlite3_bind_int64(s, 2, now_ms);
    sqlite3_bind_int64(s, 3, since_ms);
    const int rc = sqlite3_step(s);
    if (rc != SQLITE_ROW) return db_error(db_.get(), rc, "count items");
    const auto at = [&](int i) { return static_cast<std::uint64_t>(sqlite3_column_int64(s, i)); };
    JobCounts c{at(0), at(1), at(2), at(3), at(4), at(5), at(6), at(7)};
    sqlite3_reset(s);
    return c;
  }

  Result<bool> end_job(std::int64_t job, JobState state, std::string_view message) override {
    const std::lock_guard lock(mutex_);
    Tx tx(*this);
    SIGNET_RETURN_IF_ERROR(tx.begin());
    SIGNET_ASSIGN_OR_RETURN(sqlite3_stmt * s,
                            stmt("UPDATE reissue_jobs SET state = ?1, message = ?2 WHERE id = ?3"
                                 " AND state = 'active'"));
    bind_text(s, 1, to_string(state));
    bind_text(s, 2, message.substr(0, 1024));
    sqlite3_bind_int64(s, 3, job);
    if (const int rc = sqlite3_step(s); rc != SQLITE_DONE) {
      return db_error(db_.get(), rc, "end the job");
    }
    const bool changed = sqlite3_changes64(db_.get()) > 0;
    SIGNET_RETURN_IF_ERROR(tx.commit());
    return changed;
  }

  Result<std::vector<std::pair<std::int64_t, std::int64_t>>> done_pairs(std::int64_t job) override {
    const std::lock_guard lock(mutex_);
    SIGNET_ASSIGN_OR_RETURN(sqlite3_stmt * s,
                            stmt("SELECT record_id, new_record_id FROM reissue_items"
                                 " WHERE job_id = ?1 AND state = 'done' ORDER BY id"));
    sqlite3_bind_int64(s, 1, job);
    std::vector<std::pair<std::int64_t, std::int64_t>> out;
    int rc = 0;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
      out.emplace_back(sqlite3_column_int64(s, 0), sqlite3_column_int64(s, 1));
    }
    sqlite3_reset(s);
    if (rc != SQLITE_DONE) return db_error(db_.get(), rc, "read done items");
    return out;
  }

 private:
  // Which job newest_job looks for: this spec in any state (a reissue rerun), this spec while
  // active (a renewal to resume), any active renewal of the spec's CA (one at a time).
  static constexpr const char* kSameSpec = "from_ca = ?1 AND to_ca = ?2 AND profile = ?3";
  static constexpr const char* kActiveSpec =
      "from_ca = ?1 AND to_ca = ?2 AND profile = ?3 AND state = 'active'";
  static constexpr const char* kActiveRenewal = "from_ca = ?1 AND to_ca = ?1 AND state = 'active'";

  // The newest job matching `where` (?1 from_ca, ?2 to_ca, ?3 profile: those it names are
  // bound), in the caller's transaction.
  Result<std::optional<ReissueJob>> newest_job(const char* where, const ReissueJobSpec& spec) {
    SIGNET_ASSIGN_OR_RETURN(sqlite3_stmt * s,
                            stmt(std::string(reissue_sql::kSelectJob) + " WHERE " + where +
                                 " ORDER BY id DESC LIMIT 1"));
    const std::string_view clause(where);
    bind_text(s, 1, spec.from_ca);
    if (clause.find("?2") != std::string_view::npos) bind_text(s, 2, spec.to_ca);
    if (clause.find("?3") != std::string_view::npos) bind_text(s, 3, spec.profile);
    const int rc = sqlite3_step(s);
    std::optional<ReissueJob> job;
    if (rc == SQLITE_ROW) job = read_job(s);
    sqlite3_reset(s);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return db_error(db_.get(), rc, "find the job");
    return job;
  }

  // A new active job row (its items, then start_job, are the caller's).
  Result<std::int64_t> insert_job(const ReissueJobSpec& spec, std::int64_t now_ms) {
    SIGNET_ASSIGN_OR_RETURN(
        sqlite3_stmt * ins,
        stmt("INSERT INTO reissue_jobs (from_ca, to_ca, profile, created_at, state, message,"
             " total) VALUES (?1, ?2, ?3, ?4, 'active', '', 0)"));
    bind_text(ins, 1, spec.from_ca);
    bind_text(ins, 2, spec.to_ca);
    bind_text(ins, 3, spec.profile);
    sqlite3_bind_int64(ins, 4, now_ms / 1000);
    if (const int rc = sqlite3_step(ins); rc != SQLITE_DONE) {
      return db_error(db_.get(), rc, "create the job");
    }
    return sqlite3_last_insert_rowid(db_.get());
  }

  explicit SqliteReissueStore(SqlitePtr db) : db_(std::move(db)) {}

  // RAII: rolled back unless committed. IMMEDIATE takes the write lock at BEGIN.
  class Tx {
   public:
    explicit Tx(SqliteReissueStore& s) : s_(s) {}
    Tx(const Tx&) = delete;
    Tx& operator=(const Tx&) = delete;
    Tx(Tx&&) = delete;
    Tx& operator=(Tx&&) = delete;
    ~Tx() {
      if (open_) sqlite3_exec(s_.db_.get(), "ROLLBACK", nullptr, nullptr, nullptr);
    }
    Status begin() {
      SIGNET_RETURN_IF_ERROR(s_.exec("BEGIN IMMEDIATE"));
      open_ = true;
      return {};
    }
    Status commit() {
      SIGNET_RETURN_IF_ERROR(s_.exec("COMMIT"));
      open_ = false;
      return {};
    }

   private:
    SqliteReissueStore& s_;
    bool open_ = false;
  };

  // The end of creating a job: its size, its start audit event, the commit.
  Result<ReissueJob> start_job(Tx& tx, std::int64_t id, const ReissueJobSpec& spec,
                               std::uint64_t total, std::int64_t now_ms,
                               const ledger::AuditEvent& start) {
    SIGNET_ASSIGN_OR_RETURN(sqlite3_stmt * upd,
                            stmt("UPDATE reissue_jobs SET total = ?1 WHERE id = ?2"));
    sqlite3_bind_int64(upd, 1, static_cast<std::int64_t>(total));
    sqlite3_bind_int64(upd, 2, id);
    if (const int rc = sqlite3_step(upd); rc != SQLITE_DONE) {
      return db_error(db_.get(), rc, "record the job's size");
    }
    SIGNET_RETURN_IF_ERROR(insert_audit(start));
    SIGNET_RETURN_IF_ERROR(tx.commit());
    return ReissueJob{id, spec, now_ms / 1000, JobState::kActive, "", total};
  }

  Status exec(const char* sql) {
    const int rc = sqlite3_exec(db_.get(), sql, nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK) return db_error(db_.get(), rc, std::string(sql).substr(0, 60));
    return {};
  }

  Result<sqlite3_stmt*> stmt(const std::string& sql) {
    auto it = statements_.find(sql);
    if (it == statements_.end()) {
      sqlite3_stmt* raw = nullptr;
      const int rc = sqlite3_prepare_v3(db_.get(), sql.c_str(), static_cast<int>(sql.size()),
                                        SQLITE_PREPARE_PERSISTENT, &raw, nullptr);
      SqliteStmtPtr owned(raw);
      if (rc != SQLITE_OK) return db_error(db_.get(), rc, "prepare");
      it = statements_.emplace(sql, std::move(owned)).first;
    }
    sqlite3_reset(it->second.get());
    sqlite3_clear_bindings(it->second.get());
    return it->second.get();
  }

  // An UPDATE with the job id as ?1; returns the rows changed.
  Result<std::uint64_t> write(const std::string& sql, std::int64_t job) {
    SIGNET_ASSIGN_OR_RETURN(sqlite3_stmt * s, stmt(sql));
    sqlite3_bind_int64(s, 1, job);
    if (const int rc = sqlite3_step(s); rc != SQLITE_DONE) return db_error(db_.get(), rc, "update");
    return static_cast<std::uint64_t>(sqlite3_changes64(db_.get()));
  }

  Status migrate() {
    const std::lock_guard lock(mutex_);
    Tx tx(*this);
    SIGNET_RETURN_IF_ERROR(tx.begin());
    {
      SIGNET_ASSIGN_OR_RETURN(sqlite3_stmt * s,
                              stmt("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND"
                                   " name = 'certificates'"));
      if (sqlite3_step(s) != SQLITE_ROW || sqlite3_column_int(s, 0) == 0) {
        sqlite3_reset(s);
        return fail(ErrorCode::kFailedPrecondition,
                    "reissue: the database has no ledger (open it as a ledger first)");
      }
      sqlite3_reset(s);
    }
    SIGNET_RETURN_IF_ERROR(exec(reissue_sql::kSqliteSchema));
    int version = 0;
    {
      SIGNET_ASSIGN_OR_RETURN(sqlite3_stmt * s,
                              stmt("SELECT coalesce(max(version), 0) FROM reissue_schema_version"));
      if (sqlite3_step(s) == SQLITE_ROW) version = sqlite3_column_int(s, 0);
      sqlite3_reset(s);
    }
    if (version > kReissueSchemaVersion) {
      return fail(ErrorCode::kFailedPrecondition, reissue_sql::newer_schema(version));
    }
    if (version == 0) {
      SIGNET_RETURN_IF_ERROR(exec("INSERT INTO reissue_schema_version (version) VALUES (1)"));
    }
    return tx.commit();
  }

  Result<std::int64_t> insert_record(const ledger::CertificateRecord& r) {
    SIGNET_ASSIGN_OR_RETURN(
        sqlite3_stmt * s,
        stmt("INSERT INTO certificates (issuer, ca_generation, serial, profile, subject,"
             " sans, spki_sha256, not_before, not_after, requester, request_id, issued_at,"
             " der, revoked, revocation_reason, revoked_at)"
             " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, 0, '', 0)"));
    bind_text(s, 1, r.issuer);
    sqlite3_bind_int64(s, 2, r.ca_generation);
    bind_blob(s, 3, r.serial);
    bind_text(s, 4, r.profile);
    bind_text(s, 5, r.subject);
    bind_text(s, 6, sql::join_sans(r.sans));
    bind_blob(s, 7, r.spki_sha256);
    sqlite3_bind_int64(s, 8, r.not_before);
    sqlite3_bind_int64(s, 9, r.not_after);
    bind_text(s, 10, r.requester);
    bind_text(s, 11, r.request_id);
    sqlite3_bind_int64(s, 12, r.issued_at);
    bind_blob(s, 13, r.der);
    const int rc = sqlite3_step(s);
    if (rc == SQLITE_CONSTRAINT_UNIQUE) {
      // A random 64+ bit serial colliding: the whole batch is retried (kAborted keeps it
      // claimed by this worker, whose rerun signs it afresh).
      return fail(ErrorCode::kAborted, ledger::duplicate_serial(r.issuer, r.serial).message());
    }
    if (rc != SQLITE_DONE) return db_error(db_.get(), rc, "insert a record");
    return sqlite3_last_insert_rowid(db_.get());
  }

  Status insert_audit(const ledger::AuditEvent& e) {
    SIGNET_RETURN_IF_ERROR(ledger::check_audit_event(e));
    SIGNET_ASSIGN_OR_RETURN(
        sqlite3_stmt * s,
        stmt("INSERT INTO audit_events (time, actor, action, issuer, serial, detail)"
             " VALUES (?1, ?2, ?3, ?4, ?5, ?6)"));
    sqlite3_bind_int64(s, 1, e.time);
    bind_text(s, 2, e.actor);
    bind_text(s, 3, e.action);
    bind_text(s, 4, e.issuer);
    bind_blob(s, 5, e.serial);
    bind_text(s, 6, e.detail);
    if (const int rc = sqlite3_step(s); rc != SQLITE_DONE) {
      return db_error(db_.get(), rc, "append an audit event");
    }
    return {};
  }

  static ReissueJob read_job(sqlite3_stmt* s) {
    ReissueJob j;
    j.id = sqlite3_column_int64(s, 0);
    j.spec.from_ca = column_text(s, 1);
    j.spec.to_ca = column_text(s, 2);
    j.spec.profile = column_text(s, 3);
    j.created_at = sqlite3_column_int64(s, 4);
    j.state = reissue_sql::parse_state(column_text(s, 5));
    j.message = column_text(s, 6);
    j.total = static_cast<std::uint64_t>(sqlite3_column_int64(s, 7));
    return j;
  }

  std::mutex mutex_;
  SqlitePtr db_;
  std::map<std::string, SqliteStmtPtr, std::less<>> statements_;
};

}  // namespace

Result<std::unique_ptr<ReissueJobStore>> open_sqlite_reissue_store(const std::string& path) {
  SIGNET_ASSIGN_OR_RETURN(auto store, SqliteReissueStore::open(path));
  return std::unique_ptr<ReissueJobStore>(std::move(store));
}

}  // namespace signet::scheduler
