// The reissue job store (scheduler/reissue_job.h) on SQLite and on a real PostgreSQL server:
// one item per unrevoked old record, claims that never overlap (FOR UPDATE SKIP LOCKED /
// BEGIN IMMEDIATE), exactly-once commits (a worker whose lease was taken over writes nothing),
// two concurrent workers with no duplicate, failed items and --force, and refused input.
#include <cstdlib>
#include <filesystem>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "signet/scheduler/ledger_store.h"
#include "signet/scheduler/reissue_job.h"

#include "ledger_store_suite.h"
#include "postgres_server.h"

namespace signet::testing {
namespace {

namespace fs = std::filesystem;
using scheduler::ReissueJobStore;

// A database both stores open: an SQLite file in a temporary directory, or a database on a
// PostgreSQL server started for the test.
struct Database {
  std::string spec;
  fs::path dir;
  std::unique_ptr<PostgresServer> server;
  ~Database() {
    std::error_code ec;
    if (!dir.empty()) fs::remove_all(dir, ec);
  }
};

class ReissueStoreTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "sqlite") {
      std::string tmpl = (fs::temp_directory_path() / "signet-reissue-XXXXXX").string();
      ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
      db_.dir = tmpl;
      db_.spec = (db_.dir / "ledger.sqlite").string();
    } else {
      auto server = PostgresServer::start();
      if (!server) {
        const char* ci = std::getenv("CI");  // NOLINT(concurrency-mt-unsafe)
        if (ci != nullptr && std::string(ci) == "true") FAIL() << server.error().message();
        GTEST_SKIP() << "postgres unavailable: " << server.error().message();
      }
      auto uri = (*server)->create_database("ledger");
      ASSERT_TRUE(uri) << uri.error().message();
      db_.server = std::move(*server);
      db_.spec = *uri;
    }
    auto ledger = scheduler::open_ledger(db_.spec);
    ASSERT_TRUE(ledger) << ledger.error().message();
    ledger_ = std::move(*ledger);
    auto jobs = scheduler::open_reissue_store(db_.spec);
    ASSERT_TRUE(jobs) << jobs.error().message();
    jobs_ = std::move(*jobs);
  }

  // `n` records of old-ca (serials 1..n), two of another CA and one revoked old-ca record.
  void add_old_records(std::uint32_t n) {
    std::vector<ledger::CertificateRecord> records;
    for (std::uint32_t i = 1; i <= n; ++i) records.push_back(sample_record("old-ca", i));
    records.push_back(sample_record("other-ca", 1));
    records.push_back(sample_record("other-ca", 2));
    records.push_back(sample_record("old-ca", 100000));
    auto ok = ledger_->insert(records);
    ASSERT_TRUE(ok) << ok.error().message();
    ledger::Revocation rv{"old-ca", sample_record("old-ca", 100000).serial, "superseded", 1, "t"};
    ASSERT_TRUE(ledger_->revoke(rv));
  }

  // The NEW certificate's record for a claimed item (serial 0x50 + the item id).
  static scheduler::IssuedItem issued(const scheduler::ClaimedItem& item) {
    auto r = sample_record("new-ca", static_cast<std::uint32_t>(item.item_id));
    r.serial.front() = 0x50;
    return {item.item_id, r};
  }
  static std::vector<scheduler::IssuedItem> issued(const std::vector<scheduler::ClaimedItem>& v) {
    std::vector<scheduler::IssuedItem> out;
    for (const auto& item : v) out.push_back(issued(item));
    return out;
  }
  static ledger::AuditEvent event() {
    ledger::AuditEvent e;
    e.time = 1;
    e.actor = "test";
    e.issuer = "new-ca";
    return e;
  }
  std::uint64_t new_records() {
    ledger::ListQuery q;
    q.issuer = "new-ca";
    auto n = ledger_->count(q);
    EXPECT_TRUE(n) << n.error().message();
    return n ? *n : 0;
  }
  std::vector<ledger::AuditEvent> audit(const std::string& action) {
    auto page = ledger_->list_audit(0, 10000);
    EXPECT_TRUE(page) << page.error().message();
    std::vector<ledger::AuditEvent> out;
    if (page) {
      for (auto& e : page->events) {
        if (e.action == action) out.push_back(e);
      }
    }
    return out;
  }

  Database db_;
  std::unique_ptr<ledger::LedgerStore> ledger_;
  std::unique_ptr<ReissueJobStore> jobs_;
};

