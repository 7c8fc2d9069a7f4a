// signet serve's persist-before-return (signet issue 7: "every certificate the server returns is
// recorded in the ledger first"): serve::IssuanceRecorder over the state's ledger. Concurrent
// requests share one group-commit writer (scheduler/ledger_writer.h), so the ledger sees one
// transaction per batch of requests, and each request waits only for its own batch's commit.
#pragma once

#include <memory>

#include "signet/core/ledger.h"
#include "signet/scheduler/ledger_writer.h"
#include "signet/serve/issuance.h"

namespace signet::cli {

class LedgerRecorder final : public serve::IssuanceRecorder {
 public:
  // `also` (may be null) is called after the ledger committed: the optional JSON-lines log.
  LedgerRecorder(std::unique_ptr<ledger::LedgerStore> store,
                 std::unique_ptr<serve::IssuanceRecorder> also);
  LedgerRecorder(const LedgerRecorder&) = delete;
  LedgerRecorder& operator=(const LedgerRecorder&) = delete;
  LedgerRecorder(LedgerRecorder&&) = delete;
  LedgerRecorder& operator=(LedgerRecorder&&) = delete;
  ~LedgerRecorder() override;

  [[nodiscard]] Status record(const serve::IssuanceRecord& record) override;
  // Every record submitted to the writer before any is waited for: a batch of N certificates
  // costs a few group commits, not N.
  [[nodiscard]] std::vector<Status> record_all(
      const std::vector<serve::IssuanceRecord>& records) override;

 private:
  std::unique_ptr<ledger::LedgerStore> store_;
  std::unique_ptr<scheduler::LedgerWriter> writer_;  // declared after store_: stops first
  std::unique_ptr<serve::IssuanceRecorder> also_;
};

}  // namespace signet::cli
