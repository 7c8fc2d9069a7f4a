// signet sign-batch — many CSRs in, one certificate (or one error) per input out, in input
// order, through the scheduler's pipeline (scheduler/pipeline.h): the CPU stages on workers, the
// signatures in flight on the token. Input is streamed and at most --max-in-flight items are
// alive, so memory does not grow with the batch. A bad item is that item's error; only a failed
// output write (a full disk, a closed pipe) stops the batch.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "signet/core/csr.h"
#include "signet/core/k8s_csr.h"
#include "signet/core/pem.h"
#include "signet/core/profile.h"
#include "signet/core/recertify.h"
#include "signet/hsm/token.h"
#include "signet/scheduler/issue_work.h"
#include "signet/scheduler/ledger_writer.h"
#include "signet/scheduler/pipeline.h"
#include "signet/scheduler/recording_sink.h"

#include "batch_io.h"
#include "commands.h"
#include "ledger_access.h"
#include "profile_loading.h"

namespace signet::cli {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// One JSON line: a 64 KiB CSR as a JSON string or a CertificateSigningRequest object (whose
// spec.request is base64 of the PEM) fits with room to spare.
constexpr std::size_t kMaxLine = K8sCsr::kMaxBytes;

struct BatchOptions {
  std::string ca;
  std::string profile;
  std::string in;
  std::string out;
  std::string profiles;
  std::size_t max_in_flight = 256;
  double progress_interval = 2.0;
  bool sign_inline = false;  // PipelineOptions::sign_inline
  // --recertify --from-ca OLD (signet issue 5, item 3): inputs are certificates OLD issued.
  bool recertify = false;
  std::string from_ca;
};

// A CA key opened for the pipeline: one session per core (SoftHSM signs in-process) and a submit
// queue as deep as the pipeline, so Signer::submit never blocks a TBB worker.
Result<std::unique_ptr<Signer>> open_batch_signer(const Context& ctx, const std::string& ref,
                                                  std::size_t max_in_flight) {
  if (ref.rfind("pkcs11:", 0) != 0) return open_key(ctx, ref);
  SIGNET_ASSIGN_OR_RETURN(const hsm::Pkcs11Uri uri, hsm::Pkcs11Uri::parse(ref));
  SIGNET_ASSIGN_OR_RETURN(const std::string module, resolve_module(ctx, uri));
  hsm::SignerOptions options;
  options.max_queued = max_in_flight;
  return hsm::open_signer(module, uri, options);
}

template <typename Json>
std::string json_line(const Json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// Turns input records into pipeline items. Owns the profiles and the shared issuance context,
// which outlive the run.
class ItemFactory {
 public:
  // `old_ca` non-null: the recertify mode, every input is a certificate `old_ca` issued.
  ItemFactory(const ProfileSet& set, const Profile* fallback, const scheduler::IssueContext& ic,
              bool ids_name_files, const CaCertificate* old_ca)
      : set_(set),
        fallback_(fallback),
        context_(ic),
        ids_name_files_(ids_name_files),
        old_ca_(old_ca) {}

  // A CSR, or in the recertify mode a certificate.
  scheduler::PipelineItem from_input(std::string id, Bytes input, const Profile* profile,
                                     RequestOptions options = {}) const {
    last_profile_ = profile;
    if (auto ok = check_item_id(id, ids_name_files_); !ok) return failed(std::move(id), ok.error());
    if (profile == nullptr) {
      return failed(std::move(id), Error(ErrorCode::kInvalidArgument,
                                         "profile: none given (add \"profile\" to the line or "
                                         "pass --profile)"));
    }
    if (old_ca_ != nullptr) {
      return {std::move(id), scheduler::make_recertify_work(context_, *old_ca_, std::move(input),
                                                            *profile, std::move(options))};
    }
    return {std::move(id),
            scheduler::make_csr_work(context_, std::move(input), *profile, std::move(options))};
  }

  // {"id": ..., "csr": PEM [, "profile": P]} or a CertificateSigningRequest object; in the
  // recertify mode {"id": ..., "certificate": PEM [, "profile": P]} only.
  scheduler::PipelineItem from_line(const LineReader::Line& line, std::uint64_t number) const {
    std::string fallback_id = "line " + std::to_string(number);
    if (line.oversized) {
      return failed(
          std::move(fallback_id),
          Error(ErrorCode::kInvalidArgument, "line: longer than " + std::to_string(kMaxLine) +
                                                 " bytes (" + std::to_string(line.length) + ")"));
    }
    const nlohmann::json j = nlohmann::json::parse(line.text, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
      return failed(std::move(fallback_id),
                    Error(ErrorCode::kInvalidArgument, "json: the line is not a JSON object"));
    }
    if (j.contains("kind") || j.contains("apiVersion")) {
      if (old_ca_ != nullptr) {
        return failed(std::move(fallback_id),
                      Error(ErrorCode::kInvalidArgument,
                            "json: a CertificateSigningRequest object is a request; "
                            "--recertify takes {\"id\",\"certificate\"[,\"profile\"]}"));
      }
      return from_k8s(line.text, fallback_id);
    }
    const std::string field = old_ca_ != nullptr ? "certificate" : "csr";
    std::string id;
    if (const auto it = j.find("id"); it != j.end() && it->is_string()) {
      id = it->get<std::string>();
    } else {
      return failed(std::move(fallback_id),
                    Error(ErrorCode::kInvalidArgument, "json: \"id\" must be a string"));
    }
    for (const auto& [key, value] : j.items()) {
      if (key != "id" && key != field && key != "profile") {
        return failed(std::move(id), Error(ErrorCode::kInvalidArgument,
                                           "json: unknown field \"" + key.substr(0, 64) +
                                               "\" (allowed: id, " + field + ", profile)"));
      }
    }
    const auto csr = j.find(field);
    if (csr == j.end() || !csr->is_string()) {
      return failed(std::move(id), Error(ErrorCode::kInvalidArgument,
                                         "json: \"" + field + "\" must be a PEM string"));
    }
    const Profile* profile = fallback_;
    if (const auto p = j.find("profile"); p != j.end()) {
      if (!p->is_string()) {
        return failed(std::move(id),
                      Error(ErrorCode::kInvalidArgument, "json: \"profile\" must be a string"));
      }
      profile = set_.find(p->get<std::string>());
      if (profile == nullptr) return failed(std::move(id), unknown_profile(set_, *p));
    }
    const auto& text = csr->get_ref<const std::string&>();
    return from_input(std::move(id), Bytes(text.begin(), text.end()), profile);
  }

  // The profile of the item made last (for its ledger record); nullptr when it has none.
  [[nodiscard]] const Profile* last_profile() const noexcept { return last_profile_; }
  void forget_last() const noexcept { last_profile_ = nullptr; }

 private:
  scheduler::PipelineItem from_k8s(const std::string& text, std::string fallback_id) const {
    auto object = K8sCsr::parse(text);
    if (!object) return failed(std::move(fallback_id), object.error());
    std::string id = object->name();
    if (auto ok = object->check_signable(); !ok) return failed(std::move(id), ok.error());
    const Profile* profile = set_.find_by_signer(object->signer_name());
    if (profile == nullptr) {
      return failed(std::move(id), Error(ErrorCode::kFailedPrecondition,
                                         "signerName: no profile serves " + object->signer_name()));
    }
    RequestOptions options;
    options.usages = object->usages();
    options.expiration = object->expiration();
    const ByteView request = object->request();
    return from_input(std::move(id), Bytes(request.begin(), request.end()), profile,
                      std::move(options));
  }

  static scheduler::PipelineItem failed(std::string id, Error error) {
    return {std::move(id), Result<std::unique_ptr<scheduler::ItemWork>>(fail(std::move(error)))};
  }

  const ProfileSet& set_;
  const Profile* fallback_;
  const scheduler::IssueContext& context_;
  bool ids_name_files_;
  const CaCertificate* old_ca_;
  mutable const Profile* last_profile_ = nullptr;  // the source's thread only
};

// Progress on stderr: a one-line bar on a terminal (≤ 5 updates a second), else a JSON line every
// `interval` seconds and one at the end, for logs and CI.
class Progress {
 public:
  Progress(std::optional<std::uint64_t> total, double interval)
      : total_(total),
        tty_(isatty(STDERR_FILENO) == 1),
        interval_(tty_ ? 0.2 : interval),
        start_(Clock::now()),
        last_(start_) {}

  void update(std::uint64_t done, std::uint64_t errors, bool final = false) {
    const auto now = Clock::now();
    if (!final && std::chrono::duration<double>(now - last_).count() < interval_) return;
    last_ = now;
    const double elapsed = std::max(std::chrono::duration<double>(now - start_).count(), 1e-9);
    const double rate = static_cast<double>(done) / elapsed;
    if (!tty_) {
      nlohmann::json j = {
          {"progress", {{"done", done}, {"errors", errors}, {"rate", std::round(rate)}}}};
      if (total_) j["progress"]["total"] = *total_;
      std::cerr << json_line(j) << '\n' << std::flush;
      return;
    }
    std::string line = "\r";
    if (total_ && *total_ > 0) {
      constexpr int kWidth = 30;
      const double frac = std::min(1.0, static_cast<double>(done) / static_cast<double>(*total_));
      const int filled = static_cast<int>(frac * kWidth);
      line += "[" + std::string(static_cast<std::size_t>(filled), '#') +
              std::string(static_cast<std::size_t>(kWidth - filled), ' ') + "] ";
      line += std::to_string(done) + "/" + std::to_string(*total_);
      if (rate > 0 && done < *total_) {
        line += " ETA " +
                std::to_string(static_cast<long>(static_cast<double>(*total_ - done) / rate)) + "s";
      }
    } else {
      line += std::to_string(done) + " done";
    }
    line += " " + std::to_string(static_cast<long>(rate)) + "/s errors " + std::to_string(errors);
    std::cerr << line << "\x1b[K" << (final ? "\n" : "") << std::flush;
  }

 private:
  std::optional<std::uint64_t> total_;
  bool tty_;
  double interval_;
  Clock::time_point start_;
  Clock::time_point last_;
};

// Where results go: a directory (<id>.crt, each written atomically) or JSON lines (a file or
// stdout) through a buffered stream; a failed write is an error that stops the batch.
class ResultWriter {
 public:
  static Result<ResultWriter> open(const std::string& out) {
    ResultWriter w;
    if (out == "-") return w;
    if (out.size() > 6 && out.ends_with(".jsonl")) {
      w.tmp_ = out + ".tmp";
      w.path_ = out;
      w.file_ = std::make_unique<std::ofstream>(w.tmp_, std::ios::binary | std::ios::trunc);
      if (!*w.file_) {
        return fail(ErrorCode::kFailedPrecondition, "--out: cannot write " + w.tmp_);
      }
      return w;
    }
    std::error_code ec;
    fs::create_directories(out, ec);
    if (ec || !fs::is_directory(out)) {
      return fail(ErrorCode::kFailedPrecondition,
                  "--out: " + out + " is not a directory, a .jsonl file or '-'");
    }
    w.dir_ = out;
    return w;
  }

  [[nodiscard]] bool to_stdout() const { return dir_.empty() && !file_; }
  [[nodiscard]] bool to_directory() const { return !dir_.empty(); }

  Status write(const scheduler::ItemResult& r) {
    if (!dir_.empty()) {
      if (!r.output) return {};  // an error is in the summary (and the JSON lines, when asked)
      return write_file_atomic(dir_ / (r.id + ".crt"), pem_encode("CERTIFICATE", *r.output));
    }
    nlohmann::ordered_json j = {{"id", r.id}};
    if (r.output) {
      j["certificate"] = pem_encode("CERTIFICATE", *r.output);
    } else {
      j["error"] = {{"code", std::string(to_string(r.output.error().code()))},
                    {"message", r.output.error().message()}};
    }
    std::ostream& os = file_ ? *file_ : std::cout;
    os << json_line(j) << '\n';
    if (!os) return fail(ErrorCode::kUnavailable, "writing the batch output failed");
    return {};
  }

  Status close() {
    std::ostream& os = file_ ? *file_ : std::cout;
    os.flush();
    if (!os) return fail(ErrorCode::kUnavailable, "writing the batch output failed");
    if (file_) {
      file_->close();
      std::error_code ec;
      fs::rename(tmp_, path_, ec);  // the whole output appears at once, or not at all
      if (ec)
        return fail(ErrorCode::kUnavailable, "--out: rename to " + path_ + ": " + ec.message());
    }
    return {};
  }

 private:
  fs::path dir_;
  std::string path_;
  std::string tmp_;
  std::unique_ptr<std::ofstream> file_;
};

std::uint64_t count_lines(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return 0;
  std::uint64_t n = 0;
  std::vector<char> buf(std::size_t{64} * 1024);
  std::size_t got = 0;
  while ((got = std::fread(buf.data(), 1, buf.size(), f)) > 0) {
    n += static_cast<std::uint64_t>(
        std::count(buf.begin(), buf.begin() + static_cast<long>(got), '\n'));
  }
  std::fclose(f);
  return n;
}

Status sign_batch(const Context& ctx, const BatchOptions& o) {
  SIGNET_ASSIGN_OR_RETURN(const ProfileSet set, load_effective_profiles(ctx, o.profiles));
  const Profile* fallback = nullptr;
  if (!o.profile.empty()) {
    fallback = set.find(o.profile);
    if (fallback == nullptr) return fail(unknown_profile(set, o.profile));
  }
  SIGNET_ASSIGN_OR_RETURN(const StoredCa ca, ctx.state().load_ca(o.ca));
  // --recertify: only OLD's certificate is used (its key may be retired or in another token).
  std::optional<StoredCa> old_ca;
  if (o.recertify) {
    SIGNET_ASSIGN_OR_RETURN(old_ca, ctx.state().load_ca(o.from_ca).map_error(
                                        [](Error e) { return std::move(e).context("--from-ca"); }));
  }

  // The input: a directory (each regular file one CSR, id = file name, in name order), a JSON
  // lines file, or '-' (JSON lines on stdin).
  std::vector<fs::path> files;
  std::FILE* in = nullptr;
  std::optional<std::uint64_t> total;
  const bool in_dir = o.in != "-" && fs::is_directory(o.in);
  if (in_dir) {
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(o.in, ec)) {
      if (e.is_regular_file()) files.push_back(e.path());
    }
    if (ec) return fail(ErrorCode::kFailedPrecondition, "--in: " + o.in + ": " + ec.message());
    std::sort(files.begin(), files.end());
    total = files.size();
  } else if (o.in == "-") {
    in = stdin;
  } else {
    in = std::fopen(o.in.c_str(), "rb");
    if (in == nullptr) {
      return fail(ErrorCode::kFailedPrecondition,
                  "--in: cannot open " + o.in + " (a directory of CSRs, a .jsonl file or '-')");
    }
    total = count_lines(o.in);
  }
  const std::unique_ptr<std::FILE, int (*)(std::FILE*)> in_owner(
      in != nullptr && in != stdin ? in : nullptr, &std::fclose);

  // The ledger before the token: nothing is signed that could not be recorded.
  SIGNET_ASSIGN_OR_RETURN(auto ledger, open_ledger(ctx));
  SIGNET_ASSIGN_OR_RETURN(ResultWriter writer, ResultWriter::open(o.out));
  SIGNET_ASSIGN_OR_RETURN(auto signer, open_batch_signer(ctx, ca.record.key, o.max_in_flight));
  SIGNET_RETURN_IF_ERROR(check_signer_matches(ca.certificate, *signer));
  const scheduler::IssueContext ic{&ca.certificate, signer->algorithm(),
                                   std::chrono::system_clock::now()};
  const ItemFactory factory(set, fallback, ic, o.out != "-" && !o.out.ends_with(".jsonl"),
                            old_ca ? &old_ca->certificate : nullptr);

  std::size_t next_file = 0;
  std::uint64_t line_number = 0;
  LineReader reader(in != nullptr ? in : stdin, kMaxLine);
  std::optional<Error> read_error;
  const auto read_item = [&]() -> std::optional<scheduler::PipelineItem> {
    if (in_dir) {
      if (next_file == files.size()) return std::nullopt;
      const fs::path& p = files[next_file++];
      auto data = o.recertify ? read_file_limited(p, RecertifyRequest::kMaxBytes, "certificate")
                              : read_file_limited(p, Csr::kMaxBytes, "CSR");
      if (!data) {
        return scheduler::PipelineItem{
            p.filename().string(),
            Result<std::unique_ptr<scheduler::ItemWork>>(fail(data.error()))};
      }
      return factory.from_input(p.filename().string(), Bytes(data->begin(), data->end()), fallback);
    }
    for (;;) {
      auto line = reader.next();
      if (!line) {
        read_error = line.error();
        return std::nullopt;
      }
      if (!*line) return std::nullopt;
      ++line_number;
      if (!(*line)->oversized && (*line)->text.find_first_not_of(" \t\r") == std::string::npos) {
        continue;  // blank lines are not items
      }
      return factory.from_line(**line, line_number);
    }
  };

  // Each item's profile, by input position, for its ledger record (the source and the sink run
  // on different threads; at most --max-in-flight entries).
  std::mutex profiles_mutex;
  std::map<std::uint64_t, std::string> profile_of;
  std::uint64_t next_sequence = 0;
  const scheduler::ItemSource source = [&]() -> std::optional<scheduler::PipelineItem> {
    factory.forget_last();
    auto item = read_item();
    if (item) {
      const Profile* p = factory.last_profile();
      const std::lock_guard lock(profiles_mutex);
      if (p != nullptr) profile_of[next_sequence] = p->name();
      ++next_sequence;
    }
    return item;
  };

  Progress progress(total, o.progress_interval);
  std::uint64_t done = 0;
  std::uint64_t errors = 0;
  std::map<std::string, std::uint64_t> by_rule;
  const scheduler::ItemSink sink = [&](scheduler::ItemResult&& r) -> Status {
    ++done;
    if (!r.output) {
      ++errors;
      ++by_rule[error_rule(r.output.error())];
      // A directory output has no place for errors: each is reported on stderr (all of them as
      // JSON lines in JSON mode; the first 20 in text mode, the summary counts the rest).
      if (writer.to_directory()) {
        if (ctx.mode() == OutputMode::kJson) {
          std::cerr << json_line(nlohmann::ordered_json{
                           {"id", r.id},
                           {"error",
                            {{"code", std::string(to_string(r.output.error().code()))},
                             {"message", r.output.error().message()}}}})
                    << '\n';
        } else if (errors <= 20) {
          std::cerr << "\nsignet: " << r.id << ": " << r.output.error().message() << '\n';
        }
      }
    }
    SIGNET_RETURN_IF_ERROR(writer.write(r));
    progress.update(done, errors);
    return {};
  };

  // Persist before return (signet issue 6): every certificate's record is group-committed, and
  // the sink above sees a result only after its record is in the ledger.
  scheduler::LedgerWriter ledger_writer(*ledger);
  const std::string requester = cli_requester();
  const std::int64_t issued_at = unix_now();
  scheduler::RecordingSink recording(
      ledger_writer,
      [&](const scheduler::ItemResult& r) -> Result<ledger::CertificateRecord> {
        std::string profile;
        {
          const std::lock_guard lock(profiles_mutex);
          if (auto it = profile_of.find(r.sequence); it != profile_of.end()) {
            profile = std::move(it->second);
            profile_of.erase(it);
          }
        }
        return ledger::record_from_certificate(*r.output,
                                               {o.ca, 0, profile, requester, r.id, issued_at});
      },
      sink, o.max_in_flight);
  const scheduler::ItemSink recorded_sink = [&](scheduler::ItemResult&& r) {
    if (!r.output) {  // an error result has no record; drop its profile entry
      const std::lock_guard lock(profiles_mutex);
      profile_of.erase(r.sequence);
    }
    return recording(std::move(r));
  };
  scheduler::PipelineOptions po;
  po.max_in_flight = o.max_in_flight;
  po.sign_inline = o.sign_inline;
  SIGNET_ASSIGN_OR_RETURN(const scheduler::PipelineStats stats,
                          run_pipeline(source, *signer, recorded_sink, po));
  SIGNET_RETURN_IF_ERROR(recording.finish());
  ledger_writer.close();
  if (read_error) return fail(*read_error);
  SIGNET_RETURN_IF_ERROR(writer.close());
  progress.update(done, errors, true);

  const double seconds = std::chrono::duration<double>(stats.elapsed).count();
  const double rate = seconds > 0 ? static_cast<double>(stats.items) / seconds : 0.0;
  nlohmann::json rules = nlohmann::json::object();
  std::string rule_text;
  for (const auto& [rule, n] : by_rule) {
    rules[rule] = n;
    rule_text += "\n  " + std::to_string(n) + "  " + rule;
  }
  const nlohmann::json j = {{"count", stats.items},
                            {"issued", stats.items - errors},
                            {"errors", errors},
                            {"recorded", recording.recorded()},
                            {"errors_by_rule", rules},
                            {"rate", std::round(rate * 10) / 10},
                            {"elapsed_seconds", std::round(seconds * 1000) / 1000}};
  char buf[160];  // NOLINT(modernize-avoid-c-arrays)
  std::snprintf(buf, sizeof buf, "%llu items, %llu issued, %llu errors in %.2f s (%.0f/s)",
                static_cast<unsigned long long>(stats.items),
                static_cast<unsigned long long>(stats.items - errors),
                static_cast<unsigned long long>(errors), seconds, rate);
  const std::string text = std::string(buf) + rule_text;
  if (writer.to_stdout()) {  // stdout carries the results; the summary goes to stderr
    std::cerr << (ctx.mode() == OutputMode::kJson ? json_line(nlohmann::json{{"summary", j}})
                                                  : text)
              << '\n';
  } else {
    emit(ctx, j, text);
  }
  if (errors > 0) {
    return fail(ErrorCode::kFailedPrecondition, std::to_string(errors) + " of " +
                                                    std::to_string(stats.items) +
                                                    " items were not issued (see the summary)");
  }
  return {};
}

}  // namespace