TEST_P(ReissueStoreTest, OneItemPerUnrevokedRecordAndTheSameJobOnReopen) {
  add_old_records(10);
  bool created = false;
  auto job = jobs_->open_job({"old-ca", "new-ca", ""}, 5000, "test", &created);
  ASSERT_TRUE(job) << job.error().message();
  EXPECT_TRUE(created);
  EXPECT_EQ(job->total, 10U);  // the revoked record and other-ca's are not in the job
  auto again = jobs_->open_job({"old-ca", "new-ca", ""}, 6000, "test", &created);
  ASSERT_TRUE(again) << again.error().message();
  EXPECT_FALSE(created);
  EXPECT_EQ(again->id, job->id);
  auto filtered = jobs_->open_job({"old-ca", "new-ca", "kubelet-serving"}, 6000, "test", &created);
  ASSERT_TRUE(filtered);
  EXPECT_EQ(filtered->total, 0U);  // every sample record is kubelet-client
  const auto starts = audit("reissue-start");
  ASSERT_EQ(starts.size(), 2U);
  EXPECT_EQ(starts[0].detail, "job=" + std::to_string(job->id) + " to=new-ca profile=* total=10");
}

// A renewal job holds exactly the given records, in the given order; it is resumed while active
// and never reopened once finished.
TEST_P(ReissueStoreTest, ARenewalHoldsTheGivenRecordsInOrderAndIsNotReopenedWhenFinished) {
  add_old_records(6);
  const scheduler::ReissueJobSpec spec{"old-ca", "old-ca", "kubelet-client"};
  const std::vector<std::int64_t> due{5, 2, 4};  // record ids, most urgent first
  // 9 is old-ca's revoked record and 7 is other-ca's: a renewal takes neither.
  const std::vector<std::int64_t> planned{5, 9, 2, 7, 4};
  bool created = false;
  auto job = jobs_->open_renewal(spec, planned, 1000, "test", &created);
  ASSERT_TRUE(job) << job.error().message();
  EXPECT_TRUE(created);
  EXPECT_EQ(job->total, 3U);
  auto resumed = jobs_->open_renewal(spec, std::vector<std::int64_t>{1}, 2000, "test", &created);
  ASSERT_TRUE(resumed) << resumed.error().message();
  EXPECT_FALSE(created);
  EXPECT_EQ(resumed->id, job->id);
  EXPECT_EQ(resumed->total, 3U);
  auto claimed = jobs_->claim(job->id, "w", 10, 0, 60000);
  ASSERT_TRUE(claimed) << claimed.error().message();
  std::vector<std::int64_t> order;
  for (const auto& item : *claimed) order.push_back(item.record_id);
  EXPECT_EQ(order, due);
  std::vector<scheduler::IssuedItem> out = issued(*claimed);
  for (auto& item : out) item.record.issuer = "old-ca";  // the same CA re-signs
  auto committed = jobs_->commit(job->id, "w", out, {}, 10, event());
  ASSERT_TRUE(committed) << committed.error().message();
  EXPECT_EQ(committed->committed.size(), 3U);
  auto ended = jobs_->end_job(job->id, scheduler::JobState::kFinished, "");
  ASSERT_TRUE(ended && *ended);
  auto none = jobs_->open_renewal(spec, {}, 2500, "test", &created);  // nothing active, no records
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code(), ErrorCode::kNotFound);
  auto next = jobs_->open_renewal(spec, std::vector<std::int64_t>{1}, 3000, "test", &created);
  ASSERT_TRUE(next) << next.error().message();
  EXPECT_TRUE(created);
  EXPECT_NE(next->id, job->id);
  EXPECT_EQ(next->total, 1U);
  const auto starts = audit("renew-start");
  ASSERT_EQ(starts.size(), 2U);
  EXPECT_EQ(starts[0].detail, "job=" + std::to_string(job->id) + " profile=kubelet-client total=3");

  auto other = jobs_->open_renewal({"old-ca", "new-ca", ""}, due, 0, "test", nullptr);
  ASSERT_FALSE(other);
  EXPECT_EQ(other.error().message(),
            "renew: a renewal re-signs under the same CA, got 'old-ca' and 'new-ca'");
  // An id that is no record: nothing of the job is left behind.
  auto missing = jobs_->open_renewal({"old-ca", "old-ca", ""}, std::vector<std::int64_t>{999999}, 0,
                                     "test", nullptr);
  ASSERT_FALSE(missing);
  auto newest = jobs_->find_job(std::nullopt);
  ASSERT_TRUE(newest);
  EXPECT_EQ(newest->id, next->id);
}

