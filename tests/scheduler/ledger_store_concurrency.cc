// The concurrent part of the store suite (label "concurrency": the TSan build runs it): four
// threads insert at once through one store, and four through group-commit writers.
#include <atomic>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "signet/scheduler/ledger_writer.h"

#include "ledger_store_suite.h"

namespace signet::testing {
namespace {

constexpr std::uint32_t kThreads = 4;
constexpr std::uint32_t kPerThread = 200;

TEST_P(LedgerStoreConcurrencyTest, FourThreadsInsertAtOnceEveryRecordOnce) {
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (std::uint32_t t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (std::uint32_t i = 0; i < kPerThread; i += 10) {
        std::vector<ledger::CertificateRecord> batch;
        for (std::uint32_t j = i; j < i + 10; ++j) {
          batch.push_back(sample_record("kubernetes", t * kPerThread + j));
        }
        // Every thread also tries one serial another thread owns: exactly one insert wins.
        batch.push_back(sample_record("contended", i));
        auto results = store_->insert(batch);
        if (!results) {
          ++failures;
          continue;
        }
        for (std::size_t k = 0; k + 1 < results->size(); ++k) {
          if (!(*results)[k]) ++failures;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  ledger::ListQuery q;
  q.issuer = "kubernetes";
  auto n = store_->count(q);
  ASSERT_TRUE(n) << n.error().message();
  EXPECT_EQ(*n, kThreads * kPerThread);
  q.issuer = "contended";
  auto c = store_->count(q);
  ASSERT_TRUE(c);
  EXPECT_EQ(*c, kPerThread / 10);
}

TEST_P(LedgerStoreConcurrencyTest, GroupCommitCompletesEveryCallerAfterItsCommit) {
  scheduler::LedgerWriterOptions options;
  options.max_batch = 32;
  options.max_queued = 64;  // smaller than the load: submitters block (backpressure)
  std::atomic<int> ok{0};
  std::atomic<int> duplicate{0};
  std::atomic<int> committed_before_completion{0};
  {
    scheduler::LedgerWriter writer(*store_, options);
    std::vector<std::thread> threads;
    for (std::uint32_t t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (std::uint32_t i = 0; i < kPerThread; ++i) {
          // Thread 3 repeats thread 0's serials: each is refused as a duplicate exactly once.
          const std::uint32_t n = (t == 3 ? 0 : t) * kPerThread + i;
          auto record = sample_record("kubernetes", n);
          const Bytes serial = record.serial;
          writer.submit(std::move(record), [&, serial](Status s) {
            if (s) {
              ++ok;
              // The completion runs after the commit: the record is already readable.
              if (store_->find("kubernetes", serial)) ++committed_before_completion;
            } else if (s.error().code() == ErrorCode::kAlreadyExists) {
              ++duplicate;
            }
          });
        }
      });
    }
    for (auto& t : threads) t.join();
    writer.close();
    const auto stats = writer.stats();
    EXPECT_EQ(stats.records, kThreads * kPerThread);
    EXPECT_LT(stats.batches, stats.records);  // grouped
  }
  EXPECT_EQ(ok.load(), 3 * static_cast<int>(kPerThread));
  EXPECT_EQ(duplicate.load(), static_cast<int>(kPerThread));
  EXPECT_EQ(committed_before_completion.load(), ok.load());
  auto n = store_->count({});
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 3 * kPerThread);
}

}  // namespace
}  // namespace signet::testing
