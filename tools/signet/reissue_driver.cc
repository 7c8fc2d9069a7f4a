// The engine under `signet reissue` and `signet renew run` (signet issue 6, items 3-5): drives
// one job of the ledger's job tables to its end — claims in batches with a lease, re-signs each
// old record through the pipeline (make_recertify_work, RecertifySource::kLedgerRecord), commits
// each batch (new records + items done) in one transaction, and writes files to --out only from
// committed items. kill -9 at any moment and rerun: it continues where it stopped. The job
// model is in scheduler/reissue_job.h.
#include "reissue_driver.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <csignal>
#include <deque>
#include <filesystem>
#include <iostream>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "signet/core/pem.h"
#include "signet/hsm/token.h"
#include "signet/scheduler/issue_work.h"
#include "signet/scheduler/pipeline.h"
#include "signet/scheduler/reissue_job.h"

#include "commands.h"
#include "ledger_access.h"
#include "profile_loading.h"

namespace signet::cli {
namespace {

namespace fs = std::filesystem;
using SteadyClock = std::chrono::steady_clock;

std::string json_line(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// A token bucket of one second's depth: at most `rate` items a second on average, a burst of
// at most one second's worth after a pause.
class Pacer {
 public:
  explicit Pacer(double rate) : rate_(rate), next_(SteadyClock::now()) {}
  void wait() {
    if (rate_ <= 0) return;
    const auto now = SteadyClock::now();
    const auto step = std::chrono::duration_cast<SteadyClock::duration>(
        std::chrono::duration<double>(1.0 / rate_));
    next_ = std::max(next_, now - std::chrono::seconds(1));
    if (next_ > now) std::this_thread::sleep_for(next_ - now);
    next_ += step;
  }

 private:
  double rate_;
  SteadyClock::time_point next_;
};

// strerror is not thread-safe (the sink writes files on a pipeline thread).
std::string errno_message() {
  return std::error_code(errno, std::generic_category()).message();
}

// "<host>.<pid>": workers on several hosts may share one --out directory (NFS); the host tells
// remove_stale_temporaries whose pid it may check.
const std::string& temporary_owner() {
  static const std::string kOwner = [] {
    std::array<char, 256> host{};
    if (::gethostname(host.data(), host.size() - 1) != 0) host[0] = '\0';
    std::string h = host.data();
    for (char& c : h) {
      if (c == '/' || c == '.') c = '_';
    }
    return h + "." + std::to_string(::getpid());
  }();
  return kOwner;
}

// Writes one file atomically (temporary name, O_EXCL | O_NOFOLLOW, rename) WITHOUT an fsync:
// the caller syncs the whole batch at once (sync_directory). write_file_atomic's two fsyncs per
// file cap a directory of certificates at ~100 files/s on a disk with 5 ms fsyncs.
Status write_unsynced(const fs::path& dir, const std::string& name, std::string_view content) {
  const fs::path path = dir / name;
  const fs::path tmp = dir / ("." + name + ".tmp." + temporary_owner());
  ::unlink(tmp.c_str());  // a leftover of a killed run with the same pid
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0) {
    return fail(ErrorCode::kFailedPrecondition,
                "--out: cannot write " + path.string() + ": " + errno_message());
  }
  std::size_t done = 0;
  while (done < content.size()) {
    const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    done += static_cast<std::size_t>(n);
  }
  const bool closed = ::close(fd) == 0;
  if (done != content.size() || !closed || ::rename(tmp.c_str(), path.c_str()) != 0) {
    const std::string why = errno_message();
    ::unlink(tmp.c_str());
    return fail(ErrorCode::kUnavailable, "--out: cannot write " + path.string() + ": " + why);
  }
  return {};
}

// A run killed inside write_unsynced leaves ".<serial>.crt.tmp.<host>.<pid>" behind (never a
// file under a certificate's own name: rename(2) is atomic). Removed when a run starts if it is
// this host's and its pid is gone (kill(pid, 0) answering ESRCH; EPERM means alive). Other
// hosts' files are left alone: their pids mean nothing here. Returns how many were removed.
std::size_t remove_stale_temporaries(const fs::path& dir) {
  const std::string& me = temporary_owner();
  const std::string host_prefix = me.substr(0, me.rfind('.') + 1);
  std::size_t removed = 0;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    const auto at = name.rfind(".crt.tmp.");
    if (name.empty() || name[0] != '.' || at == std::string::npos) continue;
    const std::string owner = name.substr(at + 9);
    if (owner.rfind(host_prefix, 0) != 0) continue;
    const std::string pid_text = owner.substr(host_prefix.size());
    if (pid_text.empty() || pid_text.find_first_not_of("0123456789") != std::string::npos ||
        pid_text.size() > 9) {
      continue;
    }
    const auto pid = static_cast<pid_t>(std::stol(pid_text));
    if (pid == ::getpid() || ::kill(pid, 0) == 0 || errno != ESRCH) continue;
    if (::unlink(it->path().c_str()) == 0) ++removed;
  }
  return removed;
}

// One syncfs(2) for the batch: every file above (data, and the renames) is on disk before the
// items are marked delivered, so a power cut cannot lose a file marked delivered.
Status sync_directory(const fs::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return fail(ErrorCode::kUnavailable, "--out: cannot open " + dir.string());
  const bool ok = ::syncfs(fd) == 0;
  ::close(fd);
  if (!ok) {
    return fail(ErrorCode::kUnavailable,
                "--out: syncing " + dir.string() + " failed: " + errno_message());
  }
  return {};
}

// Writes committed items' certificates to --out (<old serial hex>.crt) and marks them delivered.
// A crash between the two rewrites the same file from the ledger on the rerun, so each record
// ends with exactly one file.
Status deliver(scheduler::ReissueJobStore& jobs, std::int64_t job,
               std::span<const scheduler::Delivery> items, const fs::path& out) {
  std::vector<std::int64_t> ids;
  ids.reserve(items.size());
  for (const auto& d : items) {
    if (!out.empty()) {
      SIGNET_RETURN_IF_ERROR(
          write_unsynced(out, to_hex(d.old_serial) + ".crt", pem_encode("CERTIFICATE", d.der)));
    }
    ids.push_back(d.item_id);
  }
  if (ids.empty()) return {};
  if (!out.empty()) SIGNET_RETURN_IF_ERROR(sync_directory(out));
  return jobs.mark_delivered(job, ids);
}

// Delivers every committed-but-undelivered item `worker` committed (or, with an empty worker,
// anyone's committed before `before_ms`).
Status deliver_pending(scheduler::ReissueJobStore& jobs, std::int64_t job, std::string_view worker,
                       std::int64_t before_ms, const fs::path& out, std::uint64_t* delivered) {
  for (;;) {
    SIGNET_ASSIGN_OR_RETURN(const auto items, jobs.undelivered(job, worker, before_ms, 1000));
    if (items.empty()) return {};
    SIGNET_RETURN_IF_ERROR(deliver(jobs, job, items, out));
    *delivered += items.size();
  }
}

// One batch's bookkeeping between the source (which claims it) and the sink (which commits it).
struct Batch {
  std::size_t size = 0;
  std::size_t received = 0;
  std::vector<scheduler::IssuedItem> issued;
  std::vector<scheduler::FailedItem> failed;
  std::map<std::int64_t, Bytes> old_serials;  // item id → old serial (the output file name)
};
struct ItemMeta {
  std::uint64_t batch = 0;
  std::int64_t item_id = 0;
  std::string profile;
  std::string request_id;
};

// Delivery off the pipeline: the sink hands each committed batch here and goes on, and one
// thread writes the files, syncs them and marks them delivered (two waits on the disk per
// batch that would otherwise stall signing). At most kQueued batches wait (then the sink
// waits: backpressure). A crash with batches still queued loses nothing: they are committed
// and undelivered, and the rerun writes them (deliver_pending). The first error is kept and
// returned by push() and flush(), which stops the run.
class Deliverer {
 public:
  Deliverer(scheduler::ReissueJobStore& jobs, std::int64_t job, fs::path out)
      : jobs_(jobs), job_(job), out_(std::move(out)), thread_([this] { loop(); }) {}
  Deliverer(const Deliverer&) = delete;
  Deliverer& operator=(const Deliverer&) = delete;
  Deliverer(Deliverer&&) = delete;
  Deliverer& operator=(Deliverer&&) = delete;
  ~Deliverer() {
    {
      const std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    changed_.notify_all();
    thread_.join();
  }

  Status push(std::vector<scheduler::Delivery> batch) {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return queue_.size() < kQueued || error_.has_value(); });
    if (error_) return fail(*error_);
    queue_.push_back(std::move(batch));
    changed_.notify_all();
    return {};
  }

