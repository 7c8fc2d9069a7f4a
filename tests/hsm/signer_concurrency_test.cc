// Threads share one PKCS#11 signer: each signature gets its own session (run under TSan in CI,
// label: concurrency).
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "signet/core/ossl.h"
#include "signet/hsm/token.h"

#include "softhsm_fixture.h"

namespace signet::hsm {
namespace {

using testing::SoftHsmTest;

TEST_F(SoftHsmTest, EightThreadsSignThroughOneSigner) {
  ASSERT_TRUE(ready_);
  const auto uri = Pkcs11Uri::parse(key_uri("ca"));
  ASSERT_TRUE(generate_key(module_, *uri, {KeyType::kEcP256, 0}));
  auto signer = open_signer(module_, *uri);
  ASSERT_TRUE(signer) << signer.error().message();
  const ByteView spki = (*signer)->public_key_der();
  const unsigned char* p = spki.data();
  signet::ossl::EvpPkeyPtr pub(d2i_PUBKEY(nullptr, &p, static_cast<long>(spki.size())));
  ASSERT_TRUE(pub);

  constexpr int kThreads = 8;
  constexpr int kPerThread = 100;
  std::atomic<int> good{0};
  std::atomic<int> bad{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        const Bytes message{static_cast<std::uint8_t>(t), static_cast<std::uint8_t>(i), 1, 2, 3};
        const auto digest = signing_input(SignatureAlgorithm::kEcdsaSha256, message);
        const auto sig = (*signer)->sign(*digest);
        ossl::EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, pub.get(), nullptr));
        const bool ok = sig && ctx && EVP_PKEY_verify_init(ctx.get()) == 1 &&
                        EVP_PKEY_verify(ctx.get(), sig->data(), sig->size(), digest->data(),
                                        digest->size()) == 1;
        (ok ? good : bad)++;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(bad.load(), 0);
  EXPECT_EQ(good.load(), kThreads * kPerThread);
}

// The non-blocking form: one thread submits everything and returns at once; the signer's session
// threads (no more of them than sessions) sign and run the completions.
TEST_F(SoftHsmTest, SubmitKeepsSessionsBusyWithoutTheCallersThread) {
  ASSERT_TRUE(ready_);
  const auto uri = Pkcs11Uri::parse(key_uri("ca"));
  ASSERT_TRUE(generate_key(module_, *uri, {KeyType::kEcP256, 0}));
  SignerOptions options;
  options.max_sessions = 4;
  options.max_queued = 16;
  auto signer = open_signer(module_, *uri, options);
  ASSERT_TRUE(signer) << signer.error().message();

  constexpr int kSignatures = 2000;
  std::mutex mutex;
  std::condition_variable all_done;
  int completed = 0;
  int verified = 0;
  std::set<std::thread::id> completion_threads;
  const std::thread::id caller = std::this_thread::get_id();
  for (int i = 0; i < kSignatures; ++i) {
    const std::string message = "submit/" + std::to_string(i);
    auto digest = signing_input(SignatureAlgorithm::kEcdsaSha256, as_bytes(message));
    ASSERT_TRUE(digest);
    Bytes input = *digest;
    (*signer)->submit(std::move(*digest), [&, input](Result<Bytes> sig) {
      const bool ok = sig && verify_signature((*signer)->public_key_der(),
                                              SignatureAlgorithm::kEcdsaSha256, input, *sig);
      const std::lock_guard lock(mutex);
      completion_threads.insert(std::this_thread::get_id());
      verified += ok ? 1 : 0;
      if (++completed == kSignatures) all_done.notify_all();
    });
  }
  std::unique_lock lock(mutex);
  ASSERT_TRUE(
      all_done.wait_for(lock, std::chrono::seconds(120), [&] { return completed == kSignatures; }));
  EXPECT_EQ(verified, kSignatures);
  EXPECT_LE(completion_threads.size(), 4U);
  EXPECT_EQ(completion_threads.count(caller), 0U);
}

}  // namespace
}  // namespace signet::hsm
