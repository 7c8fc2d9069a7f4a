// The reissue job tables in the PostgreSQL ledger (reissue_job.h): the store several signet
// processes share. A claim is one statement, UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP
// LOCKED LIMIT n): concurrent workers each lock different pending rows and never wait on one
// another's (PostgreSQL 15 docs, SELECT "The Locking Clause"). The commit's done-update is
// guarded by "still claimed by me", so a worker whose lease was taken over writes nothing.
#include <algorithm>
#include <mutex>
#include <string>
#include <utility>

#include <pqxx/pqxx>

#include "signet/scheduler/ledger_store.h"
#include "signet/scheduler/reissue_job.h"

#include "ledger_sql.h"
#include "reissue_sql.h"

namespace signet::scheduler {
namespace {

// The migration lock of the ledger store plus one: creating the reissue tables is serialised.
constexpr std::int64_t kReissueMigrationLock = 0x7369676e65740101;

tl::unexpected<Error> pg_error(std::string_view what, ErrorCode code, const char* detail) {
  return fail(code, "reissue (postgresql): " + std::string(what) + ": " + detail);
}

// libpqxx exceptions → retry-aware codes, as the ledger store maps them.
template <typename F>
auto guarded(std::string_view what, F&& fn) -> decltype(fn()) {
  try {
    return fn();
  } catch (const pqxx::broken_connection& e) {
    return pg_error(what, ErrorCode::kUnavailable, e.what());
  } catch (const pqxx::in_doubt_error& e) {
    return pg_error(what, ErrorCode::kUnavailable, e.what());
  } catch (const pqxx::transaction_rollback& e) {
    return pg_error(what, ErrorCode::kAborted, e.what());
  } catch (const pqxx::unique_violation& e) {
    // A random serial colliding: the batch is retried (its items stay claimed by this worker).
    return pg_error(what, ErrorCode::kAborted, e.what());
  } catch (const pqxx::integrity_constraint_violation& e) {
    return pg_error(what, ErrorCode::kAlreadyExists, e.what());
  } catch (const std::exception& e) {
    return pg_error(what, ErrorCode::kInternal, e.what());
  }
}

pqxx::binarystring blob(ByteView b) {
  return {b.data(), b.size()};
}
Bytes bytes_of(const pqxx::field& f) {
  const pqxx::binarystring b(f);
  return {b.data(), b.data() + b.size()};  // NOLINT
}

ReissueJob read_job(const pqxx::row& r) {
  ReissueJob j;
  j.id = r[0].as<std::int64_t>();
  j.spec.from_ca = r[1].as<std::string>();
  j.spec.to_ca = r[2].as<std::string>();
  j.spec.profile = r[3].as<std::string>();
  j.created_at = r[4].as<std::int64_t>();
  j.state = reissue_sql::parse_state(r[5].as<std::string>());
  j.message = r[6].as<std::string>();
  j.total = r[7].as<std::uint64_t>();
  return j;
}

void insert_audit(pqxx::work& w, const ledger::AuditEvent& e) {
  w.exec_params(
      "INSERT INTO audit_events (time, actor, action, issuer, serial, detail)"
      " VALUES ($1, $2, $3, $4, $5, $6)",
      e.time, e.actor, e.action, e.issuer, blob(e.serial), e.detail);
}

// A new active job row (its items, then start_job, are the caller's).
std::int64_t insert_job(pqxx::work& w, const ReissueJobSpec& spec, std::int64_t now_ms) {
  return w
      .exec_params1(
          "INSERT INTO reissue_jobs (from_ca, to_ca, profile, created_at, state, message, total)"
          " VALUES ($1, $2, $3, $4, 'active', '', 0) RETURNING id",
          spec.from_ca, spec.to_ca, spec.profile, now_ms / 1000)[0]
      .as<std::int64_t>();
}

// The end of creating a job: its size, its start audit event, the commit.
Result<ReissueJob> start_job(pqxx::work& w, std::int64_t id, const ReissueJobSpec& spec,
                             std::uint64_t total, std::int64_t now_ms,
                             const ledger::AuditEvent& start) {
  w.exec_params("UPDATE reissue_jobs SET total = $1 WHERE id = $2",
                static_cast<std::int64_t>(total), id);
  SIGNET_RETURN_IF_ERROR(ledger::check_audit_event(start));
  insert_audit(w, start);
  w.commit();
  return ReissueJob{id, spec, now_ms / 1000, JobState::kActive, "", total};
}

class PostgresReissueStore final : public ReissueJobStore {
 public:
  static Result<std::unique_ptr<PostgresReissueStore>> open(std::string_view uri) {
    SIGNET_RETURN_IF_ERROR(check_postgres_uri(uri));
    const std::string description(uri.substr(0, uri.find('?')));
    SIGNET_ASSIGN_OR_RETURN(
        auto conn,
        guarded("connect to " + description, [&]() -> Result<std::unique_ptr<pqxx::connection>> {
          return std::make_unique<pqxx::connection>(std::string(uri));
        }));
    std::unique_ptr<PostgresReissueStore> store(new PostgresReissueStore(std::move(conn)));
    SIGNET_RETURN_IF_ERROR(store->migrate());
    SIGNET_RETURN_IF_ERROR(store->prepare_item_statements());
    return store;
  }

