// The renewal planner (signet issue 6, item 3): deadlines from the profile's window, current
// records only, and the EDF model `renew run` follows, checked against hand-computed figures.
#include "signet/scheduler/renewal_plan.h"

#include <gtest/gtest.h>

namespace signet::scheduler {
namespace {

ledger::CertificateRecord record(std::int64_t id, std::string subject, std::int64_t not_before,
                                 std::int64_t not_after, std::string profile = "kubelet-client") {
  ledger::CertificateRecord r;
  r.id = id;
  r.serial = {static_cast<std::uint8_t>(id)};
  r.issuer = "kubernetes";
  r.profile = std::move(profile);
  r.subject = std::move(subject);
  r.not_before = not_before;
  r.not_after = not_after;
  return r;
}

TEST(RenewalDeadlineTest, FixedFractionAndAWindowThatSpreadsIds) {
  // 80 % of 1,000,000 s.
  EXPECT_EQ(renewal_deadline(1, 0, 1'000'000, {800, 800}), 800'000);
  EXPECT_EQ(renewal_deadline(7, 100, 100 + 365LL * 86400, {800, 800}), 100 + 25'228'800);
  // 70-90 %: every deadline inside the window, the same for the same id, and spread over it.
  std::int64_t low = 1'000'000;
  std::int64_t high = 0;
  for (std::int64_t id = 1; id <= 1000; ++id) {
    const std::int64_t d = renewal_deadline(id, 0, 1'000'000, {700, 900});
    ASSERT_GE(d, 700'000);
    ASSERT_LE(d, 900'000);
    EXPECT_EQ(d, renewal_deadline(id, 0, 1'000'000, {700, 900}));
    low = std::min(low, d);
    high = std::max(high, d);
  }
  EXPECT_LT(low, 710'000);
  EXPECT_GT(high, 890'000);
  // A lifetime near the 64-bit limit does not overflow.
  EXPECT_EQ(renewal_deadline(1, 0, 4'000'000'000'000'000'000LL, {800, 800}),
            3'200'000'000'000'000'000LL);
}

TEST(CandidateCollectorTest, KeepsTheNewestRecordOfEachIdentityAndDropsRevokedOnes) {
  CandidateCollector c({{"kubelet-client", RenewalWindow{500, 500}}}, "kubernetes");
  c.add(record(3, "CN=system:node:a", 0, 1000));  // replaced by 5
  c.add(record(5, "CN=system:node:a", 100, 1100));
  c.add(record(4, "CN=system:node:b", 0, 2000));
  auto revoked = record(6, "CN=system:node:c", 0, 1000);
  revoked.revoked = true;
  c.add(record(2, "CN=system:node:c", 0, 1000));  // its identity's newest is revoked
  c.add(revoked);
  auto serving = record(1, "CN=system:node:a", 0, 1000, "kubelet-serving");  // default 80 %
  c.add(serving);
  auto ha = record(7, "CN=kube-apiserver", 0, 1000, "apiserver");
  ha.sans = {"IP:10.0.0.1"};
  auto ha2 = record(8, "CN=kube-apiserver", 0, 1000, "apiserver");
  ha2.sans = {"IP:10.0.0.2"};  // another control-plane node: its own identity
  c.add(ha);
  c.add(ha2);
  // Reissued to another CA: the new record (id 10) replaces kubernetes' record 9.
  c.add(record(9, "CN=system:node:moved", 0, 1000));
  auto moved = record(10, "CN=system:node:moved", 0, 5000);
  moved.issuer = "kubernetes-2027";
  c.add(moved);
  EXPECT_EQ(c.seen(), 10U);
  const auto got = c.take();
  ASSERT_EQ(got.size(), 5U);
  EXPECT_EQ(got[0].record_id, 5);  // 100 + 500
  EXPECT_EQ(got[0].deadline, 600);
  EXPECT_EQ(Bytes(got[0].serial_bytes().begin(), got[0].serial_bytes().end()), Bytes{5});
  EXPECT_EQ(got[1].record_id, 1);  // 800
  EXPECT_EQ(got[2].record_id, 7);
  EXPECT_EQ(got[3].record_id, 8);
  EXPECT_EQ(got[4].record_id, 4);  // 1000
  EXPECT_EQ(got[4].deadline, 1000);
  EXPECT_EQ(c.profiles()[got[1].profile], "kubelet-serving");
  EXPECT_EQ(c.profiles()[got[2].profile], "apiserver");
}

std::vector<RenewalCandidate> candidates(const std::vector<std::int64_t>& deadlines) {
  std::vector<RenewalCandidate> out;
  out.reserve(deadlines.size());
  std::int64_t id = 1;
  for (const auto d : deadlines) out.push_back({id++, d, d + 1000, 0, 0, {}});
  return out;
}

TEST(PlanRenewalsTest, BatchesByWindowWithPredictedFinishAndLateness) {
  // at 1000, window 100, rate 1/s: two overdue items, then windows [1000,1100) and [1100,1200);
  // the deadline at 1300 is outside the 250 s horizon.
  PlanOptions o;
  o.at = 1000;
  o.horizon = 250;
  o.window = 100;
  o.rate = 1.0;
  auto plan = plan_renewals(candidates({900, 1000, 1002, 1050, 1100, 1101, 1300}), o);
  ASSERT_TRUE(plan) << plan.error().message();
  EXPECT_EQ(plan->current, 7U);
  EXPECT_EQ(plan->due, 6U);
  EXPECT_EQ(plan->overdue, 2U);
  ASSERT_EQ(plan->batches.size(), 3U);
  const PlannedBatch& overdue = plan->batches[0];
  EXPECT_TRUE(overdue.overdue);
  EXPECT_EQ(overdue.count, 2U);
  EXPECT_DOUBLE_EQ(overdue.finish, 1002);
  EXPECT_DOUBLE_EQ(overdue.lateness, 101);  // the item due at 900 finishes at 1001
  const PlannedBatch& first = plan->batches[1];
  EXPECT_EQ(first.window_start, 1000);
  EXPECT_EQ(first.count, 2U);
  EXPECT_DOUBLE_EQ(first.start, 1002);
  EXPECT_DOUBLE_EQ(first.finish, 1004);
  EXPECT_DOUBLE_EQ(first.lateness, 1);  // due 1002, done 1003
  const PlannedBatch& second = plan->batches[2];
  EXPECT_EQ(second.window_start, 1100);
  EXPECT_EQ(second.count, 2U);
  EXPECT_DOUBLE_EQ(second.finish, 1006);
  EXPECT_LT(second.lateness, 0);
  EXPECT_EQ(plan->late_batches, 2U);
  EXPECT_DOUBLE_EQ(plan->finish, 1006);
  EXPECT_DOUBLE_EQ(plan->required_rate, 1.5);  // item 3 (due 1002) needs 3 done in 2 s
  EXPECT_EQ(plan->due_records, (std::vector<std::int64_t>{1, 2, 3, 4, 5, 6}));

  // A current certificate already expired at `at` is counted, not renewed.
  auto with_expired = candidates({900, 1000, 1002, 1050, 1100, 1101, 1300});
  with_expired[0].not_after = 999;
  plan = plan_renewals(with_expired, o);
  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->expired, 1U);
  EXPECT_EQ(plan->due, 5U);
  EXPECT_EQ(plan->overdue, 1U);

  o.rate = 2.0;  // the overdue batch is still late; every other one is on time
  plan = plan_renewals(candidates({900, 1000, 1002, 1050, 1100, 1101, 1300}), o);
  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->late_batches, 1U);
  EXPECT_DOUBLE_EQ(plan->finish, 1003);
}

TEST(PlanRenewalsTest, NothingDueAndBadOptions) {
  PlanOptions o;
  o.at = 0;
  o.rate = 10;
  auto plan = plan_renewals(candidates({90000, 100000}), o);
  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->due, 0U);
  EXPECT_TRUE(plan->batches.empty());
  EXPECT_DOUBLE_EQ(plan->finish, 0);
  EXPECT_DOUBLE_EQ(plan->required_rate, 0);
  o.rate = 0;
  EXPECT_EQ(plan_renewals({}, o).error().message(), "renew: the rate must be a positive number");
  o.rate = 1;
  o.window = 0;
  EXPECT_FALSE(plan_renewals({}, o));
}

}  // namespace
}  // namespace signet::scheduler
