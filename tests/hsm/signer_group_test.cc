// The HA group over in-memory members whose behaviour each test sets: healthy, failing, hung.
// Runs under TSan (label concurrency): answers arrive on the members' threads.
#include "signet/hsm/signer_group.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "signet/core/software_signer.h"

namespace signet::hsm {
namespace {

using namespace std::chrono_literals;

enum class Mode { kHealthy, kFailing, kBroken, kHanging, kBadInput };

// A member that answers on its own thread after `latency`, as a token's session thread does.
class FakeMember final : public Signer {
 public:
  FakeMember(std::shared_ptr<SoftwareSigner> key, std::string name)
      : key_(std::move(key)), name_(std::move(name)) {}
  ~FakeMember() override {
    release();
    for (auto& t : threads_) t.join();
  }
  FakeMember(const FakeMember&) = delete;
  FakeMember& operator=(const FakeMember&) = delete;
  FakeMember(FakeMember&&) = delete;
  FakeMember& operator=(FakeMember&&) = delete;

  [[nodiscard]] SignatureAlgorithm algorithm() const noexcept override { return key_->algorithm(); }
  [[nodiscard]] ByteView public_key_der() const noexcept override { return key_->public_key_der(); }
  [[nodiscard]] std::string describe() const override { return name_; }
  [[nodiscard]] Result<Bytes> sign(ByteView input) override { return answer(input); }
  void submit(Bytes input, Completion done) override {
    const std::scoped_lock lock(mutex_);
    ++calls_;
    threads_.emplace_back([this, input = std::move(input), done = std::move(done)] {
      std::this_thread::sleep_for(1ms);
      done(answer(input));
    });
  }

  void set_mode(Mode mode) {
    const std::scoped_lock lock(mutex_);
    mode_ = mode;
    if (mode != Mode::kHanging) hang_released_.notify_all();
  }
  void release() { set_mode(Mode::kHealthy); }
  [[nodiscard]] int calls() {
    const std::scoped_lock lock(mutex_);
    return calls_;
  }

 private:
  Result<Bytes> answer(ByteView input) {
    Mode mode = Mode::kHealthy;
    {
      std::unique_lock lock(mutex_);
      hang_released_.wait(lock, [this] { return mode_ != Mode::kHanging; });
      mode = mode_;
    }
    if (mode == Mode::kFailing) return fail(ErrorCode::kUnavailable, name_ + ": device error");
    if (mode == Mode::kBroken) {
      return fail(ErrorCode::kInternal, name_ + ": C_Sign returned CKR_FUNCTION_FAILED");
    }
    if (mode == Mode::kBadInput) return fail(ErrorCode::kInvalidArgument, "bad input");
    return key_->sign(input);
  }

  std::shared_ptr<SoftwareSigner> key_;
  std::string name_;
  std::mutex mutex_;
  std::condition_variable hang_released_;
  Mode mode_ = Mode::kHealthy;
  int calls_ = 0;
  std::vector<std::thread> threads_;
};

class SignerGroupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto key = SoftwareSigner::generate({KeyType::kEcP256, 0});
    ASSERT_TRUE(key);
    key_ = std::shared_ptr<SoftwareSigner>(std::move(*key));
  }

  std::unique_ptr<SignerGroup> group(int members, GroupOptions options = {}) {
    std::vector<std::unique_ptr<Signer>> signers;
    for (int i = 0; i < members; ++i) {
      auto m = std::make_unique<FakeMember>(key_, "token-" + std::to_string(i));
      members_.push_back(m.get());
      signers.push_back(std::move(m));
    }
    auto g = make_signer_group(std::move(signers), options);
    EXPECT_TRUE(g) << g.error().message();
    return g ? std::move(*g) : nullptr;
  }

  [[nodiscard]] bool verifies(SignerGroup& g, const std::string& message) {
    const auto input = signing_input(g.algorithm(), as_bytes(message));
    const auto sig = g.sign(*input);
    return sig && verify_signature(g.public_key_der(), g.algorithm(), *input, *sig);
  }

  std::shared_ptr<SoftwareSigner> key_;
  std::vector<FakeMember*> members_;  // owned by the group
};

TEST_F(SignerGroupTest, LoadIsSpreadByInFlightCount) {
  auto g = group(2);
  ASSERT_TRUE(g);
  std::mutex mutex;
  std::condition_variable cv;
  int done = 0;
  constexpr int kSignatures = 200;
  const auto input = signing_input(g->algorithm(), as_bytes("spread"));
  for (int i = 0; i < kSignatures; ++i) {
    g->submit(*input, [&](Result<Bytes> r) {
      EXPECT_TRUE(r);
      const std::scoped_lock lock(mutex);
      if (++done == kSignatures) cv.notify_all();
    });
  }
  std::unique_lock lock(mutex);
  ASSERT_TRUE(cv.wait_for(lock, 30s, [&] { return done == kSignatures; }));
  const auto status = g->status();
  EXPECT_GT(status[0].signed_count, 50U);
  EXPECT_GT(status[1].signed_count, 50U);
  EXPECT_EQ(status[0].signed_count + status[1].signed_count, std::uint64_t{kSignatures});
}

