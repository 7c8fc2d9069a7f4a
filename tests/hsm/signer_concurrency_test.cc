// Threads share one PKCS#11 signer: each signature gets its own session (run under TSan in CI,
// label: concurrency).
#include <atomic>
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

}  // namespace
}  // namespace signet::hsm
