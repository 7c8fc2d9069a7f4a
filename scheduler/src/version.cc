#include "signet/scheduler/version.h"

#include "signet/scheduler/ledger_store.h"
#include "signet/scheduler/reissue_job.h"

namespace signet::scheduler {

std::string version() {
  return "ledger schema " + std::to_string(kLedgerSchemaVersion) + ", reissue schema " +
         std::to_string(kReissueSchemaVersion);
}

}  // namespace signet::scheduler
