// The table and JSON of `signet bench pipeline`: medians, spread, CPU cores and the ratios the
// issue 5 acceptance figures are stated in (engine ÷ component loop, engine ÷ naive).
#include <cstdio>
#include <sstream>

#include "signet/hsm/bench.h"

#include "bench_pipeline.h"

namespace signet::cli {

std::pair<nlohmann::json, std::string> pipeline_bench_report(
    const PipelineBenchSetup& setup, const std::vector<scheduler::BenchSeries>& series) {
  nlohmann::json sides = nlohmann::json::object();
  std::ostringstream text;
  text << "CA " << setup.ca << " key " << setup.key << " (" << setup.algorithm << "), "
       << setup.csrs << " distinct P-256 kubelet-client CSRs, " << setup.threads << " threads, "
       << setup.sessions << " sessions, " << setup.repeat << " alternated repetitions\n"
       << "SIDE\tMEDIAN/s\tSPREAD\tCPU_CORES\tSAMPLES\n";
  for (const auto& s : series) {
    const double m = hsm::median(s.rates);
    sides[s.name] = {{"median_per_s", m},
                     {"spread", hsm::spread(s.rates)},
                     {"samples", s.rates},
                     {"cpu_cores", hsm::median(s.cpu_cores)},
                     {"cpu_cores_samples", s.cpu_cores}};
    std::string samples;
    for (const double r : s.rates) {
      samples += (samples.empty() ? "" : ",") + std::to_string(static_cast<long long>(r));
    }
    char line[256];                   // NOLINT(modernize-avoid-c-arrays)
    std::snprintf(line, sizeof line,  // NOLINT(cppcoreguidelines-pro-type-vararg)
                  "%-9s\t%.0f\t%.1f%%\t%.2f\t%s\n", s.name.c_str(), m, 100 * hsm::spread(s.rates),
                  hsm::median(s.cpu_cores), samples.c_str());
    text << line;
  }
  const auto rate = [&](const char* name) {
    return sides.contains(name) ? sides[name]["median_per_s"].get<double>() : 0.0;
  };
  const double component = rate("component");
  const double engine = rate("engine");
  const double naive = rate("naive");
  const double vs_component = component > 0 ? engine / component : 0;
  const double vs_naive = naive > 0 ? engine / naive : 0;
  char ratios[160];                     // NOLINT(modernize-avoid-c-arrays)
  std::snprintf(ratios, sizeof ratios,  // NOLINT(cppcoreguidelines-pro-type-vararg)
                "engine/component %.3f (target >= 0.85)\tengine/naive %.3f\n", vs_component,
                vs_naive);
  // Recertify (issue 5, item 3): ≥ 0.9 × the raw C_Sign loop on SoftHSM; ≥ 0.85 through the
  // 5 ms network-HSM shim with 32 sessions (many more sessions than CPU threads; an in-process
  // token run with one CPU worker and two sessions is still the 0.9 case).
  const double raw = rate("raw");
  const double recertify = rate("recertify");
  const double recertify_over_raw = raw > 0 ? recertify / raw : 0;
  const double target = setup.sessions > 2 * setup.threads ? 0.85 : 0.9;
  nlohmann::json recertify_json = nullptr;
  if (sides.contains("recertify")) {
    recertify_json = {{"median_per_s", recertify},
                      {"raw_median_per_s", raw},
                      {"recertify_over_raw", recertify_over_raw},
                      {"target", target},
                      {"items_per_sample", setup.recertify_items},
                      {"wall_seconds", setup.recertify_wall_seconds},
                      {"peak_rss_mib", setup.peak_rss_mib},
                      {"ledger", setup.ledger},
                      {"recertify_from", setup.recertify_from}};
    char line[200];                   // NOLINT(modernize-avoid-c-arrays)
    std::snprintf(line, sizeof line,  // NOLINT(cppcoreguidelines-pro-type-vararg)
                  "recertify/raw %.3f (target >= %.2f)\t%llu certificates per sample, peak RSS "
                  "%.1f MiB\n",
                  recertify_over_raw, target,
                  static_cast<unsigned long long>(setup.recertify_items), setup.peak_rss_mib);
    text << line << "recertify ledger: " << setup.ledger
         << "; inputs from: " << setup.recertify_from
         << (setup.sign_inline ? "; signed on the CPU workers (--sign-inline)" : "") << "\n";
  }
  text << ratios
       << "component: EVP_DigestVerify of a CSR + C_SignInit/C_Sign, plain PKCS#11; naive: "
          "cfssl-like OpenSSL 3.0 path with a software P-256 CA key, no token\n";
  nlohmann::json j = {
      {"ca", setup.ca},
      {"key", setup.key},
      {"algorithm", setup.algorithm},
      {"csrs", setup.csrs},
      {"threads", setup.threads},
      {"sessions", setup.sessions},
      {"seconds", setup.seconds},
      {"repeat", setup.repeat},
      {"sign_inline", setup.sign_inline},
      {"series", sides},
      {"ratios", {{"engine_over_component", vs_component}, {"engine_over_naive", vs_naive}}},
      {"naive_baseline", "cfssl-like OpenSSL 3.0 path, software P-256 CA key, no token"},
      // Issue 5's recertify figures: the series, its ratio to the raw C_Sign loop, peak RSS.
      {"recertify", recertify_json}};
  return {j, text.str()};
}

}  // namespace signet::cli
