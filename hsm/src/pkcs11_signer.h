// The foundation's PKCS#11 Signer: one logged-in token, the key handle and public key looked up
// once, and a free list of sessions so concurrent signers each get their own (one session per
// in-flight signature; performance-notes.md pitfall 1). The hsm issue replaces this with the
// bounded, fault-aware session pool behind the same core::Signer interface.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "signet/core/signer.h"

#include "p11.h"

namespace signet::hsm {

class Pkcs11Signer final : public Signer {
 public:
  Pkcs11Signer(std::shared_ptr<p11::Module> module, CK_SLOT_ID slot, p11::Session anchor,
               CK_OBJECT_HANDLE key, KeyInfo info, Bytes spki, std::string uri);
  ~Pkcs11Signer() override;

  [[nodiscard]] SignatureAlgorithm algorithm() const noexcept override { return algorithm_; }
  [[nodiscard]] ByteView public_key_der() const noexcept override { return spki_; }
  [[nodiscard]] std::string describe() const override { return uri_; }
  [[nodiscard]] Result<Bytes> sign(ByteView input) override;

 private:
  Result<CK_SESSION_HANDLE> acquire();
  void release(CK_SESSION_HANDLE session, bool broken) noexcept;

  std::shared_ptr<p11::Module> module_;
  CK_SLOT_ID slot_;
  p11::Session anchor_;  // holds the login for the token while the signer lives
  CK_OBJECT_HANDLE key_;
  KeyInfo info_;
  SignatureAlgorithm algorithm_;
  Bytes spki_;
  std::string uri_;
  std::mutex mutex_;
  std::vector<CK_SESSION_HANDLE> idle_;
};

}  // namespace signet::hsm