  Result<ReissueJob> open_job(const ReissueJobSpec& spec, std::int64_t now_ms,
                              std::string_view actor, bool* created) override {
    SIGNET_RETURN_IF_ERROR(reissue_sql::check_spec(spec));
    const std::lock_guard lock(mutex_);
    return guarded("open the job", [&]() -> Result<ReissueJob> {
      pqxx::work w(*conn_);
      // Two workers starting at once must not create two jobs: serialise on the spec.
      w.exec_params("SELECT pg_advisory_xact_lock($1, hashtext($2))", 0x7265,
                    spec.from_ca + "\n" + spec.to_ca + "\n" + spec.profile);
      const pqxx::result found = w.exec_params(
          std::string(reissue_sql::kSelectJob) +
              " WHERE from_ca = $1 AND to_ca = $2 AND profile = $3 ORDER BY id DESC LIMIT 1",
          spec.from_ca, spec.to_ca, spec.profile);
      if (!found.empty()) {
        if (created != nullptr) *created = false;
        ReissueJob job = read_job(found[0]);
        w.commit();
        return job;
      }
      const std::int64_t id = insert_job(w, spec, now_ms);
      const pqxx::result items = w.exec_params(
          "INSERT INTO reissue_items (job_id, record_id, state) SELECT $1, id, 'pending'"
          " FROM certificates WHERE issuer = $2 AND NOT revoked AND ($3 = '' OR profile = $3)"
          " ORDER BY id",
          id, spec.from_ca, spec.profile);
      const std::uint64_t total = items.affected_rows();
      auto job = start_job(w, id, spec, total, now_ms,
                           reissue_sql::start_event(id, spec, total, now_ms / 1000, actor));
      if (job && created != nullptr) *created = true;
      return job;
    });
  }

