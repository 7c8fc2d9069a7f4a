// POST /v1/sign/batch (issue 7 item 3): N sign requests in one call, N results in input order.
//   {"requests": [{"id": "a", "csr": "-----BEGIN CERTIFICATE REQUEST-----...", "profile": "p",
//                  "ca": "kubernetes"}, ...]}
//   {"results": [{"id": "a", "certificate": "PEM"}, {"id": "b", "error": {"code", "message"}}]}
// A malformed body, more than kMaxItems requests, an unauthenticated caller or one over its
// rate limit fail the whole call with nothing issued; anything wrong with one item (its JSON,
// its CSR, its profile, the caller's grant for it, its signature) is that item's error only.
// All the batch's signatures are in flight at once (Signer::submit: the token signer spreads them
// over its sessions), then every certificate is recorded (IssuanceRecorder::record_all: one
// group commit for the lot with the ledger) before the answer.
#include <condition_variable>
#include <exception>
#include <initializer_list>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "signet/core/bytes.h"
#include "signet/core/pem.h"

#include "authorization.h"
#include "cfssl_envelope.h"
#include "issuance_path.h"
#include "metrics.h"
#include "service.h"

namespace signet::serve {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxItems = 1000;
constexpr std::size_t kMaxIdLength = 256;
constexpr const char* kEndpoint = "/v1/sign/batch";

struct Item {
  json id;  // echoed as given (a string or an integer), null when absent
  std::optional<Refusal> error;
  std::optional<PendingIssue> pending;
  Result<Bytes> signature;
  std::chrono::nanoseconds sign_time{0};
};

// One element of "requests": its id, then (unless the item is malformed) authorisation and the
// profile's checks. The id is read first so that even a malformed item's error carries it.
void prepare_item(const Service& service, const Caller& caller, const json& j, std::size_t index,
                  std::chrono::system_clock::time_point now, Item& item) {
  const std::string where = "requests[" + std::to_string(index) + "]";
  const auto fail_item = [&](unsigned status, int code, const std::string& message) {
    item.error = Refusal{status, code, where + ": " + message};
  };
  if (!j.is_object()) return fail_item(400, 400, "must be an object");
  if (const auto id = j.find("id"); id != j.end()) {
    if (id->is_number_integer() ||
        (id->is_string() && id->get_ref<const std::string&>().size() <= kMaxIdLength)) {
      item.id = *id;
    } else {
      return fail_item(400, 400, "\"id\" must be an integer or a string of at most 256 bytes");
    }
  }
  for (const auto& [key, value] : j.items()) {
    if (key != "id" && key != "csr" && key != "profile" && key != "ca") {
      return fail_item(400, 400,
                       "unknown field \"" + key.substr(0, 32) + "\" (known: id, csr, profile, ca)");
    }
  }
  std::string csr;
  std::string profile;
  std::string ca;
  using Field = std::pair<const char*, std::string*>;
  for (const auto& [key, out] :
       std::initializer_list<Field>{{"csr", &csr}, {"profile", &profile}, {"ca", &ca}}) {
    const auto it = j.find(key);
    if (it == j.end() || it->is_null()) continue;
    if (!it->is_string())
      return fail_item(400, 400, std::string("\"") + key + "\" must be a string");
    *out = it->get<std::string>();
  }
  if (csr.empty()) return fail_item(400, 400, "missing \"csr\" (a PEM CERTIFICATE REQUEST)");
  auto authorized = authorize(caller, ca, profile, service.cas, service.profiles);
  if (!authorized) {
    return fail_item(authorized.error().status, authorized.error().code,
                     authorized.error().message);
  }
  auto pending = prepare_issue(*authorized, as_bytes(csr), {}, now);
  if (!pending) {
    return fail_item(pending.error().status, pending.error().code, pending.error().message);
  }
  item.pending = std::move(*pending);
}

// Every prepared item's signature submitted at once; returns when all have completed. If submit
// throws (thread creation or allocation failing in the signer), the signatures already in flight
// are still waited for, since their callbacks point into this frame, and the items not
// submitted get a retryable error.
void sign_all(std::vector<Item>& items) {
  std::mutex mutex;
  std::condition_variable all_done;
  std::size_t outstanding = 0;
  bool stopped = false;
  for (auto& item : items) {
    if (!item.pending) continue;
    if (stopped) {
      item.signature = fail(ErrorCode::kUnavailable, "signer: the batch's submission failed");
      continue;
    }
    Signer& signer = *item.pending->authorized.ca->signer;
    const auto start = std::chrono::steady_clock::now();
    {
      const std::lock_guard lock(mutex);
      ++outstanding;
    }
    try {
      signer.submit(item.pending->prepared.signing_input,
                    [&item, &mutex, &all_done, &outstanding, start](Result<Bytes> signature) {
                      item.signature = std::move(signature);
                      item.sign_time = std::chrono::steady_clock::now() - start;
                      // Notified under the lock: the waiter cannot return (and the stack these
                      // references point into cannot end) before this callback is done with them.
                      const std::lock_guard lock(mutex);
                      if (--outstanding == 0) all_done.notify_one();
                    });
    } catch (const std::exception& e) {
      {
        const std::lock_guard lock(mutex);
        --outstanding;
      }
      item.signature = fail(ErrorCode::kUnavailable, std::string("signer: ") + e.what());
      stopped = true;
    }
  }
  std::unique_lock lock(mutex);
  all_done.wait(lock, [&] { return outstanding == 0; });
}

}  // namespace

