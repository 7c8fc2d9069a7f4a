// signet bench pipeline — issuing from CSRs end to end against the machine's real limit for that
// work (the component loop) and a naive OpenSSL baseline, alternated in one run (issue 5 item 6).
#include "bench_pipeline.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>

#include "signet/core/ca.h"
#include "signet/core/profile.h"
#include "signet/hsm/bench.h"
#include "signet/hsm/component_bench.h"
#include "signet/hsm/token.h"
#include "signet/scheduler/ledger_store.h"
#include "signet/scheduler/recertify_bench.h"

namespace signet::cli {
namespace {

// A private temporary directory for `--ledger sqlite`, removed with everything in it.
class TempDir {
 public:
  static Result<std::unique_ptr<TempDir>> create() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "signet-bench-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) {
      return fail(ErrorCode::kUnavailable, "--ledger sqlite: cannot create " + tmpl);
    }
    return std::unique_ptr<TempDir>(new TempDir(tmpl));
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  TempDir(TempDir&&) = delete;
  TempDir& operator=(TempDir&&) = delete;
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  [[nodiscard]] const std::filesystem::path& path() const noexcept { return path_; }

 private:
  explicit TempDir(std::filesystem::path path) : path_(std::move(path)) {}
  std::filesystem::path path_;
};

struct BenchPipelineOptions {
  std::string ca;
  std::string key;
  std::size_t csrs = 10000;
  std::size_t threads = 2;
  double seconds = 2;
  int repeat = 5;
  std::size_t sessions = 0;
  // The recertify series alone (with its raw C_Sign baseline), over this many certificates
  // (0: --csrs); the --csrs old certificates are streamed round robin, so memory stays flat.
  bool recertify_only = false;
  std::uint64_t recertify_items = 0;
  // The recertify series' ledger: off, sqlite (a fresh file in a temporary directory) or a
  // postgresql:// URI / SQLite path.
  std::string ledger = "off";
  // Where the recertify series' inputs come from: "certificates" (OLD's signature checked per
  // item) or "ledger" (OLD's certificates recorded first, then streamed from the store as
  // ledger records: signet issue 5 item 3's second source).
  std::string recertify_from = "certificates";
  bool sign_inline = false;
};

Status check_options(const BenchPipelineOptions& o) {
  if (o.ca.empty() == o.key.empty()) {
    return fail(ErrorCode::kInvalidArgument, "bench pipeline: give exactly one of --ca or --key");
  }
  if (o.csrs < 1 || o.csrs > scheduler::kMaxBenchCsrs) {
    return fail(ErrorCode::kInvalidArgument, "--csrs must be 1 to " +
                                                 std::to_string(scheduler::kMaxBenchCsrs) +
                                                 ", got " + std::to_string(o.csrs));
  }
  if (o.threads < 1 || o.threads > 256) {
    return fail(ErrorCode::kInvalidArgument,
                "--threads must be 1 to 256, got " + std::to_string(o.threads));
  }
  if (std::isnan(o.seconds) || o.seconds <= 0 || o.seconds > 3600) {
    return fail(ErrorCode::kInvalidArgument, "--seconds must be in (0, 3600]");
  }
  if (o.repeat < 1 || o.repeat > 100) {
    return fail(ErrorCode::kInvalidArgument,
                "--repeat must be 1 to 100, got " + std::to_string(o.repeat));
  }
  if (o.recertify_items > 1'000'000'000) {
    return fail(ErrorCode::kInvalidArgument, "--recertify-items must be at most 1000000000, got " +
                                                 std::to_string(o.recertify_items));
  }
  if (o.recertify_items != 0 && !o.recertify_only) {
    return fail(ErrorCode::kInvalidArgument, "--recertify-items needs --recertify-only");
  }
  if (o.recertify_from != "certificates" && o.recertify_from != "ledger") {
    return fail(ErrorCode::kInvalidArgument,
                "--recertify-from must be certificates or ledger, got '" + o.recertify_from + "'");
  }
  if (o.sessions > 4096) {
    return fail(
        ErrorCode::kInvalidArgument,
        "--sessions must be at most 4096 (0: the thread count), got " + std::to_string(o.sessions));
  }
  return {};
}

// With --key there is no stored CA: an ephemeral self-signed one for the key, never written.
Result<CaCertificate> ephemeral_ca(const std::string& module, const hsm::Pkcs11Uri& uri) {
  SIGNET_ASSIGN_OR_RETURN(auto signer, hsm::open_signer(module, uri));
  SIGNET_ASSIGN_OR_RETURN(
      const Bytes der,
      create_self_signed_ca({{NameAttributeType::kCommonName, "signet bench pipeline"}},
                            std::chrono::hours(24), std::chrono::system_clock::now(), *signer));
  return CaCertificate::parse(der);
}

Status bench_pipeline(const Context& ctx, const BenchPipelineOptions& o) {
  SIGNET_RETURN_IF_ERROR(check_options(o));
  PipelineBenchSetup setup;
  std::optional<CaCertificate> ca;
  std::string key_ref = o.key;
  if (!o.ca.empty()) {
    SIGNET_ASSIGN_OR_RETURN(StoredCa stored, ctx.state().load_ca(o.ca));
    if (stored.record.key.rfind("pkcs11:", 0) != 0) {
      return fail(ErrorCode::kFailedPrecondition,
                  "bench pipeline: CA " + o.ca + " has no token key (" +
                      stored.record.key.substr(0, 64) + "); the bench measures a pkcs11: key");
    }
    key_ref = stored.record.key;
    ca = std::move(stored.certificate);
  }
  SIGNET_ASSIGN_OR_RETURN(const hsm::Pkcs11Uri uri, hsm::Pkcs11Uri::parse(key_ref));
  SIGNET_ASSIGN_OR_RETURN(const std::string module, resolve_module(ctx, uri));
  if (!ca) {
    SIGNET_ASSIGN_OR_RETURN(ca, ephemeral_ca(module, uri));
  }
  const Profile* profile = builtin_profiles().find("kubelet-client");
  if (profile == nullptr) return fail(ErrorCode::kInternal, "no built-in kubelet-client profile");

  setup.ca = o.ca.empty() ? "(ephemeral, --key)" : o.ca;
  setup.key = uri.to_string(false);
  setup.algorithm = key_spec_name(ca->key());
  setup.csrs = o.csrs;
  setup.threads = o.threads;
  setup.sessions = o.sessions != 0 ? o.sessions : o.threads;
  setup.seconds = o.seconds;
  setup.repeat = o.repeat;
  setup.sign_inline = o.sign_inline;
  const auto duration = std::chrono::milliseconds(static_cast<long>(o.seconds * 1000));  // NOLINT

  // Everything outside the clock: the corpus, its decoded proofs, the CA/key match.
  std::fprintf(stderr, "generating %zu CSRs...\n", o.csrs);  // NOLINT
  SIGNET_ASSIGN_OR_RETURN(const std::vector<Bytes> csrs, scheduler::make_node_csrs(o.csrs));
  SIGNET_ASSIGN_OR_RETURN(const auto proofs, hsm::possession_proofs(csrs));
  std::fprintf(stderr, "issuing %zu old certificates for the recertify series...\n",  // NOLINT
               o.csrs);
  SIGNET_ASSIGN_OR_RETURN(const scheduler::OldCertificates old,
                          scheduler::make_old_certificates(csrs));
  hsm::SignerOptions signer_options;
  signer_options.max_sessions = setup.sessions;
  scheduler::EngineBench engine;
  engine.ca = &*ca;
  engine.profile = profile;
  engine.cpu_threads = o.threads;
  engine.sign_inline = o.sign_inline;
  engine.max_in_flight = std::max<std::size_t>(512, 4 * setup.sessions);
  signer_options.max_queued = engine.max_in_flight;  // submit never blocks on the queue
  {
    SIGNET_ASSIGN_OR_RETURN(auto signer, hsm::open_signer(module, uri, signer_options));
    SIGNET_RETURN_IF_ERROR(check_signer_matches(*ca, *signer));
  }

  std::vector<scheduler::BenchSeries> series(o.recertify_only ? 0 : 3);
  // The component loop runs as many threads as the engine has sessions (the signatures it can
  // have in flight): 2 on SoftHSM, 32 through a 5 ms network HSM.
  if (!o.recertify_only) {
    series[0] = {"component",
                 [&] { return hsm::component_rate(module, uri, proofs, setup.sessions, duration); },
                 {},
                 {}};
    // A signer per sample, closed before the next: the sides never hold sessions at once, so a
    // token's session cap (the shim's, a network HSM's) fits each. Opening is outside the clock
    // (run_pipeline's elapsed time is the rate's).
    series[1] = {"engine",
                 [&]() -> Result<double> {
                   SIGNET_ASSIGN_OR_RETURN(auto signer,
                                           hsm::open_signer(module, uri, signer_options));
                   engine.signer = signer.get();
                   auto rate = scheduler::engine_rate(csrs, engine);
                   engine.signer = nullptr;
                   return rate;
                 },
                 {},
                 {}};
    series[2] = {"naive", [&] { return scheduler::naive_rate(csrs, o.threads, duration); }, {}, {}};
  }
  // The recertify path (issue 5, item 3) and its baseline: the raw C_Sign loop with the same key
  // object, as many threads as the engine has sessions (2 on SoftHSM, 32 through the shim).
  series.push_back(
      {"raw", [&] { return hsm::raw_token_rate(module, uri, setup.sessions, duration); }, {}, {}});
  scheduler::RecertifyBench recertify;
  recertify.new_ca = &*ca;
  recertify.old_ca = &old.old_ca;
  recertify.profile = profile;
  recertify.cpu_threads = o.threads;
  recertify.sign_inline = o.sign_inline;
  recertify.max_in_flight = engine.max_in_flight;
  recertify.items = o.recertify_items;
  // --ledger: the store outside the clock; "sqlite" is a fresh temporary file, removed after.
  std::unique_ptr<ledger::LedgerStore> bench_ledger;
  std::unique_ptr<TempDir> ledger_dir;
  if (o.ledger != "off") {
    std::string spec = o.ledger;
    if (spec == "sqlite") {
      SIGNET_ASSIGN_OR_RETURN(ledger_dir, TempDir::create());
      spec = (ledger_dir->path() / "ledger.sqlite").string();
    }
    SIGNET_ASSIGN_OR_RETURN(bench_ledger, scheduler::open_ledger(spec).map_error([](Error e) {
      return std::move(e).context("--ledger");
    }));
    recertify.ledger = bench_ledger.get();
    setup.ledger = bench_ledger->describe();
  }
  // --recertify-from ledger: OLD's certificates go into the --ledger store (or a fresh temporary
  // SQLite file) before any clock starts; each sample then streams them back as records.
  std::unique_ptr<ledger::LedgerStore> source_ledger;
  std::unique_ptr<TempDir> source_dir;
  if (o.recertify_from == "ledger") {
    ledger::LedgerStore* store = bench_ledger.get();
    if (store == nullptr) {
      SIGNET_ASSIGN_OR_RETURN(source_dir, TempDir::create());
      SIGNET_ASSIGN_OR_RETURN(
          source_ledger,
          scheduler::open_ledger((source_dir->path() / "ledger.sqlite").string())
              .map_error([](Error e) { return std::move(e).context("--recertify-from ledger"); }));
      store = source_ledger.get();
    }
    recertify.source_issuer =
        "bench-old-" + std::to_string(::getpid()) + "-" +
        std::to_string(std::chrono::steady_clock::now().time_since_epoch().count() % 1000000);
    std::fprintf(stderr, "recording %zu old certificates in %s...\n",  // NOLINT
                 old.certificates.size(), store->describe().c_str());
    SIGNET_RETURN_IF_ERROR(
        scheduler::record_old_certificates(*store, recertify.source_issuer, old.certificates));
    recertify.source_ledger = store;
  }
  setup.recertify_from = o.recertify_from;
  setup.recertify_items = o.recertify_items != 0 ? o.recertify_items : o.csrs;
  series.push_back(
      {"recertify",
       [&]() -> Result<double> {
         SIGNET_ASSIGN_OR_RETURN(auto signer, hsm::open_signer(module, uri, signer_options));
         recertify.signer = signer.get();
         const auto start = std::chrono::steady_clock::now();
         auto rate = scheduler::recertify_rate(old.certificates, recertify);
         setup.recertify_wall_seconds.push_back(
             std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
         recertify.signer = nullptr;
         return rate;
       },
       {},
       {}});
  const auto progress = [&](int round, const scheduler::BenchSeries& s) {
    std::fprintf(stderr, "  rep %d/%d %-9s %10.0f /s\n", round + 1, o.repeat,  // NOLINT
                 s.name.c_str(), s.rates.back());
  };
  SIGNET_RETURN_IF_ERROR(scheduler::run_alternated(series, o.repeat, progress));
  setup.peak_rss_mib = scheduler::peak_rss_mib();
  const auto [json, text] = pipeline_bench_report(setup, series);
  emit(ctx, json, text);
  return {};
}

}  // namespace

void register_bench_pipeline(CLI::App& bench, Context& ctx, Action& action) {
  auto o = std::make_shared<BenchPipelineOptions>();
  auto* cmd = bench.add_subcommand(
      "pipeline",
      "CSR issuance end to end vs the component loop (CSR verify + C_Sign) and naive OpenSSL");
  auto* ca = cmd->add_option("--ca", o->ca, "a stored CA whose key is in a token");
  auto* key = cmd->add_option("--key", o->key,
                              "pkcs11: URI of a CA key (with pin-source); an ephemeral CA");
  ca->excludes(key);
  cmd->add_option("--csrs", o->csrs, "distinct P-256 node CSRs, generated once (default 10000)");
  cmd->add_option("--threads", o->threads, "CPU threads of the engine and naive path (default 2)");
  cmd->add_option("--seconds", o->seconds, "seconds per component/naive sample (default 2)");
  cmd->add_option("--repeat", o->repeat, "alternated repetitions (default 5)");
  cmd->add_option("--sessions", o->sessions,
                  "engine sessions and component-loop threads (default: --threads)");
  cmd->add_flag("--recertify-only", o->recertify_only,
                "only the recertify series and its raw C_Sign baseline (the RSS run)");
  cmd->add_option("--recertify-items", o->recertify_items,
                  "with --recertify-only: certificates per recertify sample, the --csrs old "
                  "ones streamed round robin (default: --csrs)");
  cmd->add_option("--ledger", o->ledger,
                  "record every recertified certificate before counting it: off (default), "
                  "sqlite (a fresh temporary file) or a postgresql:// URI, to compare ledger on "
                  "and off");
  cmd->add_option("--recertify-from", o->recertify_from,
                  "recertify inputs: certificates (default; OLD's signature checked per item) or "
                  "ledger (recorded first, then streamed from the store as ledger records)");
  cmd->add_flag("--sign-inline", o->sign_inline,
                "engine and recertify: the CPU workers call the blocking Signer::sign (C_Sign) "
                "themselves, no session threads: for a token on this machine's CPUs (SoftHSM); "
                "give --threads as many as --sessions");
  cmd->footer(
      "Examples:\n  signet bench pipeline --ca kubernetes-ca --csrs 10000 --repeat 5 --output "
      "json\n"
      "  SIGNET_SHIM_MODULE=/usr/lib/softhsm/libsofthsm2.so SIGNET_SHIM_SIGN_LATENCY_US=5000 \\\n"
      "  SIGNET_SHIM_MAX_SESSIONS=33 signet bench pipeline --threads 2 --sessions 32 --key \\\n"
      "    'pkcs11:token=signet;object=kubernetes-ca?pin-source=file:pin.txt&"
      "module-path=build/dev/hsm/shim/libsignet_pkcs11_shim.so'\n"
      "  signet bench pipeline --ca kubernetes-ca --recertify-only --csrs 10000 \\\n"
      "    --recertify-items 1000000 --repeat 1 --output json   # peak_rss_mib, wall time\n"
      "  signet bench pipeline --ca kubernetes-ca --recertify-only --ledger sqlite --output json\n"
      "  signet bench pipeline --ca kubernetes-ca --recertify-only --recertify-from ledger \\\n"
      "    --threads 2 --sessions 2 --sign-inline --output json   # SoftHSM: sign on the workers");
  cmd->callback([&ctx, &action, o] { action = [&ctx, o] { return bench_pipeline(ctx, *o); }; });
}

}  // namespace signet::cli