void register_batch_command(CLI::App& app, Context& ctx, Action& action) {
  auto o = std::make_shared<BatchOptions>();
  auto* cmd = app.add_subcommand("sign-batch",
                                 "Sign many CSRs (or recertify certificates) through the pipeline");
  cmd->add_option("--ca", o->ca, "CA name (see `signet ca list`)")->required();
  cmd->add_option("--profile", o->profile,
                  "profile for inputs that name none (JSON lines may carry \"profile\"; "
                  "CertificateSigningRequest objects use their signerName)");
  cmd->add_option("--in", o->in,
                  "a directory of CSR files (id = file name), a JSON lines file, or '-' (JSON "
                  "lines on stdin); a line is {\"id\",\"csr\"[,\"profile\"]} or a "
                  "CertificateSigningRequest object")
      ->required();
  cmd->add_option("--out", o->out,
                  "a directory (one <id>.crt per issued input), FILE.jsonl or '-': JSON lines "
                  "{\"id\",\"certificate\"} or {\"id\",\"error\":{\"code\",\"message\"}} in input "
                  "order")
      ->required();
  cmd->add_option("--profiles", o->profiles,
                  "profiles file (default: <state>/profiles.json when present)");
  cmd->add_option("--max-in-flight", o->max_in_flight, "items alive at once (memory bound)")
      ->check(CLI::Range(2, 65536));
  cmd->add_option("--progress-interval", o->progress_interval,
                  "seconds between JSON progress lines on stderr when it is not a terminal")
      ->check(CLI::Range(0.0, 3600.0));
  cmd->add_flag("--sign-inline", o->sign_inline,
                "the pipeline's CPU workers (one per core) call the blocking Signer::sign (C_Sign "
                "on a token) themselves, no session threads: can be faster on a token that signs "
                "on this machine's CPUs (SoftHSM, P-256); never for a network HSM");
  // Recertify (signet issue 5, item 3): both flags or neither.
  auto* recertify = cmd->add_flag("--recertify", o->recertify,
                                  "inputs are certificates issued by --from-ca: each is re-signed "
                                  "under --ca with the same subject, SANs and key, fresh validity "
                                  "(files of PEM/DER, or lines {\"id\",\"certificate\"[,"
                                  "\"profile\"]})");
  auto* from_ca = cmd->add_option("--from-ca", o->from_ca,
                                  "with --recertify: the stored CA that issued the inputs (only "
                                  "its certificate is used)");
  recertify->needs(from_ca);
  from_ca->needs(recertify);
  cmd->footer(
      "Exit status: 0 when every input was issued, 1 when any was not (each is reported), 2 on "
      "usage errors.\n"
      "Examples:\n"
      "  signet sign-batch --ca kubernetes --profile kubelet-client --in csrs/ --out certs/\n"
      "  signet fleet generate --nodes 1000 --out fleet.jsonl\n"
      "  signet sign-batch --ca kubernetes --in fleet.jsonl --out certs.jsonl --output json\n"
      "  kubectl get csr -o json | jq -c '.items[]' | signet sign-batch --ca kubernetes \\\n"
      "      --in - --out -\n"
      "  signet sign-batch --ca kubernetes-2027 --recertify --from-ca kubernetes \\\n"
      "      --profile kubelet-client --in old-certs/ --out new-certs/");
  cmd->callback([&ctx, &action, o] { action = [&ctx, o] { return sign_batch(ctx, *o); }; });
}

}  // namespace signet::cli
