#include "signet/hsm/signer_group.h"

#include <algorithm>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

namespace signet::hsm {
namespace {

using Clock = std::chrono::steady_clock;

bool same_bytes(ByteView a, ByteView b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end());
}

}  // namespace

struct SignerGroup::State {
  struct Member {
    std::unique_ptr<Signer> signer;
    std::atomic<std::size_t> in_flight{0};
    std::atomic<std::uint64_t> signed_count{0};
    // Guarded by State::mutex.
    bool in_service = true;
    bool probing = false;
    std::uint64_t taken_out = 0;
    Clock::time_point next_probe{};
    std::string last_error;
  };

  // One signature through the group. Guarded by State::mutex except `input`, which is immutable.
  struct Request {
    Bytes input;
    Completion done;
    bool finished = false;
    std::uint64_t attempt = 0;  // which answer is awaited; earlier ones were abandoned
    int moves = 0;
    std::vector<bool> tried;
    std::multimap<Clock::time_point, std::weak_ptr<Request>>::iterator deadline{};
    bool has_deadline = false;
    std::size_t member = 0;
  };
  using RequestPtr = std::shared_ptr<Request>;

  GroupOptions options;
  std::vector<std::unique_ptr<Member>> members;
  SignatureAlgorithm algorithm = SignatureAlgorithm::kEcdsaSha256;
  Bytes spki;
  Bytes probe_input;
  std::string name;

  mutable std::mutex mutex;
  std::condition_variable wake;  // the watchdog: a new deadline, or stopping
  std::condition_variable idle;  // no dispatch in progress
  std::multimap<Clock::time_point, std::weak_ptr<Request>> deadlines;
  std::size_t active_dispatches = 0;
  std::size_t rotation = 0;
  bool stopping = false;
  std::thread watchdog;

  // Takes a member out of service; the caller holds `mutex`.
  void take_out_locked(std::size_t m, std::string why) {
    Member& member = *members[m];
    if (!member.in_service) return;
    member.in_service = false;
    ++member.taken_out;
    member.last_error = std::move(why);
    member.next_probe = Clock::now() + options.probe_interval;
    wake.notify_one();
  }

  void clear_deadline_locked(Request& req) {
    if (req.has_deadline) deadlines.erase(req.deadline);
    req.has_deadline = false;
  }

  // Marks the request finished and hands back its completion; the caller runs it unlocked.
  static Completion finish_locked(Request& req) {
    req.finished = true;
    return std::move(req.done);
  }

  // Picks a member this request has not tried: in service and least loaded first; when no member
  // is in service, the least loaded of the rest (a group whose members all failed still tries,
  // like a single signer would). nullopt: every member was tried.
  // Ties go round-robin, so one caller signing at a time still spreads its signatures.
  std::optional<std::size_t> choose_locked(const Request& req) {
    std::optional<std::size_t> best;
    bool best_in_service = false;
    const std::size_t start = rotation++;
    for (std::size_t k = 0; k < members.size(); ++k) {
      const std::size_t i = (start + k) % members.size();
      if (req.tried[i]) continue;
      const Member& m = *members[i];
      const bool better =
          !best || (m.in_service && !best_in_service) ||
          (m.in_service == best_in_service && m.in_flight < members[*best]->in_flight);
      if (better) {
        best = i;
        best_in_service = m.in_service;
      }
    }
    return best;
  }

  void dispatch(const RequestPtr& req, Error last_error) {
    std::size_t chosen = 0;
    std::uint64_t attempt = 0;
    {
      std::unique_lock lock(mutex);
      if (req->finished) return;
      std::optional<std::size_t> pick;
      if (!stopping && req->moves < options.max_moves) pick = choose_locked(*req);
      if (!pick) {
        Completion done = finish_locked(*req);
        lock.unlock();
        const std::string why = stopping ? "the group is closing"
                                         : "tried " + std::to_string(req->moves) + " of " +
                                               std::to_string(members.size()) + " members";
        done(fail(std::move(last_error).context(name + ": " + why)));
        return;
      }
      chosen = *pick;
      attempt = ++req->attempt;
      ++req->moves;
      req->tried[chosen] = true;
      req->member = chosen;
      req->deadline = deadlines.emplace(Clock::now() + options.answer_timeout, req);
      req->has_deadline = true;
      ++active_dispatches;
      ++members[chosen]->in_flight;
      wake.notify_one();
    }
    Bytes input = req->input;  // the member keeps its own copy until it answers
    members[chosen]->signer->submit(std::move(input),
                                    [this, req, chosen, attempt](Result<Bytes> r) {
                                      on_answer(req, chosen, attempt, std::move(r));
                                    });
    const std::scoped_lock lock(mutex);
    if (--active_dispatches == 0) idle.notify_all();
  }