TEST_P(ReissueStoreTest, ClaimsNeverOverlapAndCommitsAreExactlyOnce) {
  add_old_records(10);
  auto job = jobs_->open_job({"old-ca", "new-ca", ""}, 0, "test", nullptr);
  ASSERT_TRUE(job);
  auto a = jobs_->claim(job->id, "a", 4, 1000, 60000);
  ASSERT_TRUE(a) << a.error().message();
  ASSERT_EQ(a->size(), 4U);
  EXPECT_EQ(a->front().der, sample_record("old-ca", 1).der);  // the old certificate, as recorded
  auto b = jobs_->claim(job->id, "b", 100, 1000, 60000);
  ASSERT_TRUE(b);
  EXPECT_EQ(b->size(), 6U);
  auto c = jobs_->claim(job->id, "c", 100, 1000, 60000);
  ASSERT_TRUE(c);
  EXPECT_TRUE(c->empty());

  auto done = jobs_->commit(job->id, "a", issued(*a), {}, 2000, event());
  ASSERT_TRUE(done) << done.error().message();
  EXPECT_EQ(done->committed.size(), 4U);
  EXPECT_TRUE(done->lost.empty());
  // Committing the same items again (a retried call) writes nothing: they are no longer claimed.
  auto twice = jobs_->commit(job->id, "a", issued(*a), {}, 2000, event());
  ASSERT_TRUE(twice) << twice.error().message();
  EXPECT_EQ(twice->lost.size(), 4U);
  EXPECT_EQ(new_records(), 4U);

  auto counts = jobs_->counts(job->id, 2000, 0);
  ASSERT_TRUE(counts);
  EXPECT_EQ(counts->done, 4U);
  EXPECT_EQ(counts->claimed, 6U);
  EXPECT_EQ(counts->claimed_live, 6U);
  const auto commits = audit("reissue-commit");
  ASSERT_EQ(commits.size(), 2U);
  EXPECT_EQ(commits[0].detail, "job=" + std::to_string(job->id) + " committed=4 lost=0 failed=0");
  // Each commit's new records carry their own "issue" events, in the same transaction.
  EXPECT_EQ(audit("issue").size(), 13U + 4U);  // 13 old records + 4 new

  auto undelivered = jobs_->undelivered(job->id, "a", 0, 100);
  ASSERT_TRUE(undelivered);
  ASSERT_EQ(undelivered->size(), 4U);
  EXPECT_EQ(undelivered->front().old_serial, sample_record("old-ca", 1).serial);
  std::vector<std::int64_t> ids;
  for (const auto& d : *undelivered) ids.push_back(d.item_id);
  ASSERT_TRUE(jobs_->mark_delivered(job->id, ids));
  auto none = jobs_->undelivered(job->id, "a", 0, 100);
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
}

