// SQLite ledger store: schema, migrations, error mapping, the LedgerStore calls.
#include "sqlite_store.h"

#include <sqlite3.h>

#include <array>
#include <string>
#include <utility>

#include "signet/scheduler/ledger_store.h"

#include "ledger_sql.h"
#include "sqlite_columns.h"

namespace signet::scheduler {

void SqliteClose::operator()(sqlite3* db) const noexcept {
  sqlite3_close_v2(db);
}
void SqliteFinalize::operator()(sqlite3_stmt* stmt) const noexcept {
  sqlite3_finalize(stmt);
}

namespace {

using ledger::AuditEvent;
using ledger::CertificateRecord;

// Schema migrations, in order: migration i takes the schema from version i to i + 1. Applied in
// one transaction at open, so a crash mid-migration leaves the old version intact.
constexpr std::array<const char*, kLedgerSchemaVersion> kMigrations = {
    // 1: the certificate records. (issuer, serial) is unique: RFC 5280 §4.1.2.2 makes serials
    // unique per issuer only. SANs are one text, entries separated by '\n' (check_record
    // refuses control characters, so the separator cannot occur inside an entry).
    "CREATE TABLE certificates ("
    " id INTEGER PRIMARY KEY,"
    " issuer TEXT NOT NULL, ca_generation INTEGER NOT NULL, serial BLOB NOT NULL,"
    " profile TEXT NOT NULL, subject TEXT NOT NULL, sans TEXT NOT NULL,"
    " spki_sha256 BLOB NOT NULL, not_before INTEGER NOT NULL, not_after INTEGER NOT NULL,"
    " requester TEXT NOT NULL, request_id TEXT NOT NULL, issued_at INTEGER NOT NULL,"
    " der BLOB NOT NULL,"
    " UNIQUE (issuer, serial));",
    // 2: revocation state, the audit trail (append-only: triggers refuse UPDATE and DELETE, so
    // not even SQL typed by hand rewrites history), no record deletion, and the indexes renewal
    // and reissue stream by (not_after; issuer; profile; each ending in id for the cursor).
    "ALTER TABLE certificates ADD COLUMN revoked INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE certificates ADD COLUMN revocation_reason TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE certificates ADD COLUMN revoked_at INTEGER NOT NULL DEFAULT 0;"
    "CREATE INDEX certificates_by_not_after ON certificates (not_after, id);"
    "CREATE INDEX certificates_by_issuer ON certificates (issuer, not_after, id);"
    "CREATE INDEX certificates_by_profile ON certificates (profile, not_after, id);"
    "CREATE INDEX certificates_by_serial ON certificates (serial);"
    "CREATE TRIGGER certificates_no_delete BEFORE DELETE ON certificates"
    " BEGIN SELECT RAISE(ABORT, 'ledger records are never deleted'); END;"
    "CREATE TABLE audit_events ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT, time INTEGER NOT NULL, actor TEXT NOT NULL,"
    " action TEXT NOT NULL, issuer TEXT NOT NULL, serial BLOB NOT NULL, detail TEXT NOT NULL);"
    "CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events"
    " BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END;"
    "CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events"
    " BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END;",
};

// SQLite result codes → retry-aware codes (core/result.h).
ErrorCode code_of(int rc) {
  switch (rc & 0xff) {  // the primary code of an extended result code
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_IOERR:
    case SQLITE_PROTOCOL:
      return ErrorCode::kUnavailable;  // another connection holds a lock; an I/O hiccup
    case SQLITE_CONSTRAINT:
      return ErrorCode::kAlreadyExists;
    case SQLITE_FULL:
    case SQLITE_NOMEM:
      return ErrorCode::kResourceExhausted;
    case SQLITE_READONLY:
    case SQLITE_CANTOPEN:
    case SQLITE_PERM:
    case SQLITE_AUTH:
      return ErrorCode::kFailedPrecondition;
    default:  // SQLITE_CORRUPT, SQLITE_NOTADB, SQLITE_MISUSE...: data loss or a bug
      return ErrorCode::kInternal;
  }
}

tl::unexpected<Error> db_error(sqlite3* db, int rc, std::string_view what) {
  std::string message = "ledger (sqlite): " + std::string(what) + ": " + sqlite3_errstr(rc);
  if (db != nullptr && sqlite3_errmsg(db) != nullptr)
    message += std::string(" (") + sqlite3_errmsg(db) + ")";
  return fail(code_of(rc), std::move(message));
}

// RAII: a transaction rolled back unless committed.
class Transaction {
 public:
  explicit Transaction(sqlite3* db) : db_(db) {}
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  Transaction(Transaction&&) = delete;
  Transaction& operator=(Transaction&&) = delete;
  ~Transaction() {
    if (open_) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  }
  // IMMEDIATE: take the write lock now, so a busy database fails here (retryable) rather than
  // half-way through the batch with a deadlock-shaped SQLITE_BUSY.
  Status begin() {
    const int rc = sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK) return db_error(db_, rc, "BEGIN");
    open_ = true;
    return {};
  }
  Status commit() {
    const int rc = sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK) return db_error(db_, rc, "COMMIT");
    open_ = false;
    return {};
  }