  void on_answer(const RequestPtr& req, std::size_t m, std::uint64_t attempt, Result<Bytes> r) {
    --members[m]->in_flight;
    std::unique_lock lock(mutex);
    if (req->finished) return;  // a late answer from an abandoned attempt
    if (r) {
      // Any member's good signature will do, even one from an attempt already abandoned.
      clear_deadline_locked(*req);
      ++members[m]->signed_count;
      Completion done = finish_locked(*req);
      lock.unlock();
      done(std::move(r));
      return;
    }
    if (attempt != req->attempt) return;  // abandoned; the current attempt decides
    clear_deadline_locked(*req);
    if (r.error().code() == ErrorCode::kInvalidArgument) {
      Completion done = finish_locked(*req);  // the input, not the token, is wrong
      lock.unlock();
      done(std::move(r));
      return;
    }
    // The member already retried on fresh sessions (SignerOptions::max_attempts), or failed in a
    // way retrying it cannot fix (CKR_FUNCTION_FAILED, a vendor code, a refused PIN): that token
    // is failing; the others may not be. A full queue only means it is busy.
    if (r.error().code() != ErrorCode::kResourceExhausted) {
      take_out_locked(m, r.error().message());
    }
    lock.unlock();
    dispatch(req, std::move(r).error());
  }

  void probe(std::size_t m) {
    Bytes input = probe_input;
    members[m]->signer->submit(std::move(input), [this, m](Result<Bytes> r) {
      const bool ok = r && verify_signature(spki, algorithm, probe_input, *r);
      const std::scoped_lock lock(mutex);
      Member& member = *members[m];
      member.probing = false;
      if (ok) {
        member.in_service = true;
      } else {
        member.next_probe = Clock::now() + options.probe_interval;
        member.last_error = r ? "probe signature does not verify" : r.error().message();
      }
    });
  }

  void watch() {
    std::unique_lock lock(mutex);
    while (!stopping) {
      const Clock::time_point now = Clock::now();
      std::vector<RequestPtr> expired;
      while (!deadlines.empty() && deadlines.begin()->first <= now) {
        if (RequestPtr req = deadlines.begin()->second.lock(); req && !req->finished) {
          req->has_deadline = false;
          take_out_locked(req->member,
                          "no answer in " + std::to_string(options.answer_timeout.count()) + " ms");
          expired.push_back(std::move(req));
        }
        deadlines.erase(deadlines.begin());
      }
      std::vector<std::size_t> probes;
      Clock::time_point next = now + options.probe_interval;
      for (std::size_t i = 0; i < members.size(); ++i) {
        Member& member = *members[i];
        if (member.in_service || member.probing) continue;
        if (member.next_probe <= now) {
          member.probing = true;
          probes.push_back(i);
        } else {
          next = std::min(next, member.next_probe);
        }
      }
      if (!expired.empty() || !probes.empty()) {
        lock.unlock();
        for (const RequestPtr& req : expired) {
          dispatch(req,
                   Error(ErrorCode::kDeadlineExceeded,
                         "no answer in " + std::to_string(options.answer_timeout.count()) + " ms"));
        }
        for (const std::size_t i : probes) probe(i);
        lock.lock();
        continue;
      }
      if (!deadlines.empty()) next = std::min(next, deadlines.begin()->first);
      wake.wait_until(lock, next);
    }
  }
};

SignerGroup::SignerGroup(std::shared_ptr<State> state) : state_(std::move(state)) {
  state_->watchdog = std::thread([s = state_.get()] { s->watch(); });
}

SignerGroup::~SignerGroup() {
  {
    const std::scoped_lock lock(state_->mutex);
    state_->stopping = true;
  }
  state_->wake.notify_all();
  state_->watchdog.join();
  {
    std::unique_lock lock(state_->mutex);
    state_->idle.wait(lock, [this] { return state_->active_dispatches == 0; });
  }
  // Each member finishes what it is signing and fails what is queued; with `stopping` set those
  // answers end their requests instead of moving them. Members go one by one, before the state
  // their completions use.
  for (auto& member : state_->members) member->signer.reset();
}

