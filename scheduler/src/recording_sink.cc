#include "signet/scheduler/recording_sink.h"

#include <chrono>
#include <utility>

namespace signet::scheduler {

RecordingSink::RecordingSink(LedgerWriter& writer, MakeRecord make, const ItemSink& inner,
                             std::size_t max_pending)
    : writer_(writer), make_(std::move(make)), inner_(inner), max_pending_(max_pending) {}

Status RecordingSink::operator()(ItemResult&& result) {
  Entry entry{std::move(result), std::nullopt};
  if (entry.result.output) {
    auto record = make_(entry.result);
    if (record) {
      entry.committed = writer_.submit(std::move(*record));
    } else {
      ++failures_;
      entry.result.output = fail(record.error().context("certificate not recorded"));
    }
  }
  pending_.push_back(std::move(entry));
  return release(false);
}

Status RecordingSink::finish() {
  return release(true);
}

Status RecordingSink::release(bool wait_all) {
  while (!pending_.empty()) {
    Entry& front = pending_.front();
    if (front.committed) {
      // Wait when told to, or when too many results are held (bounded memory); else stop at
      // the first record not yet committed (order is kept).
      const bool must_wait = wait_all || pending_.size() > max_pending_;
      if (!must_wait &&
          front.committed->wait_for(std::chrono::seconds(0)) != std::future_status::ready) {
        return {};
      }
      Status committed = front.committed->get();
      if (committed) {
        ++recorded_;
      } else {
        ++failures_;
        // The certificate exists but is not in the ledger: it must not be returned.
        front.result.output = fail(committed.error().context("certificate not recorded"));
      }
    }
    ItemResult result = std::move(front.result);
    pending_.pop_front();
    SIGNET_RETURN_IF_ERROR(inner_(std::move(result)));
  }
  return {};
}

}  // namespace signet::scheduler
