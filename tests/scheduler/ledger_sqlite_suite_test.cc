// The shared store suite against SQLite, and what is SQLite's own: opening a ledger another
// process holds locked for a moment.
#include <sqlite3.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "signet/scheduler/ledger_store.h"

#include "ledger_store_suite.h"

namespace signet::testing {
INSTANTIATE_TEST_SUITE_P(Sqlite, LedgerStoreTest, ::testing::Values(sqlite_backend()),
                         backend_name);

// CI once saw `signet ledger list` fail with "PRAGMA journal_mode=WAL: database is locked"
// while serve was shutting down: the open ran its pragmas before setting busy_timeout, so a lock
// held for a few milliseconds was an error. Here another connection holds an exclusive lock for
// 400 ms; the open must wait for it, not fail.
TEST(SqliteLedgerOpenTest, WaitsForALockHeldByAnotherConnection) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("signet-sqlite-lock-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const auto path = dir / "ledger.sqlite";
  ASSERT_TRUE(scheduler::open_sqlite_ledger(path).has_value());  // creates it, in WAL mode

  sqlite3* holder = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &holder), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(holder, "PRAGMA locking_mode=EXCLUSIVE; BEGIN EXCLUSIVE;", nullptr,
                         nullptr, nullptr),
            SQLITE_OK);
  std::thread release([holder] {
    std::this_thread::sleep_for(std::chrono::milliseconds(400));
    sqlite3_exec(holder, "COMMIT", nullptr, nullptr, nullptr);
    sqlite3_close(holder);
  });
  auto reopened = scheduler::open_sqlite_ledger(path);
  release.join();
  EXPECT_TRUE(reopened.has_value()) << reopened.error().message();
  std::filesystem::remove_all(dir);
}
}  // namespace signet::testing