 private:
  sqlite3* db_;
  bool open_ = false;
};

using sqlite::bind_blob;
using sqlite::bind_text;
using sqlite::column_blob;
using sqlite::column_text;

CertificateRecord read_record(sqlite3_stmt* s) {
  CertificateRecord r;
  int i = 0;
  r.id = sqlite3_column_int64(s, i++);
  r.issuer = column_text(s, i++);
  r.ca_generation = sqlite3_column_int64(s, i++);
  r.serial = column_blob(s, i++);
  r.profile = column_text(s, i++);
  r.subject = column_text(s, i++);
  r.sans = sql::split_sans(column_text(s, i++));
  r.spki_sha256 = column_blob(s, i++);
  r.not_before = sqlite3_column_int64(s, i++);
  r.not_after = sqlite3_column_int64(s, i++);
  r.requester = column_text(s, i++);
  r.request_id = column_text(s, i++);
  r.issued_at = sqlite3_column_int64(s, i++);
  r.der = column_blob(s, i++);
  r.revoked = sqlite3_column_int64(s, i++) != 0;
  r.revocation_reason = column_text(s, i++);
  r.revoked_at = sqlite3_column_int64(s, i++);
  return r;
}

}  // namespace

Result<std::unique_ptr<SqliteStore>> SqliteStore::open(const std::filesystem::path& path) {
  sqlite3* raw = nullptr;
  const int rc =
      sqlite3_open_v2(path.c_str(), &raw,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  SqlitePtr db(raw);  // owns the handle even when the open failed (sqlite3_open_v2 contract)
  if (rc != SQLITE_OK) return db_error(db.get(), rc, "open " + path.string());
  sqlite3_extended_result_codes(db.get(), 1);
  // busy_timeout first: the pragmas below take locks too, and another process (a `signet ledger
  // list` while serve writes, or the last connection of a closing server checkpointing the WAL)
  // may hold one for a moment. Without it, such a moment is a spurious "database is locked".
  sqlite3_busy_timeout(db.get(), 5000);
  std::unique_ptr<SqliteStore> store(new SqliteStore(std::move(db), path.string()));
  // WAL: readers never block the writer. synchronous=FULL: in WAL mode that fsyncs the WAL at
  // each commit, so a committed record survives power loss as well as kill -9 (NORMAL would
  // survive kill -9 — the WAL is in the OS page cache — but not a power cut, and a certificate
  // returned without its record breaks persist-before-return). Group commit makes it one fsync
  // per batch. foreign_keys: on, for the job tables that will reference records.
  SIGNET_RETURN_IF_ERROR(store->exec("PRAGMA journal_mode=WAL"));
  SIGNET_RETURN_IF_ERROR(store->exec("PRAGMA synchronous=FULL"));
  SIGNET_RETURN_IF_ERROR(store->exec("PRAGMA foreign_keys=ON"));
  SIGNET_RETURN_IF_ERROR(store->migrate());
  return store;
}

Status SqliteStore::exec(const char* sql) {
  const int rc = sqlite3_exec(db_.get(), sql, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return db_error(db_.get(), rc, std::string(sql).substr(0, 60));
  return {};
}

Result<sqlite3_stmt*> SqliteStore::statement(const std::string& sql) {
  auto it = statements_.find(sql);
  if (it == statements_.end()) {
    sqlite3_stmt* raw = nullptr;
    const int rc = sqlite3_prepare_v3(db_.get(), sql.c_str(), static_cast<int>(sql.size()),
                                      SQLITE_PREPARE_PERSISTENT, &raw, nullptr);
    SqliteStmtPtr stmt(raw);
    if (rc != SQLITE_OK) return db_error(db_.get(), rc, "prepare");
    it = statements_.emplace(sql, std::move(stmt)).first;
  }
  sqlite3_stmt* s = it->second.get();
  sqlite3_reset(s);
  sqlite3_clear_bindings(s);
  return s;
}

Status SqliteStore::migrate() {
  const std::lock_guard lock(mutex_);
  Transaction tx(db_.get());
  SIGNET_RETURN_IF_ERROR(tx.begin());
  SIGNET_RETURN_IF_ERROR(
      exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)"));
  int version = 0;
  {
    SIGNET_ASSIGN_OR_RETURN(sqlite3_stmt * s, statement("SELECT max(version) FROM schema_version"));
    if (sqlite3_step(s) == SQLITE_ROW) version = sqlite3_column_int(s, 0);
    sqlite3_reset(s);
  }
  if (version > kLedgerSchemaVersion) {
    return fail(ErrorCode::kFailedPrecondition, sql::newer_schema_message(version));
  }
  for (int v = version; v < kLedgerSchemaVersion; ++v) {
    SIGNET_RETURN_IF_ERROR(exec(kMigrations.at(static_cast<std::size_t>(v))));
  }
  if (version != kLedgerSchemaVersion) {
    SIGNET_RETURN_IF_ERROR(exec("DELETE FROM schema_version"));
    SIGNET_ASSIGN_OR_RETURN(sqlite3_stmt * s,
                            statement("INSERT INTO schema_version (version) VALUES (?1)"));
    sqlite3_bind_int(s, 1, kLedgerSchemaVersion);
    if (const int rc = sqlite3_step(s); rc != SQLITE_DONE) {
      return db_error(db_.get(), rc, "record the schema version");
    }
  }
  return tx.commit();
}

Result<int> SqliteStore::schema_version() {
  const std::lock_guard lock(mutex_);
  SIGNET_ASSIGN_OR_RETURN(sqlite3_stmt * s, statement("SELECT max(version) FROM schema_version"));
  const int rc = sqlite3_step(s);
  if (rc != SQLITE_ROW) return db_error(db_.get(), rc, "read the schema version");
  return sqlite3_column_int(s, 0);
}

Result<std::int64_t> SqliteStore::insert_audit_locked(const AuditEvent& e) {
  SIGNET_RETURN_IF_ERROR(ledger::check_audit_event(e));
  SIGNET_ASSIGN_OR_RETURN(
      sqlite3_stmt * s,
      statement("INSERT INTO audit_events (time, actor, action, issuer, serial, detail)"
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
  return sqlite3_last_insert_rowid(db_.get());
}

Result<std::vector<Status>> SqliteStore::insert(std::span<const CertificateRecord> records) {
  std::vector<Status> results;
  results.reserve(records.size());
  const std::lock_guard lock(mutex_);
  Transaction tx(db_.get());
  SIGNET_RETURN_IF_ERROR(tx.begin());
  for (const auto& r : records) {
    if (auto ok = ledger::check_record(r); !ok) {
      results.push_back(ok);
      continue;
    }
    SIGNET_ASSIGN_OR_RETURN(
        sqlite3_stmt * s,
        statement(
            "INSERT INTO certificates (issuer, ca_generation, serial, profile, subject,"
            " sans, spki_sha256, not_before, not_after, requester, request_id, issued_at,"
            " der, revoked, revocation_reason, revoked_at)"
            " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)"));
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
    sqlite3_bind_int(s, 14, r.revoked ? 1 : 0);
    bind_text(s, 15, r.revocation_reason);
    sqlite3_bind_int64(s, 16, r.revoked_at);
    const int rc = sqlite3_step(s);
    if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY) {
      // Only this statement is undone (ON CONFLICT ABORT); the batch's transaction goes on.
      results.emplace_back(fail(ledger::duplicate_serial(r.issuer, r.serial)));
      continue;
    }
    if (rc != SQLITE_DONE) return db_error(db_.get(), rc, "insert a record");
    SIGNET_RETURN_IF_ERROR(insert_audit_locked(sql::issue_event(r)));
    results.emplace_back();
  }
  SIGNET_RETURN_IF_ERROR(tx.commit());
  return results;
}

Result<std::vector<CertificateRecord>> SqliteStore::select_locked(const std::string& text,
                                                                  const ledger::ListQuery* q,
                                                                  std::string_view issuer,
                                                                  ByteView serial) {
  SIGNET_ASSIGN_OR_RETURN(sqlite3_stmt * s, statement(text));
  int i = 1;
  if (q == nullptr) {
    if (!issuer.empty()) bind_text(s, i++, issuer);
    bind_blob(s, i++, serial);
  } else {
    if (q->issuer) bind_text(s, i++, *q->issuer);
    if (q->profile) bind_text(s, i++, *q->profile);
    if (q->not_after_from) sqlite3_bind_int64(s, i++, *q->not_after_from);
    if (q->not_after_until) sqlite3_bind_int64(s, i++, *q->not_after_until);
    if (q->after) {
      if (!q->by_id) sqlite3_bind_int64(s, i++, q->after->not_after);
      sqlite3_bind_int64(s, i++, q->after->id);
    }
    sqlite3_bind_int64(s, i++, static_cast<std::int64_t>(q->limit));
  }
  std::vector<CertificateRecord> out;
  int rc = 0;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) out.push_back(read_record(s));
  if (rc != SQLITE_DONE) return db_error(db_.get(), rc, "read records");
  sqlite3_reset(s);
  return out;
}

Result<CertificateRecord> SqliteStore::find(std::string_view issuer, ByteView serial) {
  const std::lock_guard lock(mutex_);
  SIGNET_ASSIGN_OR_RETURN(auto rows, select_locked(std::string(sql::kSelectRecord) +
                                                       " WHERE issuer = ?1 AND serial = ?2",
                                                   nullptr, issuer, serial));
  if (rows.empty()) return fail(sql::not_found(issuer, serial));
  return std::move(rows.front());
}

Result<std::vector<CertificateRecord>> SqliteStore::find_serial(ByteView serial) {
  const std::lock_guard lock(mutex_);
  return select_locked(std::string(sql::kSelectRecord) + " WHERE serial = ?1 ORDER BY issuer",
                       nullptr, {}, serial);
}

Result<ledger::RecordPage> SqliteStore::list(const ledger::ListQuery& q) {
  SIGNET_RETURN_IF_ERROR(ledger::check_query(q));
  const std::lock_guard lock(mutex_);
  // by_id: NOT INDEXED keeps SQLite on the rowid range (the table in storage order); with the
  // issuer index it would gather and sort every match of the issuer for each page.
  const std::string text = sql::select_records(!q.without_der) + (q.by_id ? " NOT INDEXED" : "") +
                           sql::where_clause(q, sql::Placeholders::kQuestion, true) +
                           sql::order_by(q) + " LIMIT ?";
  SIGNET_ASSIGN_OR_RETURN(auto rows, select_locked(text, &q, {}, {}));
  return sql::page_of(std::move(rows), q.limit);
}

Result<std::uint64_t> SqliteStore::count(const ledger::ListQuery& q) {
  ledger::ListQuery filters = q;
  filters.after.reset();
  filters.limit = 1;
  SIGNET_RETURN_IF_ERROR(ledger::check_query(filters));
  const std::lock_guard lock(mutex_);
  SIGNET_ASSIGN_OR_RETURN(
      sqlite3_stmt * s, statement("SELECT count(*) FROM certificates" +
                                  sql::where_clause(filters, sql::Placeholders::kQuestion, false)));
  int i = 1;
  if (filters.issuer) bind_text(s, i++, *filters.issuer);
  if (filters.profile) bind_text(s, i++, *filters.profile);
  if (filters.not_after_from) sqlite3_bind_int64(s, i++, *filters.not_after_from);
  if (filters.not_after_until) sqlite3_bind_int64(s, i++, *filters.not_after_until);
  const int rc = sqlite3_step(s);
  if (rc != SQLITE_ROW) return db_error(db_.get(), rc, "count records");
  const auto n = static_cast<std::uint64_t>(sqlite3_column_int64(s, 0));
  sqlite3_reset(s);
  return n;
}

Status SqliteStore::revoke(const ledger::Revocation& rv) {
  SIGNET_RETURN_IF_ERROR(ledger::check_revocation_reason(rv.reason));
  const std::lock_guard lock(mutex_);
  Transaction tx(db_.get());
  SIGNET_RETURN_IF_ERROR(tx.begin());
  SIGNET_ASSIGN_OR_RETURN(auto rows, select_locked(std::string(sql::kSelectRecord) +
                                                       " WHERE issuer = ?1 AND serial = ?2",
                                                   nullptr, rv.issuer, rv.serial));
  if (rows.empty()) return fail(sql::not_found(rv.issuer, rv.serial));
  if (rows.front().revoked) return fail(sql::already_revoked(rows.front()));
  SIGNET_ASSIGN_OR_RETURN(
      sqlite3_stmt * s,
      statement("UPDATE certificates SET revoked = 1, revocation_reason = ?1, revoked_at = ?2"
                " WHERE id = ?3"));
  bind_text(s, 1, rv.reason);
  sqlite3_bind_int64(s, 2, rv.time);
  sqlite3_bind_int64(s, 3, rows.front().id);
  if (const int rc = sqlite3_step(s); rc != SQLITE_DONE) {
    return db_error(db_.get(), rc, "revoke");
  }
  SIGNET_RETURN_IF_ERROR(insert_audit_locked(sql::revoke_event(rv)));
  return tx.commit();
}

Result<std::int64_t> SqliteStore::append_audit(const AuditEvent& event) {
  const std::lock_guard lock(mutex_);
  Transaction tx(db_.get());
  SIGNET_RETURN_IF_ERROR(tx.begin());
  SIGNET_ASSIGN_OR_RETURN(const std::int64_t id, insert_audit_locked(event));
  SIGNET_RETURN_IF_ERROR(tx.commit());
  return id;
}

Result<ledger::AuditPage> SqliteStore::list_audit(std::int64_t after_id, std::size_t limit) {
  SIGNET_RETURN_IF_ERROR(sql::check_audit_limit(limit));
  const std::lock_guard lock(mutex_);
  SIGNET_ASSIGN_OR_RETURN(
      sqlite3_stmt * s,
      statement("SELECT id, time, actor, action, issuer, serial, detail FROM audit_events"
                " WHERE id > ?1 ORDER BY id LIMIT ?2"));
  sqlite3_bind_int64(s, 1, after_id);
  sqlite3_bind_int64(s, 2, static_cast<std::int64_t>(limit));
  ledger::AuditPage page;
  int rc = 0;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    AuditEvent e;
    e.id = sqlite3_column_int64(s, 0);
    e.time = sqlite3_column_int64(s, 1);
    e.actor = column_text(s, 2);
    e.action = column_text(s, 3);
    e.issuer = column_text(s, 4);
    e.serial = column_blob(s, 5);
    e.detail = column_text(s, 6);
    page.events.push_back(std::move(e));
  }
  if (rc != SQLITE_DONE) return db_error(db_.get(), rc, "read audit events");
  sqlite3_reset(s);
  if (page.events.size() == limit) page.next_after = page.events.back().id;
  return page;
}

Result<std::unique_ptr<ledger::LedgerStore>> open_sqlite_ledger(const std::filesystem::path& path) {
  SIGNET_ASSIGN_OR_RETURN(auto store, SqliteStore::open(path));
  return std::unique_ptr<ledger::LedgerStore>(std::move(store));
}

}  // namespace signet::scheduler
