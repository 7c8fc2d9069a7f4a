// The ledger's stores (signet issue 6): core/ledger.h's LedgerStore over SQLite (the embedded
// default, <state dir>/ledger.sqlite) or PostgreSQL (the shared ledger past one machine). Both
// keep the same versioned schema (docs/architecture.md, "The ledger") and pass one test suite.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "signet/core/ledger.h"
#include "signet/core/result.h"

namespace signet::scheduler {

// The schema version this code writes. A database at a lower version is migrated at open, in
// one transaction; one at a higher version is refused (kFailedPrecondition naming both).
inline constexpr int kLedgerSchemaVersion = 2;

// Opens (creating when absent) an SQLite ledger: WAL, synchronous=FULL, busy_timeout 5 s.
[[nodiscard]] Result<std::unique_ptr<ledger::LedgerStore>> open_sqlite_ledger(
    const std::filesystem::path& path);

// Connects to PostgreSQL with a libpq URI ("postgresql://user@host:port/db?host=/socket/dir").
// A URI carrying a password is refused (passwords only through PGPASSFILE / ~/.pgpass).
// kUnavailable when the server cannot be reached.
[[nodiscard]] Result<std::unique_ptr<ledger::LedgerStore>> open_postgres_ledger(
    std::string_view uri);

// "postgresql://…" / "postgres://…" → PostgreSQL; anything else is an SQLite file path.
[[nodiscard]] Result<std::unique_ptr<ledger::LedgerStore>> open_ledger(std::string_view spec);

// Refuses a PostgreSQL URI with a password (user:password@ or password=), naming the rule but
// never echoing the URI.
[[nodiscard]] Status check_postgres_uri(std::string_view uri);

}  // namespace signet::scheduler
