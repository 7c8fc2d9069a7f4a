// Faults injected by the PKCS#11 shim (hsm/shim) into 1 % of C_Sign calls: every signature
// still completes and verifies, because failed sessions are replaced, a lost login restored and
// the signature retried. Each test is its own process, so the shim's environment is its own.
#include <atomic>
#include <cstdlib>
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

  constexpr int kThreads = 4;
  constexpr int kPerThread = 500;
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
  for (auto& th : threads) th.join();
  EXPECT_EQ(failed.load(), 0) << first_error;
  EXPECT_EQ(verified.load(), kThreads * kPerThread);
}

INSTANTIATE_TEST_SUITE_P(ReturnValues, ShimFaultTest,
                         ::testing::Values("CKR_SESSION_HANDLE_INVALID", "CKR_SESSION_CLOSED",
                                           "CKR_DEVICE_ERROR", "CKR_DEVICE_REMOVED",
                                           "CKR_TOKEN_NOT_PRESENT", "CKR_USER_NOT_LOGGED_IN"),
                         [](const auto& p) { return std::string(p.param).substr(4); });

}  // namespace
}  // namespace signet::hsm
