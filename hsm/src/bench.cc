#include "signet/hsm/bench.h"

#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstring>
#include <future>
#include <latch>
#include <mutex>
#include <optional>
#include <thread>

#include "signet/hsm/token.h"

#include "p11.h"
#include "pkcs11_signer.h"
#include "raw_sign_loop.h"

namespace signet::hsm {
namespace {

// The engine side: `threads` threads calling Signer::sign() with a distinct digest each time.
Result<double> engine_sign_rate(Signer& signer, std::size_t digest_size, std::size_t threads,
                                std::chrono::milliseconds duration) {
  std::atomic<std::uint64_t> total{0};
  std::atomic<bool> failed{false};
  std::optional<Error> first_error;
  std::mutex error_mutex;
  // As in the raw loop, timing starts when every thread is ready: here after one warm-up
  // signature each, which opens the thread's pool session.
  std::latch ready(static_cast<std::ptrdiff_t>(threads));
  std::atomic<bool> go{false};
  std::chrono::steady_clock::time_point deadline;
  std::vector<std::thread> workers;
  for (std::size_t t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      Bytes digest(digest_size, 0xa5);
      static_cast<void>(signer.sign(digest));
      ready.count_down();
      while (!go.load()) std::this_thread::yield();
      std::uint64_t count = 0;
      while (!failed && std::chrono::steady_clock::now() < deadline) {
        const std::uint64_t tag = (static_cast<std::uint64_t>(t) << 48U) ^ count;
        std::memcpy(digest.data() + digest.size() - sizeof tag, &tag, sizeof tag);
        const auto sig = signer.sign(digest);
        if (!sig) {
          const std::lock_guard lock(error_mutex);
          if (!first_error) first_error = sig.error();
          failed = true;
          break;
        }
        ++count;
      }
      total += count;
    });
  }
  ready.wait();
  const auto start = std::chrono::steady_clock::now();
  deadline = start + duration;
  go = true;
  for (auto& w : workers) w.join();
  if (first_error) return fail(first_error->context("engine loop"));
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return static_cast<double>(total.load()) / seconds;
}

// The engine side through Signer::submit: one thread keeps `window` signatures in flight (a
// pipeline stage would), the signer's own session threads wait on the token.
Result<double> engine_submit_rate(Signer& signer, std::size_t digest_size, std::size_t window,
                                  std::chrono::milliseconds duration) {
  std::mutex mutex;
  std::condition_variable changed;
  std::size_t in_flight = 0;
  bool feeder_waiting = false;
  std::uint64_t completed = 0;
  std::optional<Error> first_error;
  Bytes digest(digest_size, 0x5a);
  {
    // Warm-up outside the clock, through submit: it also starts the signer's session threads.
    std::promise<void> warmed;
    signer.submit(digest, [&warmed](const Result<Bytes>&) { warmed.set_value(); });
    warmed.get_future().wait();
  }
  auto on_done = [&](Result<Bytes> sig) {
    const std::scoped_lock lock(mutex);
    --in_flight;
    if (sig) {
      ++completed;
    } else if (!first_error) {
      first_error = sig.error();
    }
    // The feeder refills when half the window has drained (or at the end): one wake-up per
    // window/2 signatures, as a pipeline stage handing over batches would.
    if (feeder_waiting && (in_flight <= window / 2 || in_flight == 0 || first_error)) {
      changed.notify_all();
    }
  };
  const auto start = std::chrono::steady_clock::now();
  const auto deadline = start + duration;
  std::uint64_t count = 0;
  std::uint64_t counted_at_deadline = 0;
  for (;;) {
    {
      std::unique_lock lock(mutex);
      if (in_flight >= window) {
        feeder_waiting = true;
        changed.wait(lock, [&] { return in_flight <= window / 2 || first_error; });
        feeder_waiting = false;
      }
      if (first_error || std::chrono::steady_clock::now() >= deadline) {
        counted_at_deadline = completed;
        break;
      }
      ++in_flight;
    }
    const std::uint64_t tag = ++count;
    std::memcpy(digest.data() + digest.size() - sizeof tag, &tag, sizeof tag);
    signer.submit(digest, on_done);
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  {
    std::unique_lock lock(mutex);  // drain before the callbacks' captures go away
    feeder_waiting = true;
    changed.wait(lock, [&] { return in_flight == 0; });
    if (first_error) return fail(first_error->context("engine submit loop"));
  }
  return static_cast<double>(counted_at_deadline) / seconds;
}

// Runs `loop` and returns its result with the process CPU cores it used meanwhile.
template <typename Loop>
auto with_cpu(Loop&& loop, double& cores) {
  const auto cpu_seconds = [] {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    const auto secs = [](const timeval& tv) {
      return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6;
    };
    return secs(usage.ru_utime) + secs(usage.ru_stime);
  };
  const double cpu_before = cpu_seconds();
  const auto wall_before = std::chrono::steady_clock::now();
  auto result = loop();
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_before).count();
  cores = wall > 0 ? (cpu_seconds() - cpu_before) / wall : 0;
  return result;
}

}  // namespace

