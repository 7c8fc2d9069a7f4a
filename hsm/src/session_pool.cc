#include "session_pool.h"

#include <unistd.h>

#include <algorithm>
#include <string>
#include <thread>

namespace signet::hsm {

Result<std::unique_ptr<SessionPool>> SessionPool::open(std::shared_ptr<p11::Module> module,
                                                       CK_SLOT_ID slot, std::string label,
                                                       SecretString pin, PoolOptions options) {
  CK_TOKEN_INFO info{};
  SIGNET_RETURN_IF_ERROR(p11::check(module->fn()->C_GetTokenInfo(slot, &info), "C_GetTokenInfo"));
  std::size_t capacity = options.max_sessions;
  if (capacity == 0) capacity = std::max(1U, std::thread::hardware_concurrency());
  // ulMaxSessionCount: 0 (CK_EFFECTIVELY_INFINITE) or unavailable means no limit; otherwise one
  // session is the anchor's (PKCS#11 v2.40 §3.2 CK_TOKEN_INFO).
  if (info.ulMaxSessionCount != CK_EFFECTIVELY_INFINITE &&
      info.ulMaxSessionCount != CK_UNAVAILABLE_INFORMATION) {
    if (info.ulMaxSessionCount < 2) {
      return fail(ErrorCode::kFailedPrecondition,
                  "token '" + label + "' allows only " + std::to_string(info.ulMaxSessionCount) +
                      " session; signet needs one to hold the login and one to sign");
    }
    capacity = std::min<std::size_t>(capacity, info.ulMaxSessionCount - 1);
  }
  SIGNET_ASSIGN_OR_RETURN(p11::Session anchor, p11::open_session(module, slot, false));
  if (auto ok = anchor.login(CKU_USER, pin); !ok) {
    return fail(ok.error().context("token '" + label + "'"));
  }
  return std::unique_ptr<SessionPool>(new SessionPool(std::move(module), slot, std::move(label),
                                                      std::move(pin), options, capacity,
                                                      std::move(anchor)));
}

SessionPool::SessionPool(std::shared_ptr<p11::Module> module, CK_SLOT_ID slot, std::string label,
                         SecretString pin, PoolOptions options, std::size_t capacity,
                         p11::Session anchor)
    : module_(std::move(module)),
      slot_(slot),
      label_(std::move(label)),
      pin_(std::move(pin)),
      options_(options),
      capacity_(capacity),
      anchor_(std::move(anchor)),
      owner_pid_(::getpid()) {
  idle_.reserve(capacity_);
}

SessionPool::~SessionPool() {
  // Leases hold a pointer to the pool: the owner (the signer) outlives every lease it hands out.
  for (const CK_SESSION_HANDLE s : idle_) static_cast<void>(fn()->C_CloseSession(s));
}

SessionPool::Lease::~Lease() {
  if (pool_ != nullptr) pool_->release(handle_, broken_, dead_);
}

std::pair<std::size_t, std::size_t> SessionPool::usage() {
  const std::lock_guard lock(mutex_);
  return {open_ - std::min(open_, idle_.size()), waiting_};
}

Result<SessionPool::Lease> SessionPool::acquire() {
  // PKCS#11 handles do not survive fork() (v2.40 §6.7.7): a child must initialise the module and
  // log in again. Refuse rather than hand the child its parent's sessions (pitfall 10).
  if (::getpid() != owner_pid_) {
    return fail(ErrorCode::kFailedPrecondition,
                "token '" + label_ +
                    "': the signer was opened before fork(); open it again in this process");
  }
  if (login_refused_.load()) {
    const std::lock_guard lock(login_mutex_);
    if (refusal_) return fail(*refusal_);
  }
  {
    std::unique_lock lock(mutex_);
    ++waiting_;
    const bool ready = available_.wait_for(lock, options_.wait_timeout,
                                           [this] { return !idle_.empty() || open_ < capacity_; });
    --waiting_;
    if (!ready) {
      return fail(ErrorCode::kDeadlineExceeded, "token '" + label_ + "': no session free after " +
                                                    std::to_string(options_.wait_timeout.count()) +
                                                    " ms (" + std::to_string(capacity_) +
                                                    " in use)");
    }
    if (!idle_.empty()) {
      const CK_SESSION_HANDLE s = idle_.back();
      idle_.pop_back();
      return Lease(this, s);
    }
    ++open_;  // reserve the slot; the session is opened outside the lock
  }
  // Sessions of a logged-in application are logged in (PKCS#11 v2.40 §5.6). On a network HSM
  // C_OpenSession is a round trip: never under the lock.
  CK_SESSION_HANDLE s = CK_INVALID_HANDLE;
  const Status opened = p11::check(
      fn()->C_OpenSession(slot_, CKF_SERIAL_SESSION, nullptr, nullptr, &s), "C_OpenSession");
  if (!opened) {
    {
      const std::lock_guard lock(mutex_);
      --open_;
    }
    available_.notify_one();
    return fail(opened.error().context("token '" + label_ + "'"));
  }
  return Lease(this, s);
}

void SessionPool::release(CK_SESSION_HANDLE handle, bool broken, bool dead) noexcept {
  if (broken || dead) {
    if (!dead) static_cast<void>(fn()->C_CloseSession(handle));
    const std::lock_guard lock(mutex_);
    --open_;
  } else {
    const std::lock_guard lock(mutex_);
    idle_.push_back(handle);
  }
  available_.notify_one();
}

void SessionPool::drain_idle() noexcept {
  // The idle sessions went with the token: forgotten, not closed (their numbers may already
  // belong to sessions opened since, on a module that reuses handles).
  {
    const std::lock_guard lock(mutex_);
    open_ -= idle_.size();
    idle_.clear();
  }
  available_.notify_all();
}

Status SessionPool::repair(const std::function<Status(const p11::Session&)>& then) {
  const std::lock_guard lock(login_mutex_);
  if (refusal_) return fail(*refusal_);
  Status ok = anchor_.login(CKU_USER, pin_);
  if (!ok && ok.error().code() == ErrorCode::kUnavailable) {
    // The anchor itself is gone (token reset): open a new one and log in on it. The old handle
    // is forgotten, not closed: the token may have handed its number to `fresh`.
    SIGNET_ASSIGN_OR_RETURN(p11::Session fresh, p11::open_session(module_, slot_, false));
    ok = fresh.login(CKU_USER, pin_);
    if (ok) {
      anchor_.forget();
      anchor_ = std::move(fresh);
    }
  }
  if (!ok && ok.error().retry() == Retry::kNever) {
    // A PIN the token now refuses (changed, or the token re-initialised): every further C_Login
    // with it would count towards locking the user PIN, so none is made again; the pool fails
    // every signature with this error until the signer is reopened with the right PIN.
    refusal_ = ok.error().context("token '" + label_ + "': restoring the login");
    login_refused_ = true;
    available_.notify_all();
    return fail(*refusal_);
  }
  if (!ok) return fail(ok.error().context("token '" + label_ + "': restoring the login"));
  if (!then) return {};
  // The follow-up runs on a fresh session, not the anchor: SoftHSM drops private-object handles
  // at logout and, under load, lookups on the long-lived anchor kept failing after a re-login
  // (seen under ASan with 1 % injected logouts). One extra session, briefly, under this lock.
  SIGNET_ASSIGN_OR_RETURN(const p11::Session lookup, p11::open_session(module_, slot_, false));
  return then(lookup);
}

}  // namespace signet::hsm
