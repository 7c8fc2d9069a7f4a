// How commands reach the ledger (signet issue 6): --ledger, else config.json's "ledger", else
// <state dir>/ledger.sqlite. A postgresql:// URI selects PostgreSQL (never with a password).
#pragma once

#include <memory>
#include <string>

#include "signet/core/ledger.h"
#include "signet/core/result.h"

#include "context.h"

namespace signet::cli {

[[nodiscard]] Result<std::unique_ptr<ledger::LedgerStore>> open_ledger(const Context& ctx);
// The same ledger for commands that only read it: an SQLite file that does not exist is
// refused (kNotFound) instead of created.
[[nodiscard]] Result<std::unique_ptr<ledger::LedgerStore>> open_existing_ledger(const Context& ctx);

// Records one issued certificate (persist-before-return: the caller writes the certificate out
// only when this succeeded). The error says the certificate was not recorded.
[[nodiscard]] Status record_certificate(ledger::LedgerStore& store, ByteView der,
                                        const ledger::IssuanceContext& context);

// Now, as the ledger's unix seconds.
[[nodiscard]] std::int64_t unix_now();

// "cli:<user>" for records and audit events made from this process.
[[nodiscard]] std::string cli_requester();

// A serial as typed: hex, optionally with ':' between octets ("40:0a:ff"), 1..20 octets.
[[nodiscard]] Result<Bytes> parse_serial(std::string_view text);

}  // namespace signet::cli