TEST_F(SignerGroupTest, AFailingMemberIsTakenOutAndProbedBackIn) {
  GroupOptions options;
  options.probe_interval = 50ms;
  auto g = group(2, options);
  ASSERT_TRUE(g);
  members_[0]->set_mode(Mode::kFailing);
  for (int i = 0; i < 50; ++i) EXPECT_TRUE(verifies(*g, "failover " + std::to_string(i)));
  auto status = g->status();
  EXPECT_FALSE(status[0].in_service);
  EXPECT_EQ(status[0].last_error, "token-0: device error");
  EXPECT_EQ(status[1].signed_count, 50U);

  members_[0]->set_mode(Mode::kHealthy);
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (!g->status()[0].in_service && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_TRUE(g->status()[0].in_service);
  for (int i = 0; i < 50; ++i) EXPECT_TRUE(verifies(*g, "back " + std::to_string(i)));
}

TEST_F(SignerGroupTest, AHungMemberIsAbandonedAfterTheTimeout) {
  GroupOptions options;
  options.answer_timeout = 100ms;
  options.probe_interval = 20ms;
  auto g = group(2, options);
  ASSERT_TRUE(g);
  members_[0]->set_mode(Mode::kHanging);
  members_[1]->set_mode(Mode::kHanging);
  // Both hang: the signature is given up after two timeouts, with a retryable error.
  const auto input = signing_input(g->algorithm(), as_bytes("both hang"));
  const auto start = std::chrono::steady_clock::now();
  const auto sig = g->sign(*input);
  ASSERT_FALSE(sig);
  EXPECT_EQ(sig.error().retry(), Retry::kItem) << sig.error().message();
  EXPECT_GE(std::chrono::steady_clock::now() - start, 200ms);

  // Member 1 recovers; member 0 still hangs: every signature completes on member 1.
  members_[1]->release();
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (!g->status()[1].in_service && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(10ms);
  }
  for (int i = 0; i < 20; ++i) EXPECT_TRUE(verifies(*g, "hang " + std::to_string(i)));
  const auto status = g->status();
  EXPECT_FALSE(status[0].in_service);
  EXPECT_EQ(status[0].last_error, "no answer in 100 ms");
  EXPECT_EQ(status[1].signed_count, 20U);
  members_[0]->release();  // its late answers are discarded
}

TEST_F(SignerGroupTest, AMemberFailingBeyondRetryIsTakenOutNotBelieved) {
  // A never-retry error that is not about the input (CKR_FUNCTION_FAILED, a vendor code) says
  // that token is broken: the signature moves on, the member leaves service.
  GroupOptions options;
  options.probe_interval = 10s;
  auto g = group(2, options);
  ASSERT_TRUE(g);
  members_[0]->set_mode(Mode::kBroken);
  for (int i = 0; i < 20; ++i) EXPECT_TRUE(verifies(*g, "broken " + std::to_string(i)));
  const auto status = g->status();
  EXPECT_FALSE(status[0].in_service);
  EXPECT_EQ(status[0].last_error, "token-0: C_Sign returned CKR_FUNCTION_FAILED");
  EXPECT_EQ(status[1].signed_count, 20U);
  EXPECT_LE(members_[0]->calls(), 2);
}

TEST_F(SignerGroupTest, AnInputErrorIsReturnedWithoutBlamingTheToken) {
  auto g = group(2);
  ASSERT_TRUE(g);
  members_[0]->set_mode(Mode::kBadInput);
  members_[1]->set_mode(Mode::kBadInput);
  const auto sig = g->sign(Bytes(32, 1));
  ASSERT_FALSE(sig);
  EXPECT_EQ(sig.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(members_[0]->calls() + members_[1]->calls(), 1);
  for (const auto& s : g->status()) EXPECT_TRUE(s.in_service);
}

TEST_F(SignerGroupTest, MembersMustHoldTheSameKey) {
  auto other = SoftwareSigner::generate({KeyType::kEcP256, 0});
  ASSERT_TRUE(other);
  std::vector<std::unique_ptr<Signer>> signers;
  signers.push_back(std::make_unique<FakeMember>(key_, "token-a"));
  signers.push_back(
      std::make_unique<FakeMember>(std::shared_ptr<SoftwareSigner>(std::move(*other)), "token-b"));
  const auto g = make_signer_group(std::move(signers));
  ASSERT_FALSE(g);
  EXPECT_EQ(g.error().message(),
            "signer group: token-b does not hold the same key as token-a (public keys or "
            "algorithms differ)");
}

}  // namespace
}  // namespace signet::hsm
