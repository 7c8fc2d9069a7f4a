// The PostgreSQL ledger store (libpqxx 6.4): the shared ledger once signet runs on more than one
// machine. Same schema versions, same semantics and the same test suite as the SQLite store.
//
// Threading: one connection, one mutex held for each public call (libpqxx connections are not
// thread-safe). Several signet processes share one database through PostgreSQL's own locking;
// the group-commit writer (ledger_writer.h) keeps one process to one transaction per batch.
// libpqxx reports by exception; every call catches at this boundary and returns Result, so no
// exception leaves the store.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "signet/core/ledger.h"

namespace signet::scheduler {

class PostgresStore final : public ledger::LedgerStore {
 public:
  [[nodiscard]] static Result<std::unique_ptr<PostgresStore>> open(std::string_view uri);
  PostgresStore(const PostgresStore&) = delete;
  PostgresStore& operator=(const PostgresStore&) = delete;
  PostgresStore(PostgresStore&&) = delete;
  PostgresStore& operator=(PostgresStore&&) = delete;
  ~PostgresStore() override;

  [[nodiscard]] std::string describe() const override { return description_; }
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
  struct Connection;  // the pqxx::connection (libpqxx stays out of this header)
  PostgresStore(std::unique_ptr<Connection> conn, std::string description);
  Status migrate();

  std::mutex mutex_;
  std::unique_ptr<Connection> conn_;
  std::string description_;
};

}  // namespace signet::scheduler
