#include "raw_sign_loop.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <latch>
#include <mutex>
#include <thread>

namespace signet::hsm {

double raw_sign_rate(const RawLoopSpec& spec, std::size_t threads,
                     std::chrono::milliseconds duration, std::string& error, CK_RV& failed_rv) {
  std::atomic<std::uint64_t> total{0};
  std::atomic<bool> failed{false};
  std::mutex error_mutex;
  auto report = [&](const char* what, CK_RV rv) {
    const std::lock_guard lock(error_mutex);
    if (error.empty()) {
      error = std::string(what) + " returned CK_RV " + std::to_string(rv);
      failed_rv = rv;
    }
    failed = true;
  };
  // Timing starts when every thread has its session, login and key handle (setup is not the
  // token's signing rate), as in the engine loop.
  std::latch ready(static_cast<std::ptrdiff_t>(threads));
  std::atomic<bool> go{false};
  std::chrono::steady_clock::time_point deadline;
  std::vector<std::thread> workers;
  for (std::size_t t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      CK_SESSION_HANDLE session = 0;
      CK_RV rv = spec.fn->C_OpenSession(spec.slot, CKF_SERIAL_SESSION, nullptr, nullptr, &session);
      if (rv != CKR_OK) {
        report("C_OpenSession", rv);
        return ready.count_down();
      }
      // The PIN straight from the caller's wiped buffer: no copy of it is made here.
      auto* pin = reinterpret_cast<CK_UTF8CHAR*>(const_cast<char*>(spec.pin.data()));  // NOLINT
      rv = spec.fn->C_Login(session, CKU_USER, pin, spec.pin.size());
      if (rv != CKR_OK && rv != CKR_USER_ALREADY_LOGGED_IN) {
        spec.fn->C_CloseSession(session);
        report("C_Login", rv);
        return ready.count_down();
      }
      // The same token object the engine uses, found by this loop itself.
      CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
      std::vector<CK_BYTE> label = spec.label;
      std::vector<CK_BYTE> id = spec.id;
      std::vector<CK_ATTRIBUTE> tmpl{{CKA_CLASS, &cls, sizeof cls},
                                     {CKA_LABEL, label.data(), label.size()}};
      if (!id.empty()) tmpl.push_back({CKA_ID, id.data(), id.size()});
      CK_OBJECT_HANDLE key = 0;
      CK_ULONG found = 0;
      spec.fn->C_FindObjectsInit(session, tmpl.data(), tmpl.size());
      spec.fn->C_FindObjects(session, &key, 1, &found);
      spec.fn->C_FindObjectsFinal(session);
      if (found != 1) {
        spec.fn->C_CloseSession(session);
        report("C_FindObjects (key not found)", CKR_OK);
        return ready.count_down();
      }
      ready.count_down();
      while (!go.load()) std::this_thread::yield();
      std::vector<CK_BYTE> input(spec.input_size, 0x5a);
      std::vector<CK_BYTE> signature(spec.signature_size);
      CK_MECHANISM mech{spec.mechanism, nullptr, 0};
      std::uint64_t count = 0;
      while (!failed && std::chrono::steady_clock::now() < deadline) {
        // A distinct input every call: thread id and counter in the last bytes.
        const std::uint64_t tag = (static_cast<std::uint64_t>(t) << 48U) ^ count;
        std::memcpy(input.data() + input.size() - sizeof tag, &tag, sizeof tag);
        CK_ULONG len = signature.size();
        rv = spec.fn->C_SignInit(session, &mech, key);
        if (rv == CKR_OK)
          rv = spec.fn->C_Sign(session, input.data(), input.size(), signature.data(), &len);
        if (rv != CKR_OK) {
          report("C_SignInit/C_Sign", rv);
          break;
        }
        ++count;
      }
      total += count;
      spec.fn->C_CloseSession(session);
    });
  }
  ready.wait();
  const auto start = std::chrono::steady_clock::now();
  deadline = start + duration;
  go = true;
  for (auto& w : workers) w.join();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (failed) return -1;
  return static_cast<double>(total.load()) / seconds;
}

}  // namespace signet::hsm
