#include "signet/scheduler/ledger_writer.h"

#include <algorithm>
#include <memory>
#include <utility>
#include <vector>

namespace signet::scheduler {

LedgerWriter::LedgerWriter(ledger::LedgerStore& store, LedgerWriterOptions options)
    : store_(store), options_(options) {
  options_.max_batch = std::max<std::size_t>(options_.max_batch, 1);
  options_.max_queued = std::max(options_.max_queued, options_.max_batch);
  options_.commit_attempts = std::max(options_.commit_attempts, 1);
  thread_ = std::thread([this] { run(); });
}

LedgerWriter::~LedgerWriter() {
  close();
}

void LedgerWriter::close() {
  {
    const std::lock_guard lock(mutex_);
    closing_ = true;
  }
  has_work_.notify_all();
  has_room_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void LedgerWriter::submit(ledger::CertificateRecord record, RecordCompletion done) {
  std::unique_lock lock(mutex_);
  has_room_.wait(lock, [&] { return closing_ || queue_.size() < options_.max_queued; });
  if (closing_) {
    lock.unlock();
    done(fail(ErrorCode::kFailedPrecondition, "ledger writer: closed; the record was not written"));
    return;
  }
  if (queue_.empty()) oldest_ = std::chrono::steady_clock::now();
  queue_.push_back(Pending{std::move(record), std::move(done)});
  const bool full = queue_.size() >= options_.max_batch;
  const bool first = queue_.size() == 1;
  lock.unlock();
  // The writer sleeps until the batch is full or the oldest record's deadline; wake it for
  // the first record (to start the clock) and for a full batch.
  if (full || first) has_work_.notify_one();
}

std::future<Status> LedgerWriter::submit(ledger::CertificateRecord record) {
  auto promise = std::make_shared<std::promise<Status>>();
  std::future<Status> future = promise->get_future();
  submit(std::move(record), [promise](Status s) { promise->set_value(std::move(s)); });
  return future;
}

LedgerWriter::Stats LedgerWriter::stats() const {
  const std::lock_guard lock(mutex_);
  return stats_;
}

void LedgerWriter::run() {
  std::vector<Pending> batch;
  batch.reserve(options_.max_batch);
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      has_work_.wait(lock, [&] { return closing_ || !queue_.empty(); });
      if (queue_.empty()) return;  // closing, and everything is committed
      // Group commit: wait for a full batch, at most until the oldest record's deadline.
      const auto deadline = oldest_ + options_.max_delay;
      has_work_.wait_until(lock, deadline,
                           [&] { return closing_ || queue_.size() >= options_.max_batch; });
      const std::size_t n = std::min(queue_.size(), options_.max_batch);
      for (std::size_t i = 0; i < n; ++i) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      if (!queue_.empty()) oldest_ = std::chrono::steady_clock::now();
    }
    has_room_.notify_all();
    commit(batch);
    batch.clear();
  }
}

void LedgerWriter::commit(std::vector<Pending>& batch) {
  std::vector<ledger::CertificateRecord> records;
  records.reserve(batch.size());
  for (auto& p : batch) records.push_back(std::move(p.record));
  Result<std::vector<Status>> results = store_.insert(records);
  // A busy database or a dropped connection rolled the whole batch back: try it again (a
  // record that did commit before an in-doubt failure comes back as a duplicate, never twice).
  for (int attempt = 1;
       !results && results.error().retry() == Retry::kCall && attempt < options_.commit_attempts;
       ++attempt) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20) * attempt);
    results = store_.insert(records);
  }
  std::uint64_t failed = 0;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    Status s = results ? std::move((*results)[i]) : Status(fail(results.error()));
    if (!s) ++failed;
    batch[i].done(std::move(s));
  }
  const std::lock_guard lock(mutex_);
  stats_.records += batch.size();
  stats_.batches += 1;
  stats_.failed += failed;
}

}  // namespace signet::scheduler
