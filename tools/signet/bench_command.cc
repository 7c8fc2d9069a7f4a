// signet bench hsm — the token's raw signing ceiling and the engine's rate, side by side.
#include <charconv>
#include <cstdio>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>

#include "signet/hsm/bench.h"

#include "bench_pipeline.h"
#include "commands.h"

namespace signet::cli {
namespace {

struct BenchHsmOptions {
  std::string key;
  std::string threads = "1,2,4";
  double seconds = 2;
  std::size_t sessions = 0;
  int repeat = 5;
  bool submit = false;
};

Result<std::vector<std::size_t>> parse_threads(const std::string& text) {
  std::vector<std::size_t> out;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    std::size_t n = 0;
    const auto [end, ec] = std::from_chars(item.data(), item.data() + item.size(), n);
    if (ec != std::errc() || end != item.data() + item.size() || n == 0 || n > 1024) {
      return fail(ErrorCode::kInvalidArgument,
                  "--threads: '" + item.substr(0, 16) + "' is not a thread count (1-1024)");
    }
    out.push_back(n);
  }
  if (out.empty()) return fail(ErrorCode::kInvalidArgument, "--threads: empty list");
  return out;
}

Status bench_hsm(const Context& ctx, const BenchHsmOptions& o) {
  hsm::BenchOptions options;
  SIGNET_ASSIGN_OR_RETURN(options.threads, parse_threads(o.threads));
  if (o.seconds <= 0 || o.seconds > 3600) {
    return fail(ErrorCode::kInvalidArgument, "--seconds must be in (0, 3600]");
  }
  if (o.sessions > 4096) {
    return fail(ErrorCode::kInvalidArgument,
                "--sessions must be at most 4096 (0: the thread count)");
  }
  if (o.repeat < 1 || o.repeat > 100) {
    return fail(ErrorCode::kInvalidArgument, "--repeat must be 1 to 100");
  }
  options.duration = std::chrono::milliseconds(static_cast<long>(o.seconds * 1000));  // NOLINT
  options.sessions = o.sessions;
  options.repeat = o.repeat;
  options.submit = o.submit;
  SIGNET_ASSIGN_OR_RETURN(const hsm::Pkcs11Uri uri, hsm::Pkcs11Uri::parse(o.key));
  SIGNET_ASSIGN_OR_RETURN(const std::string module, resolve_module(ctx, uri));
  // Progress on stderr, so stdout stays the result (JSON or table).
  auto progress = [&](std::size_t point, int rep, const char* side, double rate) {
    std::fprintf(stderr, "  threads=%zu rep %d/%d %-6s %10.0f /s\n",
                 options.threads[point],  // NOLINT
                 rep + 1, options.repeat, side, rate);
  };
  SIGNET_ASSIGN_OR_RETURN(const hsm::BenchReport report,
                          hsm::bench_token(module, uri, options, progress));
  nlohmann::json points = nlohmann::json::array();
  std::ostringstream text;
  text << "key " << uri.to_string(false) << " (" << report.algorithm << "), " << o.repeat
       << " alternated repetitions of " << o.seconds << " s; engine through "
       << (o.submit ? "submit() from one thread" : "sign() on each thread") << "\n";
  text << "THREADS\tSESSIONS\tRAW/s\tENGINE/s\tRATIO\tRAW_SPREAD\tENGINE_SPREAD\tRAW_CPU\tENGINE_"
          "CPU\n";
  for (const auto& p : report.points) {
    const double raw = hsm::median(p.raw);
    const double engine = hsm::median(p.engine);
    points.push_back({{"threads", p.threads},
                      {"sessions", p.sessions},
                      {"raw_per_s", raw},
                      {"engine_per_s", engine},
                      {"ratio", raw > 0 ? engine / raw : 0},
                      {"raw_spread", hsm::spread(p.raw)},
                      {"engine_spread", hsm::spread(p.engine)},
                      {"raw_samples", p.raw},
                      {"engine_samples", p.engine},
                      {"raw_cpu_cores", hsm::median(p.raw_cpu)},
                      {"engine_cpu_cores", hsm::median(p.engine_cpu)}});
    char line[160];                   // NOLINT(modernize-avoid-c-arrays)
    std::snprintf(line, sizeof line,  // NOLINT
                  "%zu\t%zu\t%.0f\t%.0f\t%.3f\t%.1f%%\t%.1f%%\t%.2f\t%.2f\n", p.threads, p.sessions,
                  raw, engine, raw > 0 ? engine / raw : 0, 100 * hsm::spread(p.raw),
                  100 * hsm::spread(p.engine), hsm::median(p.raw_cpu), hsm::median(p.engine_cpu));
    text << line;
  }
  emit(ctx,
       {{"algorithm", report.algorithm},
        {"seconds", o.seconds},
        {"repeat", o.repeat},
        {"engine_form", o.submit ? "submit" : "sign"},
        {"points", points}},
       text.str());
  return {};
}

}  // namespace

void register_bench_commands(CLI::App& app, Context& ctx, Action& action) {
  auto* bench = app.add_subcommand("bench", "Measure signing rates");
  bench->require_subcommand(1);
  auto o = std::make_shared<BenchHsmOptions>();
  auto* hsm = bench->add_subcommand(
      "hsm", "The token's raw C_Sign ceiling and the engine's Signer rate, alternated");
  hsm->add_option("--key", o->key, "pkcs11: URI of a signing key (with pin-source)")->required();
  hsm->add_option("--threads", o->threads, "comma-separated thread counts (default 1,2,4)");
  hsm->add_option("--seconds", o->seconds, "seconds per sample (default 2)");
  hsm->add_option("--sessions", o->sessions, "engine sessions (default: the thread count)");
  hsm->add_option("--repeat", o->repeat, "alternated raw/engine repetitions (default 5)");
  hsm->add_flag("--submit", o->submit,
                "engine side through the non-blocking submit() from one thread, keeping twice "
                "the sessions in flight, instead of one blocking thread per --threads");
  hsm->footer(
      "Examples:\n  signet bench hsm --threads 1,2,4 --seconds 2 --repeat 5 --output json \\\n"
      "    --key 'pkcs11:token=signet;object=kubernetes-ca?pin-source=file:pin.txt'\n"
      "  signet bench hsm --threads 32 --sessions 32 --submit --key ...   # one feeding thread");
  hsm->callback([&ctx, &action, o] { action = [&ctx, o] { return bench_hsm(ctx, *o); }; });
  register_bench_pipeline(*bench, ctx, action);
}

}  // namespace signet::cli
