// Faults injected by the PKCS#11 shim (hsm/shim) into 1 % of C_Sign calls: every signature
// still completes and verifies, because failed sessions are replaced, a lost login restored and
// the signature retried. Each test is its own process, so the shim's environment is its own.
#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "signet/hsm/token.h"

#include "softhsm_fixture.h"

namespace signet::hsm {
namespace {

using testing::SoftHsmTest;

class ShimFaultTest : public SoftHsmTest, public ::testing::WithParamInterface<const char*> {};

TEST_P(ShimFaultTest, EverySignatureCompletesAndVerifies) {
  ASSERT_TRUE(ready_);
  const auto uri = Pkcs11Uri::parse(key_uri("ca"));
  ASSERT_TRUE(generate_key(module_, *uri, {KeyType::kEcP256, 0}));
  // From here on the key is used through the shim, which forwards to SoftHSM.
  ::setenv("SIGNET_SHIM_MODULE", module_.c_str(), 1);
  ::setenv("SIGNET_SHIM_FAULT_RV", GetParam(), 1);
  ::setenv("SIGNET_SHIM_FAULT_PROBABILITY", "0.01", 1);
  ::setenv("SIGNET_SHIM_FAULT_SEED", "20261123", 1);
  SignerOptions options;
  options.max_sessions = 4;
  options.max_attempts = 6;
  options.backoff = std::chrono::milliseconds(1);
  auto signer = open_signer(SIGNET_SHIM_PATH, *uri, options);
  ASSERT_TRUE(signer) << signer.error().message();

  // The acceptance run: 20,000 signatures, half through the blocking call on 4 threads, half
  // through the non-blocking submit from one more thread, all at once. Sanitizer builds run a
  // tenth of it (still ≈20 injected faults at 1 %); the normal build runs it all.
#ifdef SIGNET_SANITIZED
  constexpr int kScale = 10;
#else
  constexpr int kScale = 1;
#endif
  constexpr int kThreads = 4;
  constexpr int kPerThread = 2500 / kScale;
  constexpr int kSubmitted = 10000 / kScale;
  std::atomic<int> verified{0};
  std::atomic<int> failed{0};
  std::string first_error;
  std::mutex error_mutex;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        const std::string message = std::to_string(t) + "/" + std::to_string(i);
        const auto digest = signing_input(SignatureAlgorithm::kEcdsaSha256, as_bytes(message));
        const auto sig = (*signer)->sign(*digest);
        if (sig && verify_signature((*signer)->public_key_der(), SignatureAlgorithm::kEcdsaSha256,
                                    *digest, *sig)) {
          ++verified;
        } else {
          ++failed;
          const std::lock_guard lock(error_mutex);
          if (first_error.empty()) {
            first_error = sig ? "signature of " + std::to_string(sig->size()) +
                                    " bytes does not verify: " + to_hex(*sig)
                              : sig.error().message();
          }
        }
      }
    });
  }
  std::mutex done_mutex;
  std::condition_variable all_done;
  int completed = 0;
  for (int i = 0; i < kSubmitted; ++i) {
    const std::string message = "submitted/" + std::to_string(i);
    auto digest = signing_input(SignatureAlgorithm::kEcdsaSha256, as_bytes(message));
    ASSERT_TRUE(digest);
    Bytes input = *digest;
    (*signer)->submit(std::move(*digest), [&, input](Result<Bytes> sig) {
      if (sig && verify_signature((*signer)->public_key_der(), SignatureAlgorithm::kEcdsaSha256,
                                  input, *sig)) {
        ++verified;
      } else {
        ++failed;
        const std::lock_guard lock(error_mutex);
        if (first_error.empty()) first_error = sig ? "bad signature" : sig.error().message();
      }
      const std::lock_guard lock(done_mutex);
      if (++completed == kSubmitted) all_done.notify_all();
    });
  }
  for (auto& th : threads) th.join();
  {
    std::unique_lock lock(done_mutex);
    ASSERT_TRUE(
        all_done.wait_for(lock, std::chrono::minutes(5), [&] { return completed == kSubmitted; }));
  }
  EXPECT_EQ(failed.load(), 0) << first_error;
  EXPECT_EQ(verified.load(), kThreads * kPerThread + kSubmitted);
}

// Backpressure: a submit that finds the queue full waits at most session_wait, then fails with
// a retryable error instead of growing memory without bound.
TEST_F(SoftHsmTest, SubmitToAFullQueueFailsRetryably) {
  ASSERT_TRUE(ready_);
  const auto uri = Pkcs11Uri::parse(key_uri("ca"));
  ASSERT_TRUE(generate_key(module_, *uri, {KeyType::kEcP256, 0}));
  ::setenv("SIGNET_SHIM_MODULE", module_.c_str(), 1);
  ::setenv("SIGNET_SHIM_SIGN_LATENCY_US", "200000", 1);  // 200 ms per C_Sign
  SignerOptions options;
  options.max_sessions = 1;
  options.max_queued = 2;
  options.session_wait = std::chrono::milliseconds(20);
  auto signer = open_signer(SIGNET_SHIM_PATH, *uri, options);
  ASSERT_TRUE(signer) << signer.error().message();
  std::mutex mutex;
  std::condition_variable cv;
  int ok = 0;
  int exhausted = 0;
  int other = 0;
  constexpr int kBurst = 8;
  const auto digest = signing_input(SignatureAlgorithm::kEcdsaSha256, as_bytes("burst"));
  ASSERT_TRUE(digest);
  for (int i = 0; i < kBurst; ++i) {
    (*signer)->submit(*digest, [&](Result<Bytes> sig) {
      const std::lock_guard lock(mutex);
      if (sig) {
        ++ok;
      } else if (sig.error().code() == ErrorCode::kResourceExhausted &&
                 sig.error().retry() != Retry::kNever) {
        ++exhausted;
      } else {
        ++other;
      }
      cv.notify_all();
    });
  }
  std::unique_lock lock(mutex);
  ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(30),
                          [&] { return ok + exhausted + other == kBurst; }));
  // One being signed and two queued fit; the other five waited 20 ms and were turned away.
  EXPECT_EQ(other, 0);
  EXPECT_GE(exhausted, 4);
  EXPECT_GE(ok, 3);
}

INSTANTIATE_TEST_SUITE_P(ReturnValues, ShimFaultTest,
                         ::testing::Values("CKR_SESSION_HANDLE_INVALID", "CKR_SESSION_CLOSED",
                                           "CKR_DEVICE_ERROR", "CKR_DEVICE_REMOVED",
                                           "CKR_TOKEN_NOT_PRESENT", "CKR_USER_NOT_LOGGED_IN"),
                         [](const auto& p) { return std::string(p.param).substr(4); });

}  // namespace
}  // namespace signet::hsm
