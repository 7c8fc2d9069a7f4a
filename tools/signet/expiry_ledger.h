// `signet certs check-expiration --ledger`: the certificates signet itself issued, read from the
// ledger (issue 6 item 6) into the same inventory the file, PKI-directory, kubeconfig and
// endpoint sources fill.
#pragma once

#include <cstddef>
#include <cstdint>
#include <set>
#include <string>

#include "signet/core/ledger.h"
#include "signet/core/result.h"

#include "expiry_sources.h"

namespace signet::cli::expiry {

struct LedgerSource {
  std::int64_t now = 0;          // unix seconds
  std::int64_t until = 0;        // only records with not_after < until (0: no bound)
  std::int64_t expired_for = 0;  // and not_after >= now - expired_for (recently expired too)
  std::size_t limit = 100;       // rows shown at most, soonest expiry first
};

struct LedgerSummary {
  std::uint64_t matched = 0;      // records in the window (revoked ones included)
  std::size_t shown = 0;          // added to the inventory
  std::size_t revoked = 0;        // skipped: revoked certificates are out of service
  std::set<std::string> issuers;  // CAs of the rows shown, for the CA table
};

// Rows named "<profile> <subject CN or subject>", source "ledger <issuer> serial <hex>".
[[nodiscard]] Result<LedgerSummary> add_ledger(Inventory& inventory, ledger::LedgerStore& store,
                                               const LedgerSource& source);

}  // namespace signet::cli::expiry
