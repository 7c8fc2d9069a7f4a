// The token's raw signing ceiling against the engine's Signer, as Google Benchmark suites: the
// same ground as `signet bench hsm`, for runs that want Google Benchmark's repetitions and
// interleaving. A fresh SoftHSM token is made in a temporary directory at start-up, with a
// P-256 and an RSA-2048 key generated inside it.
//
//   signet_bench_hsm --benchmark_repetitions=5 --benchmark_enable_random_interleaving=true
//                    --benchmark_report_aggregates_only=true   (one command line)
//
// Read the ratio of the medians of BM_Engine* to BM_Raw* at the same thread count.
// BM_Raw* use no signet code: each thread opens its own session, logs in, finds the key object
// by its label (the same token object the engine signs with) and calls C_SignInit + C_Sign on a
// distinct digest per call. Setup happens before the timed loop on both sides.
#include <dlfcn.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>
#include <p11-kit/pkcs11.h>

#include "signet/hsm/pkcs11_uri.h"
#include "signet/hsm/secret.h"
#include "signet/hsm/token.h"

namespace {

constexpr const char* kModule = "/usr/lib/softhsm/libsofthsm2.so";
constexpr const char* kLabel = "bench";
constexpr const char* kPin = "bench-pin-4821";

struct Key {
  const char* object;
  signet::KeySpec spec;
  CK_MECHANISM_TYPE mechanism;
  std::size_t input_size;  // what C_Sign receives: a digest, or DigestInfo + digest for RSA
  std::size_t signature_size;
  std::unique_ptr<signet::Signer> signer;  // the engine side, opened once
};

// The token, made once for the whole run.
struct Token {
  std::filesystem::path dir;
  std::filesystem::path pin_file;
  CK_FUNCTION_LIST* fn = nullptr;  // the raw loops' own view of the module
  CK_SLOT_ID slot = 0;
  Key ec{"p256", {signet::KeyType::kEcP256, 0}, CKM_ECDSA, 32, 64, nullptr};
  Key rsa{"rsa2048", {signet::KeyType::kRsa, 2048}, CKM_RSA_PKCS, 51, 256, nullptr};
  std::string error;

