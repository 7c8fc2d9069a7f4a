// PostgreSQL ledger store: schema, migrations, exception-to-Result mapping, the LedgerStore calls.
#include "postgres_store.h"

#include <array>
#include <string>
#include <utility>
#include <vector>

#include <pqxx/pqxx>

#include "signet/scheduler/ledger_store.h"

#include "ledger_sql.h"

namespace signet::scheduler {
namespace {

using ledger::AuditEvent;
using ledger::CertificateRecord;

// Migrations, in order, as in the SQLite store (sqlite_store.cc has the reasons). Identity
// columns give the row ids; BYTEA holds serials, digests and DER.
constexpr std::array<const char*, kLedgerSchemaVersion> kMigrations = {
    // 1: certificate records, (issuer, serial) unique (RFC 5280 §4.1.2.2).
    "CREATE TABLE certificates ("
    " id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
    " issuer TEXT NOT NULL, ca_generation BIGINT NOT NULL, serial BYTEA NOT NULL,"
    " profile TEXT NOT NULL, subject TEXT NOT NULL, sans TEXT NOT NULL,"
    " spki_sha256 BYTEA NOT NULL, not_before BIGINT NOT NULL, not_after BIGINT NOT NULL,"
    " requester TEXT NOT NULL, request_id TEXT NOT NULL, issued_at BIGINT NOT NULL,"
    " der BYTEA NOT NULL,"
    " UNIQUE (issuer, serial));",
    // 2: revocation, indexes for renewal/reissue streaming, the append-only audit trail
    // (UPDATE, DELETE and TRUNCATE refused by triggers), records never deleted.
    "ALTER TABLE certificates ADD COLUMN revoked BOOLEAN NOT NULL DEFAULT false,"
    " ADD COLUMN revocation_reason TEXT NOT NULL DEFAULT '',"
    " ADD COLUMN revoked_at BIGINT NOT NULL DEFAULT 0;"
    "CREATE INDEX certificates_by_not_after ON certificates (not_after, id);"
    "CREATE INDEX certificates_by_issuer ON certificates (issuer, not_after, id);"
    "CREATE INDEX certificates_by_profile ON certificates (profile, not_after, id);"
    "CREATE INDEX certificates_by_serial ON certificates (serial);"
    "CREATE TABLE audit_events ("
    " id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, time BIGINT NOT NULL,"
    " actor TEXT NOT NULL, action TEXT NOT NULL, issuer TEXT NOT NULL, serial BYTEA NOT NULL,"
    " detail TEXT NOT NULL);"
    "CREATE FUNCTION signet_refuse_change() RETURNS trigger LANGUAGE plpgsql AS"
    " $$ BEGIN RAISE EXCEPTION '% is append-only (signet ledger)', TG_TABLE_NAME; END $$;"
    "CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events"
    " FOR EACH ROW EXECUTE FUNCTION signet_refuse_change();"
    "CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events"
    " FOR EACH STATEMENT EXECUTE FUNCTION signet_refuse_change();"
    "CREATE TRIGGER certificates_no_delete BEFORE DELETE ON certificates"
    " FOR EACH ROW EXECUTE FUNCTION signet_refuse_change();"
    "CREATE TRIGGER certificates_no_truncate BEFORE TRUNCATE ON certificates"
    " FOR EACH STATEMENT EXECUTE FUNCTION signet_refuse_change();",
};

// One advisory lock key for "migrating the signet ledger", so two processes opening a fresh
// database at once do not both run migration 1.
constexpr std::int64_t kMigrationLock = 0x7369676e65740001;  // "signet" + 1

constexpr const char* kInsertAudit = "signet_insert_audit";
constexpr const char* kInsertRecordAndEvent = "signet_insert_record_and_event";

tl::unexpected<Error> pg_error(std::string_view what, ErrorCode code, const char* detail) {
  return fail(code, "ledger (postgresql): " + std::string(what) + ": " + detail);
}

// Runs `fn`, turning libpqxx's exceptions into retry-aware errors (core/result.h):
// a lost connection → unavailable (retry the call); serialization failure or deadlock →
// aborted (retry the item); in-doubt commit → unavailable (a retried insert reports its
// duplicates, never writes twice); constraint → already-exists; privileges → permission-denied.
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
  } catch (const pqxx::integrity_constraint_violation& e) {
    return pg_error(what, ErrorCode::kAlreadyExists, e.what());
  } catch (const pqxx::insufficient_privilege& e) {
    return pg_error(what, ErrorCode::kPermissionDenied, e.what());
  } catch (const pqxx::insufficient_resources& e) {
    return pg_error(what, ErrorCode::kResourceExhausted, e.what());
  } catch (const std::exception& e) {
    return pg_error(what, ErrorCode::kInternal, e.what());
  }
}