double median(std::vector<double> samples) {
  if (samples.empty()) return 0;
  std::sort(samples.begin(), samples.end());
  const std::size_t n = samples.size();
  return n % 2 == 1 ? samples[n / 2] : (samples[n / 2 - 1] + samples[n / 2]) / 2;
}

double spread(const std::vector<double>& samples) {
  if (samples.empty()) return 0;
  const auto [lo, hi] = std::minmax_element(samples.begin(), samples.end());
  const double m = median(samples);
  return m > 0 ? (*hi - *lo) / m : 0;
}

namespace {

// The raw loop's inputs for the key the URI names: the module, the PIN (kept alive for the loop)
// and the key's label and id for the loop's own C_FindObjects.
struct RawSetup {
  std::shared_ptr<p11::Module> module;
  SecretString pin;
  RawLoopSpec spec;
  KeyDescription key;
  std::size_t digest_size = 32;
};

Result<RawSetup> raw_setup(const std::string& module_path, const Pkcs11Uri& uri) {
  // The key as the engine will use it, and its label and id for the raw loop's own lookup.
  SIGNET_ASSIGN_OR_RETURN(const auto keys, list_keys(module_path, uri));
  if (keys.size() != 1) {
    return fail(
        ErrorCode::kInvalidArgument,
        "bench: the URI must name exactly one private key, found " + std::to_string(keys.size()));
  }
  RawSetup setup;
  setup.key = keys.front();
  const KeyDescription& key = setup.key;
  SIGNET_ASSIGN_OR_RETURN(setup.module, p11::Module::load(module_path));
  SIGNET_ASSIGN_OR_RETURN(const p11::Slot slot, p11::find_token(*setup.module, uri));

  if (key.key.type == KeyType::kEd25519) {
    // The raw loop signs a fixed-size digest; pure EdDSA signs whole messages, so the two sides
    // would not measure the same work.
    return fail(ErrorCode::kInvalidArgument,
                "bench hsm: Ed25519 keys are not supported (RSA and ECDSA keys are)");
  }
  const SignatureAlgorithm alg = default_signature_algorithm(key.key.type);
  setup.digest_size = digest_of(alg) == DigestAlgorithm::kSha384 ? 48 : 32;
  if (!uri.pin_source) {
    return fail(ErrorCode::kInvalidArgument, "bench: the key URI needs ?pin-source=");
  }
  SIGNET_ASSIGN_OR_RETURN(setup.pin, read_pin(*uri.pin_source));
  RawLoopSpec& raw = setup.spec;
  raw.fn = setup.module->fn();
  raw.slot = slot.id;
  raw.label.assign(key.label.begin(), key.label.end());
  raw.id = key.id;
  if (key.key.type == KeyType::kRsa) {
    raw.mechanism = CKM_RSA_PKCS;
    raw.input_size = 19 + setup.digest_size;  // DigestInfo prefix + SHA-256 (RFC 8017 §9.2)
    raw.signature_size = (key.key.bits + 7) / 8;
  } else {
    raw.mechanism = CKM_ECDSA;
    raw.input_size = setup.digest_size;
    raw.signature_size = 2 * ((key.key.bits + 7) / 8);
  }
  return setup;
}

}  // namespace