  Result<ReissueJob> open_renewal(const ReissueJobSpec& spec, std::span<const std::int64_t> records,
                                  std::int64_t now_ms, std::string_view actor,
                                  bool* created) override {
    SIGNET_RETURN_IF_ERROR(reissue_sql::check_renewal(spec, records.size()));
    const std::lock_guard lock(mutex_);
    return guarded("open the renewal", [&]() -> Result<ReissueJob> {
      pqxx::work w(*conn_);
      // Two runs starting at once must not create two jobs of one CA (whatever their profile
      // filters): serialise on the CA.
      w.exec_params("SELECT pg_advisory_xact_lock($1, hashtext($2))", 0x7266, spec.from_ca);
      const pqxx::result found =
          w.exec_params(std::string(reissue_sql::kSelectJob) +
                            " WHERE from_ca = $1 AND to_ca = $2 AND profile = $3 AND"
                            " state = 'active' ORDER BY id DESC LIMIT 1",
                        spec.from_ca, spec.to_ca, spec.profile);
      if (!found.empty()) {
        if (created != nullptr) *created = false;
        ReissueJob job = read_job(found[0]);
        w.commit();
        return job;
      }
      if (records.empty()) return fail(reissue_sql::no_renewal(spec));
      // One unfinished renewal per CA: two with different profile filters would hold the same
      // records twice.
      const pqxx::result other =
          w.exec_params(std::string(reissue_sql::kSelectJob) +
                            " WHERE from_ca = $1 AND to_ca = $1 AND state = 'active'"
                            " ORDER BY id DESC LIMIT 1",
                        spec.from_ca);
      if (!other.empty()) return fail(reissue_sql::other_renewal(read_job(other[0])));
      const std::int64_t id = insert_job(w, spec, now_ms);
      // One statement per 10,000 ids: an array parameter, unnested WITH ORDINALITY so item ids
      // follow the given (deadline) order; only records still of this CA (and profile filter)
      // and unrevoked — one revoked since the plan is not renewed.
      std::uint64_t total = 0;
      for (std::size_t i = 0; i < records.size(); i += 10000) {
        std::string array = "{";
        for (std::size_t k = i; k < std::min(records.size(), i + 10000); ++k) {
          if (k > i) array += ',';
          array += std::to_string(records[k]);
        }
        array += '}';
        const pqxx::result added = w.exec_params(
            "INSERT INTO reissue_items (job_id, record_id, state) SELECT $1, t.r, 'pending'"
            " FROM unnest($2::bigint[]) WITH ORDINALITY AS t (r, n)"
            " JOIN certificates c ON c.id = t.r"
            " WHERE c.issuer = $3 AND NOT c.revoked AND ($4 = '' OR c.profile = $4)"
            " ORDER BY t.n",
            id, array, spec.from_ca, spec.profile);
        total += added.affected_rows();
      }
      if (total == 0) return fail(reissue_sql::no_renewal(spec));  // rolled back
      auto job = start_job(w, id, spec, total, now_ms,
                           reissue_sql::renewal_start_event(id, spec, total, now_ms / 1000, actor));
      if (job && created != nullptr) *created = true;
      return job;
    });
  }

  Result<ReissueJob> find_job(std::optional<std::int64_t> id) override {
    const std::lock_guard lock(mutex_);
    return guarded("find the job", [&]() -> Result<ReissueJob> {
      pqxx::read_transaction w(*conn_);
      const pqxx::result r =
          id ? w.exec_params(std::string(reissue_sql::kSelectJob) + " WHERE id = $1", *id)
             : w.exec(std::string(reissue_sql::kSelectJob) + " ORDER BY id DESC LIMIT 1");
      if (r.empty()) return fail(reissue_sql::no_job(id));
      return read_job(r[0]);
    });
  }

  Result<std::uint64_t> retry_failed(std::int64_t job) override {
    const std::lock_guard lock(mutex_);
    return guarded("retry failed items", [&]() -> Result<std::uint64_t> {
      pqxx::work w(*conn_);
      const pqxx::result r = w.exec_params(
          "UPDATE reissue_items SET state = 'pending', worker = '', lease_until = 0, error = ''"
          " WHERE job_id = $1 AND state = 'failed'",
          job);
      w.exec_params("UPDATE reissue_jobs SET state = 'active', message = '' WHERE id = $1", job);
      w.commit();
      return r.affected_rows();
    });
  }

  Result<std::uint64_t> release_claims(std::int64_t job, std::string_view worker) override {
    SIGNET_RETURN_IF_ERROR(check_worker_id(worker));
    const std::lock_guard lock(mutex_);
    return guarded("release claims", [&]() -> Result<std::uint64_t> {
      pqxx::work w(*conn_);
      const pqxx::result r = w.exec_params(
          "UPDATE reissue_items SET state = 'pending', worker = '', lease_until = 0"
          " WHERE job_id = $1 AND state = 'claimed' AND worker = $2",
          job, std::string(worker));
      w.commit();
      return r.affected_rows();
    });
  }

