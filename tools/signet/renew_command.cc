// signet renew plan / renew run (signet issue 6, item 3): which certificates of a CA are due for
// renewal (scheduler/renewal_plan.h: notBefore + f × lifetime, f from the profile), whether the
// signer's measured capacity renews every batch before its deadline, and a run that renews the
// due set — recertified under the same CA, same key — as a resumable job (reissue_driver.h)
// paced to a share of that capacity.
//
// Capacity: a probe (the default) of raw signatures with the CA's key for --probe-seconds (never
// a certificate); its figure is kept in <state>/capacity/<ca>.json with its date, which
// `--capacity last` reads, next to the run ceiling runs record (pace_for). A number is taken as
// given.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "signet/core/algorithm.h"
#include "signet/core/duration.h"
#include "signet/scheduler/renewal_plan.h"

#include "commands.h"
#include "ledger_access.h"
#include "profile_loading.h"
#include "reissue_driver.h"

namespace signet::cli {
namespace {

namespace fs = std::filesystem;
using SteadyClock = std::chrono::steady_clock;

constexpr int kPlanExitLate = 3;  // like `certs check-expiration`: ran fine, needs attention

struct RenewOptions {
  std::string ca;
  std::string profile;
  std::string at = "now";
  std::string horizon = "24h";
  std::string window = "1h";
  double share = 0.75;
  std::string capacity = "probe";
  double probe_seconds = 1.0;
  std::size_t show = 24;
  ReissueOptions run;  // the job run's options (pipeline, --out, worker, lease, batch)
};

// The current records (renewal_plan.h), with the profile names their indexes refer to.
struct Current {
  std::vector<scheduler::RenewalCandidate> candidates;
  std::vector<std::string> profiles;
};

struct Capacity {
  double rate = 0;  // certificates per second
  std::string source;
  std::int64_t measured_at = 0;
  std::uint64_t items = 0;
};

std::string rfc3339(double unix_seconds) {
  return format_time(std::chrono::system_clock::time_point(
      std::chrono::seconds(static_cast<std::int64_t>(std::floor(unix_seconds)))));
}

// "now", "now+DURATION", "@UNIX" or RFC 3339 UTC "YYYY-MM-DDTHH:MM:SSZ".
Result<std::int64_t> parse_at(const std::string& text) {
  const auto bad = [&] {
    return fail(ErrorCode::kInvalidArgument,
                "--at: expected now, now+DURATION (now+72h), @UNIX-SECONDS or "
                "YYYY-MM-DDTHH:MM:SSZ, got '" +
                    text.substr(0, 64) + "'");
  };
  if (text == "now") return unix_now();
  if (text.rfind("now+", 0) == 0) {
    SIGNET_ASSIGN_OR_RETURN(const auto d, parse_duration(text.substr(4)).map_error([](Error e) {
      return std::move(e).context("--at");
    }));
    return unix_now() + d.count();
  }
  const auto digits = [](std::string_view t) {
    return !t.empty() &&
           std::all_of(t.begin(), t.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  if (text.size() > 1 && text.size() < 13 && text[0] == '@' && digits(text.substr(1))) {
    return std::stoll(text.substr(1));
  }
  // YYYY-MM-DDTHH:MM:SSZ exactly: digits where digits go, and a date that exists (timegm
  // would quietly turn 02-31 into 03-03).
  const std::string_view v(text);
  if (text.size() != 20 || !digits(v.substr(0, 4)) || v[4] != '-' || !digits(v.substr(5, 2)) ||
      v[7] != '-' || !digits(v.substr(8, 2)) || v[10] != 'T' || !digits(v.substr(11, 2)) ||
      v[13] != ':' || !digits(v.substr(14, 2)) || v[16] != ':' || !digits(v.substr(17, 2)) ||
      v[19] != 'Z') {
    return bad();
  }
  std::tm tm{};
  tm.tm_year = std::stoi(text.substr(0, 4)) - 1900;
  tm.tm_mon = std::stoi(text.substr(5, 2)) - 1;
  tm.tm_mday = std::stoi(text.substr(8, 2));
  tm.tm_hour = std::stoi(text.substr(11, 2));
  tm.tm_min = std::stoi(text.substr(14, 2));
  tm.tm_sec = std::stoi(text.substr(17, 2));
  const std::tm asked = tm;
  const std::time_t t = timegm(&tm);
  std::tm back{};
  if (gmtime_r(&t, &back) == nullptr || back.tm_year != asked.tm_year || asked.tm_year < 70 ||
      back.tm_mon != asked.tm_mon || back.tm_mday != asked.tm_mday ||
      back.tm_hour != asked.tm_hour || back.tm_min != asked.tm_min || back.tm_sec != asked.tm_sec) {
    return bad();
  }
  return std::int64_t{t};
}

fs::path capacity_file(const Context& ctx, const std::string& ca) {
  return ctx.state().dir() / "capacity" / (ca + ".json");
}

// The capacity file as JSON (an empty object when absent or unreadable: it is only a cache).
nlohmann::json read_capacity_json(const Context& ctx, const std::string& ca) {
  auto text = read_file_limited(capacity_file(ctx, ca), 4096, "capacity file");
  if (!text) return nlohmann::json::object();
  auto j = nlohmann::json::parse(*text, nullptr, false);
  return j.is_object() ? j : nlohmann::json::object();
}

// Best effort: a plan or a run does not fail because its figure could not be kept for later.
void write_capacity_json(const Context& ctx, const std::string& ca, const nlohmann::json& j) {
  std::error_code ec;
  fs::create_directories(capacity_file(ctx, ca).parent_path(), ec);
  (void)write_file_atomic(capacity_file(ctx, ca), j.dump() + "\n");
}

// A positive number at `key` of the capacity JSON, if there is one.
std::optional<double> positive(const nlohmann::json& j, const char* key) {
  if (!j.contains(key) || !j[key].is_number() || !(j[key].get<double>() > 0)) return std::nullopt;
  return j[key].get<double>();
}

// The pace a run gets from a probe figure (0: none) and the kept ceiling: share × probe, never
// above the ceiling. The probe measures signing; a run also commits to the ledger and writes
// files, and when an earlier run could not hold its pace, what it reached is this machine's
// ceiling for the whole path.
struct Pace {
  double rate = 0;  // 0: nothing to pace by
  std::string source;
  std::optional<double> ceiling;
};
Pace pace_for(double probe_rate, double share, const nlohmann::json& kept) {
  Pace p{probe_rate * share, "share of capacity", positive(kept, "run_ceiling")};
  if (p.ceiling && (p.rate == 0 || *p.ceiling < p.rate)) {
    p.rate = *p.ceiling;
    p.source = "last run's ceiling";
  }
  return p;
}

Result<Capacity> last_capacity(const Context& ctx, const std::string& ca) {
  const nlohmann::json j = read_capacity_json(ctx, ca);
  const fs::path path = capacity_file(ctx, ca);
  if (j.empty()) {
    return fail(ErrorCode::kFailedPrecondition,
                "--capacity last: no probe recorded for CA " + ca + " (" + path.string() +
                    "); run `signet renew plan --ca " + ca + "` once with the default probe");
  }
  const std::optional<double> rate = positive(j, "rate");
  if (!rate || !j.contains("measured_at") || !j["measured_at"].is_number_integer()) {
    return fail(ErrorCode::kFailedPrecondition,
                path.string() + ": not a capacity record (rate, measured_at); probe again");
  }
  const std::uint64_t items =
      j.contains("items") && j["items"].is_number_unsigned() ? j["items"].get<std::uint64_t>() : 0;
  return Capacity{*rate, "last probe", j["measured_at"].get<std::int64_t>(), items};
}

// The probe: raw signatures for --probe-seconds with the CA's key — over random inputs, never
// a certificate, so nothing is signed that is not recorded — from as many threads as the run
// has token sessions (one per core by default), so a network HSM's parallelism counts.
Result<Capacity> probe_capacity(const Context& ctx, const RenewOptions& o, const StoredCa& ca) {
  SIGNET_ASSIGN_OR_RETURN(
      auto signer, open_reissue_signer(ctx, ca.record.key, o.run.max_in_flight, o.run.sessions));
  SIGNET_RETURN_IF_ERROR(check_signer_matches(ca.certificate, *signer));
  const std::size_t threads =
      o.run.sessions > 0 ? o.run.sessions : std::max(1U, std::thread::hardware_concurrency());
  const auto started = SteadyClock::now();
  const auto until = started + std::chrono::duration<double>(o.probe_seconds);
  std::atomic<std::uint64_t> ok{0};
  std::mutex error_mutex;
  std::optional<Error> first_error;
  std::vector<std::thread> workers;
  workers.reserve(threads);
  for (std::size_t t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      Bytes tbs(256);
      std::uint64_t n = t;
      while (SteadyClock::now() < until) {
        // Distinct inputs: a counter in a TBS-sized buffer (no token caches signatures, but
        // nothing here could be reused either).
        for (std::size_t k = 0; k < 8; ++k) tbs[k] = static_cast<std::uint8_t>(n >> (8 * k));
        n += threads;
        auto input = signing_input(signer->algorithm(), tbs);
        auto sig = input ? signer->sign(*input) : Result<Bytes>(fail(input.error()));
        if (sig) {
          ok.fetch_add(1, std::memory_order_relaxed);
          continue;
        }
        const std::lock_guard lock(error_mutex);
        if (!first_error) first_error = sig.error();
        return;
      }
    });
  }
  for (auto& w : workers) w.join();
  const double seconds = std::chrono::duration<double>(SteadyClock::now() - started).count();
  if (ok.load() == 0) {
    return fail(first_error ? std::move(*first_error).context("renew: the probe signed nothing")
                            : Error(ErrorCode::kUnavailable, "renew: the probe signed nothing"));
  }
  Capacity c{static_cast<double>(ok.load()) / seconds, "probe", unix_now(), ok.load()};
  nlohmann::json record = read_capacity_json(ctx, o.ca);  // keeps "run_ceiling"
  record["ca"] = o.ca;
  record["rate"] = c.rate;
  record["measured_at"] = c.measured_at;
  record["items"] = c.items;
  record["seconds"] = seconds;
  record["threads"] = threads;
  write_capacity_json(ctx, o.ca, record);
  return c;
}

Result<Capacity> capacity_for(const Context& ctx, const RenewOptions& o, const StoredCa& ca) {
  if (o.capacity == "probe") return probe_capacity(ctx, o, ca);
  if (o.capacity == "last") return last_capacity(ctx, o.ca);
  char* end = nullptr;
  const double rate = std::strtod(o.capacity.c_str(), &end);
  if (o.capacity.empty() || end != o.capacity.c_str() + o.capacity.size() || !(rate > 0) ||
      rate > 1e7) {
    return fail(ErrorCode::kInvalidArgument,
                "--capacity: expected probe, last or certificates per second (0 < N <= 1e7), "
                "got '" +
                    o.capacity.substr(0, 64) + "'");
  }
  return Capacity{rate, "given", unix_now(), 0};
}

// Every current record of the CA (and profile), read page by page in id order without
// certificates (`seen`: records read, every CA's).
Result<Current> current_records(ledger::LedgerStore& ledger, const RenewOptions& o,
                                const ProfileSet& set, std::size_t* seen) {
  std::map<std::string, scheduler::RenewalWindow, std::less<>> windows;
  for (const auto& p : set.profiles()) {
    windows[p.name()] = {p.spec().renew_from_permille, p.spec().renew_until_permille};
  }
  // Every CA's records are read: a record reissued to another CA is replaced by the new one
  // (same identity, newer), so it is not this CA's to renew any more.
  scheduler::CandidateCollector collector(std::move(windows), o.ca);
  ledger::ListQuery q;
  if (!o.profile.empty()) q.profile = o.profile;
  q.limit = ledger::kMaxListLimit;
  q.without_der = true;
  q.by_id = true;
  SIGNET_ASSIGN_OR_RETURN(const std::uint64_t total, ledger.count(q));
  collector.reserve(static_cast<std::size_t>(total));
  for (;;) {
    SIGNET_ASSIGN_OR_RETURN(const ledger::RecordPage page, ledger.list(q));
    for (const auto& r : page.records) collector.add(r);
    if (!page.next) break;
    q.after = page.next;
  }
  *seen = collector.seen();
  Current out;
  out.candidates = collector.take();
  out.profiles = collector.profiles();
  return out;
}

struct Planned {
  scheduler::RenewalPlan plan;
  Capacity capacity;
  // "--rate", "share of capacity", or "last run's ceiling" (run_ceiling below)
  std::string rate_source;
  std::optional<double> run_ceiling;
  std::size_t records = 0;
  double plan_seconds = 0;
};

Status check_renew_options(const RenewOptions& o) {
  if (o.ca.empty()) return fail(ErrorCode::kInvalidArgument, "renew: --ca is required");
  SIGNET_RETURN_IF_ERROR(check_ca_name(o.ca));
  const bool share_ok = o.share > 0 && o.share <= 1;  // false for NaN too
  if (!share_ok) {
    return fail(ErrorCode::kInvalidArgument, "--share: must be in (0, 1]");
  }
  return {};
}

Result<Planned> make_plan(const Context& ctx, const RenewOptions& o, const StoredCa& ca,
                          const ProfileSet& set, ledger::LedgerStore& ledger) {
  const auto started = SteadyClock::now();
  SIGNET_ASSIGN_OR_RETURN(const std::int64_t at, parse_at(o.at));
  SIGNET_ASSIGN_OR_RETURN(const auto horizon, parse_duration(o.horizon).map_error([](Error e) {
    return std::move(e).context("--horizon");
  }));
  SIGNET_ASSIGN_OR_RETURN(const auto window, parse_duration(o.window).map_error([](Error e) {
    return std::move(e).context("--window");
  }));
  Planned out;
  SIGNET_ASSIGN_OR_RETURN(const Current current, current_records(ledger, o, set, &out.records));
  SIGNET_ASSIGN_OR_RETURN(out.capacity, capacity_for(ctx, o, ca));
  scheduler::PlanOptions po;
  po.at = at;
  po.horizon = horizon.count();
  po.window = window.count();
  const Pace pace = pace_for(out.capacity.rate, o.share, read_capacity_json(ctx, o.ca));
  po.rate = pace.rate;
  out.rate_source = pace.source;
  out.run_ceiling = pace.ceiling;
  if (o.run.rate > 0) {
    po.rate = o.run.rate;
    out.rate_source = "--rate";
  }
  SIGNET_ASSIGN_OR_RETURN(out.plan, scheduler::plan_renewals(current.candidates, po));
  out.plan_seconds = std::chrono::duration<double>(SteadyClock::now() - started).count();
  return out;
}

std::string seconds_text(double s) {
  const auto n = static_cast<std::int64_t>(std::llround(std::abs(s)));
  std::string t;
  if (n >= 86400) t += std::to_string(n / 86400) + "d";
  if (n >= 3600) t += std::to_string(n % 86400 / 3600) + "h";
  if (n >= 60) t += std::to_string(n % 3600 / 60) + "m";
  t += std::to_string(n % 60) + "s";
  return t;
}

std::string verdict(const Planned& p) {
  const auto& plan = p.plan;
  if (plan.due == 0) return "nothing is due before the horizon";
  if (plan.late_batches == 0) return "every batch finishes before its deadlines";
  double worst = 0;
  for (const auto& b : plan.batches) worst = std::max(worst, b.lateness);
  std::string t = "WARNING: " + std::to_string(plan.late_batches) + " of " +
                  std::to_string(plan.batches.size()) + " batches finish late (worst by " +
                  seconds_text(worst) + ")";
  if (plan.overdue > 0) t += "; " + std::to_string(plan.overdue) + " certificates are overdue";
  if (plan.required_rate > plan.options.rate) {
    t += "; on time needs " + std::to_string(std::llround(plan.required_rate)) + "/s, the run " +
         "is paced at " + std::to_string(std::llround(plan.options.rate)) + "/s (shortfall " +
         std::to_string(std::llround(plan.required_rate - plan.options.rate)) + "/s)";
  }
  return t;
}

nlohmann::json plan_json(const RenewOptions& o, const Planned& p) {
  const auto& plan = p.plan;
  nlohmann::json batches = nlohmann::json::array();
  for (const auto& b : plan.batches) {
    batches.push_back(
        {{"window_start",
          b.overdue ? nullptr : nlohmann::json(rfc3339(static_cast<double>(b.window_start)))},
         {"overdue", b.overdue},
         {"count", b.count},
         {"first_deadline", rfc3339(static_cast<double>(b.first_deadline))},
         {"last_deadline", rfc3339(static_cast<double>(b.last_deadline))},
         {"start", rfc3339(b.start)},
         {"finish", rfc3339(b.finish)},
         {"finish_unix", std::round(b.finish * 1000) / 1000},
         {"lateness_seconds", std::round(b.lateness * 1000) / 1000},
         {"late", b.lateness > 0}});
  }
  return {{"ca", o.ca},
          {"profile", o.profile},
          {"at", rfc3339(static_cast<double>(plan.options.at))},
          {"at_unix", plan.options.at},
          {"horizon_seconds", plan.options.horizon},
          {"window_seconds", plan.options.window},
          {"capacity",
           {{"rate", std::round(p.capacity.rate * 10) / 10},
            {"source", p.capacity.source},
            {"measured_at", rfc3339(static_cast<double>(p.capacity.measured_at))},
            {"items", p.capacity.items}}},
          {"share", o.share},
          {"rate", std::round(plan.options.rate * 10) / 10},
          {"rate_source", p.rate_source},
          {"run_ceiling", p.run_ceiling ? nlohmann::json(std::round(*p.run_ceiling * 10) / 10)
                                        : nlohmann::json(nullptr)},
          {"records", p.records},
          {"current", plan.current},
          {"due", plan.due},
          {"overdue", plan.overdue},
          {"expired", plan.expired},
          {"finish", rfc3339(plan.finish)},
          {"predicted_seconds", plan.finish - static_cast<double>(plan.options.at)},
          {"late_batches", plan.late_batches},
          {"required_rate", std::round(plan.required_rate * 10) / 10},
          {"on_time", plan.late_batches == 0},
          {"verdict", verdict(p)},
          {"plan_seconds", std::round(p.plan_seconds * 1000) / 1000},
          {"batches", batches}};
}

std::string plan_text(const RenewOptions& o, const Planned& p) {
  const auto& plan = p.plan;
  char line[160];  // NOLINT(modernize-avoid-c-arrays)
  std::string t = "renewal plan for CA " + o.ca +
                  (o.profile.empty() ? " (every profile)" : ", profile " + o.profile) + " at " +
                  rfc3339(static_cast<double>(plan.options.at)) + ", horizon " + o.horizon +
                  ", window " + o.window + "\n";
  t += "capacity " + std::to_string(std::llround(p.capacity.rate)) + "/s (" + p.capacity.source +
       ", " + rfc3339(static_cast<double>(p.capacity.measured_at)) + "), run paced at " +
       std::to_string(std::llround(plan.options.rate)) + "/s (" + p.rate_source + ")\n";
  t += std::to_string(p.records) + " records, " + std::to_string(plan.current) + " current, " +
       std::to_string(plan.due) + " due (" + std::to_string(plan.overdue) + " overdue, " +
       std::to_string(plan.expired) + " expired and left to bootstrap again); " +
       "predicted finish " + rfc3339(plan.finish) + " (+" +
       seconds_text(plan.finish - static_cast<double>(plan.options.at)) + ")\n";
  if (!plan.batches.empty()) {
    std::snprintf(line, sizeof line, "%-22s %8s  %-22s %-22s %s\n", "window", "count",  // NOLINT
                  "first deadline", "predicted finish", "slack");
    t += line;
  }
  std::size_t shown = 0;
  for (const auto& b : plan.batches) {
    if (shown++ == o.show) {
      t += "... " + std::to_string(plan.batches.size() - o.show) +
           " more batches (--show, or --output json)\n";
      break;
    }
    const std::string slack =
        b.lateness > 0 ? "LATE by " + seconds_text(b.lateness) : seconds_text(-b.lateness);
    std::snprintf(line, sizeof line, "%-22s %8llu  %-22s %-22s %s\n",  // NOLINT
                  b.overdue ? "overdue" : rfc3339(static_cast<double>(b.window_start)).c_str(),
                  static_cast<unsigned long long>(b.count),  // NOLINT(google-runtime-int)
                  rfc3339(static_cast<double>(b.first_deadline)).c_str(), rfc3339(b.finish).c_str(),
                  slack.c_str());
    t += line;
  }
  t += verdict(p);
  return t;
}

struct Loaded {
  ProfileSet set;
  StoredCa ca;
  std::unique_ptr<ledger::LedgerStore> ledger;
};

Result<Loaded> load(const Context& ctx, const RenewOptions& o) {
  SIGNET_RETURN_IF_ERROR(check_renew_options(o));
  SIGNET_ASSIGN_OR_RETURN(ProfileSet set, load_effective_profiles(ctx, o.run.profiles));
  if (!o.profile.empty() && set.find(o.profile) == nullptr) {
    return fail(unknown_profile(set, o.profile));
  }
  SIGNET_ASSIGN_OR_RETURN(StoredCa ca, ctx.state().load_ca(o.ca).map_error(
                                           [](Error e) { return std::move(e).context("--ca"); }));
  SIGNET_ASSIGN_OR_RETURN(auto ledger, open_ledger(ctx));
  return Loaded{std::move(set), std::move(ca), std::move(ledger)};
}

Status renew_plan(Context& ctx, const RenewOptions& o) {
  SIGNET_ASSIGN_OR_RETURN(Loaded l, load(ctx, o));
  SIGNET_ASSIGN_OR_RETURN(const Planned p, make_plan(ctx, o, l.ca, l.set, *l.ledger));
  emit(ctx, plan_json(o, p), plan_text(o, p));
  if (p.plan.late_batches > 0) ctx.exit_code = kPlanExitLate;
  return {};
}

// After a run planned here, its achieved rate (items over the whole run, overheads included).
// A run paced at the kept ceiling sets the ceiling to what it achieved plus 2 %: the pace then
// follows the machine both ways, and a plan predicts at most ~2 % short. A run paced at a
// share of the probe that fell below 95 % of its pace starts a ceiling. Otherwise (the run
// held a pace below any ceiling) nothing is learnt. Runs under 1,000 items or 1 s are too
// short to say anything.
void record_run(const Context& ctx, const RenewOptions& o, bool paced_by_ceiling,
                std::uint64_t items, double seconds) {
  if (items < 1000 || seconds < 1.0 || !(o.run.rate > 0)) return;
  const double achieved = static_cast<double>(items) / seconds;
  nlohmann::json j = read_capacity_json(ctx, o.ca);
  if (paced_by_ceiling) {
    j["run_ceiling"] = achieved * 1.02;
  } else if (achieved < 0.95 * o.run.rate) {
    j["run_ceiling"] = achieved;
  } else {
    return;
  }
  j["run_ceiling_at"] = unix_now();
  write_capacity_json(ctx, o.ca, j);
}

// A resumed run's pace (nothing is planned): the share of the last probe, capped by the run
// ceiling, from the capacity file; unpaced, and said so, when there is none.
double resumed_rate(const Context& ctx, const RenewOptions& o) {
  const nlohmann::json j = read_capacity_json(ctx, o.ca);
  const Pace pace = pace_for(positive(j, "rate").value_or(0), o.share, j);
  if (pace.rate == 0) {
    log_step("renew-unpaced",
             {{"reason", "no capacity recorded for CA " + o.ca + "; give --rate to pace"}});
  }
  return pace.rate;
}

Status renew_run(Context& ctx, RenewOptions o) {
  SIGNET_ASSIGN_OR_RETURN(Loaded l, load(ctx, o));
  o.run.retry_hint =
      "rerun `signet renew run` after fixing the cause: the next plan takes them again";
  if (!o.run.worker_id.empty()) SIGNET_RETURN_IF_ERROR(scheduler::check_worker_id(o.run.worker_id));
  const std::string worker = o.run.worker_id.empty() ? default_worker_id() : o.run.worker_id;
  SIGNET_ASSIGN_OR_RETURN(const std::string spec, ledger_spec(ctx));
  SIGNET_ASSIGN_OR_RETURN(auto jobs, scheduler::open_reissue_store(spec));
  const scheduler::ReissueJobSpec job_spec{o.ca, o.ca, o.profile};
  // An active renewal (a run killed earlier) is resumed as it stands, before anything is planned.
  bool created = false;
  auto active = jobs->open_renewal(job_spec, {}, now_ms(), cli_requester(), &created);
  if (!active && active.error().code() != ErrorCode::kNotFound) return fail(active.error());
  scheduler::ReissueJob job;
  double predicted = 0;
  bool paced_by_ceiling = false;
  if (active) {
    job = std::move(*active);
    if (!(o.run.rate > 0)) o.run.rate = resumed_rate(ctx, o);
  } else {
    SIGNET_ASSIGN_OR_RETURN(const Planned p, make_plan(ctx, o, l.ca, l.set, *l.ledger));
    predicted = p.plan.finish - static_cast<double>(p.plan.options.at);
    log_step("renew-plan", {{"due", p.plan.due},
                            {"overdue", p.plan.overdue},
                            {"rate", p.plan.options.rate},
                            {"capacity", p.capacity.rate},
                            {"capacity_source", p.capacity.source},
                            {"predicted_seconds", predicted},
                            {"late_batches", p.plan.late_batches}});
    if (p.plan.due == 0) {
      emit(ctx, plan_json(o, p), plan_text(o, p));
      return {};
    }
    o.run.rate = p.plan.options.rate;
    paced_by_ceiling = p.rate_source == "last run's ceiling";
    SIGNET_ASSIGN_OR_RETURN(
        job, jobs->open_renewal(job_spec, p.plan.due_records, now_ms(), cli_requester(), &created));
  }
  log_step(created ? "job-created" : "job-resumed", {{"job", job.id},
                                                     {"worker", worker},
                                                     {"total", job.total},
                                                     {"kind", "renew"},
                                                     {"rate", o.run.rate}});
  const auto started = SteadyClock::now();
  Status driven = drive_job(ctx, o.run, *jobs, *l.ledger, job, l.set, l.ca, l.ca, worker);
  const double seconds = std::chrono::duration<double>(SteadyClock::now() - started).count();
  // Only a run planned (and paced) here, timed whole, says what the path can do.
  if (driven && created) record_run(ctx, o, paced_by_ceiling, job.total, seconds);
  log_step("renew-end",
           {{"job", job.id},
            {"seconds", seconds},
            {"predicted_seconds", created ? nlohmann::json(predicted) : nlohmann::json(nullptr)},
            {"ok", driven.has_value()}});
  return driven;
}

void add_plan_options(CLI::App* cmd, RenewOptions& o) {
  cmd->add_option("--ca", o.ca, "the CA whose certificates are renewed")->required();
  cmd->add_option("--profile", o.profile, "only certificates of this profile (default: all)");
  cmd->add_option("--at", o.at,
                  "when the run starts: now, now+DURATION, @UNIX-SECONDS or "
                  "YYYY-MM-DDTHH:MM:SSZ (default: now)");
  cmd->add_option("--horizon", o.horizon,
                  "renew what is due before at + this (default 24h; a run renews all of it)");
  cmd->add_option("--window", o.window, "one batch per this much of deadlines (default 1h)");
  cmd->add_option("--share", o.share,
                  "share of the measured capacity the run is paced at (default 0.75: room for "
                  "serving and the ledger)")
      ->check(CLI::Range(0.01, 1.0));
  cmd->add_option("--capacity", o.capacity,
                  "probe (default: measure now), last (the last probe of this CA, with its date) "
                  "or certificates per second");
  cmd->add_option("--probe-seconds", o.probe_seconds, "length of the probe (default 1)")
      ->check(CLI::Range(0.2, 60.0));
  cmd->add_option("--cpu-threads", o.run.cpu_threads, "pipeline CPU threads (0: one per core)")
      ->check(CLI::Range(0, 1024));
  cmd->add_option("--sessions", o.run.sessions, "token sessions (0: one per core)")
      ->check(CLI::Range(0, 4096));
  cmd->add_flag("--sign-inline", o.run.sign_inline,
                "CPU workers call C_Sign themselves (SoftHSM; see `signet reissue --help`)");
  cmd->add_option("--max-in-flight", o.run.max_in_flight,
                  "items alive at once in the pipeline (default 1024; at least twice --batch)")
      ->check(CLI::Range(2, 65536));
  cmd->add_option("--profiles", o.run.profiles,
                  "profiles file (default: <state>/profiles.json when present)");
}

}  // namespace

void register_renew_commands(CLI::App& app, Context& ctx, Action& action) {
  auto* renew = app.add_subcommand(
      "renew", "Plan and run renewals: due at notBefore + f x lifetime (f from the profile)");
  renew->require_subcommand(1);

  auto po = std::make_shared<RenewOptions>();
  auto* plan = renew->add_subcommand(
      "plan", "What is due and when, and whether the signer's capacity renews it in time");
  add_plan_options(plan, *po);
  plan->add_option("--show", po->show, "batches printed in text output (default 24)");
  plan->footer(
      "Exit status: 0 on time, 3 when a batch would finish after its deadlines (the warning "
      "names the shortfall), 1 on error.\n"
      "Examples:\n"
      "  signet renew plan --ca kubernetes\n"
      "  signet renew plan --ca kubernetes --profile kubelet-client --at now+72h --horizon 168h\n"
      "  signet renew plan --ca kubernetes --capacity last --output json");
  plan->callback([&ctx, &action, po] { action = [&ctx, po] { return renew_plan(ctx, *po); }; });

  auto ro = std::make_shared<RenewOptions>();
  auto* run = renew->add_subcommand(
      "run", "Renew what is due (same key, same CA) as a resumable job, paced to --share");
  add_plan_options(run, *ro);
  run->add_option("--rate", ro->run.rate,
                  "pace at this many certificates per second instead of share x capacity")
      ->check(CLI::Range(0.0, 1e7));
  run->add_option("--out", ro->run.out,
                  "directory for the renewed certificates, <old serial hex>.crt (written only "
                  "once committed to the ledger)");
  run->add_option("--worker-id", ro->run.worker_id, "this worker's name in claims");
  run->add_option("--lease", ro->run.lease_seconds, "seconds a claim lasts without renewal")
      ->check(CLI::Range(1.0, 86400.0));
  run->add_option("--batch", ro->run.batch, "items per claim and per commit transaction")
      ->check(CLI::Range(std::size_t{1}, scheduler::kMaxClaim));
  run->footer(
      "A killed run resumes its job when rerun (the plan is not redone until it finishes); "
      "every step is a JSON line on stderr (renew-plan, claim, commit, renew-end with the "
      "predicted and actual seconds). `signet reissue status` shows the job.\n"
      "Examples:\n"
      "  signet renew run --ca kubernetes --out renewed/\n"
      "  signet renew run --ca kubernetes --profile kubelet-serving --share 0.5 --horizon 72h");
  run->callback([&ctx, &action, ro] { action = [&ctx, ro] { return renew_run(ctx, *ro); }; });
}

}  // namespace signet::cli