Response sign_batch(const Service& service, const Request& request) {
  auto caller = mtls_client(service, request, "sign batch");
  if (!caller) return cfssl_failure(caller.error());
  const json body = json::parse(request.body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) {
    return cfssl_failure({400, 400, "sign batch: the body is not a JSON object"});
  }
  for (const auto& [key, value] : body.items()) {
    if (key != "requests") {
      return cfssl_failure(
          {400, 400, "sign batch: unknown field \"" + key.substr(0, 32) + "\" (known: requests)"});
    }
  }
  const auto requests = body.find("requests");
  if (requests == body.end() || !requests->is_array() || requests->empty()) {
    return cfssl_failure({400, 400, "sign batch: \"requests\" must be a non-empty array"});
  }
  if (requests->size() > kMaxItems) {
    return cfssl_failure({413, 413,
                          "sign batch: " + std::to_string(requests->size()) +
                              " requests, at most " + std::to_string(kMaxItems) + " per call"});
  }
  if (auto limited = rate_limited(service, *caller, requests->size())) return *limited;

  const auto now = std::chrono::system_clock::now();
  std::vector<Item> items(requests->size());
  for (std::size_t i = 0; i < items.size(); ++i) {
    prepare_item(service, *caller, (*requests)[i], i, now, items[i]);
  }
  sign_all(items);
  // Certified items, then all recorded together before any is returned.
  std::vector<IssuanceRecord> records;
  std::vector<std::size_t> record_of(items.size(), items.size());
  for (std::size_t i = 0; i < items.size(); ++i) {
    Item& item = items[i];
    if (!item.pending) continue;
    auto record = certify(service, *caller, std::move(*item.pending), item.signature,
                          item.sign_time, kEndpoint, now);
    if (!record) {
      item.error = record.error();
      continue;
    }
    record_of[i] = records.size();
    records.push_back(std::move(*record));
  }
  const auto refused = record_issued(service, records);
  json results = json::array();
  for (std::size_t i = 0; i < items.size(); ++i) {
    Item& item = items[i];
    if (record_of[i] < records.size()) {
      if (!refused[record_of[i]]) {
        results.push_back(
            {{"id", item.id},
             {"certificate", pem_encode("CERTIFICATE", records[record_of[i]].certificate.der)}});
        continue;
      }
      item.error = refused[record_of[i]];
    }
    // Every item not issued has its error (prepare_item sets one or the other).
    const Refusal error = item.error.value_or(Refusal{500, 500, "no result for this item"});
    service.metrics.error(Metrics::error_class(error.status));
    results.push_back(
        {{"id", item.id}, {"error", {{"code", error.code}, {"message", error.message}}}});
  }
  const json answer = {{"results", std::move(results)}};
  return Response{200, answer.dump(-1, ' ', false, json::error_handler_t::replace),
                  "application/json", std::nullopt};
}

}  // namespace signet::serve
