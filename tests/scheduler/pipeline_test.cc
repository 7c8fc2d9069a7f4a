// The pipeline with in-memory signers: order, completeness, per-item errors, the in-flight bound,
// retries, a failing sink, and signatures completed on other threads (a remote token). Labelled
// `concurrency`, so the TSan build runs it.
#include "signet/scheduler/pipeline.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <functional>
#include <mutex>
#include <random>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace signet::scheduler {
namespace {

Bytes bytes_of(const std::string& s) {
  return {s.begin(), s.end()};
}
std::string text_of(const Bytes& b) {
  return {b.begin(), b.end()};
}

// A "signature" anyone can check: the input with a marker, so a mixed-up completion shows.
Bytes fake_signature(ByteView input) {
  return bytes_of("S:" + std::string(input.begin(), input.end()));
}

// Signs on its own threads after a random delay, like a remote HSM's session threads; fails the
// inputs it is told to, and refuses (retryably) the first attempt of others.
class ThreadedSigner final : public Signer {
 public:
  explicit ThreadedSigner(std::size_t threads, std::chrono::microseconds max_delay)
      : max_delay_(max_delay) {
    for (std::size_t i = 0; i < threads; ++i) threads_.emplace_back([this, i] { run(i); });
  }
  ~ThreadedSigner() override {
    {
      const std::scoped_lock lock(mutex_);
      stopping_ = true;
    }
    cv_.notify_all();
    for (auto& t : threads_) t.join();
  }
  ThreadedSigner(const ThreadedSigner&) = delete;
  ThreadedSigner& operator=(const ThreadedSigner&) = delete;
  ThreadedSigner(ThreadedSigner&&) = delete;
  ThreadedSigner& operator=(ThreadedSigner&&) = delete;

  [[nodiscard]] SignatureAlgorithm algorithm() const noexcept override {
    return SignatureAlgorithm::kEcdsaSha256;
  }
  [[nodiscard]] ByteView public_key_der() const noexcept override { return {}; }
  [[nodiscard]] std::string describe() const override { return "threaded fake"; }
  Result<Bytes> sign(ByteView input) override {
    const int now = ++signing_;
    // Counted down however sign() leaves (respond may throw).
    const std::unique_ptr<std::atomic<int>, void (*)(std::atomic<int>*)> leaving(
        &signing_, [](std::atomic<int>* n) { --*n; });
    int seen = sign_peak_.load();
    while (now > seen && !sign_peak_.compare_exchange_weak(seen, now)) {
    }
    {
      const std::scoped_lock lock(mutex_);
      for (const auto& t : threads_) {
        if (t.get_id() == std::this_thread::get_id()) ++signed_on_own_threads_;
      }
    }
    return respond(input);
  }
  void submit(Bytes input, Completion done) override {
    ++submits_;
    const int now = ++in_flight_;
    int seen = peak_.load();
    while (now > seen && !peak_.compare_exchange_weak(seen, now)) {
    }
    {
      const std::scoped_lock lock(mutex_);
      queue_.push_back({std::move(input), std::move(done)});
    }
    cv_.notify_one();
  }

  std::function<bool(const std::string&)> fails;      // inputs refused for good
  std::function<bool(const std::string&)> busy_once;  // inputs refused once, retryably
  std::function<bool(const std::string&)> throws_on;  // blocking sign() throws (inline tests)
  std::atomic<int> peak_{0};
  std::atomic<int> calls_{0};
  std::atomic<int> submits_{0};
  std::atomic<int> sign_peak_{0};  // most blocking sign() calls at once
  std::atomic<int> signed_on_own_threads_{0};

 private:
  Result<Bytes> respond(ByteView input) {
    ++calls_;
    const std::string text(input.begin(), input.end());
    if (throws_on && throws_on(text)) throw std::runtime_error("token threw " + text);
    if (fails && fails(text)) return fail(ErrorCode::kInvalidArgument, "refused " + text);
    if (busy_once && busy_once(text)) {
      const std::scoped_lock lock(mutex_);
      if (refused_once_.insert(text).second) {
        return fail(ErrorCode::kResourceExhausted, "busy, try again: " + text);
      }
    }
    return fake_signature(input);
  }
  void run(std::size_t index) {
    std::mt19937 rng(static_cast<unsigned>(index) + 7);
    for (;;) {
      std::pair<Bytes, Completion> job;
      {
        std::unique_lock lock(mutex_);
        cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
        if (queue_.empty()) return;
        job = std::move(queue_.front());
        queue_.pop_front();
      }
      if (max_delay_.count() > 0) {
        std::this_thread::sleep_for(std::chrono::microseconds(rng() % max_delay_.count()));
      }
      auto result = respond(job.first);
      --in_flight_;
      job.second(std::move(result));
    }
  }

