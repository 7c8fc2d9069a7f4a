// `signet bench pipeline` (bench_pipeline.cc: options and wiring; bench_pipeline_report.cc: the
// table and JSON). The measuring code is in the libraries: scheduler/pipeline_bench.h and
// hsm/component_bench.h.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "signet/scheduler/pipeline_bench.h"

#include "commands.h"

namespace signet::cli {

struct PipelineBenchSetup {
  std::string key;        // the CA key's pkcs11: URI, without secrets
  std::string ca;         // the CA name, or "(ephemeral)" with --key
  std::string algorithm;  // "ecdsa-p256", ...
  std::size_t csrs = 0;
  std::size_t threads = 0;
  std::size_t sessions = 0;
  double seconds = 0;
  int repeat = 0;
  // The recertify series: certificates per sample, each sample's wall time, and the process's
  // peak RSS after the run (getrusage ru_maxrss).
  std::uint64_t recertify_items = 0;
  std::vector<double> recertify_wall_seconds;
  double peak_rss_mib = 0;
  // The recertify series' ledger (signet issue 6): "off", or the store each certificate was
  // group-committed to before the sink released it.
  std::string ledger = "off";
  // "certificates" or "ledger" (--recertify-from).
  std::string recertify_from = "certificates";
  // --sign-inline: the engine and recertify series sign on their CPU workers.
  bool sign_inline = false;
};

// series: component, engine, naive (absent with --recertify-only), then raw and recertify.
// Returns {json, text}.
[[nodiscard]] std::pair<nlohmann::json, std::string> pipeline_bench_report(
    const PipelineBenchSetup& setup, const std::vector<scheduler::BenchSeries>& series);

void register_bench_pipeline(CLI::App& bench, Context& ctx, Action& action);

}  // namespace signet::cli
