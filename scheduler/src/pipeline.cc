#include "signet/scheduler/pipeline.h"

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <utility>

#include <oneapi/tbb/flow_graph.h>
#include <oneapi/tbb/task_arena.h>

namespace signet::scheduler {
namespace {

namespace flow = oneapi::tbb::flow;

// One item on its way through the graph. Owned by the graph from the source to the sink, which
// deletes it: flow-graph messages are copied, so they travel as plain pointers.
struct Slot {
  std::uint64_t sequence = 0;
  std::string id;
  std::unique_ptr<ItemWork> work;
  Bytes input;            // what the signer signs (kept for a resubmission)
  Result<Bytes> state{};  // the signer input, then the signature, then the output; or the error
  int attempts = 0;
};

// Runs a stage of the item's own work; an exception (bad_alloc, a bug) becomes that item's error
// instead of cancelling the graph and every other item with it.
template <typename F>
Result<Bytes> guarded(const char* stage, F&& f) {
  try {
    return f();
  } catch (const std::exception& e) {
    return fail(ErrorCode::kInternal, std::string(stage) + " threw: " + e.what());
  } catch (...) {
    return fail(ErrorCode::kInternal, std::string(stage) + " threw a non-standard exception");
  }
}

}  // namespace

Result<PipelineStats> run_pipeline(const ItemSource& source, Signer& signer, const ItemSink& sink,
                                   const PipelineOptions& options) {
  const std::size_t limit = std::max<std::size_t>(options.max_in_flight, 1);
  const int attempts = std::max(options.sign_attempts, 1);
  PipelineStats stats;
  std::atomic<bool> stop{false};
  std::atomic<std::size_t> in_flight{0};
  std::atomic<std::size_t> peak{0};
  std::optional<Error> run_error;  // the sink's or the source's; written by one thread at a time
  std::uint64_t next_sequence = 0;
  const auto start = std::chrono::steady_clock::now();

  auto run_graph = [&] {
    flow::graph g;
    flow::input_node<Slot*> read(g, [&](oneapi::tbb::flow_control& control) -> Slot* {
      if (stop.load(std::memory_order_relaxed)) {
        control.stop();
        return nullptr;
      }
      std::optional<PipelineItem> item;
      try {
        item = source();
      } catch (const std::exception& e) {
        run_error =
            Error(ErrorCode::kInternal, std::string("reading the input threw: ") + e.what());
      }
      if (!item) {
        control.stop();
        return nullptr;
      }
      auto slot = std::make_unique<Slot>();
      slot->sequence = next_sequence++;
      slot->id = std::move(item->id);
      if (item->work) {
        slot->work = std::move(*item->work);
      } else {
        slot->state = fail(item->work.error());
      }
      const std::size_t now = in_flight.fetch_add(1, std::memory_order_relaxed) + 1;
      std::size_t seen = peak.load(std::memory_order_relaxed);
      while (now > seen && !peak.compare_exchange_weak(seen, now, std::memory_order_relaxed)) {
      }
      return slot.release();
    });
    // The bound on items in flight: the sink gives a place back for every item it takes. The
    // source holds one item read ahead while the gate is shut, hence limit - 1.
    flow::limiter_node<Slot*> gate(g, std::max<std::size_t>(limit - 1, 1));
    const auto prepare_body = [](Slot* s) {
      if (s->state && s->work) {
        s->state = guarded("prepare", [&] { return s->work->prepare(); });
        if (s->state) s->input = std::move(*s->state);
      }
      return s;
    };
    const auto finish_body = [](Slot* s) {
      if (s->state && s->work) {
        s->state = guarded("finish", [&] { return s->work->finish(std::move(*s->state)); });
      }
      s->work.reset();  // the item's memory goes as soon as its output exists
      return s;
    };
    flow::function_node<Slot*, Slot*> prepare(g, flow::unlimited, prepare_body);
    using SignNode = flow::async_node<Slot*, Slot*>;
    // The signer's completion runs on its own thread and hands the item back to the graph
    // through the gateway; no worker waits for the token.
    SignNode* self = nullptr;
    SignNode sign(g, flow::unlimited, [&](Slot* s, SignNode::gateway_type& gateway) {
      if (!s->state) {
        gateway.try_put(s);
        return;
      }
      ++s->attempts;
      gateway.reserve_wait();
      signer.submit(s->input, [s, &gateway, self, attempts](Result<Bytes> signature) {
        if (!signature && signature.error().retry() == Retry::kCall && s->attempts < attempts) {
          self->try_put(s);  // once more, from a worker (the node's body submits again)
        } else {
          s->state = std::move(signature);
          gateway.try_put(s);
        }
        gateway.release_wait();
      });
    });
    self = &sign;
    flow::function_node<Slot*, Slot*> finish(g, flow::unlimited, finish_body);
    // sign_inline: the three stages above as one task, signing with the blocking sign().
    flow::function_node<Slot*, Slot*> inline_all(g, flow::unlimited, [&](Slot* s) {
      prepare_body(s);
      for (int attempt = 1; s->state; ++attempt) {
        auto signature = guarded("sign", [&] { return signer.sign(s->input); });
        if (!signature && signature.error().retry() == Retry::kCall && attempt < attempts) {
          continue;
        }
        s->state = std::move(signature);
        break;
      }
      return finish_body(s);
    });
    flow::sequencer_node<Slot*> order(g, [](Slot* const& s) { return s->sequence; });
    flow::function_node<Slot*, flow::continue_msg> deliver(g, flow::serial, [&](Slot* raw) {
      const std::unique_ptr<Slot> s(raw);
      ++stats.items;
      if (!s->state) ++stats.errors;
      if (!stop.load(std::memory_order_relaxed)) {
        Status taken;
        try {
          taken = sink(ItemResult{s->sequence, std::move(s->id), std::move(s->state)});
        } catch (const std::exception& e) {
          taken = fail(ErrorCode::kInternal, std::string("writing a result threw: ") + e.what());
        }
        if (!taken) {
          run_error = taken.error();
          stop = true;
        }
      }
      in_flight.fetch_sub(1, std::memory_order_relaxed);
      return flow::continue_msg();
    });
    flow::make_edge(read, gate);
    if (options.sign_inline) {
      flow::make_edge(gate, inline_all);
      flow::make_edge(inline_all, order);
    } else {
      flow::make_edge(gate, prepare);
      flow::make_edge(prepare, sign);
      flow::make_edge(sign, finish);
      flow::make_edge(finish, order);
    }
    flow::make_edge(order, deliver);
    flow::make_edge(deliver, gate.decrementer());
    read.activate();
    g.wait_for_all();
  };

  if (options.cpu_threads == 0) {
    run_graph();
  } else {
    oneapi::tbb::task_arena arena(static_cast<int>(options.cpu_threads));
    arena.execute(run_graph);
  }
  stats.peak_in_flight = peak.load();
  stats.elapsed = std::chrono::duration_cast<std::chrono::nanoseconds>(
      std::chrono::steady_clock::now() - start);
  if (run_error) return fail(std::move(*run_error));
  return stats;
}

}  // namespace signet::scheduler
