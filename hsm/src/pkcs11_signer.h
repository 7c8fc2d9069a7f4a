// core's Signer over a PKCS#11 private key: the key handle and public key looked up once, a
// bounded session pool (one session per signature in flight), the digest sent in a single
// C_Sign, and failed sessions replaced and the signature retried with backoff.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>

#include "signet/core/signer.h"
#include "signet/hsm/session_load.h"
#include "signet/hsm/token.h"

#include "p11.h"
#include "session_pool.h"
#include "session_workers.h"

namespace signet::hsm {

class Pkcs11Signer final : public Signer {
 public:
  // `find_key` finds the key's handle again after a token reset invalidated the cached one.
  using KeyFinder = std::function<Result<CK_OBJECT_HANDLE>(const p11::Session&)>;
  Pkcs11Signer(std::unique_ptr<SessionPool> pool, CK_OBJECT_HANDLE key, KeyFinder find_key,
               KeyInfo info, Bytes spki, std::string uri, const SignerOptions& options);

  [[nodiscard]] SignatureAlgorithm algorithm() const noexcept override { return algorithm_; }
  [[nodiscard]] ByteView public_key_der() const noexcept override { return spki_; }
  [[nodiscard]] std::string describe() const override { return uri_; }
  [[nodiscard]] Result<Bytes> sign(ByteView input) override;
  // Queued to the session threads (session_workers.h); returns without waiting for the token.
  void submit(Bytes input, Completion done) override;

  [[nodiscard]] std::size_t sessions() const noexcept { return pool_->capacity(); }
  [[nodiscard]] SessionLoad load() const;

 private:
  // One C_SignInit + C_Sign on a leased session; the raw token output.
  Result<Bytes> sign_once(ByteView data, CK_RV& rv);
  // After a token reset, a lost login or an invalid handle: fresh sessions, a new login, the key
  // looked up again — whatever the failure calls for.
  Status recover(CK_RV rv);

  std::unique_ptr<SessionPool> pool_;
  std::atomic<CK_OBJECT_HANDLE> key_;
  KeyFinder find_key_;
  KeyInfo info_;
  SignatureAlgorithm algorithm_;
  CK_MECHANISM_TYPE mechanism_;
  std::size_t max_signature_;
  Bytes spki_;
  std::string uri_;
  SignerOptions options_;
  // Last: its threads call sign(), so it is destroyed (and joined) before everything above.
  std::unique_ptr<SessionWorkers> workers_;
};

}  // namespace signet::hsm
