#include "issued_rate.h"

#include <chrono>
#include <optional>

namespace signet::scheduler {

Result<double> issued_rate(const ItemSource& source, Signer& signer, std::size_t cpu_threads,
                           std::size_t max_in_flight, std::uint64_t expected,
                           const std::string& item, const std::string& bench) {
  std::uint64_t issued = 0;
  std::optional<Error> first_error;
  const ItemSink sink = [&](ItemResult&& result) -> Status {
    if (result.output) {
      ++issued;
    } else if (!first_error) {
      first_error = result.output.error().context(item + " " + result.id);
    }
    return {};
  };
  PipelineOptions options;
  options.cpu_threads = cpu_threads;
  options.max_in_flight = max_in_flight;
  SIGNET_ASSIGN_OR_RETURN(const PipelineStats stats, run_pipeline(source, signer, sink, options));
  if (first_error) return fail(*first_error);
  if (issued != expected) {
    return fail(ErrorCode::kInternal, bench + ": " + std::to_string(issued) + " of " +
                                          std::to_string(expected) + " certificates issued");
  }
  const double seconds = std::chrono::duration<double>(stats.elapsed).count();
  return seconds > 0 ? static_cast<double>(issued) / seconds : 0;
}

}  // namespace signet::scheduler
