#include "token_key.h"

#include <openssl/x509.h>

#include "signet/hsm/token.h"

namespace signet::provider {

Result<std::shared_ptr<TokenKey>> TokenKey::open(const ProviderContext& ctx,
                                                 const hsm::Pkcs11Uri& uri) {
  SIGNET_ASSIGN_OR_RETURN(std::string module,
                          resolve_module(ctx, uri.module_path ? &*uri.module_path : nullptr));
  SIGNET_ASSIGN_OR_RETURN(std::unique_ptr<Signer> signer, hsm::open_signer(module, uri));
  return std::shared_ptr<TokenKey>(new TokenKey(std::move(module), uri, std::move(signer)));
}

TokenKey::TokenKey(std::string module, hsm::Pkcs11Uri uri, std::unique_ptr<Signer> primary)
    : module_(std::move(module)), uri_(std::move(uri)), primary_(std::move(primary)) {
  const ByteView spki = primary_->public_key_der();
  // open_signer checked the key, so its SPKI parses; the fallback only keeps info_ defined.
  info_ = inspect_public_key(spki).value_or(KeyInfo{key_type_of(primary_->algorithm()), 0});
}

Family TokenKey::family() const noexcept {
  switch (info_.type) {
    case KeyType::kRsa:
      return Family::kRsa;
    case KeyType::kEd25519:
      return Family::kEd25519;
    case KeyType::kEcP256:
    case KeyType::kEcP384:
      return Family::kEc;
  }
  return Family::kEc;
}

ByteView TokenKey::public_key_der() const noexcept {
  return primary_->public_key_der();
}

Result<Signer*> TokenKey::signer_for(SignatureAlgorithm alg) {
  if (alg == primary_->algorithm()) return primary_.get();
  if (alg == SignatureAlgorithm::kRsaPssSha256 && info_.type == KeyType::kRsa) {
    const std::lock_guard lock(mutex_);
    if (!pss_) {
      hsm::SignerOptions options;
      options.algorithm = alg;
      SIGNET_ASSIGN_OR_RETURN(pss_, hsm::open_signer(module_, uri_, options));
    }
    return pss_.get();
  }
  // ECDSA signs whatever digest it is given (CKM_ECDSA, PKCS#11 v2.40 §2.3.6): one signer serves
  // SHA-256 and SHA-384 on either curve.
  if ((alg == SignatureAlgorithm::kEcdsaSha256 || alg == SignatureAlgorithm::kEcdsaSha384) &&
      family() == Family::kEc) {
    return primary_.get();
  }
  return fail(ErrorCode::kInvalidArgument,
              "key " + describe() + " cannot sign with " + std::string(to_string(alg)));
}

Result<Bytes> TokenKey::sign(SignatureAlgorithm alg, ByteView digest) {
  SIGNET_ASSIGN_OR_RETURN(Signer * signer, signer_for(alg));
  return signer->sign(digest);
}

Result<ossl::EvpPkeyPtr> decode_public_key(const ProviderContext& ctx, ByteView spki) {
  const unsigned char* p = spki.data();
  ossl::EvpPkeyPtr key(
      d2i_PUBKEY_ex(nullptr, &p, static_cast<long>(spki.size()), ctx.libctx, kInternalQuery));
  if (!key) {
    return fail(ErrorCode::kInternal,
                "d2i_PUBKEY_ex: cannot decode the token key's public key: " + ossl::drain_errors());
  }
  return key;
}

}  // namespace signet::provider
