// The benchmarks' pipeline run: every item must be issued, since a rate that counted refusals
// would flatter the path measured (pipeline_bench.cc, recertify_bench.cc).
#pragma once

#include <cstdint>
#include <string>

#include "signet/core/ledger.h"
#include "signet/core/result.h"
#include "signet/core/signer.h"
#include "signet/scheduler/pipeline.h"

namespace signet::scheduler {

// Runs `source` through `signer` and returns issued items per second of the run. Fails with the
// first item's error ("<item> <id>: ...") or, when fewer than `expected` were issued,
// "<bench>: N of M certificates issued". With `ledger`, each certificate is recorded there
// through a LedgerWriter and a RecordingSink before it counts, and the rate includes waiting for
// the last commits.
[[nodiscard]] Result<double> issued_rate(const ItemSource& source, Signer& signer,
                                         const PipelineOptions& options, std::uint64_t expected,
                                         const std::string& item, const std::string& bench,
                                         ledger::LedgerStore* ledger = nullptr,
                                         const std::string& profile = {});

// The pipeline options of a bench description (EngineBench, RecertifyBench).
template <typename Bench>
[[nodiscard]] PipelineOptions bench_options(const Bench& bench) {
  PipelineOptions options;
  options.cpu_threads = bench.cpu_threads;
  options.max_in_flight = bench.max_in_flight;
  options.sign_inline = bench.sign_inline;
  return options;
}

}  // namespace signet::scheduler
