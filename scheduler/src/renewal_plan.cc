#include "signet/scheduler/renewal_plan.h"

#include <algorithm>
#include <cmath>
#include <string_view>
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

std::uint32_t CandidateCollector::profile_index(const std::string& name) {
  if (const auto it = profile_ids_.find(name); it != profile_ids_.end()) return it->second;
  const auto id = static_cast<std::uint32_t>(profiles_.size());
  profiles_.push_back(name);
  RenewalWindow w;
  if (const auto it = windows_.find(name); it != windows_.end()) w = it->second;
  profile_windows_.push_back(w);
  profile_ids_.emplace(name, id);
  return id;
}

void CandidateCollector::add(const ledger::CertificateRecord& record) {
  ++seen_;
  // The identity's bytes: \1 profile \0 subject (\0 SAN)*; the second hash covers them with a
  // different first byte, so the two are independent.
  key_.assign(1, '\1');
  key_ += record.profile;
  key_ += '\0';
  key_ += record.subject;
  for (const auto& san : record.sans) {
    key_ += '\0';
    key_ += san;
  }
  const std::hash<std::string_view> h;
  const std::uint64_t a = h(key_);
  key_[0] = '\2';
  Entry& e = entries_.emplace_back();
  e.key = {a, h(key_)};
  const std::uint32_t profile = profile_index(record.profile);
  e.revoked = record.revoked;
  e.of_issuer = record.issuer == issuer_;
  e.candidate.record_id = record.id;
  e.candidate.deadline =
      renewal_deadline(record.id, record.not_before, record.not_after, profile_windows_[profile]);
  e.candidate.not_after = record.not_after;
  e.candidate.profile = profile;
  e.candidate.serial_size =
      static_cast<std::uint8_t>(std::min(record.serial.size(), e.candidate.serial.size()));
  std::copy_n(record.serial.begin(), e.candidate.serial_size, e.candidate.serial.begin());
}

std::vector<RenewalCandidate> CandidateCollector::take() {
  std::sort(entries_.begin(), entries_.end(), [](const Entry& x, const Entry& y) {
    return std::tie(x.key.a, x.key.b, x.candidate.record_id) <
           std::tie(y.key.a, y.key.b, y.candidate.record_id);
  });
  std::vector<RenewalCandidate> out;
  out.reserve(entries_.size());
  for (std::size_t i = 0; i < entries_.size(); ++i) {
    const bool newest = i + 1 == entries_.size() || !(entries_[i + 1].key == entries_[i].key);
    if (newest && !entries_[i].revoked && entries_[i].of_issuer) {
      out.push_back(entries_[i].candidate);
    }
  }
  entries_ = {};
  std::sort(out.begin(), out.end(), [](const RenewalCandidate& x, const RenewalCandidate& y) {
    return std::tie(x.deadline, x.record_id) < std::tie(y.deadline, y.record_id);
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
    if (c.not_after <= options.at) {
      ++plan.expired;
      continue;
    }
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
