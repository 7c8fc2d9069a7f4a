// signet's PKCS#11 shim: a module that forwards to a real one and injects what a network or
// failing HSM does — latency per C_Sign, a session cap, faults and hangs. Tests and benchmarks
// load it in place of the real module. Configured by the environment, read once at the first
// C_GetFunctionList:
// clang-format off
//   SIGNET_SHIM_MODULE=PATH                 the real module (required)
//   SIGNET_SHIM_SIGN_LATENCY_US=N           added to every C_Sign
//   SIGNET_SHIM_MAX_SESSIONS=N              C_OpenSession beyond N returns CKR_SESSION_COUNT;
//                                           C_GetTokenInfo reports N as ulMaxSessionCount
//   SIGNET_SHIM_FAULT_RV=NAME|0xNN          what a faulty C_Sign returns (default CKR_DEVICE_ERROR)
//   SIGNET_SHIM_FAULT_EVERY=N               every Nth C_Sign fails, or
//   SIGNET_SHIM_FAULT_PROBABILITY=P         each C_Sign fails with probability P
//   SIGNET_SHIM_FAULT_HANG_MS=N             a faulty C_Sign first hangs N ms
//   SIGNET_SHIM_FAULT_SEED=N                seed for the probability (default 1)
//   SIGNET_SHIM_FAULT_AFTER=N               no fault in the first N C_Sign calls (self-tests)
//   SIGNET_SHIM_FAULT_COUNT=N               at most N faults, then the token recovers
//   SIGNET_SHIM_FAULT_TOKEN=LABEL           faults only on sessions of this token (one member
//                                           of an HA group failing while the others work)
// clang-format on
//
// A fault of CKR_USER_NOT_LOGGED_IN also logs the application out of the real token, and
// CKR_SESSION_HANDLE_INVALID/CKR_SESSION_CLOSED close the real session, so the engine meets the
// state a real failure leaves behind, not just a return code. The fault counter is process-wide.
#include <dlfcn.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <unordered_set>

#include <p11-kit/pkcs11.h>

