// The non-blocking form of a PKCS#11 signature. PKCS#11 calls block (C_Sign returns when the token
// answers — milliseconds on a network HSM), so "many signatures in flight without parking the
// caller's threads" means dedicated threads, one per session, fed by a bounded queue. The caller
// (a pipeline stage on a CPU worker) enqueues and returns at once; a session thread signs and
// runs the completion. Threads start on the first submit, so callers that only use the blocking
// form pay nothing.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "signet/core/signer.h"

namespace signet::hsm {

class SessionWorkers {
 public:
  using SignFn = std::function<Result<Bytes>(ByteView)>;
  // `threads`: one per session the signer may use. `queue_limit`: jobs waiting beyond those being
  // signed; a submit that finds the queue full waits up to `wait`, then completes with a
  // retryable kResourceExhausted (the caller slows down; memory stays bounded).
  SessionWorkers(SignFn sign, std::size_t threads, std::size_t queue_limit,
                 std::chrono::milliseconds wait, std::string name);
  SessionWorkers(const SessionWorkers&) = delete;
  SessionWorkers& operator=(const SessionWorkers&) = delete;
  SessionWorkers(SessionWorkers&&) = delete;
  SessionWorkers& operator=(SessionWorkers&&) = delete;
  // Completes every queued job with kAborted (retry the item) and joins the threads; a job being
  // signed finishes first.
  ~SessionWorkers();

  void submit(Bytes input, Signer::Completion done);
  // Jobs queued for a session thread plus submitters waiting for queue space (monitoring).
  [[nodiscard]] std::size_t waiting();

 private:
  struct Job {
    Bytes input;
    Signer::Completion done;
  };
  void start_locked();
  void run();

  SignFn sign_;
  std::size_t thread_count_;
  std::size_t queue_limit_;
  std::chrono::milliseconds wait_;
  std::string name_;

  std::mutex mutex_;
  std::condition_variable work_;   // a job arrived, or stopping
  std::condition_variable space_;  // the queue has room
  std::deque<Job> queue_;
  bool stopping_ = false;
  // Threads and submitters asleep: a wake-up (a futex call, a context switch) is paid only when
  // someone is waiting — at thousands of signatures a second this is most of the cost.
  std::size_t idle_threads_ = 0;
  std::size_t waiting_submitters_ = 0;
  std::vector<std::thread> threads_;
};

}  // namespace signet::hsm
