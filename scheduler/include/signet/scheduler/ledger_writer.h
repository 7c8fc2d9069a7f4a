// Group commit for the ledger (signet issue 6, item 1): callers hand records to one writer
// thread, which commits up to `max_batch` of them, or whatever arrived within `max_delay` of the
// oldest, in one store transaction, then completes each caller with its own Status. So a
// pipeline's sink can release a certificate only once its record is committed
// (persist-before-return) while the token keeps signing, and the database sees one transaction
// (one fsync) per batch instead of one per certificate.
//
// The queue is bounded (`max_queued` records): submit() blocks while it is full, which is the
// backpressure that keeps memory flat when the database is slower than the signer.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <future>
#include <mutex>
#include <thread>

#include "signet/core/ledger.h"
#include "signet/core/result.h"

namespace signet::scheduler {

struct LedgerWriterOptions {
  std::size_t max_batch = 256;             // records per transaction (≥ 1)
  std::chrono::milliseconds max_delay{5};  // the oldest record waits at most this long
  std::size_t max_queued = 4096;           // submit() blocks beyond this (≥ max_batch)
  int commit_attempts = 3;                 // a batch failing with a retry-the-call error
                                           // (busy, lost connection) is tried this often
};

// Called once per record on the writer thread, after its batch committed (ok) or failed (that
// record's error: a duplicate serial, an invalid field, or the batch's database error). Must
// not block for long: it delays the next batch.
using RecordCompletion = std::function<void(Status)>;

class LedgerWriter {
 public:
  // `store` must outlive the writer.
  explicit LedgerWriter(ledger::LedgerStore& store, LedgerWriterOptions options = {});
  LedgerWriter(const LedgerWriter&) = delete;
  LedgerWriter& operator=(const LedgerWriter&) = delete;
  LedgerWriter(LedgerWriter&&) = delete;
  LedgerWriter& operator=(LedgerWriter&&) = delete;
  // Commits everything already submitted, completes it, then stops the thread.
  ~LedgerWriter();

  // Thread-safe. Blocks while max_queued records wait. After close(), completes at once with
  // kFailedPrecondition.
  void submit(ledger::CertificateRecord record, RecordCompletion done);
  [[nodiscard]] std::future<Status> submit(ledger::CertificateRecord record);

  // Commits what was submitted before the call and waits for it; later submits are refused.
  void close();

  struct Stats {
    std::uint64_t records = 0;
    std::uint64_t batches = 0;
    std::uint64_t failed = 0;
  };
  [[nodiscard]] Stats stats() const;

 private:
  struct Pending {
    ledger::CertificateRecord record;
    RecordCompletion done;
  };
  void run();
  void commit(std::vector<Pending>& batch);

  ledger::LedgerStore& store_;
  LedgerWriterOptions options_;
  mutable std::mutex mutex_;
  std::condition_variable has_work_;
  std::condition_variable has_room_;
  std::deque<Pending> queue_;
  std::chrono::steady_clock::time_point oldest_{};
  bool closing_ = false;
  Stats stats_;
  std::thread thread_;  // last: started once every member above exists
};

}  // namespace signet::scheduler