  // Waits until every pushed batch is delivered (or one failed).
  Status flush() {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return (queue_.empty() && !busy_) || error_.has_value(); });
    if (error_) return fail(*error_);
    return {};
  }

 private:
  static constexpr std::size_t kQueued = 4;

  void loop() {
    std::unique_lock lock(mutex_);
    for (;;) {
      changed_.wait(lock, [&] { return !queue_.empty() || stopping_; });
      if (queue_.empty()) return;  // stopping, nothing left
      std::vector<scheduler::Delivery> batch = std::move(queue_.front());
      queue_.pop_front();
      busy_ = true;
      lock.unlock();
      Status done = error_ ? Status() : deliver(jobs_, job_, batch, out_);
      lock.lock();
      busy_ = false;
      if (!done && !error_) error_ = done.error();
      changed_.notify_all();
    }
  }

  scheduler::ReissueJobStore& jobs_;
  std::int64_t job_;
  fs::path out_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<std::vector<scheduler::Delivery>> queue_;
  bool busy_ = false;
  bool stopping_ = false;
  std::optional<Error> error_;
  std::thread thread_;  // last: started once everything above exists
};

class Reissuer {
 public:
  Reissuer(const ReissueOptions& o, scheduler::ReissueJobStore& jobs, ledger::LedgerStore& ledger,
           const scheduler::ReissueJob& job, const ProfileSet& set, const StoredCa& old_ca,
           const StoredCa& new_ca, Signer& signer, std::string worker)
      : o_(o),
        jobs_(jobs),
        ledger_(ledger),
        job_(job),
        set_(set),
        old_ca_(old_ca),
        new_ca_(new_ca),
        signer_(signer),
        worker_(std::move(worker)),
        lease_ms_(static_cast<std::int64_t>(o.lease_seconds * 1000)),
        pacer_(o.rate),
        requester_(cli_requester()),
        ic_{&new_ca.certificate, signer.algorithm(), std::chrono::system_clock::now()},
        deliverer_(jobs, job.id, o.out) {}

