// The engine side of `signet bench pipeline` and the ABBA alternation of samples.
#include "signet/scheduler/pipeline.h"

#include <sys/resource.h>

#include <algorithm>
#include <optional>

#include "signet/scheduler/issue_work.h"
#include "signet/scheduler/pipeline_bench.h"

#include "issued_rate.h"

namespace signet::scheduler {
namespace {

double process_cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  const auto secs = [](const timeval& tv) {
    return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6;
  };
  return secs(usage.ru_utime) + secs(usage.ru_stime);
}

Status take_sample(BenchSeries& series) {
  const double cpu_before = process_cpu_seconds();
  const auto wall_before = std::chrono::steady_clock::now();
  auto rate = series.sample();
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_before).count();
  if (!rate) return fail(rate.error().context(series.name));
  series.rates.push_back(*rate);
  series.cpu_cores.push_back(wall > 0 ? (process_cpu_seconds() - cpu_before) / wall : 0);
  return {};
}

}  // namespace

Result<double> engine_rate(const std::vector<Bytes>& csrs, const EngineBench& bench) {
  if (bench.ca == nullptr || bench.profile == nullptr || bench.signer == nullptr) {
    return fail(ErrorCode::kInvalidArgument, "engine bench: needs a CA, a profile and a signer");
  }
  // One issuance time for the pass, as a batch would have.
  const IssueContext context{bench.ca, bench.signer->algorithm(), std::chrono::system_clock::now()};
  std::size_t next = 0;
  const ItemSource source = [&]() -> std::optional<PipelineItem> {
    if (next == csrs.size()) return std::nullopt;
    const std::size_t i = next++;
    return PipelineItem{std::to_string(i), make_csr_work(context, csrs[i], *bench.profile)};
  };
  return issued_rate(source, *bench.signer, bench_options(bench), csrs.size(), "CSR",
                     "engine bench");
}

Status run_alternated(std::vector<BenchSeries>& series, int repeat,
                      const std::function<void(int, const BenchSeries&)>& progress) {
  if (series.empty() || repeat < 1) {
    return fail(ErrorCode::kInvalidArgument, "bench: need at least one series and one round");
  }
  for (int round = 0; round < repeat; ++round) {
    for (std::size_t k = 0; k < series.size(); ++k) {
      BenchSeries& s = round % 2 == 0 ? series[k] : series[series.size() - 1 - k];
      SIGNET_RETURN_IF_ERROR(take_sample(s));
      if (progress) progress(round, s);
    }
  }
  return {};
}

}  // namespace signet::scheduler
