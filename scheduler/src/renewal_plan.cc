#include "signet/scheduler/renewal_plan.h"

#include <algorithm>
#include <cmath>
#include <tuple>
#include <utility>

namespace signet::scheduler {

namespace {

// SplitMix64's finaliser (Steele, Lea, Flood 2014): consecutive ids spread over the window.
std::uint64_t mix(std::uint64_t x) noexcept {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30U)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27U)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31U);
}

std::string identity_key(const ledger::CertificateRecord& r) {
  std::string key = r.profile;
  key += '\0';
  key += r.subject;
  for (const auto& san : r.sans) {
    key += '\0';
    key += san;
  }
  return key;
}

}  // namespace

std::int64_t renewal_deadline(std::int64_t record_id, std::int64_t not_before,
                              std::int64_t not_after, RenewalWindow window) noexcept {
  const unsigned span = window.until_permille - window.from_permille + 1;
  const auto f = window.from_permille +
                 static_cast<unsigned>(mix(static_cast<std::uint64_t>(record_id)) % span);
  const std::int64_t lifetime = std::max<std::int64_t>(0, not_after - not_before);
  // lifetime × f / 1000 without overflow for any lifetime a certificate can have (< 2^53 s).
  return not_before + lifetime / 1000 * f + lifetime % 1000 * f / 1000;
}

void CandidateCollector::add(const ledger::CertificateRecord& record) {
  ++seen_;
  Newest& n = newest_[identity_key(record)];
  if (n.id != 0 && n.id > record.id) return;
  RenewalWindow w;
  if (const auto it = windows_.find(record.profile); it != windows_.end()) w = it->second;
  n.id = record.id;
  n.revoked = record.revoked;
  n.candidate = {record.id, renewal_deadline(record.id, record.not_before, record.not_after, w),
                 record.not_after, record.profile, record.serial};
}

std::vector<RenewalCandidate> CandidateCollector::take() {
  std::vector<RenewalCandidate> out;
  out.reserve(newest_.size());
  for (auto& [key, n] : newest_) {
    if (!n.revoked) out.push_back(std::move(n.candidate));
  }
  newest_.clear();
  std::sort(out.begin(), out.end(), [](const RenewalCandidate& a, const RenewalCandidate& b) {
    return std::tie(a.deadline, a.record_id) < std::tie(b.deadline, b.record_id);
  });
  return out;
}

Result<RenewalPlan> plan_renewals(const std::vector<RenewalCandidate>& candidates,
                                  const PlanOptions& options) {
  if (!(options.rate > 0) || !std::isfinite(options.rate)) {
    return fail(ErrorCode::kInvalidArgument, "renew: the rate must be a positive number");
  }
  if (options.horizon <= 0 || options.window <= 0) {
    return fail(ErrorCode::kInvalidArgument, "renew: --horizon and --window must be positive");
  }
  RenewalPlan plan;
  plan.options = options;
  plan.current = candidates.size();
  plan.finish = static_cast<double>(options.at);
  const std::int64_t end = options.at + options.horizon;
  auto done_at = static_cast<double>(options.at);
  const double step = 1.0 / options.rate;
  std::uint64_t j = 0;
  for (const auto& c : candidates) {
    if (c.deadline >= end) break;  // sorted by deadline: nothing later is due
    const bool overdue = c.deadline <= options.at;
    const std::int64_t start =
        overdue ? c.deadline
                : options.at + (c.deadline - options.at) / options.window * options.window;
    if (plan.batches.empty() || plan.batches.back().overdue != overdue ||
        (!overdue && plan.batches.back().window_start != start)) {
      PlannedBatch b;
      b.window_start = start;
      b.overdue = overdue;
      b.first_deadline = c.deadline;
      b.start = done_at;
      b.lateness = -1e300;
      plan.batches.push_back(b);
    }
    PlannedBatch& b = plan.batches.back();
    ++j;
    done_at = static_cast<double>(options.at) + static_cast<double>(j) * step;
    ++b.count;
    b.last_deadline = c.deadline;
    b.finish = done_at;
    b.lateness = std::max(b.lateness, done_at - static_cast<double>(c.deadline));
    if (overdue) {
      ++plan.overdue;
    } else {
      plan.required_rate =
          std::max(plan.required_rate,
                   static_cast<double>(j) / static_cast<double>(c.deadline - options.at));
    }
    plan.due_records.push_back(c.record_id);
  }
  plan.due = j;
  plan.finish = done_at;
  for (const auto& b : plan.batches) {
    if (b.lateness > 0) ++plan.late_batches;
  }
  return plan;
}

}  // namespace signet::scheduler