  // One pipeline run, claiming batches until nothing is claimable now.
  Status run_round() {
    claim_status_ = {};
    sequence_ = 0;  // ItemResult::sequence counts from 0 in each pipeline run
    {
      const std::lock_guard lock(mutex_);
      meta_.clear();
    }
    const scheduler::ItemSource source = [this] { return next(); };
    const scheduler::ItemSink sink = [this](scheduler::ItemResult&& r) {
      return take(std::move(r));
    };
    scheduler::PipelineOptions po;
    po.max_in_flight = o_.max_in_flight;
    po.cpu_threads = o_.cpu_threads;
    po.sign_inline = o_.sign_inline;
    SIGNET_ASSIGN_OR_RETURN(const auto stats, run_pipeline(source, signer_, sink, po));
    (void)stats;
    SIGNET_RETURN_IF_ERROR(deliverer_.flush());
    return claim_status_;
  }

  [[nodiscard]] std::uint64_t committed() const noexcept { return committed_; }
  [[nodiscard]] std::uint64_t lost() const noexcept { return lost_; }
  [[nodiscard]] std::uint64_t failed() const noexcept { return failed_; }
  [[nodiscard]] bool exhausted() const noexcept { return exhausted_; }
  void reset_exhausted() noexcept { exhausted_ = false; }

