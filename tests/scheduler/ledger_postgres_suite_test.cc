// The shared store suite, concurrent part included, against a real PostgreSQL 15 started for
// each test (tests/support/postgres_server.h). Skips without PostgreSQL, fails under CI=true.
#include "ledger_store_suite.h"

namespace signet::testing {
INSTANTIATE_TEST_SUITE_P(Postgres, LedgerStoreTest, ::testing::Values(postgres_backend()),
                         backend_name);
INSTANTIATE_TEST_SUITE_P(Postgres, LedgerStoreConcurrencyTest,
                         ::testing::Values(postgres_backend()), backend_name);
}  // namespace signet::testing