pqxx::binarystring blob(ByteView b) {
  return {b.data(), b.size()};
}
Bytes bytes_of(const pqxx::field& f) {
  if (f.is_null()) return {};  // ListQuery::without_der
  const pqxx::binarystring b(f);
  return {b.data(), b.data() + b.size()};  // NOLINT
}

CertificateRecord read_record(const pqxx::row& row) {
  CertificateRecord r;
  pqxx::row::size_type i = 0;
  r.id = row[i++].as<std::int64_t>();
  r.issuer = row[i++].as<std::string>();
  r.ca_generation = row[i++].as<std::int64_t>();
  r.serial = bytes_of(row[i++]);
  r.profile = row[i++].as<std::string>();
  r.subject = row[i++].as<std::string>();
  r.sans = sql::split_sans(row[i++].as<std::string>());
  r.spki_sha256 = bytes_of(row[i++]);
  r.not_before = row[i++].as<std::int64_t>();
  r.not_after = row[i++].as<std::int64_t>();
  r.requester = row[i++].as<std::string>();
  r.request_id = row[i++].as<std::string>();
  r.issued_at = row[i++].as<std::int64_t>();
  r.der = bytes_of(row[i++]);
  r.revoked = row[i++].as<bool>();
  r.revocation_reason = row[i++].as<std::string>();
  r.revoked_at = row[i++].as<std::int64_t>();
  return r;
}

std::int64_t insert_audit(pqxx::work& w, const AuditEvent& e) {
  const pqxx::row row =
      w.exec_prepared1(kInsertAudit, e.time, e.actor, e.action, e.issuer, blob(e.serial), e.detail);
  return row[0].as<std::int64_t>();
}

std::vector<std::string> filter_params(const ledger::ListQuery& q, bool with_cursor) {
  std::vector<std::string> p;
  if (q.issuer) p.push_back(*q.issuer);
  if (q.profile) p.push_back(*q.profile);
  if (q.not_after_from) p.push_back(std::to_string(*q.not_after_from));
  if (q.not_after_until) p.push_back(std::to_string(*q.not_after_until));
  if (with_cursor && q.after) {
    if (!q.by_id) p.push_back(std::to_string(q.after->not_after));
    p.push_back(std::to_string(q.after->id));
  }
  return p;
}

}  // namespace

struct PostgresStore::Connection {
  explicit Connection(const std::string& uri) : c(uri) {}
  pqxx::connection c;
};

PostgresStore::PostgresStore(std::unique_ptr<Connection> conn, std::string description)
    : conn_(std::move(conn)), description_(std::move(description)) {}

PostgresStore::~PostgresStore() = default;

Result<std::unique_ptr<PostgresStore>> PostgresStore::open(std::string_view uri) {
  SIGNET_RETURN_IF_ERROR(check_postgres_uri(uri));
  // Described without the query part (it may name files); the URI holds no password (checked).
  const std::string description(uri.substr(0, uri.find('?')));
  SIGNET_ASSIGN_OR_RETURN(
      auto conn, guarded("connect to " + description, [&]() -> Result<std::unique_ptr<Connection>> {
        return std::make_unique<Connection>(std::string(uri));
      }));
  std::unique_ptr<PostgresStore> store(new PostgresStore(std::move(conn), description));
  SIGNET_RETURN_IF_ERROR(store->migrate());
  SIGNET_RETURN_IF_ERROR(guarded("prepare statements", [&]() -> Status {
    // The record and its "issue" audit event in one statement, so one round trip per record
    // instead of two: on a 2-core machine that shares its CPUs with the server, each round trip
    // is two context switches. The event's fields are parameters (sql::issue_event stays their
    // one definition); a duplicate inserts neither and returns no row.
    store->conn_->c.prepare(
        kInsertRecordAndEvent,
        "WITH inserted AS (INSERT INTO certificates (issuer, ca_generation, serial, profile,"
        " subject, sans, spki_sha256, not_before, not_after, requester, request_id, issued_at,"
        " der, revoked, revocation_reason, revoked_at)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)"
        " ON CONFLICT (issuer, serial) DO NOTHING RETURNING id)"
        " INSERT INTO audit_events (time, actor, action, issuer, serial, detail)"
        " SELECT $17, $18, $19, $20, $21, $22 FROM inserted RETURNING id");
    store->conn_->c.prepare(kInsertAudit,
                            "INSERT INTO audit_events (time, actor, action, issuer, serial, detail)"
                            " VALUES ($1, $2, $3, $4, $5, $6) RETURNING id");
    return {};
  }));
  return store;
}

