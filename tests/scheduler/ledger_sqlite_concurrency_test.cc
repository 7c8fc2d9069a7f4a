// The concurrent part of the store suite against SQLite (label "concurrency", TSan too).
#include "ledger_store_suite.h"

namespace signet::testing {
INSTANTIATE_TEST_SUITE_P(Sqlite, LedgerStoreConcurrencyTest, ::testing::Values(sqlite_backend()),
                         backend_name);
}  // namespace signet::testing
