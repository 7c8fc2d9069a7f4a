// signet bench pipeline — issuing from CSRs end to end against the machine's real limit for that
// work (the component loop) and a naive OpenSSL baseline, alternated in one run (issue 5 item 6).
#include "bench_pipeline.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <optional>

#include "signet/core/ca.h"
#include "signet/core/profile.h"
#include "signet/hsm/component_bench.h"
#include "signet/hsm/token.h"

namespace signet::cli {
namespace {

struct BenchPipelineOptions {
  std::string ca;
  std::string key;
  std::size_t csrs = 10000;
  std::size_t threads = 2;
  double seconds = 2;
  int repeat = 5;
  std::size_t sessions = 0;
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
  const auto duration = std::chrono::milliseconds(static_cast<long>(o.seconds * 1000));  // NOLINT

  // Everything outside the clock: the corpus, its decoded proofs, the CA/key match.
  std::fprintf(stderr, "generating %zu CSRs...\n", o.csrs);  // NOLINT
  SIGNET_ASSIGN_OR_RETURN(const std::vector<Bytes> csrs, scheduler::make_node_csrs(o.csrs));
  SIGNET_ASSIGN_OR_RETURN(const auto proofs, hsm::possession_proofs(csrs));
  hsm::SignerOptions signer_options;
  signer_options.max_sessions = setup.sessions;
  scheduler::EngineBench engine;
  engine.ca = &*ca;
  engine.profile = profile;
  engine.cpu_threads = o.threads;
  engine.max_in_flight = std::max<std::size_t>(512, 4 * setup.sessions);
  signer_options.max_queued = engine.max_in_flight;  // submit never blocks on the queue
  {
    SIGNET_ASSIGN_OR_RETURN(auto signer, hsm::open_signer(module, uri, signer_options));
    SIGNET_RETURN_IF_ERROR(check_signer_matches(*ca, *signer));
  }

  std::vector<scheduler::BenchSeries> series(3);
  // The component loop runs as many threads as the engine has sessions (the signatures it can
  // have in flight): 2 on SoftHSM, 32 through a 5 ms network HSM.
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
  // HOOK(recertify, branch `batch`): add a "recertify" series here (its raw C_Sign baseline is
  // hsm::bench_token's raw loop) and its ratio in pipeline_bench_report.
  const auto progress = [&](int round, const scheduler::BenchSeries& s) {
    std::fprintf(stderr, "  rep %d/%d %-9s %10.0f /s\n", round + 1, o.repeat,  // NOLINT
                 s.name.c_str(), s.rates.back());
  };
  SIGNET_RETURN_IF_ERROR(scheduler::run_alternated(series, o.repeat, progress));
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
  cmd->footer(
      "Examples:\n  signet bench pipeline --ca kubernetes-ca --csrs 10000 --repeat 5 --output "
      "json\n"
      "  SIGNET_SHIM_MODULE=/usr/lib/softhsm/libsofthsm2.so SIGNET_SHIM_SIGN_LATENCY_US=5000 \\\n"
      "  SIGNET_SHIM_MAX_SESSIONS=33 signet bench pipeline --threads 2 --sessions 32 --key \\\n"
      "    'pkcs11:token=signet;object=kubernetes-ca?pin-source=file:pin.txt&"
      "module-path=build/dev/hsm/shim/libsignet_pkcs11_shim.so'");
  cmd->callback([&ctx, &action, o] { action = [&ctx, o] { return bench_pipeline(ctx, *o); }; });
}

}  // namespace signet::cli