SignatureAlgorithm SignerGroup::algorithm() const noexcept {
  return state_->algorithm;
}
ByteView SignerGroup::public_key_der() const noexcept {
  return state_->spki;
}
std::string SignerGroup::describe() const {
  return state_->name;
}

void SignerGroup::submit(Bytes input, Completion done) {
  auto req = std::make_shared<State::Request>();
  req->input = std::move(input);
  req->done = std::move(done);
  req->tried.assign(state_->members.size(), false);
  state_->dispatch(req, Error(ErrorCode::kUnavailable, "no member tried"));
}

Result<Bytes> SignerGroup::sign(ByteView input) {
  struct Wait {
    std::mutex mutex;
    std::condition_variable done;
    std::optional<Result<Bytes>> result;
  };
  auto wait = std::make_shared<Wait>();
  submit(Bytes(input.begin(), input.end()), [wait](Result<Bytes> r) {
    const std::scoped_lock lock(wait->mutex);
    wait->result.emplace(std::move(r));
    wait->done.notify_all();
  });
  std::unique_lock lock(wait->mutex);
  wait->done.wait(lock, [&] { return wait->result.has_value(); });
  std::optional<Result<Bytes>>& result = wait->result;
  if (!result) return fail(ErrorCode::kInternal, "signer group: completion without a result");
  return std::move(*result);
}

std::vector<GroupMemberStatus> SignerGroup::status() const {
  const std::scoped_lock lock(state_->mutex);
  std::vector<GroupMemberStatus> out;
  for (const auto& m : state_->members) {
    GroupMemberStatus s;
    s.name = m->signer ? m->signer->describe() : "(closed)";
    s.in_service = m->in_service;
    s.in_flight = m->in_flight;
    s.signed_count = m->signed_count;
    s.taken_out = m->taken_out;
    s.last_error = m->last_error;
    out.push_back(std::move(s));
  }
  return out;
}

Result<std::unique_ptr<SignerGroup>> make_signer_group(std::vector<std::unique_ptr<Signer>> members,
                                                       const GroupOptions& options) {
  if (members.empty()) return fail(ErrorCode::kInvalidArgument, "a signer group needs a member");
  if (options.max_moves < 1 || options.answer_timeout.count() <= 0 ||
      options.probe_interval.count() <= 0) {
    return fail(ErrorCode::kInvalidArgument,
                "signer group: max_moves, answer_timeout and probe_interval must be positive");
  }
  auto state = std::make_shared<SignerGroup::State>();
  state->options = options;
  const Signer& first = *members.front();
  state->algorithm = first.algorithm();
  const ByteView spki = first.public_key_der();
  state->spki.assign(spki.begin(), spki.end());
  state->name = "group of " + std::to_string(members.size()) + " [";
  for (std::size_t i = 0; i < members.size(); ++i) {
    const Signer& m = *members[i];
    if (m.algorithm() != state->algorithm || !same_bytes(m.public_key_der(), spki)) {
      return fail(ErrorCode::kInvalidArgument,
                  "signer group: " + m.describe() + " does not hold the same key as " +
                      first.describe() + " (public keys or algorithms differ)");
    }
    state->name += (i == 0 ? "" : ", ") + m.describe();
  }
  state->name += "]";
  SIGNET_ASSIGN_OR_RETURN(state->probe_input,
                          signing_input(state->algorithm, as_bytes("signet group probe")));
  for (auto& m : members) {
    auto member = std::make_unique<SignerGroup::State::Member>();
    member->signer = std::move(m);
    state->members.push_back(std::move(member));
  }
  return std::unique_ptr<SignerGroup>(new SignerGroup(std::move(state)));
}

Result<std::unique_ptr<SignerGroup>> open_signer_group(const std::vector<GroupMemberSpec>& members,
                                                       const SignerOptions& signer_options,
                                                       const GroupOptions& group_options) {
  std::vector<std::unique_ptr<Signer>> signers;
  for (const GroupMemberSpec& spec : members) {
    auto signer = open_signer(spec.module_path, spec.uri, signer_options);
    if (!signer) {
      return fail(signer.error().context("signer group member " + spec.uri.to_string(false)));
    }
    signers.push_back(std::move(*signer));
  }
  return make_signer_group(std::move(signers), group_options);
}

}  // namespace signet::hsm