TEST_P(ReissueStoreTest, AnExpiredLeaseIsTakenOverAndTheSlowWorkersCertificatesDiscarded) {
  add_old_records(5);
  auto job = jobs_->open_job({"old-ca", "new-ca", ""}, 0, "test", nullptr);
  ASSERT_TRUE(job);
  auto a = jobs_->claim(job->id, "a", 10, 0, 1000);
  ASSERT_TRUE(a);
  ASSERT_EQ(a->size(), 5U);
  auto early = jobs_->claim(job->id, "b", 10, 500, 1000);  // the lease still runs
  ASSERT_TRUE(early);
  EXPECT_TRUE(early->empty());
  auto counts = jobs_->counts(job->id, 2000, 0);
  ASSERT_TRUE(counts);
  EXPECT_EQ(counts->claimed_live, 0U);
  auto b = jobs_->claim(job->id, "b", 10, 2000, 1000);  // a's lease expired at 1000
  ASSERT_TRUE(b);
  ASSERT_EQ(b->size(), 5U);
  auto slow = jobs_->commit(job->id, "a", issued(*a), {}, 2100, event());
  ASSERT_TRUE(slow) << slow.error().message();
  EXPECT_TRUE(slow->committed.empty());
  EXPECT_EQ(slow->lost.size(), 5U);
  EXPECT_EQ(new_records(), 0U);
  auto fast = jobs_->commit(job->id, "b", issued(*b), {}, 2200, event());
  ASSERT_TRUE(fast);
  EXPECT_EQ(fast->committed.size(), 5U);
  EXPECT_EQ(new_records(), 5U);
}

TEST_P(ReissueStoreTest, ARerunReleasesItsOwnClaimsAndRenewKeepsThem) {
  add_old_records(3);
  auto job = jobs_->open_job({"old-ca", "new-ca", ""}, 0, "test", nullptr);
  ASSERT_TRUE(job);
  ASSERT_TRUE(jobs_->claim(job->id, "a", 10, 0, 1000));
  auto renewed = jobs_->renew(job->id, "a", 900, 5000);
  ASSERT_TRUE(renewed);
  EXPECT_EQ(*renewed, 3U);
  auto b = jobs_->claim(job->id, "b", 10, 2000, 1000);  // renewed until 5900
  ASSERT_TRUE(b);
  EXPECT_TRUE(b->empty());
  auto released = jobs_->release_claims(job->id, "a");
  ASSERT_TRUE(released);
  EXPECT_EQ(*released, 3U);
  b = jobs_->claim(job->id, "b", 10, 2000, 1000);
  ASSERT_TRUE(b);
  EXPECT_EQ(b->size(), 3U);
}

TEST_P(ReissueStoreTest, FailedItemsFailTheJobUntilForced) {
  add_old_records(3);
  auto job = jobs_->open_job({"old-ca", "new-ca", ""}, 0, "test", nullptr);
  ASSERT_TRUE(job);
  auto a = jobs_->claim(job->id, "a", 10, 0, 60000);
  ASSERT_TRUE(a);
  const std::vector<scheduler::FailedItem> failed = {{a->at(2).item_id, "policy: no"}};
  auto done = jobs_->commit(job->id, "a", issued(std::vector(a->begin(), a->begin() + 2)), failed,
                            10, event());
  ASSERT_TRUE(done) << done.error().message();
  EXPECT_EQ(done->failed, 1U);
  auto ended = jobs_->end_job(job->id, scheduler::JobState::kFailed, "1 of 3 items failed");
  ASSERT_TRUE(ended);
  EXPECT_TRUE(*ended);
  auto again = jobs_->end_job(job->id, scheduler::JobState::kFinished, "");
  ASSERT_TRUE(again);
  EXPECT_FALSE(*again);  // only an active job ends
  auto found = jobs_->find_job(job->id);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->state, scheduler::JobState::kFailed);
  EXPECT_EQ(found->message, "1 of 3 items failed");
  auto retried = jobs_->retry_failed(job->id);
  ASSERT_TRUE(retried);
  EXPECT_EQ(*retried, 1U);
  auto counts = jobs_->counts(job->id, 0, 0);
  ASSERT_TRUE(counts);
  EXPECT_EQ(counts->pending, 1U);
  EXPECT_EQ(counts->done, 2U);
  found = jobs_->find_job(std::nullopt);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->state, scheduler::JobState::kActive);
}