  std::chrono::microseconds max_delay_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<std::pair<Bytes, Completion>> queue_;
  std::set<std::string> refused_once_;
  std::atomic<int> signing_{0};
  bool stopping_ = false;
  std::atomic<int> in_flight_{0};
  std::vector<std::thread> threads_;
};

std::atomic<int> g_live_work{0};

// Work whose output is checkable: prepare gives "in:<id>", finish wraps the signature.
class EchoWork final : public ItemWork {
 public:
  EchoWork(std::string id, bool bad_prepare, bool throws)
      : id_(std::move(id)), bad_prepare_(bad_prepare), throws_(throws) {
    ++g_live_work;
  }
  ~EchoWork() override { --g_live_work; }
  EchoWork(const EchoWork&) = delete;
  EchoWork& operator=(const EchoWork&) = delete;
  EchoWork(EchoWork&&) = delete;
  EchoWork& operator=(EchoWork&&) = delete;

  Result<Bytes> prepare() override {
    if (throws_) throw std::runtime_error("boom in " + id_);
    if (bad_prepare_) return fail(ErrorCode::kInvalidArgument, "bad request " + id_);
    return bytes_of("in:" + id_);
  }
  Result<Bytes> finish(Bytes signature) override {
    return bytes_of("out(" + text_of(signature) + ")");
  }

