// The suite's two backends: an SQLite file in a temporary directory, and a real PostgreSQL
// server started for the test (tests/support/postgres_server.h).
#include <sqlite3.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "signet/scheduler/ledger_store.h"

#include "ledger_store_suite.h"
#include "postgres_server.h"

namespace signet::testing {
namespace fs = std::filesystem;
namespace {

// Both dialects' v1 differ only in types; the columns are the same as the stores' migration 1.
constexpr const char* kSqliteV1 =
    "CREATE TABLE schema_version (version INTEGER NOT NULL);"
    "INSERT INTO schema_version VALUES (1);"
    "CREATE TABLE certificates (id INTEGER PRIMARY KEY, issuer TEXT NOT NULL,"
    " ca_generation INTEGER NOT NULL, serial BLOB NOT NULL, profile TEXT NOT NULL,"
    " subject TEXT NOT NULL, sans TEXT NOT NULL, spki_sha256 BLOB NOT NULL,"
    " not_before INTEGER NOT NULL, not_after INTEGER NOT NULL, requester TEXT NOT NULL,"
    " request_id TEXT NOT NULL, issued_at INTEGER NOT NULL, der BLOB NOT NULL,"
    " UNIQUE (issuer, serial));";
constexpr const char* kPostgresV1 =
    "CREATE TABLE schema_version (version INTEGER NOT NULL);"
    "INSERT INTO schema_version VALUES (1);"
    "CREATE TABLE certificates (id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
    " issuer TEXT NOT NULL, ca_generation BIGINT NOT NULL, serial BYTEA NOT NULL,"
    " profile TEXT NOT NULL, subject TEXT NOT NULL, sans TEXT NOT NULL,"
    " spki_sha256 BYTEA NOT NULL, not_before BIGINT NOT NULL, not_after BIGINT NOT NULL,"
    " requester TEXT NOT NULL, request_id TEXT NOT NULL, issued_at BIGINT NOT NULL,"
    " der BYTEA NOT NULL, UNIQUE (issuer, serial));";

class SqliteBackend final : public LedgerBackend {
 public:
  SqliteBackend() {
    std::string tmpl = (fs::temp_directory_path() / "signet-ledger-XXXXXX").string();
    if (mkdtemp(tmpl.data()) != nullptr) dir_ = tmpl;
  }
  ~SqliteBackend() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  Result<std::unique_ptr<ledger::LedgerStore>> open() override {
    return scheduler::open_sqlite_ledger(dir_ / "ledger.sqlite");
  }
  Status exec(const std::string& sql) override {
    sqlite3* db = nullptr;
    int rc = sqlite3_open((dir_ / "ledger.sqlite").c_str(), &db);
    char* message = nullptr;
    if (rc == SQLITE_OK) rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message);
    std::string text = message != nullptr ? message : sqlite3_errstr(rc);
    sqlite3_free(message);
    sqlite3_close(db);
    if (rc != SQLITE_OK) return fail(ErrorCode::kInternal, text);
    return {};
  }
  std::string schema_v1() const override { return kSqliteV1; }
  std::string v1_row() const override {
    return "INSERT INTO certificates (issuer, ca_generation, serial, profile, subject, sans,"
           " spki_sha256, not_before, not_after, requester, request_id, issued_at, der) VALUES"
           " ('old-ca', 0, x'0102', 'kubelet-client', 'CN=old', 'DNS:old.example',"
           " zeroblob(32), 1000000000, 2000000000, 'cli', 'r1', 1000000000, x'3000');";
  }

 private:
  fs::path dir_;
};

class PostgresBackend final : public LedgerBackend {
 public:
  PostgresBackend(std::unique_ptr<PostgresServer> server, std::string uri)
      : server_(std::move(server)), uri_(std::move(uri)) {}
  Result<std::unique_ptr<ledger::LedgerStore>> open() override {
    return scheduler::open_postgres_ledger(uri_);
  }
  Status exec(const std::string& sql) override { return server_->psql(uri_, sql); }
  std::string schema_v1() const override { return kPostgresV1; }
  std::string v1_row() const override {
    return "INSERT INTO certificates (issuer, ca_generation, serial, profile, subject, sans,"
           " spki_sha256, not_before, not_after, requester, request_id, issued_at, der) VALUES"
           " ('old-ca', 0, '\\x0102', 'kubelet-client', 'CN=old', 'DNS:old.example',"
           " decode(repeat('00', 32), 'hex'), 1000000000, 2000000000, 'cli', 'r1', 1000000000,"
           " '\\x3000');";
  }

 private:
  std::unique_ptr<PostgresServer> server_;
  std::string uri_;
};

}  // namespace

BackendParam sqlite_backend() {
  return {"sqlite", [](std::string&) -> std::unique_ptr<LedgerBackend> {
            return std::make_unique<SqliteBackend>();
          }};
}

BackendParam postgres_backend() {
  return {"postgres", [](std::string& skip) -> std::unique_ptr<LedgerBackend> {
            auto server = PostgresServer::start();
            if (!server) {
              skip = server.error().message();
              return nullptr;
            }
            auto uri = (*server)->create_database("ledger");
            if (!uri) {
              skip = uri.error().message();
              return nullptr;
            }
            return std::make_unique<PostgresBackend>(std::move(*server), std::move(*uri));
          }};
}

void LedgerStoreTest::SetUp() {
  std::string skip;
  backend_ = GetParam().make(skip);
  if (!backend_) {
    const char* ci = std::getenv("CI");  // NOLINT(concurrency-mt-unsafe)
    if (ci != nullptr && std::string(ci) == "true") {
      FAIL() << GetParam().name << " is required in CI: " << skip;
    }
    GTEST_SKIP() << GetParam().name << " unavailable: " << skip;
  }
  auto store = backend_->open();
  ASSERT_TRUE(store) << store.error().message();
  store_ = std::move(*store);
}

ledger::CertificateRecord sample_record(const std::string& issuer, std::uint32_t n) {
  ledger::CertificateRecord r;
  r.issuer = issuer;
  r.ca_generation = 1;
  r.serial = {0x40, static_cast<std::uint8_t>(n >> 24U), static_cast<std::uint8_t>(n >> 16U),
              static_cast<std::uint8_t>(n >> 8U), static_cast<std::uint8_t>(n)};
  r.profile = "kubelet-client";
  r.subject = "CN=system:node:n" + std::to_string(n) + ", O=system:nodes";
  r.sans = {"DNS:n" + std::to_string(n) + ".example", "IP:10.0.0.7"};
  r.spki_sha256.assign(32, static_cast<std::uint8_t>(n));
  r.not_before = 1'800'000'000;
  r.not_after = 1'900'000'000 + static_cast<std::int64_t>(n);
  r.requester = "cli:test";
  r.request_id = "req-" + std::to_string(n);
  r.issued_at = 1'800'000'100;
  r.der = {0x30, 0x03, 0x02, 0x01, static_cast<std::uint8_t>(n)};
  return r;
}

}  // namespace signet::testing