Result<double> raw_token_rate(const std::string& module_path, const Pkcs11Uri& uri,
                              std::size_t threads, std::chrono::milliseconds duration) {
  SIGNET_ASSIGN_OR_RETURN(RawSetup setup, raw_setup(module_path, uri));
  setup.spec.pin = setup.pin.reveal();
  std::string error;
  CK_RV failed_rv = CKR_OK;
  const double rate = raw_sign_rate(setup.spec, threads, duration, error, failed_rv);
  if (rate < 0) {
    return fail(failed_rv == CKR_OK ? ErrorCode::kNotFound : p11::classify(failed_rv),
                "bench raw loop: " + error);
  }
  return rate;
}

Result<BenchReport> bench_token(const std::string& module_path, const Pkcs11Uri& uri,
                                const BenchOptions& options, const BenchProgress& progress) {
  if (options.threads.empty() || options.repeat < 1) {
    return fail(ErrorCode::kInvalidArgument, "bench: need at least one thread count and repeat");
  }
  SIGNET_ASSIGN_OR_RETURN(RawSetup setup, raw_setup(module_path, uri));
  RawLoopSpec& raw = setup.spec;
  raw.pin = setup.pin.reveal();
  const std::size_t digest_size = setup.digest_size;
  BenchReport report;
  report.algorithm = key_spec_name(setup.key.key);

  for (std::size_t p = 0; p < options.threads.size(); ++p) {
    const std::size_t threads = options.threads[p];
    BenchPoint point;
    point.threads = threads;
    point.sessions = options.sessions != 0 ? options.sessions : threads;
    SignerOptions signer_options;
    signer_options.max_sessions = point.sessions;
    for (int r = 0; r < options.repeat; ++r) {
      double cores = 0;
      auto run_raw = [&]() -> Status {
        std::string error;
        CK_RV failed_rv = CKR_OK;
        const double rate = with_cpu(
            [&] { return raw_sign_rate(raw, threads, options.duration, error, failed_rv); }, cores);
        if (rate < 0) {
          return fail(failed_rv == CKR_OK ? ErrorCode::kNotFound : p11::classify(failed_rv),
                      "bench raw loop: " + error);
        }
        point.raw.push_back(rate);
        point.raw_cpu.push_back(cores);
        if (progress) progress(p, r, "raw", rate);
        return {};
      };
      auto run_engine = [&]() -> Status {
        // A signer per repetition, closed before the next raw sample: the two sides never hold
        // sessions at once, so a token's session cap (a network HSM's, the shim's) fits both.
        SIGNET_ASSIGN_OR_RETURN(auto signer, open_signer(module_path, uri, signer_options));
        // Report the sessions the engine really got: a token's session cap (ulMaxSessionCount,
        // one kept for the pool's anchor) may have lowered the request.
        if (const auto* pkcs11 = dynamic_cast<const Pkcs11Signer*>(signer.get())) {
          point.sessions = pkcs11->sessions();
        }
        SIGNET_ASSIGN_OR_RETURN(
            const double rate,
            with_cpu(
                [&] {
                  return options.submit
                             ? engine_submit_rate(*signer, digest_size, 2 * point.sessions,
                                                  options.duration)
                             : engine_sign_rate(*signer, digest_size, threads, options.duration);
                },
                cores));
        point.engine.push_back(rate);
        point.engine_cpu.push_back(cores);
        if (progress) progress(p, r, "engine", rate);
        return {};
      };
      // ABBA: odd repetitions run the engine first, so drift does not favour one side.
      if (r % 2 == 0) {
        SIGNET_RETURN_IF_ERROR(run_raw());
        SIGNET_RETURN_IF_ERROR(run_engine());
      } else {
        SIGNET_RETURN_IF_ERROR(run_engine());
        SIGNET_RETURN_IF_ERROR(run_raw());
      }
    }
    report.points.push_back(std::move(point));
  }
  return report;
}

}  // namespace signet::hsm