  Result<std::vector<ClaimedItem>> claim(std::int64_t job, std::string_view worker, std::size_t n,
                                         std::int64_t now_ms, std::int64_t lease_ms) override {
    SIGNET_RETURN_IF_ERROR(check_worker_id(worker));
    SIGNET_RETURN_IF_ERROR(reissue_sql::check_claim(n, lease_ms));
    const std::lock_guard lock(mutex_);
    return guarded("claim", [&]() -> Result<std::vector<ClaimedItem>> {
      pqxx::work w(*conn_);
      const pqxx::result r = w.exec_params(
          "WITH claimed AS (UPDATE reissue_items SET state = 'claimed', worker = $1,"
          " lease_until = $2 WHERE id IN (SELECT id FROM reissue_items WHERE job_id = $3 AND"
          " (state = 'pending' OR (state = 'claimed' AND lease_until < $4)) ORDER BY id"
          " LIMIT $5 FOR UPDATE SKIP LOCKED) RETURNING id, record_id)"
          " SELECT claimed.id, c.id, c.serial, c.profile, c.request_id, c.der FROM claimed"
          " JOIN certificates c ON c.id = claimed.record_id ORDER BY claimed.id",
          std::string(worker), now_ms + lease_ms, job, now_ms, static_cast<std::int64_t>(n));
      std::vector<ClaimedItem> out;
      out.reserve(r.size());
      for (const auto& row : r) {
        out.push_back({row[0].as<std::int64_t>(), row[1].as<std::int64_t>(), bytes_of(row[2]),
                       row[3].as<std::string>(), row[4].as<std::string>(), bytes_of(row[5])});
      }
      w.commit();
      return out;
    });
  }

  Result<std::uint64_t> renew(std::int64_t job, std::string_view worker, std::int64_t now_ms,
                              std::int64_t lease_ms) override {
    SIGNET_RETURN_IF_ERROR(check_worker_id(worker));
    const std::lock_guard lock(mutex_);
    return guarded("renew", [&]() -> Result<std::uint64_t> {
      pqxx::work w(*conn_);
      const pqxx::result r = w.exec_params(
          "UPDATE reissue_items SET lease_until = $1 WHERE job_id = $2 AND state = 'claimed'"
          " AND worker = $3",
          now_ms + lease_ms, job, std::string(worker));
      w.commit();
      return r.affected_rows();
    });
  }

  Result<CommitOutcome> commit(std::int64_t job, std::string_view worker,
                               std::span<const IssuedItem> issued,
                               std::span<const FailedItem> failed, std::int64_t now_ms,
                               const ledger::AuditEvent& commit_event) override {
    SIGNET_RETURN_IF_ERROR(check_worker_id(worker));
    for (const auto& item : issued) SIGNET_RETURN_IF_ERROR(ledger::check_record(item.record));
    const std::lock_guard lock(mutex_);
    return guarded("commit a batch", [&]() -> Result<CommitOutcome> {
      pqxx::work w(*conn_);
      CommitOutcome out;
      const std::string me(worker);
      for (const auto& item : issued) {
        // The claim check first; FOR-UPDATE semantics of UPDATE hold the row until commit, so a
        // concurrent takeover waits and then sees it done.
        const pqxx::result mine = w.exec_prepared(kMarkDone, now_ms, item.item_id, job, me);
        if (mine.affected_rows() == 0) {
          out.lost.push_back(item.item_id);
          continue;
        }
        const auto& r = item.record;
        const ledger::AuditEvent e = sql::issue_event(r);
        w.exec_prepared(kRecordLinkAndEvent, r.issuer, r.ca_generation, blob(r.serial), r.profile,
                        r.subject, sql::join_sans(r.sans), blob(r.spki_sha256), r.not_before,
                        r.not_after, r.requester, r.request_id, r.issued_at, blob(r.der),
                        item.item_id, e.time, e.actor, e.action, e.issuer, blob(e.serial),
                        e.detail);
        out.committed.push_back(item.item_id);
      }
      for (const auto& item : failed) {
        const pqxx::result r = w.exec_params(
            "UPDATE reissue_items SET state = 'failed', error = $1, lease_until = 0"
            " WHERE id = $2 AND job_id = $3 AND state = 'claimed' AND worker = $4",
            item.message.substr(0, 1024), item.item_id, job, me);
        out.failed += r.affected_rows();
      }
      const ledger::AuditEvent event = reissue_sql::commit_event(commit_event, job, out);
      SIGNET_RETURN_IF_ERROR(ledger::check_audit_event(event));
      insert_audit(w, event);
      w.commit();
      return out;
    });
  }