 private:
  std::optional<scheduler::PipelineItem> next() {
    if (queue_.empty()) {
      if (exhausted_ || !claim_status_) return std::nullopt;
      auto claimed = jobs_.claim(job_.id, worker_, o_.batch, now_ms(), lease_ms_);
      if (!claimed) {
        claim_status_ = fail(claimed.error());
        return std::nullopt;
      }
      if (claimed->empty()) {
        exhausted_ = true;
        return std::nullopt;
      }
      const std::uint64_t number = next_batch_++;
      {
        const std::lock_guard lock(mutex_);
        Batch& b = batches_[number];
        b.size = claimed->size();
        for (const auto& item : *claimed) b.old_serials[item.item_id] = item.old_serial;
      }
      log_step("claim", {{"job", job_.id},
                         {"worker", worker_},
                         {"batch", number},
                         {"items", claimed->size()},
                         {"first_item", claimed->front().item_id}});
      ledger::AuditEvent e;
      e.time = unix_now();
      e.actor = requester_;
      e.action = "reissue-claim";
      e.issuer = job_.spec.from_ca;
      e.detail = "job=" + std::to_string(job_.id) + " worker=" + worker_ +
                 " items=" + std::to_string(claimed->size());
      if (auto appended = ledger_.append_audit(e); !appended) {
        claim_status_ = fail(appended.error());
        return std::nullopt;
      }
      for (auto& item : *claimed) queue_.emplace_back(number, std::move(item));
    }
    pacer_.wait();
    auto [number, item] = std::move(queue_.front());
    queue_.pop_front();
    {
      const std::lock_guard lock(mutex_);
      meta_[sequence_] = {number, item.item_id, item.profile, item.request_id};
    }
    ++sequence_;
    std::string id = "item " + std::to_string(item.item_id);
    const Profile* profile = set_.find(item.profile);
    if (profile == nullptr) {
      return scheduler::PipelineItem{std::move(id), Result<std::unique_ptr<scheduler::ItemWork>>(
                                                        fail(unknown_profile(set_, item.profile)))};
    }
    return scheduler::PipelineItem{
        std::move(id),
        scheduler::make_recertify_work(ic_, old_ca_.certificate, std::move(item.der), *profile, {},
                                       scheduler::RecertifySource::kLedgerRecord)};
  }

  Status take(scheduler::ItemResult&& r) {
    ItemMeta meta;
    Batch* batch = nullptr;
    {
      const std::lock_guard lock(mutex_);
      auto it = meta_.find(r.sequence);
      if (it == meta_.end()) return fail(ErrorCode::kInternal, "reissue: result without an item");
      meta = std::move(it->second);
      meta_.erase(it);
      batch = &batches_[meta.batch];
    }
    if (r.output) {
      auto record = ledger::record_from_certificate(
          *r.output,
          {new_ca_.record.name, 0, meta.profile, requester_, meta.request_id, unix_now()});
      if (record) {
        batch->issued.push_back({meta.item_id, std::move(*record)});
      } else {
        batch->failed.push_back({meta.item_id, record.error().message()});
      }
    } else {
      batch->failed.push_back({meta.item_id, r.output.error().message()});
    }
    if (++batch->received < batch->size) return {};
    SIGNET_RETURN_IF_ERROR(commit(meta.batch, *batch));
    const std::lock_guard lock(mutex_);
    batches_.erase(meta.batch);
    return {};
  }

  Status commit(std::uint64_t number, Batch& batch) {
    ledger::AuditEvent e;
    e.time = unix_now();
    e.actor = requester_;
    e.issuer = new_ca_.record.name;
    e.detail = "worker=" + worker_;
    SIGNET_ASSIGN_OR_RETURN(
        const scheduler::CommitOutcome outcome,
        jobs_.commit(job_.id, worker_, batch.issued, batch.failed, now_ms(), e));
    committed_ += outcome.committed.size();
    lost_ += outcome.lost.size();
    failed_ += outcome.failed;
    log_step("commit", {{"job", job_.id},
                        {"worker", worker_},
                        {"batch", number},
                        {"committed", outcome.committed.size()},
                        {"lost", outcome.lost.size()},
                        {"failed", outcome.failed}});
    for (const auto& f : batch.failed) {
      log_step("item-failed", {{"job", job_.id}, {"item", f.item_id}, {"message", f.message}});
    }
    // Deliver what this transaction committed, straight from the batch (the same DER the
    // ledger now holds).
    std::vector<scheduler::Delivery> out;
    std::size_t k = 0;
    for (auto& item : batch.issued) {
      if (k < outcome.committed.size() && outcome.committed[k] == item.item_id) {
        out.push_back({item.item_id, batch.old_serials[item.item_id], std::move(item.record.der)});
        ++k;
      }
    }
    SIGNET_RETURN_IF_ERROR(deliverer_.push(std::move(out)));
    // Keep this worker's other claims (batches still in flight) alive.
    if (const auto t = SteadyClock::now();
        t - last_renew_ > std::chrono::milliseconds(lease_ms_ / 3)) {
      last_renew_ = t;
      SIGNET_ASSIGN_OR_RETURN(const std::uint64_t held,
                              jobs_.renew(job_.id, worker_, now_ms(), lease_ms_));
      (void)held;
    }
    report();
    return {};
  }

