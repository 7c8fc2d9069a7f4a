// `signet bench hsm`: a token's raw signing ceiling and the engine's rate through its Signer,
// side by side, alternated in one run, as ratios of medians.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "signet/core/result.h"
#include "signet/hsm/pkcs11_uri.h"

namespace signet::hsm {

struct BenchOptions {
  std::vector<std::size_t> threads{1, 2, 4};
  std::chrono::milliseconds duration{2000};  // per sample
  std::size_t sessions = 0;                  // engine sessions; 0: as many as threads
  int repeat = 5;                            // alternated raw/engine pairs per point
  // The engine side through the non-blocking Signer::submit from a single feeding thread (the
  // signer's session threads do the waiting), instead of `threads` threads calling sign().
  bool submit = false;
};

struct BenchPoint {
  std::size_t threads = 0;
  std::size_t sessions = 0;
  std::vector<double> raw;     // signatures/s, one per repetition
  std::vector<double> engine;  // signatures/s, one per repetition
  // Process CPU time (getrusage: user + system, the module's threads included) per wall second
  // during each sample: 1.0 is one core busy.
  std::vector<double> raw_cpu;
  std::vector<double> engine_cpu;
};

struct BenchReport {
  std::string algorithm;  // "ecdsa-p256", "rsa-2048", ...
  std::vector<BenchPoint> points;
};

// Median and relative spread ((max - min) / median) of samples.
[[nodiscard]] double median(std::vector<double> samples);
[[nodiscard]] double spread(const std::vector<double>& samples);

// Called after each sample: point index, repetition, "raw" or "engine", rate.
using BenchProgress = std::function<void(std::size_t, int, const char*, double)>;

// Runs, for each thread count, `repeat` times: the raw loop, then the engine loop. The raw loop
// uses no signet code: one session per thread, C_SignInit + C_Sign on a digest with the very key
// object the engine signs with (found by its own C_FindObjects). Inputs differ on every call.
[[nodiscard]] Result<BenchReport> bench_token(const std::string& module_path, const Pkcs11Uri& uri,
                                              const BenchOptions& options,
                                              const BenchProgress& progress);

// The raw loop alone (bench_token's "raw" side, no signet code in the loop): signatures per
// second over `duration` with `threads` threads, one session each, on the key the URI names
// (which needs pin-source). The baseline of `signet bench pipeline`'s recertify series.
[[nodiscard]] Result<double> raw_token_rate(const std::string& module_path, const Pkcs11Uri& uri,
                                            std::size_t threads,
                                            std::chrono::milliseconds duration);

}  // namespace signet::hsm