  Result<std::vector<Delivery>> undelivered(std::int64_t job, std::string_view worker,
                                            std::int64_t done_before_ms,
                                            std::size_t limit) override {
    const std::lock_guard lock(mutex_);
    return guarded("read undelivered items", [&]() -> Result<std::vector<Delivery>> {
      pqxx::read_transaction w(*conn_);
      const pqxx::result r = w.exec_params(
          "SELECT i.id, o.serial, n.der FROM reissue_items i"
          " JOIN certificates o ON o.id = i.record_id JOIN certificates n ON n.id = i.new_record_id"
          " WHERE i.job_id = $1 AND i.state = 'done' AND NOT i.delivered AND"
          " (($2 <> '' AND i.worker = $2) OR ($2 = '' AND i.done_at < $3))"
          " ORDER BY i.id LIMIT $4",
          job, std::string(worker), done_before_ms, static_cast<std::int64_t>(limit));
      std::vector<Delivery> out;
      for (const auto& row : r) {
        out.push_back({row[0].as<std::int64_t>(), bytes_of(row[1]), bytes_of(row[2])});
      }
      return out;
    });
  }

  Status mark_delivered(std::int64_t job, std::span<const std::int64_t> items) override {
    const std::lock_guard lock(mutex_);
    return guarded("mark delivered", [&]() -> Status {
      pqxx::work w(*conn_);
      for (const std::int64_t id : items) {
        w.exec_params("UPDATE reissue_items SET delivered = true WHERE id = $1 AND job_id = $2", id,
                      job);
      }
      w.commit();
      return {};
    });
  }

  Result<JobCounts> counts(std::int64_t job, std::int64_t now_ms, std::int64_t since_ms) override {
    const std::lock_guard lock(mutex_);
    return guarded("count items", [&]() -> Result<JobCounts> {
      pqxx::read_transaction w(*conn_);
      const pqxx::row r = w.exec_params1(
          "SELECT count(*), count(*) FILTER (WHERE state = 'pending'),"
          " count(*) FILTER (WHERE state = 'claimed'),"
          " count(*) FILTER (WHERE state = 'claimed' AND lease_until >= $2),"
          " count(*) FILTER (WHERE state = 'done'), count(*) FILTER (WHERE state = 'failed'),"
          " count(*) FILTER (WHERE delivered),"
          " count(*) FILTER (WHERE state = 'done' AND done_at >= $3)"
          " FROM reissue_items WHERE job_id = $1",
          job, now_ms, since_ms);
      const auto at = [&](int i) { return r[i].as<std::uint64_t>(); };
      return JobCounts{at(0), at(1), at(2), at(3), at(4), at(5), at(6), at(7)};
    });
  }

  Result<bool> end_job(std::int64_t job, JobState state, std::string_view message) override {
    const std::lock_guard lock(mutex_);
    return guarded("end the job", [&]() -> Result<bool> {
      pqxx::work w(*conn_);
      const pqxx::result r = w.exec_params(
          "UPDATE reissue_jobs SET state = $1, message = $2 WHERE id = $3 AND state = 'active'",
          std::string(to_string(state)), std::string(message.substr(0, 1024)), job);
      w.commit();
      return r.affected_rows() > 0;
    });
  }

