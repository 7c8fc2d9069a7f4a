#include "session_workers.h"

#include <utility>

namespace signet::hsm {

SessionWorkers::SessionWorkers(SignFn sign, std::size_t threads, std::size_t queue_limit,
                               std::chrono::milliseconds wait, std::string name)
    : sign_(std::move(sign)),
      thread_count_(threads == 0 ? 1 : threads),
      queue_limit_(queue_limit == 0 ? 1 : queue_limit),
      wait_(wait),
      name_(std::move(name)) {}

SessionWorkers::~SessionWorkers() {
  std::deque<Job> abandoned;
  {
    const std::scoped_lock lock(mutex_);
    stopping_ = true;
    abandoned.swap(queue_);
  }
  work_.notify_all();
  space_.notify_all();
  for (std::thread& t : threads_) t.join();
  for (Job& job : abandoned) {
    job.done(fail(ErrorCode::kAborted, name_ + ": the signer was closed before this signature"));
  }
}

void SessionWorkers::start_locked() {
  threads_.reserve(thread_count_);
  for (std::size_t i = 0; i < thread_count_; ++i) threads_.emplace_back([this] { run(); });
}

std::size_t SessionWorkers::waiting() {
  const std::lock_guard lock(mutex_);
  return queue_.size() + waiting_submitters_;
}

void SessionWorkers::submit(Bytes input, Signer::Completion done) {
  bool closing = false;
  {
    std::unique_lock lock(mutex_);
    if (threads_.empty() && !stopping_) start_locked();
    const auto has_room = [this] { return stopping_ || queue_.size() < queue_limit_; };
    bool room = has_room();
    if (!room) {
      ++waiting_submitters_;
      room = space_.wait_for(lock, wait_, has_room);
      --waiting_submitters_;
    }
    if (room && !stopping_) {
      queue_.push_back(Job{std::move(input), std::move(done)});
      // A busy thread takes the job when it finishes its own; only a sleeping one needs a wake-up.
      const bool wake = idle_threads_ > 0;
      lock.unlock();
      if (wake) work_.notify_one();
      return;
    }
    closing = stopping_;
  }
  // Outside the lock: a completion may submit again.
  if (closing) {
    done(fail(ErrorCode::kAborted, name_ + ": the signer is closing"));
  } else {
    done(fail(ErrorCode::kResourceExhausted, name_ + ": " + std::to_string(queue_limit_) +
                                                 " signatures already queued after " +
                                                 std::to_string(wait_.count()) + " ms; slow down"));
  }
}

void SessionWorkers::run() {
  for (;;) {
    Job job;
    bool wake_submitter = false;
    {
      std::unique_lock lock(mutex_);
      if (!stopping_ && queue_.empty()) {
        ++idle_threads_;
        work_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
        --idle_threads_;
      }
      if (queue_.empty()) return;  // stopping, nothing left to sign
      job = std::move(queue_.front());
      queue_.pop_front();
      wake_submitter = waiting_submitters_ > 0;
    }
    if (wake_submitter) space_.notify_one();
    job.done(sign_(job.input));
  }
}

}  // namespace signet::hsm
