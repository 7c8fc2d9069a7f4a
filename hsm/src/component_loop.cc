// The component loop (signet/hsm/component_bench.h). Like raw_sign_loop.cc it calls the module's
// function list directly, with no signet wrapper, pool or Result in the timed part: it is the
// baseline the engine is divided by, so it must carry nothing the engine could be blamed for.
#include <atomic>
#include <cstring>
#include <latch>
#include <mutex>
#include <thread>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "signet/hsm/component_bench.h"
#include "signet/hsm/secret.h"
#include "signet/hsm/token.h"

#include "p11.h"
#include "raw_sign_loop.h"

namespace signet::hsm {
namespace {

// The first failure of any thread, reported once.
struct LoopFailure {
  std::mutex mutex;
  std::string error;
  CK_RV rv = CKR_OK;
  std::atomic<bool> failed{false};
  void report(const std::string& what, CK_RV code) {
    const std::lock_guard lock(mutex);
    if (error.empty()) {
      error = what;
      rv = code;
    }
    failed = true;
  }
};

// One thread's session, login and key handle (outside the clock); CK_INVALID_HANDLE on failure.
CK_OBJECT_HANDLE open_key_session(const RawLoopSpec& spec, CK_SESSION_HANDLE& session,
                                  LoopFailure& failure) {
  CK_RV rv = spec.fn->C_OpenSession(spec.slot, CKF_SERIAL_SESSION, nullptr, nullptr, &session);
  if (rv != CKR_OK) {
    failure.report("C_OpenSession returned CK_RV " + std::to_string(rv), rv);
    return CK_INVALID_HANDLE;
  }
  auto* pin = reinterpret_cast<CK_UTF8CHAR*>(const_cast<char*>(spec.pin.data()));  // NOLINT
  rv = spec.fn->C_Login(session, CKU_USER, pin, spec.pin.size());
  if (rv != CKR_OK && rv != CKR_USER_ALREADY_LOGGED_IN) {
    failure.report("C_Login returned CK_RV " + std::to_string(rv), rv);
    return CK_INVALID_HANDLE;
  }
  CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
  std::vector<CK_BYTE> label = spec.label;
  std::vector<CK_BYTE> id = spec.id;
  std::vector<CK_ATTRIBUTE> tmpl{{CKA_CLASS, &cls, sizeof cls},
                                 {CKA_LABEL, label.data(), label.size()}};
  if (!id.empty()) tmpl.push_back({CKA_ID, id.data(), id.size()});
  CK_OBJECT_HANDLE key = CK_INVALID_HANDLE;
  CK_ULONG found = 0;
  spec.fn->C_FindObjectsInit(session, tmpl.data(), tmpl.size());
  spec.fn->C_FindObjects(session, &key, 1, &found);
  spec.fn->C_FindObjectsFinal(session);
  if (found != 1) {
    failure.report("C_FindObjects: the key was not found", CKR_OK);
    return CK_INVALID_HANDLE;
  }
  return key;
}

// One verification of a CSR's proof of possession (RFC 2986 §3, ecdsa-with-SHA256 or
// sha256WithRSAEncryption): the per-certificate CPU cost the engine pays in Csr::parse.
bool verify_proof(EVP_MD_CTX* ctx, const PossessionProof& proof) {
  EVP_MD_CTX_reset(ctx);
  return EVP_DigestVerifyInit_ex(ctx, nullptr, "SHA256", nullptr, nullptr, proof.key.get(),
                                 nullptr) == 1 &&
         EVP_DigestVerify(ctx, proof.signature.data(), proof.signature.size(),
                          proof.signed_data.data(), proof.signed_data.size()) == 1;
}

double component_loop(const RawLoopSpec& spec, const std::vector<PossessionProof>& proofs,
                      std::size_t threads, std::chrono::milliseconds duration,
                      LoopFailure& failure) {
  std::atomic<std::uint64_t> total{0};
  std::latch ready(static_cast<std::ptrdiff_t>(threads));
  std::atomic<bool> go{false};
  std::chrono::steady_clock::time_point deadline;
  std::vector<std::thread> workers;
  for (std::size_t t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      CK_SESSION_HANDLE session = CK_INVALID_HANDLE;
      const CK_OBJECT_HANDLE key = open_key_session(spec, session, failure);
      const ossl::EvpMdCtxPtr ctx(EVP_MD_CTX_new());
      ready.count_down();
      if (key == CK_INVALID_HANDLE || !ctx) {
        if (!ctx) failure.report("EVP_MD_CTX_new failed", CKR_HOST_MEMORY);
        if (session != CK_INVALID_HANDLE) spec.fn->C_CloseSession(session);
        return;
      }
      while (!go.load()) std::this_thread::yield();
      std::vector<CK_BYTE> input(spec.input_size, 0x3c);
      std::vector<CK_BYTE> signature(spec.signature_size);
      CK_MECHANISM mech{spec.mechanism, nullptr, 0};
      std::uint64_t count = 0;
      // Threads start at different proofs so no two verify the same request at once.
      std::size_t next = t * proofs.size() / threads;
      while (!failure.failed && std::chrono::steady_clock::now() < deadline) {
        if (!verify_proof(ctx.get(), proofs[next])) {
          failure.report("EVP_DigestVerify refused proof " + std::to_string(next) + ": " +
                             ossl::drain_errors(),
                         CKR_GENERAL_ERROR);
          break;
        }
        next = next + 1 == proofs.size() ? 0 : next + 1;
        const std::uint64_t tag = (static_cast<std::uint64_t>(t) << 48U) ^ count;
        std::memcpy(input.data() + input.size() - sizeof tag, &tag, sizeof tag);
        CK_ULONG len = signature.size();
        CK_RV rv = spec.fn->C_SignInit(session, &mech, key);
        if (rv == CKR_OK) {
          rv = spec.fn->C_Sign(session, input.data(), input.size(), signature.data(), &len);
        }
        if (rv != CKR_OK) {
          failure.report("C_SignInit/C_Sign returned CK_RV " + std::to_string(rv), rv);
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
  return failure.failed ? -1 : static_cast<double>(total.load()) / seconds;
}

}  // namespace

Result<std::vector<PossessionProof>> possession_proofs(const std::vector<Bytes>& csrs) {
  std::vector<PossessionProof> out;
  out.reserve(csrs.size());
  const ossl::EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx) return fail(ErrorCode::kResourceExhausted, "EVP_MD_CTX_new failed");
  for (std::size_t i = 0; i < csrs.size(); ++i) {
    const unsigned char* p = csrs[i].data();
    const ossl::X509ReqPtr req(d2i_X509_REQ(nullptr, &p, static_cast<long>(csrs[i].size())));
    const auto refuse = [&](const std::string& why) {
      return fail(ErrorCode::kInvalidArgument, "component loop: CSR " + std::to_string(i) + " " +
                                                   why + ": " + ossl::drain_errors());
    };
    if (!req) return refuse("does not parse");
    PossessionProof proof;
    proof.key.reset(X509_REQ_get_pubkey(req.get()));  // get1: owned
    unsigned char* tbs = nullptr;
    const int tbs_len = i2d_re_X509_REQ_tbs(req.get(), &tbs);
    const ossl::BufferPtr tbs_owner(tbs);
    const ASN1_BIT_STRING* sig = nullptr;
    X509_REQ_get0_signature(req.get(), &sig, nullptr);
    if (!proof.key || tbs_len <= 0 || sig == nullptr) return refuse("has no key or signature");
    proof.signed_data.assign(tbs, tbs + tbs_len);
    const unsigned char* sig_data = ASN1_STRING_get0_data(sig);
    proof.signature.assign(sig_data, sig_data + ASN1_STRING_length(sig));
    if (!verify_proof(ctx.get(), proof)) return refuse("fails its proof of possession");
    out.push_back(std::move(proof));
  }
  if (out.empty()) return fail(ErrorCode::kInvalidArgument, "component loop: no CSRs");
  return out;
}

Result<double> component_rate(const std::string& module_path, const Pkcs11Uri& uri,
                              const std::vector<PossessionProof>& proofs, std::size_t threads,
                              std::chrono::milliseconds duration) {
  if (proofs.empty() || threads == 0) {
    return fail(ErrorCode::kInvalidArgument, "component loop: needs proofs and threads");
  }
  SIGNET_ASSIGN_OR_RETURN(const auto keys, list_keys(module_path, uri));
  if (keys.size() != 1) {
    return fail(ErrorCode::kInvalidArgument,
                "component loop: the URI must name exactly one private key, found " +
                    std::to_string(keys.size()));
  }
  const KeyDescription& key = keys.front();
  if (key.key.type == KeyType::kEd25519) {
    return fail(ErrorCode::kInvalidArgument,
                "component loop: Ed25519 keys are not supported (RSA and ECDSA keys are)");
  }
  if (!uri.pin_source) {
    return fail(ErrorCode::kInvalidArgument, "component loop: the key URI needs ?pin-source=");
  }
  SIGNET_ASSIGN_OR_RETURN(auto module, p11::Module::load(module_path));
  SIGNET_ASSIGN_OR_RETURN(const p11::Slot slot, p11::find_token(*module, uri));
  SIGNET_ASSIGN_OR_RETURN(const SecretString pin, read_pin(*uri.pin_source));
  const SignatureAlgorithm alg = default_signature_algorithm(key.key.type);
  const std::size_t digest_size = digest_of(alg) == DigestAlgorithm::kSha384 ? 48 : 32;
  RawLoopSpec spec;
  spec.fn = module->fn();
  spec.slot = slot.id;
  spec.pin = pin.reveal();
  spec.label.assign(key.label.begin(), key.label.end());
  spec.id = key.id;
  if (key.key.type == KeyType::kRsa) {
    spec.mechanism = CKM_RSA_PKCS;
    spec.input_size = 19 + digest_size;  // DigestInfo prefix + SHA-256 (RFC 8017 §9.2)
    spec.signature_size = (key.key.bits + 7) / 8;
  } else {
    spec.mechanism = CKM_ECDSA;
    spec.input_size = digest_size;
    spec.signature_size = 2 * ((key.key.bits + 7) / 8);
  }
  LoopFailure failure;
  const double rate = component_loop(spec, proofs, threads, duration, failure);
  if (rate < 0) {
    return fail(failure.rv == CKR_OK ? ErrorCode::kNotFound : p11::classify(failure.rv),
                "component loop: " + failure.error);
  }
  return rate;
}

}  // namespace signet::hsm