TEST_P(ReissueStoreTest, TwoConcurrentWorkersIssueEveryItemOnce) {
  constexpr std::uint32_t kItems = 300;
  add_old_records(kItems);
  auto job = jobs_->open_job({"old-ca", "new-ca", ""}, 0, "test", nullptr);
  ASSERT_TRUE(job);
  std::vector<std::string> errors(2);
  const auto work = [&](int w) {
    auto store = scheduler::open_reissue_store(db_.spec);  // its own connection, as a process
    if (!store) {
      errors[static_cast<std::size_t>(w)] = store.error().message();
      return;
    }
    const std::string me = "w" + std::to_string(w);
    for (;;) {
      auto items = (*store)->claim(job->id, me, 7, 0, 600000);
      if (!items) {
        if (items.error().retry() != Retry::kNever) continue;  // busy: retry the call
        errors[static_cast<std::size_t>(w)] = items.error().message();
        return;
      }
      if (items->empty()) return;
      for (;;) {
        auto done = (*store)->commit(job->id, me, issued(*items), {}, 1, event());
        if (done) break;
        if (done.error().retry() == Retry::kNever) {
          errors[static_cast<std::size_t>(w)] = done.error().message();
          return;
        }
      }
    }
  };
  std::thread t0(work, 0);
  std::thread t1(work, 1);
  t0.join();
  t1.join();
  EXPECT_EQ(errors[0], "");
  EXPECT_EQ(errors[1], "");
  auto pairs = jobs_->done_pairs(job->id);
  ASSERT_TRUE(pairs);
  ASSERT_EQ(pairs->size(), kItems);
  std::set<std::int64_t> old_ids;
  std::set<std::int64_t> new_ids;
  for (const auto& [o, n] : *pairs) {
    old_ids.insert(o);
    new_ids.insert(n);
  }
  EXPECT_EQ(old_ids.size(), kItems);
  EXPECT_EQ(new_ids.size(), kItems);
  EXPECT_EQ(new_records(), kItems);
}

TEST_P(ReissueStoreTest, RefusesHostileInputNamingTheRule) {
  add_old_records(1);
  auto same = jobs_->open_job({"old-ca", "old-ca", ""}, 0, "test", nullptr);
  ASSERT_FALSE(same);
  EXPECT_EQ(same.error().message(),
            "reissue: --from-ca and --to-ca are both 'old-ca' (a reissue moves certificates to "
            "another CA)");
  auto job = jobs_->open_job({"old-ca", "new-ca", ""}, 0, "test", nullptr);
  ASSERT_TRUE(job);
  auto spaced = jobs_->claim(job->id, "a b", 1, 0, 60000);
  ASSERT_FALSE(spaced);
  EXPECT_EQ(spaced.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(spaced.error().message(),
            "reissue: a worker id is 1..128 printable ASCII characters without spaces, got 'a b'");
  auto zero = jobs_->claim(job->id, "a", 0, 0, 60000);
  ASSERT_FALSE(zero);
  EXPECT_EQ(zero.error().message(), "reissue: a claim takes 1..10000 items, got 0");
  auto short_lease = jobs_->claim(job->id, "a", 1, 0, 10);
  ASSERT_FALSE(short_lease);
  EXPECT_EQ(short_lease.error().message(), "reissue: a lease is 1 s..24 h, got 10 ms");
  auto missing = jobs_->find_job(999);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(missing.error().message(), "reissue: no job 999");
  // A record the ledger would refuse is refused before anything is written.
  auto a = jobs_->claim(job->id, "a", 1, 0, 60000);
  ASSERT_TRUE(a);
  auto bad = issued(a->front());
  bad.record.serial.clear();
  auto refused = jobs_->commit(job->id, "a", std::vector{bad}, {}, 0, event());
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(new_records(), 0U);
}

INSTANTIATE_TEST_SUITE_P(Backends, ReissueStoreTest, ::testing::Values("sqlite", "postgres"),
                         [](const auto& param_info) { return param_info.param; });

}  // namespace
}  // namespace signet::testing