Status PostgresStore::migrate() {
  const std::lock_guard lock(mutex_);
  return guarded("migrate the schema", [&]() -> Status {
    pqxx::work w(conn_->c);
    w.exec_params("SELECT pg_advisory_xact_lock($1)", kMigrationLock);
    w.exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
    const pqxx::row row = w.exec1("SELECT coalesce(max(version), 0) FROM schema_version");
    const int version = row[0].as<int>();
    if (version > kLedgerSchemaVersion) {
      return fail(ErrorCode::kFailedPrecondition, sql::newer_schema_message(version));
    }
    for (int v = version; v < kLedgerSchemaVersion; ++v) {
      w.exec(kMigrations.at(static_cast<std::size_t>(v)));
    }
    if (version != kLedgerSchemaVersion) {
      w.exec("DELETE FROM schema_version");
      w.exec_params("INSERT INTO schema_version (version) VALUES ($1)", kLedgerSchemaVersion);
    }
    w.commit();
    return {};
  });
}

Result<int> PostgresStore::schema_version() {
  const std::lock_guard lock(mutex_);
  return guarded("read the schema version", [&]() -> Result<int> {
    pqxx::read_transaction w(conn_->c);
    return w.exec1("SELECT max(version) FROM schema_version")[0].as<int>();
  });
}

Result<std::vector<Status>> PostgresStore::insert(std::span<const CertificateRecord> records) {
  const std::lock_guard lock(mutex_);
  return guarded("insert records", [&]() -> Result<std::vector<Status>> {
    std::vector<Status> results;
    results.reserve(records.size());
    pqxx::work w(conn_->c);
    for (const auto& r : records) {
      if (auto ok = ledger::check_record(r); !ok) {
        results.push_back(ok);
        continue;
      }
      // ON CONFLICT DO NOTHING: a duplicate returns no row and, unlike a raised unique
      // violation, leaves the transaction usable for the rest of the batch.
      const AuditEvent e = sql::issue_event(r);
      const pqxx::result inserted = w.exec_prepared(
          kInsertRecordAndEvent, r.issuer, r.ca_generation, blob(r.serial), r.profile, r.subject,
          sql::join_sans(r.sans), blob(r.spki_sha256), r.not_before, r.not_after, r.requester,
          r.request_id, r.issued_at, blob(r.der), r.revoked, r.revocation_reason, r.revoked_at,
          e.time, e.actor, e.action, e.issuer, blob(e.serial), e.detail);
      if (inserted.empty()) {
        results.emplace_back(fail(ledger::duplicate_serial(r.issuer, r.serial)));
        continue;
      }
      results.emplace_back();
    }
    w.commit();
    return results;
  });
}

Result<CertificateRecord> PostgresStore::find(std::string_view issuer, ByteView serial) {
  const std::lock_guard lock(mutex_);
  return guarded("find a record", [&]() -> Result<CertificateRecord> {
    pqxx::read_transaction w(conn_->c);
    const pqxx::result rows =
        w.exec_params(std::string(sql::kSelectRecord) + " WHERE issuer = $1 AND serial = $2",
                      std::string(issuer), blob(serial));
    if (rows.empty()) return fail(sql::not_found(issuer, serial));
    return read_record(rows[0]);
  });
}

Result<std::vector<CertificateRecord>> PostgresStore::find_serial(ByteView serial) {
  const std::lock_guard lock(mutex_);
  return guarded("find records by serial", [&]() -> Result<std::vector<CertificateRecord>> {
    pqxx::read_transaction w(conn_->c);
    const pqxx::result rows = w.exec_params(
        std::string(sql::kSelectRecord) + " WHERE serial = $1 ORDER BY issuer", blob(serial));
    std::vector<CertificateRecord> out;
    for (const auto& row : rows) out.push_back(read_record(row));
    return out;
  });
}

