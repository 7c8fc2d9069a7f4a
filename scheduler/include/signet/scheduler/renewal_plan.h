// The renewal planner (signet issue 6, item 3): which ledger records are due, when, and whether
// a signer's measured capacity renews every batch before its deadline.
//
// Deadline: notBefore + f × lifetime, f in the profile's [renew_from, renew_until] thousandths
// (ProfileSpec), drawn per record from a fixed hash of its ledger id, so every plan and every
// run agree on a record's deadline without storing it, and a fleet issued in one hour is not all
// due in one hour (kubelets jitter the same way, 70-90 %).
//
// Current records: only the newest (highest id) record of an identity — (profile, subject,
// SANs), under any CA — is renewed; an older one was replaced (renewed, reissued to another CA,
// re-bootstrapped). When the newest is revoked the identity is not renewed at all: revocation
// was a decision. Nor is one whose certificate has expired by `at`: a node that let it lapse
// (or is gone) bootstraps again; the plan counts them.
//
// The model `renew run` follows: at `at` it takes every current record whose deadline falls
// before at + horizon, most urgent first (EDF), and issues them one after another at `rate`
// (a share of the capacity). Item j (0-based) then finishes at at + (j + 1) / rate; a batch is
// the items whose deadlines share one window of `window` seconds, and it is late when one of
// its items finishes after its own deadline.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "signet/core/ledger.h"
#include "signet/core/result.h"

namespace signet::scheduler {

struct RenewalWindow {
  unsigned from_permille = 800;
  unsigned until_permille = 800;
};

// notBefore + f × (notAfter − notBefore), f = from + hash(record_id) mod (until − from + 1)
// thousandths, rounded down to the second.
[[nodiscard]] std::int64_t renewal_deadline(std::int64_t record_id, std::int64_t not_before,
                                            std::int64_t not_after, RenewalWindow window) noexcept;

struct RenewalCandidate {
  std::int64_t record_id = 0;
  std::int64_t deadline = 0;
  std::int64_t not_after = 0;
  std::uint32_t profile = 0;  // index into CandidateCollector::profiles()
  std::uint8_t serial_size = 0;
  std::array<std::uint8_t, ledger::kMaxSerialBytes> serial{};  // to fetch the record (find)
  [[nodiscard]] ByteView serial_bytes() const noexcept { return {serial.data(), serial_size}; }
};

// Collects the current records of one issuer from ledger pages (in any order). A million
// records take ~80 MB: an identity is kept as a 128-bit hash of (profile, subject, SANs), two
// independent 64-bit hashes (a collision, ~10^-27 for a million identities, would merge two).
class CandidateCollector {
 public:
  // `windows` by profile name; a profile not in it gets the default 80 %. Records of every
  // issuer may be added (a reissue's new record replaces the old CA's); only `issuer`'s
  // current ones are taken.
  CandidateCollector(std::map<std::string, RenewalWindow, std::less<>> windows, std::string issuer)
      : windows_(std::move(windows)), issuer_(std::move(issuer)) {}
  void reserve(std::size_t records) { entries_.reserve(records); }
  void add(const ledger::CertificateRecord& record);
  [[nodiscard]] std::size_t seen() const noexcept { return seen_; }
  // The current, unrevoked records, by (deadline, record id).
  [[nodiscard]] std::vector<RenewalCandidate> take();
  // Profile names, as RenewalCandidate::profile indexes them.
  [[nodiscard]] const std::vector<std::string>& profiles() const noexcept { return profiles_; }

 private:
  struct Key {
    std::uint64_t a = 0;
    std::uint64_t b = 0;
    friend bool operator==(const Key&, const Key&) = default;
  };
  // One per record added; take() sorts them by identity and keeps each one's newest (a sort
  // is several times faster than a hash map of a million identities: no node per entry).
  struct Entry {
    Key key;
    bool revoked = false;
    bool of_issuer = false;
    RenewalCandidate candidate;
  };
  std::uint32_t profile_index(const std::string& name);

  std::map<std::string, RenewalWindow, std::less<>> windows_;
  std::string issuer_;
  std::vector<std::string> profiles_;
  std::vector<RenewalWindow> profile_windows_;
  std::map<std::string, std::uint32_t, std::less<>> profile_ids_;
  std::vector<Entry> entries_;
  std::string key_;  // scratch for the identity's bytes
  std::size_t seen_ = 0;
};

struct PlanOptions {
  std::int64_t at = 0;           // unix seconds: when the run starts
  std::int64_t horizon = 86400;  // plan deadlines before at + horizon
  std::int64_t window = 3600;    // one batch per window of deadlines
  double rate = 0;               // certificates per second the run is paced at (> 0)
};

struct PlannedBatch {
  std::int64_t window_start = 0;  // deadlines in [window_start, window_start + window); the
                                  // overdue batch (deadlines before `at`) starts at its earliest
  bool overdue = false;
  std::uint64_t count = 0;
  std::int64_t first_deadline = 0;
  std::int64_t last_deadline = 0;
  double start = 0;  // predicted, unix seconds (fractional)
  double finish = 0;
  // max over the batch of (finish of an item − its deadline): ≤ 0 on time, > 0 late by that.
  double lateness = 0;
};

struct RenewalPlan {
  PlanOptions options;
  std::uint64_t current = 0;  // current records considered (any deadline)
  std::uint64_t due = 0;      // deadlines before at + horizon
  std::uint64_t overdue = 0;  // deadlines at or before `at`
  std::uint64_t expired = 0;  // current but expired by `at`: not renewed (they bootstrap again)
  std::vector<PlannedBatch> batches;
  std::uint64_t late_batches = 0;  // overdue batch included when it has items
  double finish = 0;               // when the last item is predicted done (at when none)
  // The lowest rate at which no item with a future deadline finishes late (0 when none is due).
  double required_rate = 0;
  std::vector<std::int64_t> due_records;  // record ids, in run order
};

// The plan for `candidates` (CandidateCollector::take order). kInvalidArgument when rate ≤ 0,
// horizon or window not positive.
[[nodiscard]] Result<RenewalPlan> plan_renewals(const std::vector<RenewalCandidate>& candidates,
                                                const PlanOptions& options);

}  // namespace signet::scheduler
