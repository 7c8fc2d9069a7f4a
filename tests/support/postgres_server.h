// A real PostgreSQL server per test (signet issue 6): initdb into a fresh temporary directory,
// pg_ctl start on 127.0.0.1 with a free port and the unix socket in that directory, trust
// authentication for loopback only (no password anywhere), stopped and deleted by the
// destructor, so also when the test fails. PostgreSQL refuses to run as root; as root the
// server binaries run as the `postgres` system user (runuser) and the directory is theirs.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "signet/core/result.h"

namespace signet::testing {

// Debian's PostgreSQL 15 server binaries (initdb, pg_ctl).
inline constexpr const char* kPostgresBin = "/usr/lib/postgresql/15/bin";

class PostgresServer {
 public:
  // kFailedPrecondition when PostgreSQL is not installed (callers skip, or fail under CI=true).
  [[nodiscard]] static Result<std::unique_ptr<PostgresServer>> start();
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;
  PostgresServer(PostgresServer&&) = delete;
  PostgresServer& operator=(PostgresServer&&) = delete;
  ~PostgresServer();

  // A new empty database; returns its URI ("postgresql://signet@127.0.0.1:PORT/NAME").
  [[nodiscard]] Result<std::string> create_database(const std::string& name) const;
  // Runs SQL with psql (ON_ERROR_STOP); the error carries psql's output.
  [[nodiscard]] Status psql(const std::string& uri, const std::string& sql) const;
  [[nodiscard]] const std::filesystem::path& dir() const noexcept { return dir_; }

 private:
  PostgresServer() = default;
  [[nodiscard]] Status run(const std::string& command, const std::string& what) const;

  std::filesystem::path dir_;
  int port_ = 0;
  bool started_ = false;
  bool as_postgres_ = false;  // root: run server binaries through runuser -u postgres
};

}  // namespace signet::testing
