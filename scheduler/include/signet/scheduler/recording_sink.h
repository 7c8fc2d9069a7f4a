// Persist-before-return for the pipeline (signet issue 6): a sink in front of the real one. Each
// issued certificate's ledger record goes to the group-commit writer at once, and results leave
// for the real sink in input order, each only after its record committed; a certificate whose
// record failed leaves as that item's error (so it is never written out). The pipeline keeps
// signing meanwhile: the sink waits only when `max_pending` results are waiting for commits.
#pragma once

#include <cstddef>
#include <deque>
#include <functional>
#include <future>
#include <optional>

#include "signet/core/ledger.h"
#include "signet/scheduler/ledger_writer.h"
#include "signet/scheduler/pipeline.h"

namespace signet::scheduler {

class RecordingSink {
 public:
  // The record of an issued result (ledger::record_from_certificate with the item's context).
  using MakeRecord = std::function<Result<ledger::CertificateRecord>(const ItemResult&)>;

  // `writer` and `inner` must outlive this object.
  RecordingSink(LedgerWriter& writer, MakeRecord make, const ItemSink& inner,
                std::size_t max_pending = 4096);

  // The pipeline's sink (one thread at a time, input order).
  Status operator()(ItemResult&& result);
  // After run_pipeline: waits for the outstanding commits and releases the rest, in order.
  Status finish();

  [[nodiscard]] std::uint64_t recorded() const noexcept { return recorded_; }
  [[nodiscard]] std::uint64_t record_failures() const noexcept { return failures_; }

 private:
  struct Entry {
    ItemResult result;
    std::optional<std::future<Status>> committed;  // none: an error result, nothing to record
  };
  Status release(bool wait_all);

  LedgerWriter& writer_;
  MakeRecord make_;
  const ItemSink& inner_;
  std::size_t max_pending_;
  std::deque<Entry> pending_;
  std::uint64_t recorded_ = 0;
  std::uint64_t failures_ = 0;
};

}  // namespace signet::scheduler