  Result<std::vector<std::pair<std::int64_t, std::int64_t>>> done_pairs(std::int64_t job) override {
    const std::lock_guard lock(mutex_);
    using Pairs = std::vector<std::pair<std::int64_t, std::int64_t>>;
    return guarded("read done items", [&]() -> Result<Pairs> {
      pqxx::read_transaction w(*conn_);
      const pqxx::result r = w.exec_params(
          "SELECT record_id, new_record_id FROM reissue_items WHERE job_id = $1 AND"
          " state = 'done' ORDER BY id",
          job);
      Pairs out;
      out.reserve(r.size());
      for (const auto& row : r) {
        out.emplace_back(row[0].as<std::int64_t>(), row[1].as<std::int64_t>());
      }
      return out;
    });
  }

 private:
  explicit PostgresReissueStore(std::unique_ptr<pqxx::connection> conn) : conn_(std::move(conn)) {}

  Status migrate() {
    const std::lock_guard lock(mutex_);
    return guarded("create the reissue tables", [&]() -> Status {
      pqxx::work w(*conn_);
      w.exec_params("SELECT pg_advisory_xact_lock($1)", kReissueMigrationLock);
      if (w.exec1("SELECT to_regclass('certificates') IS NULL")[0].as<bool>()) {
        return fail(ErrorCode::kFailedPrecondition,
                    "reissue: the database has no ledger (open it as a ledger first)");
      }
      w.exec(reissue_sql::kPostgresSchema);
      const int version =
          w.exec1("SELECT coalesce(max(version), 0) FROM reissue_schema_version")[0].as<int>();
      if (version > kReissueSchemaVersion) {
        return fail(ErrorCode::kFailedPrecondition, reissue_sql::newer_schema(version));
      }
      if (version == 0) w.exec("INSERT INTO reissue_schema_version (version) VALUES (1)");
      w.commit();
      return {};
    });
  }

  // The per-item statements of commit(), prepared once per connection: each would otherwise be
  // parsed and planned again for every item.
  Status prepare_item_statements() {
    const std::lock_guard lock(mutex_);
    return guarded("prepare the reissue statements", [&]() -> Status {
      conn_->prepare(kMarkDone,
                     "UPDATE reissue_items SET state = 'done', done_at = $1, lease_until = 0"
                     " WHERE id = $2 AND job_id = $3 AND state = 'claimed' AND worker = $4");
      // The new record, the item's link to it and the record's "issue" audit event in one
      // statement (one round trip instead of three). The event's fields are parameters, so
      // sql::issue_event stays their one definition.
      conn_->prepare(
          kRecordLinkAndEvent,
          "WITH inserted AS (INSERT INTO certificates (issuer, ca_generation, serial, profile,"
          " subject, sans, spki_sha256, not_before, not_after, requester, request_id, issued_at,"
          " der) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id),"
          " linked AS (UPDATE reissue_items SET new_record_id = (SELECT id FROM inserted)"
          " WHERE id = $14 RETURNING id)"
          " INSERT INTO audit_events (time, actor, action, issuer, serial, detail)"
          " VALUES ($15, $16, $17, $18, $19, $20)");
      return {};
    });
  }

  static constexpr const char* kMarkDone = "signet_reissue_mark_done";
  static constexpr const char* kRecordLinkAndEvent = "signet_reissue_record_link_and_event";

  std::mutex mutex_;
  std::unique_ptr<pqxx::connection> conn_;
};

}  // namespace

Result<std::unique_ptr<ReissueJobStore>> open_postgres_reissue_store(std::string_view uri) {
  SIGNET_ASSIGN_OR_RETURN(auto store, PostgresReissueStore::open(uri));
  return std::unique_ptr<ReissueJobStore>(std::move(store));
}

}  // namespace signet::scheduler
