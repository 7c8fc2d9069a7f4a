#include "pkcs11_signer.h"

#include <array>
#include <string>

#include "signet/core/der.h"

namespace signet::hsm {
namespace {

// DigestInfo prefixes for CKM_RSA_PKCS, which pads but does not wrap (RFC 8017 §9.2 note 1).
constexpr std::array<std::uint8_t, 19> kSha256DigestInfo = {
    0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
    0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20};

}  // namespace

Pkcs11Signer::Pkcs11Signer(std::shared_ptr<p11::Module> module, CK_SLOT_ID slot,
                           p11::Session anchor, CK_OBJECT_HANDLE key, KeyInfo info, Bytes spki,
                           std::string uri)
    : module_(std::move(module)),
      slot_(slot),
      anchor_(std::move(anchor)),
      key_(key),
      info_(info),
      algorithm_(default_signature_algorithm(info.type)),
      spki_(std::move(spki)),
      uri_(std::move(uri)) {}

Pkcs11Signer::~Pkcs11Signer() {
  for (const CK_SESSION_HANDLE s : idle_) module_->fn()->C_CloseSession(s);
}

Result<CK_SESSION_HANDLE> Pkcs11Signer::acquire() {
  {
    const std::lock_guard lock(mutex_);
    if (!idle_.empty()) {
      const CK_SESSION_HANDLE s = idle_.back();
      idle_.pop_back();
      return s;
    }
  }
  // Opened outside the lock: on a network HSM this is a round trip. Sessions of a logged-in
  // application are logged in too (PKCS#11 v2.40 §5.6).
  CK_SESSION_HANDLE s = CK_INVALID_HANDLE;
  SIGNET_RETURN_IF_ERROR(
      p11::check(module_->fn()->C_OpenSession(slot_, CKF_SERIAL_SESSION, nullptr, nullptr, &s),
                 "C_OpenSession"));
  return s;
}

void Pkcs11Signer::release(CK_SESSION_HANDLE session, bool broken) noexcept {
  if (broken) {
    module_->fn()->C_CloseSession(session);
    return;
  }
  const std::lock_guard lock(mutex_);
  idle_.push_back(session);
}

Result<Bytes> Pkcs11Signer::sign(ByteView input) {
  Bytes data;
  CK_MECHANISM mech{CKM_ECDSA, nullptr, 0};
  std::size_t max_sig = 0;
  switch (algorithm_) {
    case SignatureAlgorithm::kRsaPkcs1Sha256:
      if (input.size() != 32)
        return fail(ErrorCode::kInternal, "RSA sign: digest must be 32 bytes");
      mech.mechanism = CKM_RSA_PKCS;
      data.assign(kSha256DigestInfo.begin(), kSha256DigestInfo.end());
      data.insert(data.end(), input.begin(), input.end());
      max_sig = (info_.bits + 7) / 8;
      break;
    case SignatureAlgorithm::kEcdsaSha256:
    case SignatureAlgorithm::kEcdsaSha384:
      // SoftHSM has no CKM_ECDSA_SHA256: the digest is computed by the caller and sent alone
      // (performance-notes.md; also one round trip on a network HSM).
      mech.mechanism = CKM_ECDSA;
      data.assign(input.begin(), input.end());
      max_sig = 2 * ((info_.bits + 7) / 8);
      break;
    case SignatureAlgorithm::kEd25519:
      mech.mechanism = CKM_EDDSA;
      data.assign(input.begin(), input.end());
      max_sig = 64;
      break;
  }
  SIGNET_ASSIGN_OR_RETURN(const CK_SESSION_HANDLE session, acquire());
  Bytes sig(max_sig);
  CK_ULONG sig_len = sig.size();
  CK_FUNCTION_LIST* fn = module_->fn();
  Status status = p11::check(fn->C_SignInit(session, &mech, key_), "C_SignInit");
  if (status) {
    status =
        p11::check(fn->C_Sign(session, data.data(), data.size(), sig.data(), &sig_len), "C_Sign");
  }
  // A failed session is closed, never reused: after some failures (CKR_BUFFER_TOO_SMALL) the
  // signing operation is still active on it (PKCS#11 v2.40 §5.2).
  release(session, !status);
  if (!status) return fail(status.error().context(uri_));
  sig.resize(sig_len);
  if (mech.mechanism == CKM_ECDSA) return der::ecdsa_raw_to_der(sig);
  return sig;
}

}  // namespace signet::hsm