  Token() {
    char tmpl[] = "/tmp/signet-bench-hsm-XXXXXX";  // NOLINT(modernize-avoid-c-arrays)
    if (::mkdtemp(tmpl) == nullptr) {
      error = "mkdtemp failed";
      return;
    }
    dir = tmpl;
    std::filesystem::create_directories(dir / "tokens");
    std::ofstream(dir / "softhsm2.conf") << "directories.tokendir = " << (dir / "tokens").string()
                                         << "\nobjectstore.backend = file\nlog.level = ERROR\n";
    pin_file = dir / "pin";
    std::ofstream(pin_file) << kPin;
    std::filesystem::permissions(
        pin_file, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    ::setenv("SOFTHSM2_CONF", (dir / "softhsm2.conf").c_str(), 1);
    if (auto s = signet::hsm::init_token(kModule, kLabel, signet::hsm::SecretString("so-pin-7310"),
                                         signet::hsm::SecretString(kPin));
        !s) {
      error = s.error().message();
      return;
    }
    for (Key* k : {&ec, &rsa}) {
      auto uri = signet::hsm::Pkcs11Uri::parse(std::string("pkcs11:token=") + kLabel + ";object=" +
                                               k->object + "?pin-source=file:" + pin_file.string());
      if (!uri) {
        error = uri.error().message();
        return;
      }
      if (auto g = signet::hsm::generate_key(kModule, *uri, k->spec); !g) {
        error = g.error().message();
        return;
      }
      // Opening the engine first makes signet's registry the one that calls C_Initialize; the
      // raw side then shares the initialised module (CKR_CRYPTOKI_ALREADY_INITIALIZED).
      signet::hsm::SignerOptions options;
      options.max_sessions = 8;
      auto signer = signet::hsm::open_signer(kModule, *uri, options);
      if (!signer) {
        error = signer.error().message();
        return;
      }
      k->signer = std::move(*signer);
    }
    open_raw_view();
  }

  void open_raw_view() {
    void* handle = ::dlopen(kModule, RTLD_NOW | RTLD_LOCAL);
    auto* get_list = reinterpret_cast<CK_C_GetFunctionList>(  // NOLINT
        handle == nullptr ? nullptr : ::dlsym(handle, "C_GetFunctionList"));
    if (get_list == nullptr || get_list(&fn) != CKR_OK) {
      error = "cannot load " + std::string(kModule);
      return;
    }
    CK_SLOT_ID slots[16];  // NOLINT(modernize-avoid-c-arrays)
    CK_ULONG count = 16;
    fn->C_GetSlotList(CK_TRUE, slots, &count);
    for (CK_ULONG i = 0; i < count; ++i) {
      CK_TOKEN_INFO info{};
      if (fn->C_GetTokenInfo(slots[i], &info) != CKR_OK) continue;
      const std::string label(reinterpret_cast<const char*>(info.label), sizeof info.label);
      if (label.rfind(kLabel, 0) == 0 &&
          label.find_first_not_of(' ', std::strlen(kLabel)) == std::string::npos) {
        slot = slots[i];
        return;
      }
    }
    error = "token not found by the raw view";
  }

  ~Token() {
    for (Key* k : {&ec, &rsa}) k->signer.reset();
    std::error_code ec_ignored;
    std::filesystem::remove_all(dir, ec_ignored);
  }
  Token(const Token&) = delete;
  Token& operator=(const Token&) = delete;
  Token(Token&&) = delete;
  Token& operator=(Token&&) = delete;
};

Token& token() {
  static Token t;
  return t;
}

Key& key_for(int which) {
  return which == 0 ? token().ec : token().rsa;
}

void BM_RawCSign(benchmark::State& state) {
  Token& t = token();
  if (!t.error.empty()) return state.SkipWithError(t.error.c_str());
  const Key& k = key_for(static_cast<int>(state.range(0)));
  CK_SESSION_HANDLE session = 0;
  if (t.fn->C_OpenSession(t.slot, CKF_SERIAL_SESSION, nullptr, nullptr, &session) != CKR_OK) {
    return state.SkipWithError("C_OpenSession failed");
  }
  std::string pin(kPin);
  const CK_RV login = t.fn->C_Login(session, CKU_USER,
                                    reinterpret_cast<CK_UTF8CHAR*>(pin.data()),  // NOLINT
                                    pin.size());
  if (login != CKR_OK && login != CKR_USER_ALREADY_LOGGED_IN) {
    t.fn->C_CloseSession(session);
    return state.SkipWithError("C_Login failed");
  }
  CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
  std::string label(k.object);
  CK_ATTRIBUTE tmpl[] = {{CKA_CLASS, &cls, sizeof cls},  // NOLINT(modernize-avoid-c-arrays)
                         {CKA_LABEL, label.data(), label.size()}};
  CK_OBJECT_HANDLE key = 0;
  CK_ULONG found = 0;
  t.fn->C_FindObjectsInit(session, tmpl, 2);
  t.fn->C_FindObjects(session, &key, 1, &found);
  t.fn->C_FindObjectsFinal(session);
  if (found != 1) {
    t.fn->C_CloseSession(session);
    return state.SkipWithError("key not found");
  }
  std::vector<CK_BYTE> input(k.input_size, 0x5a);
  std::vector<CK_BYTE> signature(k.signature_size);
  CK_MECHANISM mech{k.mechanism, nullptr, 0};
  std::uint64_t count = static_cast<std::uint64_t>(state.thread_index()) << 48U;
  for (auto _ : state) {
    ++count;  // a distinct input every call
    std::memcpy(input.data() + input.size() - sizeof count, &count, sizeof count);
    CK_ULONG len = signature.size();
    CK_RV rv = t.fn->C_SignInit(session, &mech, key);
    if (rv == CKR_OK)
      rv = t.fn->C_Sign(session, input.data(), input.size(), signature.data(), &len);
    if (rv != CKR_OK) {
      state.SkipWithError("C_SignInit/C_Sign failed");
      break;
    }
    benchmark::DoNotOptimize(signature.data());
  }
  t.fn->C_CloseSession(session);
  state.SetItemsProcessed(state.iterations());
}

void BM_EngineSign(benchmark::State& state) {
  Token& t = token();
  if (!t.error.empty()) return state.SkipWithError(t.error.c_str());
  signet::Signer& signer = *key_for(static_cast<int>(state.range(0))).signer;
  signet::Bytes digest(32, 0x5a);
  std::uint64_t count = static_cast<std::uint64_t>(state.thread_index()) << 48U;
  for (auto _ : state) {
    ++count;
    std::memcpy(digest.data() + digest.size() - sizeof count, &count, sizeof count);
    auto sig = signer.sign(digest);
    if (!sig) {
      state.SkipWithError(sig.error().message().c_str());
      break;
    }
    benchmark::DoNotOptimize(sig->data());
  }
  state.SetItemsProcessed(state.iterations());
}

// Arg 0: P-256, 1: RSA-2048. Real time: the token's threads do the work.
BENCHMARK(BM_RawCSign)->ArgName("rsa")->Arg(0)->Arg(1)->ThreadRange(1, 4)->UseRealTime();
BENCHMARK(BM_EngineSign)->ArgName("rsa")->Arg(0)->Arg(1)->ThreadRange(1, 4)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
