#include "pkcs11_signer.h"

#include <algorithm>
#include <array>
#include <string>
#include <thread>

#include "signet/core/der.h"

namespace signet::hsm {
namespace {

// DigestInfo prefixes for CKM_RSA_PKCS, which pads but does not wrap (RFC 8017 §9.2 note 1).
constexpr std::array<std::uint8_t, 19> kSha256DigestInfo = {
    0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
    0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20};

CK_MECHANISM_TYPE mechanism_for(SignatureAlgorithm alg) {
  switch (alg) {
    case SignatureAlgorithm::kRsaPkcs1Sha256:
      return CKM_RSA_PKCS;
    // CKM_RSA_PKCS_PSS takes the digest, not the message (PKCS#11 v2.40 §2.1.10).
    case SignatureAlgorithm::kRsaPssSha256:
      return CKM_RSA_PKCS_PSS;
    // SoftHSM has no CKM_ECDSA_SHA256: the caller hashes and the token signs the digest alone
    // (performance-notes.md; also one round trip on a network HSM).
    case SignatureAlgorithm::kEcdsaSha256:
    case SignatureAlgorithm::kEcdsaSha384:
      return CKM_ECDSA;
    case SignatureAlgorithm::kEd25519:
      return CKM_EDDSA;
  }
  return CKM_ECDSA;
}

std::size_t max_signature_for(SignatureAlgorithm alg, const KeyInfo& info) {
  const std::size_t bytes = (info.bits + 7) / 8;
  switch (alg) {
    case SignatureAlgorithm::kRsaPkcs1Sha256:
    case SignatureAlgorithm::kRsaPssSha256:
      return bytes;
    case SignatureAlgorithm::kEcdsaSha256:
    case SignatureAlgorithm::kEcdsaSha384:
      return 2 * bytes;  // r‖s
    case SignatureAlgorithm::kEd25519:
      return 64;
  }
  return 2 * bytes;
}

}  // namespace

Pkcs11Signer::Pkcs11Signer(std::unique_ptr<SessionPool> pool, CK_OBJECT_HANDLE key,
                           KeyFinder find_key, KeyInfo info, Bytes spki, std::string uri,
                           const SignerOptions& options)
    : pool_(std::move(pool)),
      key_(key),
      find_key_(std::move(find_key)),
      info_(info),
      algorithm_(options.algorithm.value_or(default_signature_algorithm(info.type))),
      mechanism_(mechanism_for(algorithm_)),
      max_signature_(max_signature_for(algorithm_, info)),
      spki_(std::move(spki)),
      uri_(std::move(uri)),
      options_(options),
      workers_(std::make_unique<SessionWorkers>(
          [this](ByteView input) { return sign(input); }, pool_->capacity(),
          options.max_queued == 0 ? pool_->capacity() : options.max_queued, options.session_wait,
          uri_)) {}

SessionLoad Pkcs11Signer::load() const {
  const auto [in_use, waiting] = pool_->usage();
  return SessionLoad{pool_->capacity(), in_use, waiting + workers_->waiting()};
}

void Pkcs11Signer::submit(Bytes input, Completion done) {
  workers_->submit(std::move(input), std::move(done));
}

Result<Bytes> Pkcs11Signer::sign_once(ByteView data, CK_RV& rv) {
  rv = CKR_OK;
  SIGNET_ASSIGN_OR_RETURN(SessionPool::Lease lease, pool_->acquire());
  CK_FUNCTION_LIST* fn = pool_->fn();
  CK_MECHANISM mech{mechanism_, nullptr, 0};
  // The parameters RFC 4055 §3.1 writes into the AlgorithmIdentifier (algorithm.cc).
  CK_RSA_PKCS_PSS_PARAMS pss{CKM_SHA256, CKG_MGF1_SHA256, 32};
  if (mechanism_ == CKM_RSA_PKCS_PSS) {
    mech.pParameter = &pss;
    mech.ulParameterLen = sizeof pss;
  }
  Bytes sig(max_signature_);
  CK_ULONG sig_len = sig.size();
  // NOLINTNEXTLINE: PKCS#11 takes non-const data pointers
  auto* in = const_cast<CK_BYTE*>(data.data());
  rv = fn->C_SignInit(lease.handle(), &mech, key_.load());
  Status status = p11::check(rv, "C_SignInit");
  if (status) {
    rv = fn->C_Sign(lease.handle(), in, data.size(), sig.data(), &sig_len);
    status = p11::check(rv, "C_Sign");
  }
  if (!status) {
    // Never reuse a session a signature failed on: after some failures (CKR_BUFFER_TOO_SMALL)
    // the operation is still active on it (PKCS#11 v2.40 §5.2).
    if (rv == CKR_SESSION_HANDLE_INVALID || rv == CKR_SESSION_CLOSED) {
      lease.mark_dead();
    } else {
      lease.mark_broken();
    }
    return fail(status.error());
  }
  sig.resize(sig_len);
  return sig;
}

Status Pkcs11Signer::recover(CK_RV rv) {
  const bool token_reset = rv == CKR_DEVICE_REMOVED || rv == CKR_TOKEN_NOT_PRESENT;
  const bool login_lost = rv == CKR_USER_NOT_LOGGED_IN || rv == CKR_KEY_HANDLE_INVALID ||
                          rv == CKR_OBJECT_HANDLE_INVALID || rv == CKR_GENERAL_ERROR;
  if (token_reset) pool_->drain_idle();  // every idle session went with the token
  if (!token_reset && !login_lost) return {};
  // Private objects vanish from view when the login is lost (PKCS#11 v2.40 §4.1.1), and a reset
  // drops the login too: log in again and look the key up again, under the
  // pool's repair lock (so the newest handle wins).
  return pool_->repair([this](const p11::Session& anchor) -> Status {
    SIGNET_ASSIGN_OR_RETURN(const CK_OBJECT_HANDLE key, find_key_(anchor));
    key_.store(key);
    return {};
  });
}

Result<Bytes> Pkcs11Signer::sign(ByteView input) {
  Bytes data;
  if ((algorithm_ == SignatureAlgorithm::kRsaPkcs1Sha256 ||
       algorithm_ == SignatureAlgorithm::kRsaPssSha256) &&
      input.size() != 32) {
    return fail(ErrorCode::kInternal, "RSA sign: the input must be a 32-byte SHA-256 digest");
  }
  if (algorithm_ == SignatureAlgorithm::kRsaPkcs1Sha256) {
    data.reserve(kSha256DigestInfo.size() + input.size());
    data.assign(kSha256DigestInfo.begin(), kSha256DigestInfo.end());
    data.insert(data.end(), input.begin(), input.end());
    input = data;
  }
  for (int attempt = 1;; ++attempt) {
    CK_RV rv = CKR_OK;
    auto sig = sign_once(input, rv);
    if (sig) {
      if (mechanism_ == CKM_ECDSA) return der::ecdsa_raw_to_der(*sig);
      return sig;
    }
    const Retry retry = sig.error().retry();
    if (retry != Retry::kCall || attempt >= options_.max_attempts) {
      return fail(sig.error().context(uri_));
    }
    // Call-level failures (a dead session, a device error, out of sessions) get a fresh session
    // after a pause; a lost login or a stale key handle is repaired first.
    std::this_thread::sleep_for(options_.backoff * (1 << std::min(attempt - 1, 10)));
    // A repair that fails transiently (the token is still resetting, or another thread's fault
    // logged the application out again, hiding the key from the lookup) uses up this attempt,
    // not the signature: the next attempt repairs again. A refused PIN ends it now: the pool
    // will not log in with that PIN again.
    if (Status repaired = recover(rv);
        !repaired && repaired.error().code() == ErrorCode::kPermissionDenied) {
      return fail(repaired.error().context(uri_));
    }
  }
}

}  // namespace signet::hsm