 private:
  std::string id_;
  bool bad_prepare_;
  bool throws_;
};

struct Input {
  int count = 0;
  std::function<bool(int)> bad_prepare = [](int) { return false; };
  std::function<bool(int)> unreadable = [](int) { return false; };
  std::function<bool(int)> throws = [](int) { return false; };
};

ItemSource source_of(const Input& in, std::atomic<int>& read) {
  return [&in, &read]() -> std::optional<PipelineItem> {
    const int i = read.load();
    if (i >= in.count) return std::nullopt;
    ++read;
    const std::string id = "item-" + std::to_string(i);
    if (in.unreadable(i)) return PipelineItem{id, fail(ErrorCode::kInvalidArgument, "unreadable")};
    return PipelineItem{id, std::make_unique<EchoWork>(id, in.bad_prepare(i), in.throws(i))};
  };
}

struct Collected {
  std::vector<ItemResult> results;
};

ItemSink sink_into(Collected& c) {
  return [&c](ItemResult&& r) -> Status {
    c.results.push_back(std::move(r));
    return {};
  };
}

std::string expected_output(int i) {
  return "out(S:in:item-" + std::to_string(i) + ")";
}

TEST(PipelineTest, EveryItemComesOutOnceInInputOrder) {
  ThreadedSigner signer(16, std::chrono::microseconds(300));
  Input in;
  in.count = 5000;
  std::atomic<int> read{0};
  Collected c;
  PipelineOptions options;
  options.max_in_flight = 64;
  options.cpu_threads = 2;
  auto stats = run_pipeline(source_of(in, read), signer, sink_into(c), options);
  ASSERT_TRUE(stats) << stats.error().message();
  ASSERT_EQ(c.results.size(), 5000U);
  for (int i = 0; i < in.count; ++i) {
    const auto& r = c.results[static_cast<std::size_t>(i)];
    EXPECT_EQ(r.sequence, static_cast<std::uint64_t>(i));
    EXPECT_EQ(r.id, "item-" + std::to_string(i));
    ASSERT_TRUE(r.output) << r.output.error().message();
    EXPECT_EQ(text_of(*r.output), expected_output(i));
  }
  EXPECT_EQ(stats->items, 5000U);
  EXPECT_EQ(stats->errors, 0U);
  EXPECT_LE(stats->peak_in_flight, 64U);
  EXPECT_GT(signer.peak_.load(), 1) << "signatures were never in flight together";
  EXPECT_EQ(g_live_work.load(), 0);
}

TEST(PipelineTest, EachBadItemGetsItsOwnErrorAndTheRestGoOn) {
  ThreadedSigner signer(4, std::chrono::microseconds(50));
  signer.fails = [](const std::string& input) { return input.ends_with("3"); };
  Input in;
  in.count = 700;
  in.bad_prepare = [](int i) { return i % 7 == 0; };
  in.unreadable = [](int i) { return i % 11 == 5; };
  in.throws = [](int i) { return i == 500; };
  std::atomic<int> read{0};
  Collected c;
  auto stats = run_pipeline(source_of(in, read), signer, sink_into(c), {16, 2, 3});
  ASSERT_TRUE(stats) << stats.error().message();
  ASSERT_EQ(c.results.size(), 700U);
  std::uint64_t errors = 0;
  for (int i = 0; i < in.count; ++i) {
    const auto& r = c.results[static_cast<std::size_t>(i)];
    ASSERT_EQ(r.sequence, static_cast<std::uint64_t>(i));
    if (i % 11 == 5) {
      ASSERT_FALSE(r.output);
      EXPECT_EQ(r.output.error().message(), "unreadable");
    } else if (i == 500) {
      ASSERT_FALSE(r.output);
      EXPECT_EQ(r.output.error().message(), "prepare threw: boom in item-500");
      EXPECT_EQ(r.output.error().code(), ErrorCode::kInternal);
    } else if (i % 7 == 0) {
      ASSERT_FALSE(r.output);
      EXPECT_EQ(r.output.error().message(), "bad request item-" + std::to_string(i));
    } else if (i % 10 == 3) {
      ASSERT_FALSE(r.output);
      EXPECT_EQ(r.output.error().message(), "refused in:item-" + std::to_string(i));
    } else {
      ASSERT_TRUE(r.output) << i << ": " << r.output.error().message();
      EXPECT_EQ(text_of(*r.output), expected_output(i));
      continue;
    }
    ++errors;
  }
  EXPECT_EQ(stats->errors, errors);
  EXPECT_EQ(g_live_work.load(), 0);
}

TEST(PipelineTest, ItemsInFlightNeverExceedTheBound) {
  ThreadedSigner signer(32, std::chrono::microseconds(2000));
  Input in;
  in.count = 600;
  std::atomic<int> read{0};
  std::atomic<int> most_live{0};
  Collected c;
  ItemSink sink = [&](ItemResult&& r) -> Status {
    // Work objects alive = items between the source and the sink.
    most_live = std::max(most_live.load(), g_live_work.load());
    c.results.push_back(std::move(r));
    return {};
  };
  auto stats = run_pipeline(source_of(in, read), signer, sink, {8, 2, 3});
  ASSERT_TRUE(stats) << stats.error().message();
  EXPECT_EQ(c.results.size(), 600U);
  EXPECT_LE(stats->peak_in_flight, 8U);
  EXPECT_LE(most_live.load(), 8);
  EXPECT_LE(signer.peak_.load(), 8);
  EXPECT_GE(signer.peak_.load(), 2);
}

TEST(PipelineTest, RetryableSignerRefusalsAreSubmittedAgain) {
  ThreadedSigner signer(4, std::chrono::microseconds(0));
  signer.busy_once = [](const std::string& input) { return input.ends_with("7"); };
  Input in;
  in.count = 200;
  std::atomic<int> read{0};
  Collected c;
  auto stats = run_pipeline(source_of(in, read), signer, sink_into(c), {32, 2, 2});
  ASSERT_TRUE(stats) << stats.error().message();
  ASSERT_EQ(c.results.size(), 200U);
  for (int i = 0; i < in.count; ++i) {
    const auto& r = c.results[static_cast<std::size_t>(i)];
    ASSERT_TRUE(r.output) << r.output.error().message();
    EXPECT_EQ(text_of(*r.output), expected_output(i));
  }
  EXPECT_EQ(signer.calls_.load(), 220);  // 20 inputs end in 7: each signed twice

  // With one attempt only, the refusal is the item's result.
  ThreadedSigner strict(4, std::chrono::microseconds(0));
  strict.busy_once = signer.busy_once;
  std::atomic<int> read2{0};
  Collected c2;
  stats = run_pipeline(source_of(in, read2), strict, sink_into(c2), {32, 2, 1});
  ASSERT_TRUE(stats);
  EXPECT_EQ(stats->errors, 20U);
  EXPECT_EQ(c2.results[7].output.error().code(), ErrorCode::kResourceExhausted);
}

TEST(PipelineTest, AFailingSinkStopsReadingAndIsReturned) {
  ThreadedSigner signer(4, std::chrono::microseconds(100));
  Input in;
  in.count = 100000;
  std::atomic<int> read{0};
  int taken = 0;
  ItemSink sink = [&](ItemResult&&) -> Status {
    if (++taken == 100) return fail(ErrorCode::kResourceExhausted, "disk full");
    return {};
  };
  auto stats = run_pipeline(source_of(in, read), signer, sink, {16, 2, 3});
  ASSERT_FALSE(stats);
  EXPECT_EQ(stats.error().message(), "disk full");
  EXPECT_EQ(taken, 100);
  EXPECT_LT(read.load(), 200) << "the source kept being read after the sink failed";
  EXPECT_EQ(g_live_work.load(), 0);
}

// sign_inline: the same results, in order, with per-item errors and retries, but every
// signature made by the blocking sign() on the pipeline's own workers — submit() never called.
TEST(PipelineTest, SignInlineSignsOnTheWorkersWithTheSameResults) {
  ThreadedSigner signer(4, std::chrono::microseconds(0));
  signer.fails = [](const std::string& input) { return input.ends_with("3"); };
  signer.busy_once = [](const std::string& input) { return input.ends_with("7"); };
  signer.throws_on = [](const std::string& input) { return input.ends_with("9"); };
  Input in;
  in.count = 700;
  in.bad_prepare = [](int i) { return i % 7 == 0; };
  in.throws = [](int i) { return i == 500; };
  std::atomic<int> read{0};
  Collected c;
  PipelineOptions options{
      .max_in_flight = 16, .cpu_threads = 2, .sign_attempts = 2, .sign_inline = true};
  auto stats = run_pipeline(source_of(in, read), signer, sink_into(c), options);
  ASSERT_TRUE(stats) << stats.error().message();
  ASSERT_EQ(c.results.size(), 700U);
  std::uint64_t errors = 0;
  for (int i = 0; i < in.count; ++i) {
    const auto& r = c.results[static_cast<std::size_t>(i)];
    ASSERT_EQ(r.sequence, static_cast<std::uint64_t>(i));
    if (i == 500) {
      ASSERT_FALSE(r.output);
      EXPECT_EQ(r.output.error().message(), "prepare threw: boom in item-500");
    } else if (i % 7 == 0) {
      ASSERT_FALSE(r.output);
      EXPECT_EQ(r.output.error().message(), "bad request item-" + std::to_string(i));
    } else if (i % 10 == 3) {
      ASSERT_FALSE(r.output);
      EXPECT_EQ(r.output.error().message(), "refused in:item-" + std::to_string(i));
    } else if (i % 10 == 9) {  // a throwing sign() is that item's error, the rest go on
      ASSERT_FALSE(r.output);
      EXPECT_EQ(r.output.error().message(), "sign threw: token threw in:item-" + std::to_string(i));
      EXPECT_EQ(r.output.error().code(), ErrorCode::kInternal);
    } else {
      ASSERT_TRUE(r.output) << i << ": " << r.output.error().message();
      EXPECT_EQ(text_of(*r.output), expected_output(i));  // a "…7" input: signed on its retry
      continue;
    }
    ++errors;
  }
  EXPECT_EQ(stats->errors, errors);
  EXPECT_LE(stats->peak_in_flight, 16U);
  EXPECT_EQ(signer.submits_.load(), 0) << "sign_inline handed signatures to the signer's threads";
  EXPECT_GE(signer.sign_peak_.load(), 1);
  EXPECT_LE(signer.sign_peak_.load(), 2) << "more signatures at once than the 2 workers";
  EXPECT_EQ(signer.signed_on_own_threads_.load(), 0);
  EXPECT_EQ(g_live_work.load(), 0);

  // One attempt only: the retryable refusal is the item's result, as with submit().
  ThreadedSigner strict(1, std::chrono::microseconds(0));
  strict.busy_once = signer.busy_once;
  std::atomic<int> read2{0};
  Collected c2;
  options.sign_attempts = 1;
  Input plain;
  plain.count = 100;
  stats = run_pipeline(source_of(plain, read2), strict, sink_into(c2), options);
  ASSERT_TRUE(stats);
  EXPECT_EQ(stats->errors, 10U);
  EXPECT_EQ(c2.results[7].output.error().code(), ErrorCode::kResourceExhausted);
}

// A signer with only the blocking sign(): the default submit runs it inline.
class InlineSigner final : public Signer {
 public:
  [[nodiscard]] SignatureAlgorithm algorithm() const noexcept override {
    return SignatureAlgorithm::kEcdsaSha256;
  }
  [[nodiscard]] ByteView public_key_der() const noexcept override { return {}; }
  [[nodiscard]] std::string describe() const override { return "inline fake"; }
  Result<Bytes> sign(ByteView input) override { return fake_signature(input); }
};

TEST(PipelineTest, ASignerWithoutSubmitWorksInline) {
  InlineSigner signer;
  Input in;
  in.count = 1000;
  std::atomic<int> read{0};
  Collected c;
  auto stats = run_pipeline(source_of(in, read), signer, sink_into(c));
  ASSERT_TRUE(stats);
  ASSERT_EQ(c.results.size(), 1000U);
  EXPECT_EQ(text_of(*c.results[999].output), expected_output(999));

  Input empty;
  std::atomic<int> read2{0};
  Collected none;
  stats = run_pipeline(source_of(empty, read2), signer, sink_into(none));
  ASSERT_TRUE(stats);
  EXPECT_EQ(stats->items, 0U);
  EXPECT_TRUE(none.results.empty());
}

}  // namespace
}  // namespace signet::scheduler