Result<ledger::RecordPage> PostgresStore::list(const ledger::ListQuery& q) {
  SIGNET_RETURN_IF_ERROR(ledger::check_query(q));
  const std::lock_guard lock(mutex_);
  return guarded("list records", [&]() -> Result<ledger::RecordPage> {
    int next = 0;
    // Two statements: `next` is set by where_clause, and + does not sequence its operands.
    const std::string where = sql::where_clause(q, sql::Placeholders::kDollar, true, &next);
    const std::string text = sql::select_records(!q.without_der) + where + sql::order_by(q) +
                             " LIMIT $" + std::to_string(next) + "::bigint";
    std::vector<std::string> params = filter_params(q, true);
    params.push_back(std::to_string(q.limit));
    pqxx::read_transaction w(conn_->c);
    const pqxx::result rows = w.exec_params(text, pqxx::prepare::make_dynamic_params(params));
    std::vector<CertificateRecord> out;
    out.reserve(rows.size());
    for (const auto& row : rows) out.push_back(read_record(row));
    return sql::page_of(std::move(out), q.limit);
  });
}

Result<std::uint64_t> PostgresStore::count(const ledger::ListQuery& q) {
  ledger::ListQuery filters = q;
  filters.after.reset();
  filters.limit = 1;
  SIGNET_RETURN_IF_ERROR(ledger::check_query(filters));
  const std::lock_guard lock(mutex_);
  return guarded("count records", [&]() -> Result<std::uint64_t> {
    const std::string text = "SELECT count(*) FROM certificates" +
                             sql::where_clause(filters, sql::Placeholders::kDollar, false);
    const std::vector<std::string> params = filter_params(filters, false);
    pqxx::read_transaction w(conn_->c);
    return w.exec_params(text, pqxx::prepare::make_dynamic_params(params))[0][0]
        .as<std::uint64_t>();
  });
}

Status PostgresStore::revoke(const ledger::Revocation& rv) {
  SIGNET_RETURN_IF_ERROR(ledger::check_revocation_reason(rv.reason));
  const std::lock_guard lock(mutex_);
  return guarded("revoke", [&]() -> Status {
    pqxx::work w(conn_->c);
    // FOR UPDATE: two revocations of one record serialise here; the second sees it revoked.
    const pqxx::result rows = w.exec_params(
        std::string(sql::kSelectRecord) + " WHERE issuer = $1 AND serial = $2 FOR UPDATE",
        rv.issuer, blob(rv.serial));
    if (rows.empty()) return fail(sql::not_found(rv.issuer, rv.serial));
    const CertificateRecord r = read_record(rows[0]);
    if (r.revoked) return fail(sql::already_revoked(r));
    w.exec_params(
        "UPDATE certificates SET revoked = true, revocation_reason = $1, revoked_at = $2"
        " WHERE id = $3",
        rv.reason, rv.time, r.id);
    SIGNET_RETURN_IF_ERROR(ledger::check_audit_event(sql::revoke_event(rv)));
    insert_audit(w, sql::revoke_event(rv));
    w.commit();
    return {};
  });
}

Result<std::int64_t> PostgresStore::append_audit(const AuditEvent& event) {
  SIGNET_RETURN_IF_ERROR(ledger::check_audit_event(event));
  const std::lock_guard lock(mutex_);
  return guarded("append an audit event", [&]() -> Result<std::int64_t> {
    pqxx::work w(conn_->c);
    const std::int64_t id = insert_audit(w, event);
    w.commit();
    return id;
  });
}

Result<ledger::AuditPage> PostgresStore::list_audit(std::int64_t after_id, std::size_t limit) {
  SIGNET_RETURN_IF_ERROR(sql::check_audit_limit(limit));
  const std::lock_guard lock(mutex_);
  return guarded("list audit events", [&]() -> Result<ledger::AuditPage> {
    pqxx::read_transaction w(conn_->c);
    const pqxx::result rows = w.exec_params(
        "SELECT id, time, actor, action, issuer, serial, detail FROM audit_events"
        " WHERE id > $1 ORDER BY id LIMIT $2",
        after_id, static_cast<std::int64_t>(limit));
    ledger::AuditPage page;
    for (const auto& row : rows) {
      AuditEvent e;
      e.id = row[0].as<std::int64_t>();
      e.time = row[1].as<std::int64_t>();
      e.actor = row[2].as<std::string>();
      e.action = row[3].as<std::string>();
      e.issuer = row[4].as<std::string>();
      e.serial = bytes_of(row[5]);
      e.detail = row[6].as<std::string>();
      page.events.push_back(std::move(e));
    }
    if (page.events.size() == limit) page.next_after = page.events.back().id;
    return page;
  });
}

Result<std::unique_ptr<ledger::LedgerStore>> open_postgres_ledger(std::string_view uri) {
  SIGNET_ASSIGN_OR_RETURN(auto store, PostgresStore::open(uri));
  return std::unique_ptr<ledger::LedgerStore>(std::move(store));
}

}  // namespace signet::scheduler
