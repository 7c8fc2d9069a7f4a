// The signing pipeline: many requests in, one result per request out, in input order, with the
// CPU stages on worker threads and the signatures in flight on the token without parking a
// worker (a remote HSM answers in milliseconds: throughput = signatures in flight ÷ latency).
//
//   source ─► prepare (parallel: parse, verify, policy, build, hash)
//          ─► sign (Signer::submit; the completion re-enters the graph)
//          ─► finish (parallel: assemble) ─► order ─► sink (serial, input order)
//
// That is the default. With `sign_inline` (a token on this machine's CPUs) prepare, a blocking
// Signer::sign and finish are one task on the worker, and the worker does wait for the token.
//
// At most `max_in_flight` items live between the source and the sink, so memory does not grow
// with the input. A failure is that item's result; the rest go on (per-item results, never an
// exception across the graph: one in a oneTBB task would cancel every item).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "signet/core/bytes.h"
#include "signet/core/result.h"
#include "signet/core/signer.h"

namespace signet::scheduler {

// One request's work, split around its signature.
class ItemWork {
 public:
  ItemWork() = default;
  ItemWork(const ItemWork&) = delete;
  ItemWork& operator=(const ItemWork&) = delete;
  ItemWork(ItemWork&&) = delete;
  ItemWork& operator=(ItemWork&&) = delete;
  virtual ~ItemWork() = default;

  // On a worker thread: everything before the signature. Returns the signer's input (a digest,
  // or the message for Ed25519).
  [[nodiscard]] virtual Result<Bytes> prepare() = 0;
  // On a worker thread: the item's output (e.g. the Certificate DER) from its signature.
  [[nodiscard]] virtual Result<Bytes> finish(Bytes signature) = 0;
};

struct PipelineItem {
  std::string id;
  // The work, or the reason the item could not even be read (it still gets its result, in order).
  Result<std::unique_ptr<ItemWork>> work;
};

// The next item, or nullopt at the end of the input. Called by one thread at a time.
using ItemSource = std::function<std::optional<PipelineItem>()>;

struct ItemResult {
  std::uint64_t sequence = 0;  // 0-based position in the input
  std::string id;
  Result<Bytes> output;
};

// Called once per item, in input order, by one thread at a time. An error stops the pipeline:
// nothing more is read, the items in flight are finished and dropped, and run_pipeline returns
// that error (the sink could not take results: a full disk, a closed pipe).
using ItemSink = std::function<Status(ItemResult&&)>;

struct PipelineOptions {
  // Items between the source and the sink (at least 2). Enough to cover the signatures the token
  // can have in flight plus the CPU stages; each costs one request's memory.
  std::size_t max_in_flight = 512;
  // Worker threads for the CPU stages; 0: one per core.
  std::size_t cpu_threads = 0;
  // A signature that fails with a retry-the-call error (resource-exhausted, unavailable) after
  // the signer's own retries is submitted again, up to this many times in all.
  int sign_attempts = 3;
  // Sign with the blocking Signer::sign() on the CPU worker itself: prepare, sign and finish
  // as one task, with no hand-off to a session thread and back. For a token that signs on this
  // machine's own CPUs (SoftHSM): there the session threads and the workers compete for the
  // same cores, and each hand-off (a wake-up, a task spawn, a worker spinning for the next item)
  // costs CPU the token would have used. Give as many workers as sessions: a worker beyond the
  // sessions waits in the signer's session pool (up to its session wait, then a retryable
  // error, retried up to sign_attempts). Never for a remote token: a worker would wait out the
  // token's latency, which is what submit() avoids.
  bool sign_inline = false;
};

struct PipelineStats {
  std::uint64_t items = 0;
  std::uint64_t errors = 0;
  std::size_t peak_in_flight = 0;
  std::chrono::nanoseconds elapsed{};
};

[[nodiscard]] Result<PipelineStats> run_pipeline(const ItemSource& source, Signer& signer,
                                                 const ItemSink& sink,
                                                 const PipelineOptions& options = {});

}  // namespace signet::scheduler
