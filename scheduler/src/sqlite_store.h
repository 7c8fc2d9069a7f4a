// The SQLite ledger store (the embedded default: <state dir>/ledger.sqlite).
//
// Threading: one connection, one mutex. Every public call takes the mutex for its whole
// duration, so statements and transactions never interleave on the connection; SQLite itself is
// opened SQLITE_OPEN_NOMUTEX because the mutex already serialises access. Writers are serialised
// by SQLite anyway (one writer per database), and the group-commit writer
// (scheduler/ledger_writer.h) turns many callers into one transaction, so one connection is not
// the bottleneck. Other processes on the same file are arbitrated by SQLite's WAL locks with a
// 5 s busy_timeout; a lock still held after that is kUnavailable (retry the call).
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "signet/core/ledger.h"

struct sqlite3;
struct sqlite3_stmt;

namespace signet::scheduler {

struct SqliteClose {
  void operator()(sqlite3* db) const noexcept;
};
struct SqliteFinalize {
  void operator()(sqlite3_stmt* stmt) const noexcept;
};
using SqlitePtr = std::unique_ptr<sqlite3, SqliteClose>;
using SqliteStmtPtr = std::unique_ptr<sqlite3_stmt, SqliteFinalize>;

class SqliteStore final : public ledger::LedgerStore {
 public:
  [[nodiscard]] static Result<std::unique_ptr<SqliteStore>> open(const std::filesystem::path& path);

  [[nodiscard]] std::string describe() const override { return "sqlite:" + path_; }
  [[nodiscard]] Result<int> schema_version() override;
  [[nodiscard]] Result<std::vector<Status>> insert(
      std::span<const ledger::CertificateRecord> records) override;
  [[nodiscard]] Result<ledger::CertificateRecord> find(std::string_view issuer,
                                                       ByteView serial) override;
  [[nodiscard]] Result<std::vector<ledger::CertificateRecord>> find_serial(
      ByteView serial) override;
  [[nodiscard]] Result<ledger::RecordPage> list(const ledger::ListQuery& query) override;
  [[nodiscard]] Result<std::uint64_t> count(const ledger::ListQuery& query) override;
  [[nodiscard]] Status revoke(const ledger::Revocation& rv) override;
  [[nodiscard]] Result<std::int64_t> append_audit(const ledger::AuditEvent& event) override;
  [[nodiscard]] Result<ledger::AuditPage> list_audit(std::int64_t after_id,
                                                     std::size_t limit) override;

 private:
  SqliteStore(SqlitePtr db, std::string path) : db_(std::move(db)), path_(std::move(path)) {}

  // A cached prepared statement for `sql` (reset, bindings cleared), or an error.
  Result<sqlite3_stmt*> statement(const std::string& sql);
  Status exec(const char* sql);
  Status migrate();
  Result<std::int64_t> insert_audit_locked(const ledger::AuditEvent& event);
  Result<std::vector<ledger::CertificateRecord>> select_locked(const std::string& text,
                                                               const ledger::ListQuery* q,
                                                               std::string_view issuer,
                                                               ByteView serial);

  std::mutex mutex_;
  SqlitePtr db_;
  std::string path_;
  std::map<std::string, SqliteStmtPtr, std::less<>> statements_;
};

}  // namespace signet::scheduler
