#include "issued_rate.h"

#include <chrono>
#include <optional>

#include "signet/scheduler/ledger_writer.h"
#include "signet/scheduler/recording_sink.h"

namespace signet::scheduler {

Result<double> issued_rate(const ItemSource& source, Signer& signer, const PipelineOptions& options,
                           std::uint64_t expected, const std::string& item,
                           const std::string& bench, ledger::LedgerStore* ledger,
                           const std::string& profile) {
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
  std::chrono::nanoseconds elapsed{};
  if (ledger == nullptr) {
    SIGNET_ASSIGN_OR_RETURN(const PipelineStats stats, run_pipeline(source, signer, sink, options));
    elapsed = stats.elapsed;
  } else {
    LedgerWriter writer(*ledger);
    const auto issued_at = std::chrono::duration_cast<std::chrono::seconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count();
    RecordingSink recording(
        writer,
        [&](const ItemResult& r) {
          return ledger::record_from_certificate(*r.output,
                                                 {"bench", 0, profile, "bench", r.id, issued_at});
        },
        sink, options.max_in_flight);
    const ItemSink recorded = [&](ItemResult&& r) { return recording(std::move(r)); };
    const auto start = std::chrono::steady_clock::now();
    SIGNET_ASSIGN_OR_RETURN(const PipelineStats stats,
                            run_pipeline(source, signer, recorded, options));
    SIGNET_RETURN_IF_ERROR(recording.finish());
    (void)stats;
    elapsed = std::chrono::steady_clock::now() - start;
  }
  if (first_error) return fail(*first_error);
  if (issued != expected) {
    return fail(ErrorCode::kInternal, bench + ": " + std::to_string(issued) + " of " +
                                          std::to_string(expected) + " certificates issued");
  }
  const double seconds = std::chrono::duration<double>(elapsed).count();
  return seconds > 0 ? static_cast<double>(issued) / seconds : 0;
}

}  // namespace signet::scheduler
