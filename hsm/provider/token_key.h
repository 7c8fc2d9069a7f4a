// What an EVP_PKEY from the signet provider holds: a key in a PKCS#11 token opened through
// signet::hsm::open_signer (the engine's session pool, one login, retries), and the key's public
// half as an ordinary OpenSSL key for everything that needs no private key (export, comparison,
// size parameters). The private key never leaves the token: nothing here can read it.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "signet/core/algorithm.h"
#include "signet/core/bytes.h"
#include "signet/core/ossl.h"
#include "signet/core/result.h"
#include "signet/core/signer.h"
#include "signet/hsm/pkcs11_uri.h"

#include "provider_context.h"

namespace signet::provider {

// The key families the provider registers key management for.
enum class Family { kRsa, kEc, kEd25519 };

// One opened token key, shared by every EVP_PKEY (and duplicate) made from it.
class TokenKey {
 public:
  // Opens the key the URI names: resolves the module, reads the PIN from pin-source, logs in,
  // looks the key up and self-tests one signature (open_signer).
  [[nodiscard]] static Result<std::shared_ptr<TokenKey>> open(const ProviderContext& ctx,
                                                              const hsm::Pkcs11Uri& uri);

  [[nodiscard]] const KeyInfo& info() const noexcept { return info_; }
  [[nodiscard]] Family family() const noexcept;
  [[nodiscard]] ByteView public_key_der() const noexcept;
  [[nodiscard]] std::string describe() const { return primary_->describe(); }

  // Signs a digest with `alg` (one C_Sign). An RSA key's signer speaks one padding, so the
  // first RSA-PSS signature opens a second signer on the same key (the token's login is shared:
  // CKR_USER_ALREADY_LOGGED_IN is success).
  [[nodiscard]] Result<Bytes> sign(SignatureAlgorithm alg, ByteView digest);

 private:
  TokenKey(std::string module, hsm::Pkcs11Uri uri, std::unique_ptr<Signer> primary);
  Result<Signer*> signer_for(SignatureAlgorithm alg);

  std::string module_;
  hsm::Pkcs11Uri uri_;
  KeyInfo info_;
  std::unique_ptr<Signer> primary_;  // the key type's default algorithm
  std::mutex mutex_;                 // guards pss_
  std::unique_ptr<Signer> pss_;
};

// The key management's key object. `token` is empty for a public key imported from elsewhere
// (a certificate's key being compared with a token key).
struct KeyData {
  const ProviderContext* ctx = nullptr;
  Family family = Family::kRsa;
  std::shared_ptr<TokenKey> token;
  ossl::EvpPkeyPtr pub;  // the public key, in ctx->libctx, never signet's own key management
};

// The public key from SubjectPublicKeyInfo DER, decoded in the provider's library context.
[[nodiscard]] Result<ossl::EvpPkeyPtr> decode_public_key(const ProviderContext& ctx, ByteView spki);

// The store hands a key to the key management by reference (provider-storemgmt(7)): the bytes of
// a pointer to one of these, valid while the store's load callback runs. The magic guards
// against a reference that did not come from signet's store.
struct KeyReference {
  static constexpr unsigned long long kMagic = 0x7369676e65746b79ULL;  // "signetky"
  unsigned long long magic = kMagic;
  const ProviderContext* ctx = nullptr;
  std::shared_ptr<TokenKey> key;
  ossl::EvpPkeyPtr pub;  // decoded once; each key object takes a reference
};

}  // namespace signet::provider
