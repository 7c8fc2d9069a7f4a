// The shared store suite against SQLite.
#include "ledger_store_suite.h"

namespace signet::testing {
INSTANTIATE_TEST_SUITE_P(Sqlite, LedgerStoreTest, ::testing::Values(sqlite_backend()),
                         backend_name);
}  // namespace signet::testing
