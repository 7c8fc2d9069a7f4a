// Many threads issuing with one CA and one signer: the shared state (fetched digests, the
// signer) must be race-free. Run under TSan in CI (label: concurrency).
#include <atomic>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "signet/core/issuer.h"
#include "signet/core/software_signer.h"

#include "test_csr.h"

namespace signet {
namespace {

TEST(CoreConcurrencyTest, EightThreadsIssueDistinctVerifiableCertificates) {
  auto signer = SoftwareSigner::generate({KeyType::kEcP256, 0});
  ASSERT_TRUE(signer);
  const auto ca_der =
      create_self_signed_ca({{NameAttributeType::kCommonName, "ca"}}, std::chrono::hours(24),
                            std::chrono::system_clock::now(), **signer);
  ASSERT_TRUE(ca_der);
  const auto ca = CaCertificate::parse(*ca_der);
  ASSERT_TRUE(ca);
  const auto csr = Csr::parse(testing::make_csr_der({}));
  ASSERT_TRUE(csr);
  constexpr int kThreads = 8;
  constexpr int kPerThread = 40;
  std::vector<std::vector<Bytes>> serials(kThreads);
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        const auto cert = issue_certificate(*ca, **signer, *find_profile("kubelet-client"), *csr,
                                            std::chrono::system_clock::now());
        if (!cert || !testing::openssl_verifies(cert->der, ca->public_key_der())) {
          ++failures;
          continue;
        }
        serials[static_cast<std::size_t>(t)].push_back(cert->serial);
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  std::set<Bytes> unique;
  for (const auto& v : serials) unique.insert(v.begin(), v.end());
  EXPECT_EQ(unique.size(), static_cast<std::size_t>(kThreads * kPerThread));
}

// The CSR walker's proof of possession uses per-thread EVP_PKEY_CTX and process-wide fetched
// digests: eight threads parse and verify every key type at once, and a tampered request
// still fails on every thread.
TEST(CoreConcurrencyTest, EightThreadsParseAndVerifyCsrsOfEveryKeyType) {
  std::vector<Bytes> good;
  for (const std::string key : {"EC", "P384", "ED25519", "RSA"}) {
    testing::CsrSpec spec;
    spec.key = key;
    spec.san = "DNS:n1.example,IP:10.0.0.1";
    good.push_back(testing::make_csr_der(spec));
  }
  Bytes tampered = good[0];
  tampered[tampered.size() - 3] ^= 0x01U;
  constexpr int kThreads = 8;
  constexpr int kRounds = 30;
  std::atomic<int> failures{0};
  std::atomic<int> wrongly_accepted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kRounds; ++i) {
        for (const Bytes& der : good) {
          const auto csr = Csr::parse(der);
          if (!csr || csr->requested_names().dns.size() != 1) ++failures;
        }
        if (Csr::parse(tampered)) ++wrongly_accepted;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(wrongly_accepted.load(), 0);
}

}  // namespace
}  // namespace signet