namespace {

struct Config {
  std::string module;
  std::int64_t sign_latency_us = 0;
  std::int64_t max_sessions = 0;
  CK_RV fault_rv = CKR_DEVICE_ERROR;
  std::int64_t fault_every = 0;
  double fault_probability = 0;
  std::int64_t fault_hang_ms = 0;
  std::uint64_t seed = 1;
  std::string fault_token;  // empty: every token
  std::int64_t fault_after = 0;
  std::int64_t fault_count = 0;  // 0: no limit
};

const char* env(const char* name) {
  return std::getenv(name);
}  // NOLINT(concurrency-mt-unsafe)

std::int64_t env_int(const char* name) {
  const char* v = env(name);
  return v != nullptr ? std::strtoll(v, nullptr, 0) : 0;
}

CK_RV parse_rv(const char* text) {
  if (text == nullptr) return CKR_DEVICE_ERROR;
  const struct {
    const char* name;
    CK_RV rv;
  } known[] = {
      {"CKR_SESSION_HANDLE_INVALID", CKR_SESSION_HANDLE_INVALID},
      {"CKR_SESSION_CLOSED", CKR_SESSION_CLOSED},
      {"CKR_DEVICE_ERROR", CKR_DEVICE_ERROR},
      {"CKR_DEVICE_REMOVED", CKR_DEVICE_REMOVED},
      {"CKR_TOKEN_NOT_PRESENT", CKR_TOKEN_NOT_PRESENT},
      {"CKR_USER_NOT_LOGGED_IN", CKR_USER_NOT_LOGGED_IN},
      {"CKR_SESSION_COUNT", CKR_SESSION_COUNT},
      {"CKR_FUNCTION_FAILED", CKR_FUNCTION_FAILED},
      {"CKR_GENERAL_ERROR", CKR_GENERAL_ERROR},
  };
  for (const auto& n : known) {
    if (std::strcmp(n.name, text) == 0) return n.rv;
  }
  return static_cast<CK_RV>(std::strtoull(text, nullptr, 0));
}

Config g_config;                             // NOLINT: the module's state is process-wide by nature
CK_FUNCTION_LIST* g_real = nullptr;          // NOLINT
CK_FUNCTION_LIST g_shim{};                   // NOLINT
std::atomic<std::int64_t> g_sessions{0};     // NOLINT
std::atomic<std::uint64_t> g_sign_calls{0};  // NOLINT
std::mutex g_rng_mutex;                      // NOLINT
std::mt19937_64 g_rng;                       // NOLINT
std::mutex g_faulty_mutex;                   // NOLINT
std::unordered_set<CK_SESSION_HANDLE> g_faulty_sessions;  // NOLINT: sessions of fault_token

// CK_TOKEN_INFO.label is blank-padded, not NUL-terminated (PKCS#11 v2.40 §3.2).
bool slot_has_fault_token(CK_SLOT_ID slot) {
  CK_TOKEN_INFO info{};
  if (g_real->C_GetTokenInfo(slot, &info) != CKR_OK) return false;
  std::string label(reinterpret_cast<const char*>(info.label), sizeof info.label);  // NOLINT
  label.erase(label.find_last_not_of(' ') + 1);
  return label == g_config.fault_token;
}

bool session_may_fault(CK_SESSION_HANDLE session) {
  if (g_config.fault_token.empty()) return true;
  const std::lock_guard lock(g_faulty_mutex);
  return g_faulty_sessions.contains(session);
}

std::atomic<std::int64_t> g_faults{0};  // NOLINT

bool fault_now() {
  const std::uint64_t n = ++g_sign_calls;
  if (n <= static_cast<std::uint64_t>(g_config.fault_after)) return false;
  bool fault = false;
  if (g_config.fault_every > 0) {
    fault = n % static_cast<std::uint64_t>(g_config.fault_every) == 0;
  } else if (g_config.fault_probability > 0) {
    const std::lock_guard lock(g_rng_mutex);
    fault = std::uniform_real_distribution<double>(0, 1)(g_rng) < g_config.fault_probability;
  }
  if (fault && g_config.fault_count > 0 && ++g_faults > g_config.fault_count) return false;
  return fault;
}

CK_RV shim_open_session(CK_SLOT_ID slot, CK_FLAGS flags, void* app, CK_NOTIFY notify,
                        CK_SESSION_HANDLE* session) {
  if (g_config.max_sessions > 0 && ++g_sessions > g_config.max_sessions) {
    --g_sessions;
    return CKR_SESSION_COUNT;
  }
  const CK_RV rv = g_real->C_OpenSession(slot, flags, app, notify, session);
  if (rv != CKR_OK && g_config.max_sessions > 0) --g_sessions;
  if (rv == CKR_OK && !g_config.fault_token.empty() && slot_has_fault_token(slot)) {
    const std::lock_guard lock(g_faulty_mutex);
    g_faulty_sessions.insert(*session);
  }
  return rv;
}

CK_RV shim_close_session(CK_SESSION_HANDLE session) {
  {
    const std::lock_guard lock(g_faulty_mutex);
    g_faulty_sessions.erase(session);
  }
  const CK_RV rv = g_real->C_CloseSession(session);
  if (rv == CKR_OK && g_config.max_sessions > 0) --g_sessions;
  return rv;
}

CK_RV shim_close_all_sessions(CK_SLOT_ID slot) {
  const CK_RV rv = g_real->C_CloseAllSessions(slot);
  if (rv == CKR_OK) g_sessions = 0;
  if (rv == CKR_OK) {
    const std::lock_guard lock(g_faulty_mutex);
    g_faulty_sessions.clear();
  }
  return rv;
}

// Reports the cap as the token's ulMaxSessionCount, as an HSM with a session limit does, so
// callers can size their pools to it (PKCS#11 v2.40 §3.2 CK_TOKEN_INFO).
CK_RV shim_get_token_info(CK_SLOT_ID slot, CK_TOKEN_INFO* info) {
  const CK_RV rv = g_real->C_GetTokenInfo(slot, info);
  if (rv == CKR_OK && info != nullptr && g_config.max_sessions > 0) {
    info->ulMaxSessionCount = static_cast<CK_ULONG>(g_config.max_sessions);
    info->ulMaxRwSessionCount = static_cast<CK_ULONG>(g_config.max_sessions);
  }
  return rv;
}

CK_RV shim_sign(CK_SESSION_HANDLE session, CK_BYTE* data, CK_ULONG len, CK_BYTE* sig,
                CK_ULONG* sig_len) {
  if (g_config.sign_latency_us > 0) {
    std::this_thread::sleep_for(std::chrono::microseconds(g_config.sign_latency_us));
  }
  if (sig != nullptr && session_may_fault(session) && fault_now()) {
    if (g_config.fault_hang_ms > 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(g_config.fault_hang_ms));
    }
    // Leave behind the state the failure implies.
    if (g_config.fault_rv == CKR_USER_NOT_LOGGED_IN) static_cast<void>(g_real->C_Logout(session));
    if (g_config.fault_rv == CKR_SESSION_HANDLE_INVALID ||
        g_config.fault_rv == CKR_SESSION_CLOSED) {
      static_cast<void>(shim_close_session(session));
    }
    return g_config.fault_rv;
  }
  return g_real->C_Sign(session, data, len, sig, sig_len);
}