  void report() {
    const auto t = SteadyClock::now();
    const bool tty = isatty(STDERR_FILENO) == 1;
    const double interval = tty ? 0.2 : o_.progress_interval;
    if (std::chrono::duration<double>(t - last_report_).count() < interval) return;
    last_report_ = t;
    auto p = progress_of(jobs_, job_);
    if (!p) return;  // progress is best effort; the next commit tries again
    if (tty) {
      std::cerr << '\r' << progress_text(job_, *p) << "\x1b[K" << std::flush;
    } else {
      std::cerr << json_line({{"progress", progress_json(job_, *p)}}) << '\n' << std::flush;
    }
  }

  const ReissueOptions& o_;
  scheduler::ReissueJobStore& jobs_;
  ledger::LedgerStore& ledger_;
  const scheduler::ReissueJob& job_;
  const ProfileSet& set_;
  const StoredCa& old_ca_;
  const StoredCa& new_ca_;
  Signer& signer_;
  std::string worker_;
  std::int64_t lease_ms_;
  Pacer pacer_;
  std::string requester_;
  scheduler::IssueContext ic_;

  // Source thread only.
  std::deque<std::pair<std::uint64_t, scheduler::ClaimedItem>> queue_;
  std::uint64_t next_batch_ = 0;
  std::uint64_t sequence_ = 0;
  bool exhausted_ = false;
  Status claim_status_;  // a failed claim or audit append ends the round with it
  // Shared by the source and the sink.
  std::mutex mutex_;
  std::map<std::uint64_t, Batch> batches_;
  std::map<std::uint64_t, ItemMeta> meta_;
  // Sink thread only.
  std::uint64_t committed_ = 0;
  std::uint64_t lost_ = 0;
  std::uint64_t failed_ = 0;
  SteadyClock::time_point last_renew_ = SteadyClock::now();
  SteadyClock::time_point last_report_{};
  Deliverer deliverer_;  // last: its thread is joined before anything else goes
};

}  // namespace

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Every step goes to stderr as one JSON line (as aks-engine's rotate-certs logs each step), so
// a job's history can be read from CI logs as well as from the ledger's audit trail.
void log_step(const std::string& step, const nlohmann::json& fields) {
  nlohmann::json j = fields;
  j["step"] = step;
  j["time_ms"] = now_ms();
  std::cerr << json_line(j) << '\n' << std::flush;
}

// The ledger location as open_ledger resolves it, for the job store on the same database.
Result<std::string> ledger_spec(const Context& ctx) {
  if (!ctx.ledger_flag.empty()) return ctx.ledger_flag;
  SIGNET_ASSIGN_OR_RETURN(const Config config, ctx.state().load_config());
  if (config.ledger) return *config.ledger;
  return (ctx.state().dir() / "ledger.sqlite").string();
}

// A CA key opened for the pipeline (as sign-batch opens it): a submit queue as deep as the
// pipeline, so Signer::submit never blocks a worker.
Result<std::unique_ptr<Signer>> open_reissue_signer(const Context& ctx, const std::string& ref,
                                                    std::size_t max_in_flight,
                                                    std::size_t sessions) {
  if (ref.rfind("pkcs11:", 0) != 0) return open_key(ctx, ref);
  SIGNET_ASSIGN_OR_RETURN(const hsm::Pkcs11Uri uri, hsm::Pkcs11Uri::parse(ref));
  SIGNET_ASSIGN_OR_RETURN(const std::string module, resolve_module(ctx, uri));
  hsm::SignerOptions options;
  options.max_queued = max_in_flight;
  options.max_sessions = sessions;
  return hsm::open_signer(module, uri, options);
}

std::string default_worker_id() {
  char host[256] = {};  // NOLINT(modernize-avoid-c-arrays)
  if (gethostname(host, sizeof host - 1) != 0 || host[0] == '\0') return "signet";
  std::string id(host);
  std::replace_if(
      id.begin(), id.end(), [](char c) { return c <= ' ' || c >= 0x7f; }, '_');
  return id.substr(0, scheduler::kMaxWorkerIdChars);
}

// Phase, done/total, rate and ETA from the job's items (shared by progress lines and status).
Result<Progress> progress_of(scheduler::ReissueJobStore& jobs, const scheduler::ReissueJob& job) {
  constexpr std::int64_t kWindowMs = 60'000;
  const std::int64_t now = now_ms();
  SIGNET_ASSIGN_OR_RETURN(const scheduler::JobCounts c, jobs.counts(job.id, now, now - kWindowMs));
  Progress p;
  p.counts = c;
  // The window is shorter when the job is younger than a minute.
  const double window =
      std::clamp(static_cast<double>(now - job.created_at * 1000) / 1000.0, 1.0, 60.0);
  p.rate = static_cast<double>(c.done_recently) / window;
  if (job.state == scheduler::JobState::kFinished) {
    p.phase = "finished";
  } else if (job.state == scheduler::JobState::kFailed) {
    p.phase = "failed";
  } else if (c.pending + c.claimed > 0) {
    p.phase = "issuing";
  } else {
    p.phase = "delivering";
  }
  const std::uint64_t remaining = c.pending + c.claimed;
  if (remaining == 0) {
    p.eta_seconds = 0.0;
  } else if (p.rate > 0) {
    p.eta_seconds = static_cast<double>(remaining) / p.rate;
  }
  return p;
}

nlohmann::json progress_json(const scheduler::ReissueJob& job, const Progress& p) {
  nlohmann::json j = {{"job", job.id},
                      {"from_ca", job.spec.from_ca},
                      {"to_ca", job.spec.to_ca},
                      {"profile", job.spec.profile},
                      {"phase", p.phase},
                      {"done", p.counts.done},
                      {"total", p.counts.total},
                      {"pending", p.counts.pending},
                      {"claimed", p.counts.claimed},
                      {"failed", p.counts.failed},
                      {"delivered", p.counts.delivered},
                      {"rate", std::round(p.rate * 10) / 10},
                      {"eta_seconds", nullptr}};
  if (p.eta_seconds) j["eta_seconds"] = std::round(*p.eta_seconds);
  if (!job.message.empty()) j["message"] = job.message;
  return j;
}

std::string progress_text(const scheduler::ReissueJob& job, const Progress& p) {
  std::string t = "job " + std::to_string(job.id) + " (" + job.spec.from_ca + " -> " +
                  job.spec.to_ca + (job.spec.profile.empty() ? "" : ", " + job.spec.profile) +
                  "): " + p.phase + ", " + std::to_string(p.counts.done) + "/" +
                  std::to_string(p.counts.total) + " done, " +
                  std::to_string(static_cast<long>(std::round(p.rate))) + "/s, ETA " +
                  (p.eta_seconds ? std::to_string(static_cast<long>(*p.eta_seconds)) + "s" : "?");
  if (p.counts.failed > 0) t += ", " + std::to_string(p.counts.failed) + " failed";
  if (!job.message.empty()) t += "\n  " + job.message;
  return t;
}

Status drive_job(const Context& ctx, const ReissueOptions& o,
                 scheduler::ReissueJobStore& jobs_store, ledger::LedgerStore& ledger_store,
                 scheduler::ReissueJob job, const ProfileSet& set, const StoredCa& old_ca,
                 const StoredCa& new_ca, const std::string& worker) {
  scheduler::ReissueJobStore* jobs = &jobs_store;
  ledger::LedgerStore* ledger = &ledger_store;
  if (job.state == scheduler::JobState::kFailed) {
    if (!o.force) {
      return fail(ErrorCode::kFailedPrecondition,
                  "reissue: job " + std::to_string(job.id) + " failed (" + job.message +
                      "); fix the cause and rerun with --force to retry its failed items");
    }
    SIGNET_ASSIGN_OR_RETURN(const std::uint64_t n, jobs->retry_failed(job.id));
    log_step("force", {{"job", job.id}, {"retried", n}});
    job.state = scheduler::JobState::kActive;
  }
  const fs::path out = o.out;
  if (!out.empty()) {
    std::error_code ec;
    fs::create_directories(out, ec);
    if (ec || !fs::is_directory(out)) {
      return fail(ErrorCode::kFailedPrecondition, "--out: " + o.out + " is not a directory");
    }
    if (const std::size_t stale = remove_stale_temporaries(out); stale > 0) {
      log_step("cleanup", {{"stale_temporary_files", stale}});
    }
  }
  std::uint64_t redelivered = 0;
  if (job.state == scheduler::JobState::kActive) {
    // A previous run under this worker id was killed: its claims are ours again at once, and
    // its committed-but-unwritten items are written now.
    SIGNET_ASSIGN_OR_RETURN(const std::uint64_t released, jobs->release_claims(job.id, worker));
    SIGNET_RETURN_IF_ERROR(deliver_pending(*jobs, job.id, worker, 0, out, &redelivered));
    if (released > 0 || redelivered > 0) {
      log_step("recover",
               {{"job", job.id}, {"released_claims", released}, {"redelivered", redelivered}});
    }
    SIGNET_ASSIGN_OR_RETURN(
        auto signer, open_reissue_signer(ctx, new_ca.record.key, o.max_in_flight, o.sessions));
    SIGNET_RETURN_IF_ERROR(check_signer_matches(new_ca.certificate, *signer));
    Reissuer reissuer(o, *jobs, *ledger, job, set, old_ca, new_ca, *signer, worker);
    for (;;) {
      SIGNET_RETURN_IF_ERROR(reissuer.run_round());
      SIGNET_ASSIGN_OR_RETURN(const auto c, jobs->counts(job.id, now_ms(), now_ms()));
      if (c.pending == 0 && c.claimed == 0) break;
      // Other workers hold live claims (or a dead one's lease has not expired yet): wait and
      // claim again, so a crashed worker's items are taken over once its lease runs out.
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      reissuer.reset_exhausted();
    }
    // Items a crashed worker committed but never wrote out (committed before a lease ago).
    const auto lease_ms = static_cast<std::int64_t>(o.lease_seconds * 1000);
    SIGNET_RETURN_IF_ERROR(
        deliver_pending(*jobs, job.id, "", now_ms() - lease_ms, out, &redelivered));
    SIGNET_ASSIGN_OR_RETURN(const auto c, jobs->counts(job.id, now_ms(), now_ms()));
    const bool failed = c.failed > 0;
    const std::string message = failed
                                    ? std::to_string(c.failed) + " of " + std::to_string(c.total) +
                                          " items failed (see the item-failed steps)"
                                    : std::string();
    SIGNET_ASSIGN_OR_RETURN(const bool ended, jobs->end_job(job.id,
                                                            failed ? scheduler::JobState::kFailed
                                                                   : scheduler::JobState::kFinished,
                                                            message));
    if (ended) {
      ledger::AuditEvent e;
      e.time = unix_now();
      e.actor = cli_requester();
      e.action = "reissue-finish";
      e.issuer = new_ca.record.name;
      e.detail = "job=" + std::to_string(job.id) + " state=" + (failed ? "failed" : "finished") +
                 " done=" + std::to_string(c.done) + " failed=" + std::to_string(c.failed) +
                 " total=" + std::to_string(c.total);
      SIGNET_RETURN_IF_ERROR(ledger->append_audit(e));
    }
    log_step("job-end", {{"job", job.id},
                         {"worker", worker},
                         {"committed_here", reissuer.committed()},
                         {"lost", reissuer.lost()},
                         {"done", c.done},
                         {"failed", c.failed}});
  } else {
    SIGNET_RETURN_IF_ERROR(deliver_pending(*jobs, job.id, "", now_ms(), out, &redelivered));
  }
  SIGNET_ASSIGN_OR_RETURN(job, jobs->find_job(job.id));
  SIGNET_ASSIGN_OR_RETURN(const Progress p, progress_of(*jobs, job));
  emit(ctx, progress_json(job, p), progress_text(job, p));
  if (job.state == scheduler::JobState::kFailed) {
    return fail(
        ErrorCode::kFailedPrecondition,
        "reissue: job " + std::to_string(job.id) + " failed: " + job.message + "; " + o.retry_hint);
  }
  return {};
}

}  // namespace signet::cli
