#include "signet/core/software_signer.h"

#include <limits>
#include <string>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "fetched_digest.h"
#include "ossl_der.h"

namespace signet {
Result<std::unique_ptr<SoftwareSigner>> SoftwareSigner::generate(const KeySpec& spec) {
  EVP_PKEY* raw = nullptr;
  switch (spec.type) {
    case KeyType::kRsa:
      raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(spec.rsa_bits));
      break;
    case KeyType::kEcP256:
      raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
      break;
    case KeyType::kEcP384:
      raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384");
      break;
    case KeyType::kEd25519:
      raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
      break;
  }
  if (raw == nullptr) return fail(ErrorCode::kInternal, "key generation: " + ossl::drain_errors());
  return from_pkey(ossl::EvpPkeyPtr(raw), "generated in memory");
}

Result<std::unique_ptr<SoftwareSigner>> SoftwareSigner::from_pem(ByteView pem, std::string origin) {
  if (pem.size() > static_cast<std::size_t>(std::numeric_limits<int>::max())) {
    return fail(ErrorCode::kInvalidArgument, origin + ": key file too large");
  }
  ossl::BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return fail(ErrorCode::kInternal, "BIO_new_mem_buf: " + ossl::drain_errors());
  // An empty passphrase callback makes encrypted keys fail instead of prompting on a terminal.
  auto no_passphrase = [](char*, int, int, void*) -> int { return -1; };
  ossl::EvpPkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, no_passphrase, nullptr));
  if (!key) {
    ossl::drain_errors();
    return fail(ErrorCode::kInvalidArgument,
                origin + ": not an unencrypted PEM private key (PKCS#8 or traditional)");
  }
  return from_pkey(std::move(key), std::move(origin));
}

Result<std::unique_ptr<SoftwareSigner>> SoftwareSigner::from_pkey(ossl::EvpPkeyPtr key,
                                                                  std::string origin) {
  SIGNET_ASSIGN_OR_RETURN(Bytes spki, ossl::public_key_der(key.get()));
  SIGNET_ASSIGN_OR_RETURN(const KeyInfo info, inspect_public_key(spki));
  const SignatureAlgorithm alg = default_signature_algorithm(info.type);
  return std::unique_ptr<SoftwareSigner>(
      new SoftwareSigner(std::move(key), alg, std::move(spki), std::move(origin)));
}

Result<Bytes> SoftwareSigner::sign(ByteView input) {
  if (algorithm_ == SignatureAlgorithm::kEd25519) {
    // Pure EdDSA signs the message itself (RFC 8032 §5.1.6).
    ossl::EvpMdCtxPtr ctx(EVP_MD_CTX_new());
    size_t len = 64;
    Bytes sig(len);
    if (!ctx ||
        EVP_DigestSignInit_ex(ctx.get(), nullptr, nullptr, nullptr, nullptr, key_.get(), nullptr) !=
            1 ||
        EVP_DigestSign(ctx.get(), sig.data(), &len, input.data(), input.size()) != 1) {
      return fail(ErrorCode::kInternal, "Ed25519 sign: " + ossl::drain_errors());
    }
    sig.resize(len);
    return sig;
  }
  SIGNET_ASSIGN_OR_RETURN(ossl::EvpPkeyCtxPtr ctx, take_context());
  size_t len = 0;
  if (EVP_PKEY_sign(ctx.get(), nullptr, &len, input.data(), input.size()) != 1) {
    return fail(ErrorCode::kInternal, "EVP_PKEY_sign: " + ossl::drain_errors());
  }
  Bytes sig(len);
  if (EVP_PKEY_sign(ctx.get(), sig.data(), &len, input.data(), input.size()) != 1) {
    return fail(ErrorCode::kInternal, "EVP_PKEY_sign: " + ossl::drain_errors());
  }
  sig.resize(len);
  give_back(std::move(ctx));  // only after success: a failed context is dropped
  return sig;
}

Result<ossl::EvpPkeyCtxPtr> SoftwareSigner::take_context() {
  {
    const std::lock_guard<std::mutex> lock(pool_mutex_);
    if (!idle_.empty()) {
      ossl::EvpPkeyCtxPtr ctx = std::move(idle_.back());
      idle_.pop_back();
      return ctx;
    }
  }
  ossl::EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key_.get(), nullptr));
  if (!ctx || EVP_PKEY_sign_init(ctx.get()) != 1) {
    return fail(ErrorCode::kInternal, "EVP_PKEY_sign_init: " + ossl::drain_errors());
  }
  if (algorithm_ == SignatureAlgorithm::kRsaPkcs1Sha256) {
    // With a signature digest set, OpenSSL wraps the digest in DigestInfo (RFC 8017 §9.2).
    if (EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING) != 1 ||
        EVP_PKEY_CTX_set_signature_md(ctx.get(), fetched_digest(digest_of(algorithm_))) != 1) {
      return fail(ErrorCode::kInternal, "RSA sign setup: " + ossl::drain_errors());
    }
  }
  return ctx;
}

void SoftwareSigner::give_back(ossl::EvpPkeyCtxPtr ctx) {
  const std::lock_guard<std::mutex> lock(pool_mutex_);
  idle_.push_back(std::move(ctx));
}

Result<std::string> SoftwareSigner::private_key_pem() const {
  ossl::BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio ||
      PEM_write_bio_PrivateKey(bio.get(), key_.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return fail(ErrorCode::kInternal, "PEM_write_bio_PrivateKey: " + ossl::drain_errors());
  }
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);  // NOLINT(google-runtime-int)
  return std::string(data, static_cast<std::size_t>(len));
}

}  // namespace signet