CK_RV shim_get_function_list(CK_FUNCTION_LIST** list);

CK_RV load() {
  if (g_real != nullptr) return CKR_OK;
  const char* module = env("SIGNET_SHIM_MODULE");
  if (module == nullptr) return CKR_GENERAL_ERROR;
  g_config.module = module;
  g_config.sign_latency_us = env_int("SIGNET_SHIM_SIGN_LATENCY_US");
  g_config.max_sessions = env_int("SIGNET_SHIM_MAX_SESSIONS");
  g_config.fault_rv = parse_rv(env("SIGNET_SHIM_FAULT_RV"));
  g_config.fault_every = env_int("SIGNET_SHIM_FAULT_EVERY");
  if (const char* p = env("SIGNET_SHIM_FAULT_PROBABILITY"))
    g_config.fault_probability = std::strtod(p, nullptr);
  g_config.fault_hang_ms = env_int("SIGNET_SHIM_FAULT_HANG_MS");
  if (const char* s = env("SIGNET_SHIM_FAULT_SEED")) g_config.seed = std::strtoull(s, nullptr, 0);
  if (const char* t = env("SIGNET_SHIM_FAULT_TOKEN")) g_config.fault_token = t;
  g_config.fault_after = env_int("SIGNET_SHIM_FAULT_AFTER");
  g_config.fault_count = env_int("SIGNET_SHIM_FAULT_COUNT");
  g_rng.seed(g_config.seed);
  void* handle = ::dlopen(module, RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) return CKR_GENERAL_ERROR;
  auto* get_list =
      reinterpret_cast<CK_C_GetFunctionList>(::dlsym(handle, "C_GetFunctionList"));  // NOLINT
  if (get_list == nullptr || get_list(&g_real) != CKR_OK || g_real == nullptr)
    return CKR_GENERAL_ERROR;
  g_shim = *g_real;                                   // forward everything ...
  g_shim.C_GetFunctionList = shim_get_function_list;  // ... except what the shim changes
  g_shim.C_OpenSession = shim_open_session;
  g_shim.C_CloseSession = shim_close_session;
  g_shim.C_CloseAllSessions = shim_close_all_sessions;
  g_shim.C_Sign = shim_sign;
  g_shim.C_GetTokenInfo = shim_get_token_info;
  return CKR_OK;
}

CK_RV shim_get_function_list(CK_FUNCTION_LIST** list) {
  static std::mutex m;
  const std::lock_guard lock(m);
  if (list == nullptr) return CKR_ARGUMENTS_BAD;
  const CK_RV rv = load();
  if (rv != CKR_OK) return rv;
  *list = &g_shim;
  return CKR_OK;
}

}  // namespace

extern "C" __attribute__((visibility("default"))) CK_RV C_GetFunctionList(CK_FUNCTION_LIST** list) {
  return shim_get_function_list(list);
}
