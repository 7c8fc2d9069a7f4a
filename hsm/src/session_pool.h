// A bounded pool of sessions on one logged-in token: one session per signature in flight
// (performance-notes.md pitfall 1), leases returned on scope exit, broken sessions replaced,
// the login restored when the token lost it (EXAMPLES.md habits 4 and 5).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "signet/core/result.h"
#include "signet/hsm/secret.h"

#include "p11.h"

namespace signet::hsm {

struct PoolOptions {
  std::size_t max_sessions = 0;                  // 0: the CPU count; capped by the token
  std::chrono::milliseconds wait_timeout{5000};  // a caller waits at most this for a session
};

class SessionPool {
 public:
  // Opens the anchor session and logs in; the anchor holds the login for the pool's life and is
  // never used for signing. `pin` is kept (wiped on destruction) to restore a lost login.
  [[nodiscard]] static Result<std::unique_ptr<SessionPool>> open(
      std::shared_ptr<p11::Module> module, CK_SLOT_ID slot, std::string label, SecretString pin,
      PoolOptions options);
  SessionPool(const SessionPool&) = delete;
  SessionPool& operator=(const SessionPool&) = delete;
  SessionPool(SessionPool&&) = delete;
  SessionPool& operator=(SessionPool&&) = delete;
  ~SessionPool();

  // A session for one operation. Returned to the pool on destruction, or closed if marked broken.
  class Lease {
   public:
    Lease(SessionPool* pool, CK_SESSION_HANDLE handle) noexcept : pool_(pool), handle_(handle) {}
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    Lease(Lease&& other) noexcept
        : pool_(std::exchange(other.pool_, nullptr)),
          handle_(other.handle_),
          broken_(other.broken_),
          dead_(other.dead_) {}
    Lease& operator=(Lease&&) = delete;
    ~Lease();

    [[nodiscard]] CK_SESSION_HANDLE handle() const noexcept { return handle_; }
    // The session failed in a way that may leave it unusable (an operation still active, a
    // closed or invalid handle): close it instead of reusing it.
    void mark_broken() noexcept { broken_ = true; }
    // The token already says the handle is gone (CKR_SESSION_HANDLE_INVALID/CLOSED): forget it
    // without C_CloseSession, which on a module that reuses handles could close someone else's.
    void mark_dead() noexcept { dead_ = true; }

   private:
    SessionPool* pool_;
    CK_SESSION_HANDLE handle_;
    bool broken_ = false;
    bool dead_ = false;
  };

  // Waits up to the configured time for a session; then a retryable kDeadlineExceeded. After
  // the token refused the PIN on a repair, fails at once with that (never-retry) error.
  [[nodiscard]] Result<Lease> acquire();
  // After a lost login or a token reset: logs in again (reopening the anchor if it died), then
  // runs `then` on a fresh session — e.g. to look a key up again — all under one lock, so
  // repairs by several threads do not interleave. A PIN refused once is never tried again.
  [[nodiscard]] Status repair(const std::function<Status(const p11::Session&)>& then);
  // After a token-level failure (CKR_DEVICE_REMOVED, CKR_TOKEN_NOT_PRESENT) every idle session
  // is presumed dead: forget them all (not closed) so retries get fresh ones.
  void drain_idle() noexcept;

  [[nodiscard]] CK_FUNCTION_LIST* fn() const noexcept { return module_->fn(); }
  [[nodiscard]] std::size_t capacity() const noexcept { return capacity_; }
  [[nodiscard]] const std::string& label() const noexcept { return label_; }
  // Sessions leased now and callers waiting in acquire() (monitoring: Signer::load).
  [[nodiscard]] std::pair<std::size_t, std::size_t> usage();

 private:
  SessionPool(std::shared_ptr<p11::Module> module, CK_SLOT_ID slot, std::string label,
              SecretString pin, PoolOptions options, std::size_t capacity, p11::Session anchor);
  void release(CK_SESSION_HANDLE handle, bool broken, bool dead) noexcept;

  std::shared_ptr<p11::Module> module_;
  CK_SLOT_ID slot_;
  std::string label_;
  SecretString pin_;
  PoolOptions options_;
  std::size_t capacity_;

  std::mutex mutex_;
  std::condition_variable available_;
  std::vector<CK_SESSION_HANDLE> idle_;
  std::size_t open_ = 0;     // sessions counted against capacity_: idle + leased + being opened
  std::size_t waiting_ = 0;  // callers inside acquire()'s wait
  std::mutex login_mutex_;
  p11::Session anchor_;
  std::optional<Error> refusal_;  // under login_mutex_: the login error that stopped the pool
  const int owner_pid_;           // the process that opened the pool (fork check)
  std::atomic<bool> login_refused_{false};
};

}  // namespace signet::hsm
