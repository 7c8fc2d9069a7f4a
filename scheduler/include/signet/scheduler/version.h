// What `signet --version` reports of the scheduler: the on-disk formats this build reads and
// writes, so an operator can tell whether two signet processes may share one ledger.
#pragma once

#include <string>

namespace signet::scheduler {

// "ledger schema N, reissue schema M" (ledger_store.h, reissue_job.h).
[[nodiscard]] std::string version();

}  // namespace signet::scheduler
