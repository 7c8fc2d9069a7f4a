// The session pool under contention and faults (label: concurrency, so it also runs under TSan).
#include "session_pool.h"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <thread>

#include <gtest/gtest.h>

#include "signet/hsm/token.h"

#include "p11.h"
#include "softhsm_fixture.h"

namespace signet::hsm {
namespace {

using testing::SoftHsmTest;

class SessionPoolTest : public SoftHsmTest {
 protected:
  std::unique_ptr<SessionPool> open_pool(std::size_t sessions, std::chrono::milliseconds wait) {
    auto module = p11::Module::load(module_);
    EXPECT_TRUE(module);
    Pkcs11Uri uri;
    uri.token = kLabel;
    const auto slot = p11::find_token(**module, uri);
    EXPECT_TRUE(slot);
    auto pool = SessionPool::open(*module, slot->id, kLabel, SecretString(kPin),
                                  PoolOptions{sessions, wait});
    EXPECT_TRUE(pool) << pool.error().message();
    return std::move(*pool);
  }
};

TEST_F(SessionPoolTest, NeverLeasesMoreThanItsCapacity) {
  ASSERT_TRUE(ready_);
  auto pool = open_pool(2, std::chrono::milliseconds(5000));
  std::atomic<int> in_use{0};
  std::atomic<int> peak{0};
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 50; ++i) {
        auto lease = pool->acquire();
        if (!lease) {
          ++failures;
          continue;
        }
        const int now = ++in_use;
        int seen = peak.load();
        while (now > seen && !peak.compare_exchange_weak(seen, now)) {
        }
        std::this_thread::yield();
        --in_use;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_LE(peak.load(), 2);
  EXPECT_GE(peak.load(), 1);
}

TEST_F(SessionPoolTest, WaitingPastTheTimeoutIsARetryableError) {
  ASSERT_TRUE(ready_);
  auto pool = open_pool(1, std::chrono::milliseconds(50));
  auto held = pool->acquire();
  ASSERT_TRUE(held);
  const auto start = std::chrono::steady_clock::now();
  const auto second = pool->acquire();
  ASSERT_FALSE(second);
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(50));
  EXPECT_EQ(second.error().code(), ErrorCode::kDeadlineExceeded);
  EXPECT_EQ(second.error().retry(), Retry::kItem);
  EXPECT_NE(second.error().message().find("no session free after 50 ms"), std::string::npos);
}

TEST_F(SessionPoolTest, ABrokenLeaseIsClosedNotReused) {
  ASSERT_TRUE(ready_);
  auto pool = open_pool(1, std::chrono::milliseconds(1000));
  CK_SESSION_HANDLE broken = CK_INVALID_HANDLE;
  {
    auto lease = pool->acquire();
    ASSERT_TRUE(lease);
    broken = lease->handle();
    lease->mark_broken();
  }
  CK_SESSION_INFO info{};
  EXPECT_EQ(pool->fn()->C_GetSessionInfo(broken, &info), CKR_SESSION_HANDLE_INVALID);
  auto fresh = pool->acquire();  // capacity was given back
  ASSERT_TRUE(fresh);
  EXPECT_EQ(pool->fn()->C_GetSessionInfo(fresh->handle(), &info), CKR_OK);
}

TEST_F(SessionPoolTest, ALostLoginIsRestoredAndTheSignatureCompletes) {
  ASSERT_TRUE(ready_);
  const auto uri = Pkcs11Uri::parse(key_uri("ca"));
  ASSERT_TRUE(generate_key(module_, *uri, {KeyType::kEcP256, 0}));
  SignerOptions options;
  options.max_sessions = 2;
  options.session_wait = std::chrono::milliseconds(1000);
  options.backoff = std::chrono::milliseconds(1);
  auto signer = open_signer(module_, *uri, options);
  ASSERT_TRUE(signer) << signer.error().message();
  // Log the whole application out behind the signer's back (login state is per token, §5.6).
  auto module = p11::Module::load(module_);
  ASSERT_TRUE(module);
  Pkcs11Uri token;
  token.token = kLabel;
  const auto slot = p11::find_token(**module, token);
  auto session = p11::open_session(*module, slot->id, false);
  ASSERT_TRUE(session);
  ASSERT_EQ((*module)->fn()->C_Logout(session->handle()), CKR_OK);

  const auto digest = signing_input(SignatureAlgorithm::kEcdsaSha256, as_bytes("after logout"));
  const auto sig = (*signer)->sign(*digest);
  ASSERT_TRUE(sig) << sig.error().message();
  EXPECT_TRUE(verify_signature((*signer)->public_key_der(), SignatureAlgorithm::kEcdsaSha256,
                               *digest, *sig));
}

// A PIN the token refuses on a repair is never tried again: every further C_Login with it would
// count towards locking the user PIN. Proof: the PIN is changed, the application logged out,
// and after the first refusal the PIN is changed back — a signer that still logged in would now
// succeed; this one keeps failing, at once and without retrying, until it is reopened.
TEST_F(SessionPoolTest, ARefusedPinIsNotTriedAgain) {
  ASSERT_TRUE(ready_);
  const auto uri = Pkcs11Uri::parse(key_uri("ca"));
  ASSERT_TRUE(generate_key(module_, *uri, {KeyType::kEcP256, 0}));
  SignerOptions options;
  options.max_sessions = 2;
  options.backoff = std::chrono::milliseconds(1);
  auto signer = open_signer(module_, *uri, options);
  ASSERT_TRUE(signer) << signer.error().message();
  auto module = p11::Module::load(module_);
  ASSERT_TRUE(module);
  Pkcs11Uri token;
  token.token = kLabel;
  const auto slot = p11::find_token(**module, token);
  auto session = p11::open_session(*module, slot->id, true);
  ASSERT_TRUE(session);
  CK_FUNCTION_LIST* fn = (*module)->fn();
  std::string old_pin = kPin;
  std::string new_pin = "changed-pin-0042";
  auto set_pin = [&](std::string& from, std::string& to) {
    return fn->C_SetPIN(session->handle(), reinterpret_cast<CK_UTF8CHAR*>(from.data()),  // NOLINT
                        from.size(), reinterpret_cast<CK_UTF8CHAR*>(to.data()),          // NOLINT
                        to.size());
  };
  ASSERT_EQ(set_pin(old_pin, new_pin), CKR_OK);
  ASSERT_EQ(fn->C_Logout(session->handle()), CKR_OK);

  const auto digest =
      signing_input(SignatureAlgorithm::kEcdsaSha256, as_bytes("after a PIN change"));
  auto sig = (*signer)->sign(*digest);
  ASSERT_FALSE(sig);
  EXPECT_EQ(sig.error().code(), ErrorCode::kPermissionDenied) << sig.error().message();
  EXPECT_NE(sig.error().message().find("restoring the login"), std::string::npos)
      << sig.error().message();
  EXPECT_EQ(sig.error().message().find(kPin), std::string::npos);

  // The PIN is the signer's again, but the signer does not log in with it any more.
  ASSERT_EQ(fn->C_Login(session->handle(), CKU_USER, reinterpret_cast<CK_UTF8CHAR*>(new_pin.data()),
                        new_pin.size()),  // NOLINT
            CKR_OK);
  ASSERT_EQ(set_pin(new_pin, old_pin), CKR_OK);
  ASSERT_EQ(fn->C_Logout(session->handle()), CKR_OK);
  for (int i = 0; i < 3; ++i) {
    sig = (*signer)->sign(*digest);
    ASSERT_FALSE(sig);
    EXPECT_EQ(sig.error().code(), ErrorCode::kPermissionDenied) << sig.error().message();
  }
  // Reopened, with the PIN the token now holds, it signs.
  signer->reset();
  auto reopened = open_signer(module_, *uri, options);
  ASSERT_TRUE(reopened) << reopened.error().message();
  EXPECT_TRUE((*reopened)->sign(*digest));
}

// A signer opened before fork() refuses to sign in the child (its handles are the parent's,
// PKCS#11 v2.40 §6.7.7) and keeps signing in the parent.
TEST_F(SessionPoolTest, AChildOfForkIsRefusedAndTheParentGoesOn) {
  ASSERT_TRUE(ready_);
  const auto uri = Pkcs11Uri::parse(key_uri("ca"));
  ASSERT_TRUE(generate_key(module_, *uri, {KeyType::kEcP256, 0}));
  auto signer = open_signer(module_, *uri, {});
  ASSERT_TRUE(signer) << signer.error().message();
  const auto digest = signing_input(SignatureAlgorithm::kEcdsaSha256, as_bytes("fork"));
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    const auto sig = (*signer)->sign(*digest);
    const bool refused = !sig && sig.error().code() == ErrorCode::kFailedPrecondition &&
                         sig.error().message().find("before fork()") != std::string::npos;
    ::_exit(refused ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "the child was not refused";
  EXPECT_TRUE((*signer)->sign(*digest));
}

}  // namespace
}  // namespace signet::hsm
