// SIGNATURE for token keys (provider-signature(7)): RSA PKCS#1 v1.5 and RSASSA-PSS, ECDSA, and
// Ed25519 (PureEdDSA, RFC 8032 §5.1: the token signs the message itself, in one shot).
// The message is hashed here with a digest fetched from the application's library context, and
// the token signs the digest in one C_Sign (hsm Signer::sign) — the engine's hot-path shape.
// ALGORITHM_ID gives X509_sign/X509_CRL_sign the AlgorithmIdentifier (core/algorithm.h), so the
// certificate names exactly what was signed (RFC 5280 §4.1.1.2).
//
// Supported: RSA with SHA-256 (PKCS#1 v1.5, or PSS with MGF1-SHA-256 and a 32-octet salt, which
// is what TLS 1.3's rsa_pss_rsae_sha256 asks, RFC 8446 §4.2.3); ECDSA with SHA-256 or SHA-384;
// Ed25519 with no digest.
// Anything else is refused at init, which libssl's sigalg choice takes as "not this one"
// (EVP_PKEY_digestsign_supports_digest), so a TLS peer is offered only what the token can do.
#include <algorithm>
#include <cstring>
#include <memory>
#include <new>
#include <source_location>
#include <string>
#include <string_view>

#include <openssl/core_dispatch.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rsa.h>

#include "dispatch.h"
#include "fn_cast.h"
#include "token_key.h"

namespace signet::provider {
namespace {

struct SignatureContext {
  const ProviderContext* ctx = nullptr;
  Family family = Family::kRsa;
  std::string propq;
  std::shared_ptr<TokenKey> key;
  DigestAlgorithm digest = DigestAlgorithm::kNone;  // kNone: not chosen yet (plain sign)
  ossl::EvpMdPtr md;
  ossl::EvpMdCtxPtr mdctx;
  bool pss = false;
};

SignatureContext* as_ctx(void* p) {
  return static_cast<SignatureContext*>(p);
}

void raise_at(const SignatureContext& sc, ErrorCode code, const std::string& message,
              const char* function, std::source_location where = std::source_location::current()) {
  raise(*sc.ctx, code, message, function, where);
}
void raise_at(const SignatureContext& sc, const Error& error, const char* function,
              std::source_location where = std::source_location::current()) {
  raise(*sc.ctx, error, function, where);
}

std::string_view digest_name(DigestAlgorithm d) {
  return d == DigestAlgorithm::kSha384 ? "SHA2-384" : "SHA2-256";
}

std::size_t digest_size(DigestAlgorithm d) {
  return d == DigestAlgorithm::kSha384 ? 48 : 32;
}

// The algorithm the token signs with, from the key family, digest and padding chosen.
Result<SignatureAlgorithm> algorithm_of(const SignatureContext& sc) {
  if (sc.family == Family::kEd25519) return SignatureAlgorithm::kEd25519;
  if (sc.family == Family::kRsa) {
    if (sc.digest != DigestAlgorithm::kSha256) {
      return fail(ErrorCode::kInvalidArgument,
                  "signet provider: RSA token keys sign with SHA-256 only");
    }
    return sc.pss ? SignatureAlgorithm::kRsaPssSha256 : SignatureAlgorithm::kRsaPkcs1Sha256;
  }
  return sc.digest == DigestAlgorithm::kSha384 ? SignatureAlgorithm::kEcdsaSha384
                                               : SignatureAlgorithm::kEcdsaSha256;
}

// The largest signature: the modulus for RSA; for ECDSA a DER SEQUENCE of two INTEGERs of up to
// one octet more than the order each (SEC 1 §C.5), under 128 octets for P-256 and P-384.
std::size_t max_signature_size(const SignatureContext& sc) {
  if (sc.family == Family::kEd25519) return 64;  // RFC 8032 §5.1.6
  const std::size_t octets = (sc.key->info().bits + 7) / 8;
  if (sc.family == Family::kRsa) return octets;
  return 2 * (octets + 3) + 2;
}

Result<DigestAlgorithm> parse_digest(const SignatureContext& sc, const char* name) {
  if (sc.family == Family::kEd25519) {
    if (name == nullptr || *name == '\0') return DigestAlgorithm::kNone;
    return fail(ErrorCode::kInvalidArgument,
                std::string("signet provider: Ed25519 signs the message itself (RFC 8032 "
                            "PureEdDSA); no digest may be set, got '") +
                    name + "'");
  }
  if (name == nullptr || *name == '\0') {
    // The key's default (the one signet's CAs use, core default_signature_algorithm).
    return sc.key->info().type == KeyType::kEcP384 ? DigestAlgorithm::kSha384
                                                   : DigestAlgorithm::kSha256;
  }
  ossl::EvpMdPtr md(EVP_MD_fetch(sc.ctx->libctx, name, kInternalQuery));
  if (md && EVP_MD_is_a(md.get(), "SHA2-256")) return DigestAlgorithm::kSha256;
  if (md && EVP_MD_is_a(md.get(), "SHA2-384") && sc.family == Family::kEc) {
    return DigestAlgorithm::kSha384;
  }
  return fail(ErrorCode::kInvalidArgument,
              std::string("signet provider: digest '") + name + "' is not supported with " +
                  (sc.family == Family::kRsa ? "RSA token keys (SHA-256 only)"
                                             : "EC token keys (SHA-256, SHA-384)"));
}

void* sig_newctx(void* provctx, const char* propq) {
  auto* sc = new (std::nothrow) SignatureContext;  // NOLINT(cppcoreguidelines-owning-memory)
  if (sc == nullptr) return nullptr;
  sc->ctx = static_cast<const ProviderContext*>(provctx);
  if (propq != nullptr) sc->propq = propq;
  return sc;
}

template <Family F>
void* sig_newctx_for(void* provctx, const char* propq) {
  void* p = sig_newctx(provctx, propq);
  if (p != nullptr) as_ctx(p)->family = F;
  return p;
}

void sig_freectx(void* p) {
  delete as_ctx(p);  // NOLINT(cppcoreguidelines-owning-memory): the core's operation context
}

// EVP_DigestSignFinal duplicates the context before finishing (so the caller may go on); the
// running digest is copied with it.
void* sig_dupctx(void* p) {
  const SignatureContext* from = as_ctx(p);
  auto* sc = new (std::nothrow) SignatureContext;  // NOLINT(cppcoreguidelines-owning-memory)
  if (sc == nullptr) return nullptr;
  sc->ctx = from->ctx;
  sc->family = from->family;
  sc->propq = from->propq;
  sc->key = from->key;
  sc->digest = from->digest;
  sc->pss = from->pss;
  if (from->md) {
    if (EVP_MD_up_ref(from->md.get()) != 1) {
      sig_freectx(sc);
      return nullptr;
    }
    sc->md.reset(from->md.get());
  }
  if (from->mdctx) {
    sc->mdctx.reset(EVP_MD_CTX_new());
    if (!sc->mdctx || EVP_MD_CTX_copy_ex(sc->mdctx.get(), from->mdctx.get()) != 1) {
      sig_freectx(sc);
      return nullptr;
    }
  }
  return sc;
}

int sig_set_ctx_params(void* p, const OSSL_PARAM params[]);

bool take_key(SignatureContext& sc, void* keydata, const char* function) {
  const auto* key = static_cast<const KeyData*>(keydata);
  if (key == nullptr || !key->token) {
    raise_at(sc, ErrorCode::kInvalidArgument,
             "signet provider: this key has no private half in a token (a public key cannot "
             "sign)",
             function);
    return false;
  }
  if (key->family != sc.family) {
    raise_at(
        sc, ErrorCode::kInvalidArgument,
        "signet provider: key " + key->token->describe() + " does not fit this signature algorithm",
        function);
    return false;
  }
  sc.key = key->token;
  sc.pss = false;
  sc.md.reset();
  sc.mdctx.reset();
  sc.digest = DigestAlgorithm::kNone;
  return true;
}

// EVP_PKEY_sign: the caller hashed; the digest is set by parameter or taken from the input's
// length.
int sig_sign_init(void* p, void* keydata, const OSSL_PARAM params[]) {
  SignatureContext& sc = *as_ctx(p);
  if (!take_key(sc, keydata, "sign_init")) return 0;
  return sig_set_ctx_params(p, params);
}

int sign_digest(SignatureContext& sc, unsigned char* sig, size_t* siglen, size_t sigsize,
                ByteView digest, const char* function) {
  const std::size_t max = max_signature_size(sc);
  if (sig == nullptr) {
    *siglen = max;
    return 1;
  }
  if (sc.digest == DigestAlgorithm::kNone) {
    sc.digest = digest.size() == 48 ? DigestAlgorithm::kSha384 : DigestAlgorithm::kSha256;
  }
  auto alg = algorithm_of(sc);
  if (!alg) {
    raise_at(sc, alg.error(), function);
    return 0;
  }
  if (digest.size() != digest_size(sc.digest)) {
    raise_at(sc, ErrorCode::kInvalidArgument,
             "signet provider: expected a " + std::to_string(digest_size(sc.digest)) +
                 "-octet digest to sign, got " + std::to_string(digest.size()) + " octets",
             function);
    return 0;
  }
  auto signature = sc.key->sign(*alg, digest);
  if (!signature) {
    raise_at(sc, signature.error(), function);
    return 0;
  }
  if (signature->size() > sigsize) {
    raise_at(sc, ErrorCode::kInvalidArgument,
             "signet provider: signature buffer of " + std::to_string(sigsize) +
                 " octets is too small for " + std::to_string(signature->size()),
             function);
    return 0;
  }
  std::copy(signature->begin(), signature->end(), sig);
  *siglen = signature->size();
  return 1;
}

// Ed25519: the message goes to the token as it is (CKM_EDDSA, PKCS#11 v3.0 §2.3.14).
int sign_message(SignatureContext& sc, unsigned char* sig, size_t* siglen, size_t sigsize,
                 ByteView message) {
  auto signature = sc.key->sign(SignatureAlgorithm::kEd25519, message);
  if (!signature) {
    raise_at(sc, signature.error(), "digest_sign");
    return 0;
  }
  if (signature->size() > sigsize) {
    raise_at(sc, ErrorCode::kInvalidArgument,
             "signet provider: signature buffer of " + std::to_string(sigsize) +
                 " octets is too small for " + std::to_string(signature->size()),
             "digest_sign");
    return 0;
  }
  std::copy(signature->begin(), signature->end(), sig);
  *siglen = signature->size();
  return 1;
}

int sig_sign(void* p, unsigned char* sig, size_t* siglen, size_t sigsize, const unsigned char* tbs,
             size_t tbslen) {
  return sign_digest(*as_ctx(p), sig, siglen, sigsize, ByteView(tbs, tbslen), "sign");
}

int sig_digest_sign_init(void* p, const char* mdname, void* keydata, const OSSL_PARAM params[]) {
  SignatureContext& sc = *as_ctx(p);
  if (!take_key(sc, keydata, "digest_sign_init")) return 0;
  auto digest = parse_digest(sc, mdname);
  if (!digest) {
    raise_at(sc, digest.error(), "digest_sign_init");
    return 0;
  }
  sc.digest = *digest;
  if (sc.family == Family::kEd25519) return sig_set_ctx_params(p, params);  // nothing to hash
  const std::string name(digest_name(sc.digest));
  sc.md.reset(EVP_MD_fetch(sc.ctx->libctx, name.c_str(), kInternalQuery));
  sc.mdctx.reset(EVP_MD_CTX_new());
  if (!sc.md || !sc.mdctx || EVP_DigestInit_ex2(sc.mdctx.get(), sc.md.get(), nullptr) != 1) {
    raise_at(sc, ErrorCode::kInternal,
             "signet provider: cannot set up " + name + ": " + ossl::drain_errors(),
             "digest_sign_init");
    return 0;
  }
  return sig_set_ctx_params(p, params);
}

int sig_digest_sign_update(void* p, const unsigned char* data, size_t datalen) {
  SignatureContext& sc = *as_ctx(p);
  if (!sc.mdctx) {
    raise_at(sc, ErrorCode::kInvalidArgument,
             "signet provider: Ed25519 token keys sign in one shot (EVP_DigestSign), not by "
             "update/final",
             "digest_sign_update");
    return 0;
  }
  return EVP_DigestUpdate(sc.mdctx.get(), data, datalen);
}

int sig_digest_sign_final(void* p, unsigned char* sig, size_t* siglen, size_t sigsize) {
  SignatureContext& sc = *as_ctx(p);
  if (!sc.mdctx) return 0;
  if (sig == nullptr) {
    *siglen = max_signature_size(sc);
    return 1;
  }
  Bytes digest(EVP_MAX_MD_SIZE);
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(sc.mdctx.get(), digest.data(), &len) != 1) return 0;
  digest.resize(len);
  return sign_digest(sc, sig, siglen, sigsize, digest, "digest_sign_final");
}

// One-shot EVP_DigestSign (what X509_sign and libssl call): no context duplicate needed.
int sig_digest_sign(void* p, unsigned char* sig, size_t* siglen, size_t sigsize,
                    const unsigned char* tbs, size_t tbslen) {
  SignatureContext& sc = *as_ctx(p);
  if (sig == nullptr) {
    *siglen = max_signature_size(sc);
    return 1;
  }
  if (sc.family == Family::kEd25519) {
    if (!sc.key) return 0;
    return sign_message(sc, sig, siglen, sigsize, ByteView(tbs, tbslen));
  }
  if (sig_digest_sign_update(p, tbs, tbslen) != 1) return 0;
  return sig_digest_sign_final(p, sig, siglen, sigsize);
}

int sig_get_ctx_params(void* p, OSSL_PARAM params[]) {
  SignatureContext& sc = *as_ctx(p);
  if (OSSL_PARAM* aid = OSSL_PARAM_locate(params, OSSL_SIGNATURE_PARAM_ALGORITHM_ID)) {
    auto alg = algorithm_of(sc);
    if (!alg) {
      raise_at(sc, alg.error(), "get_ctx_params");
      return 0;
    }
    const ByteView der = algorithm_identifier_der(*alg);
    if (OSSL_PARAM_set_octet_string(aid, der.data(), der.size()) != 1) return 0;
  }
  OSSL_PARAM* d = OSSL_PARAM_locate(params, OSSL_SIGNATURE_PARAM_DIGEST);
  if (d != nullptr && sc.digest != DigestAlgorithm::kNone) {
    const std::string name(digest_name(sc.digest));
    if (OSSL_PARAM_set_utf8_string(d, name.c_str()) != 1) return 0;
  }
  if (sc.family == Family::kRsa) {
    if (OSSL_PARAM* pad = OSSL_PARAM_locate(params, OSSL_SIGNATURE_PARAM_PAD_MODE)) {
      const int mode = sc.pss ? RSA_PKCS1_PSS_PADDING : RSA_PKCS1_PADDING;
      if (pad->data_type == OSSL_PARAM_UTF8_STRING) {
        if (OSSL_PARAM_set_utf8_string(
                pad, sc.pss ? OSSL_PKEY_RSA_PAD_MODE_PSS : OSSL_PKEY_RSA_PAD_MODE_PKCSV15) != 1) {
          return 0;
        }
      } else if (OSSL_PARAM_set_int(pad, mode) != 1) {
        return 0;
      }
    }
  }
  return 1;
}

const OSSL_PARAM* sig_gettable_ctx_params(void* /*ctx*/, void* /*provctx*/) {
  static const OSSL_PARAM kParams[] = {
      OSSL_PARAM_octet_string(OSSL_SIGNATURE_PARAM_ALGORITHM_ID, nullptr, 0),
      OSSL_PARAM_utf8_string(OSSL_SIGNATURE_PARAM_DIGEST, nullptr, 0),
      OSSL_PARAM_int(OSSL_SIGNATURE_PARAM_PAD_MODE, nullptr), OSSL_PARAM_END};
  return kParams;
}

// PAD_MODE as an int (EVP_PKEY_CTX_set_rsa_padding) or a name ("pkcs1", "pss").
Status set_padding(SignatureContext& sc, const OSSL_PARAM& param) {
  int mode = 0;
  if (param.data_type == OSSL_PARAM_UTF8_STRING) {
    const char* name = nullptr;
    if (OSSL_PARAM_get_utf8_string_ptr(&param, &name) != 1 || name == nullptr) {
      return fail(ErrorCode::kInvalidArgument, "signet provider: unreadable pad-mode");
    }
    const std::string_view n(name);
    mode = n == OSSL_PKEY_RSA_PAD_MODE_PSS       ? RSA_PKCS1_PSS_PADDING
           : n == OSSL_PKEY_RSA_PAD_MODE_PKCSV15 ? RSA_PKCS1_PADDING
                                                 : -1;
  } else if (OSSL_PARAM_get_int(&param, &mode) != 1) {
    return fail(ErrorCode::kInvalidArgument, "signet provider: unreadable pad-mode");
  }
  if (mode == RSA_PKCS1_PSS_PADDING) {
    sc.pss = true;
  } else if (mode == RSA_PKCS1_PADDING) {
    sc.pss = false;
  } else {
    return fail(ErrorCode::kInvalidArgument,
                "signet provider: RSA token keys sign with PKCS#1 v1.5 or PSS padding only");
  }
  return {};
}

// The PSS salt must be the digest's length (RFC 8446 §4.2.3; what the token is asked for in
// CK_RSA_PKCS_PSS_PARAMS and what algorithm_identifier_der names).
Status check_salt(const SignatureContext& sc, const OSSL_PARAM& param) {
  const std::size_t want =
      digest_size(sc.digest == DigestAlgorithm::kNone ? DigestAlgorithm::kSha256 : sc.digest);
  if (param.data_type == OSSL_PARAM_UTF8_STRING) {
    const char* text = nullptr;
    if (OSSL_PARAM_get_utf8_string_ptr(&param, &text) != 1 || text == nullptr) {
      return fail(ErrorCode::kInvalidArgument, "signet provider: unreadable PSS salt length");
    }
    const std::string_view t(text);
    if (t == OSSL_PKEY_RSA_PSS_SALT_LEN_DIGEST || t == std::to_string(want)) return {};
    return fail(ErrorCode::kInvalidArgument,
                "signet provider: PSS salt length must be the digest length (" +
                    std::to_string(want) + "), got '" + std::string(t.substr(0, 32)) + "'");
  }
  int len = 0;
  if (OSSL_PARAM_get_int(&param, &len) != 1) {
    return fail(ErrorCode::kInvalidArgument, "signet provider: unreadable PSS salt length");
  }
  if (len == RSA_PSS_SALTLEN_DIGEST || len == static_cast<int>(want)) return {};
  return fail(ErrorCode::kInvalidArgument,
              "signet provider: PSS salt length must be the digest length (" +
                  std::to_string(want) + "), got " + std::to_string(len));
}

Status check_mgf1(const SignatureContext& sc, const OSSL_PARAM& param) {
  const char* name = nullptr;
  if (OSSL_PARAM_get_utf8_string_ptr(&param, &name) != 1 || name == nullptr) {
    return fail(ErrorCode::kInvalidArgument, "signet provider: unreadable MGF1 digest");
  }
  ossl::EvpMdPtr md(EVP_MD_fetch(sc.ctx->libctx, name, kInternalQuery));
  if (md && EVP_MD_is_a(md.get(), "SHA2-256")) return {};
  return fail(ErrorCode::kInvalidArgument,
              std::string("signet provider: PSS uses MGF1 with SHA-256 only, got '") + name + "'");
}

Status set_params(SignatureContext& sc, const OSSL_PARAM params[]) {
  if (params == nullptr) return {};
  if (const OSSL_PARAM* d = OSSL_PARAM_locate_const(params, OSSL_SIGNATURE_PARAM_DIGEST)) {
    const char* name = nullptr;
    if (OSSL_PARAM_get_utf8_string_ptr(d, &name) != 1) {
      return fail(ErrorCode::kInvalidArgument, "signet provider: unreadable digest name");
    }
    if (sc.mdctx) {
      return fail(ErrorCode::kInvalidArgument,
                  "signet provider: the digest of a digest-sign operation is set at init");
    }
    SIGNET_ASSIGN_OR_RETURN(sc.digest, parse_digest(sc, name));
  }
  if (sc.family == Family::kRsa) {
    if (const OSSL_PARAM* pad = OSSL_PARAM_locate_const(params, OSSL_SIGNATURE_PARAM_PAD_MODE)) {
      SIGNET_RETURN_IF_ERROR(set_padding(sc, *pad));
    }
    if (const OSSL_PARAM* s = OSSL_PARAM_locate_const(params, OSSL_SIGNATURE_PARAM_PSS_SALTLEN)) {
      SIGNET_RETURN_IF_ERROR(check_salt(sc, *s));
    }
    if (const OSSL_PARAM* m = OSSL_PARAM_locate_const(params, OSSL_SIGNATURE_PARAM_MGF1_DIGEST)) {
      SIGNET_RETURN_IF_ERROR(check_mgf1(sc, *m));
    }
  }
  return {};
}

int sig_set_ctx_params(void* p, const OSSL_PARAM params[]) {
  SignatureContext& sc = *as_ctx(p);
  if (auto ok = set_params(sc, params); !ok) {
    raise_at(sc, ok.error(), "set_ctx_params");
    return 0;
  }
  return 1;
}

template <Family F>
const OSSL_PARAM* sig_settable_ctx_params(void* /*ctx*/, void* /*provctx*/) {
  static const OSSL_PARAM kRsa[] = {
      OSSL_PARAM_utf8_string(OSSL_SIGNATURE_PARAM_DIGEST, nullptr, 0),
      // Text, as the default provider declares it, so `-sigopt rsa_padding_mode:pss` parses;
      // set_padding also takes the integer EVP_PKEY_CTX_set_rsa_padding sends.
      OSSL_PARAM_utf8_string(OSSL_SIGNATURE_PARAM_PAD_MODE, nullptr, 0),
      OSSL_PARAM_utf8_string(OSSL_SIGNATURE_PARAM_PSS_SALTLEN, nullptr, 0),
      OSSL_PARAM_utf8_string(OSSL_SIGNATURE_PARAM_MGF1_DIGEST, nullptr, 0), OSSL_PARAM_END};
  static const OSSL_PARAM kEc[] = {OSSL_PARAM_utf8_string(OSSL_SIGNATURE_PARAM_DIGEST, nullptr, 0),
                                   OSSL_PARAM_END};
  static const OSSL_PARAM kNone[] = {OSSL_PARAM_END};
  if constexpr (F == Family::kRsa) return kRsa;
  if constexpr (F == Family::kEc) return kEc;
  return kNone;
}

}  // namespace

const OSSL_DISPATCH kRsaSignature[] = {
    {OSSL_FUNC_SIGNATURE_NEWCTX, fn(sig_newctx_for<Family::kRsa>)},
    {OSSL_FUNC_SIGNATURE_FREECTX, fn(sig_freectx)},
    {OSSL_FUNC_SIGNATURE_DUPCTX, fn(sig_dupctx)},
    {OSSL_FUNC_SIGNATURE_SIGN_INIT, fn(sig_sign_init)},
    {OSSL_FUNC_SIGNATURE_SIGN, fn(sig_sign)},
    {OSSL_FUNC_SIGNATURE_DIGEST_SIGN_INIT, fn(sig_digest_sign_init)},
    {OSSL_FUNC_SIGNATURE_DIGEST_SIGN_UPDATE, fn(sig_digest_sign_update)},
    {OSSL_FUNC_SIGNATURE_DIGEST_SIGN_FINAL, fn(sig_digest_sign_final)},
    {OSSL_FUNC_SIGNATURE_DIGEST_SIGN, fn(sig_digest_sign)},
    {OSSL_FUNC_SIGNATURE_GET_CTX_PARAMS, fn(sig_get_ctx_params)},
    {OSSL_FUNC_SIGNATURE_GETTABLE_CTX_PARAMS, fn(sig_gettable_ctx_params)},
    {OSSL_FUNC_SIGNATURE_SET_CTX_PARAMS, fn(sig_set_ctx_params)},
    {OSSL_FUNC_SIGNATURE_SETTABLE_CTX_PARAMS, fn(sig_settable_ctx_params<Family::kRsa>)},
    {0, nullptr}};
const OSSL_DISPATCH kEcdsaSignature[] = {
    {OSSL_FUNC_SIGNATURE_NEWCTX, fn(sig_newctx_for<Family::kEc>)},
    {OSSL_FUNC_SIGNATURE_FREECTX, fn(sig_freectx)},
    {OSSL_FUNC_SIGNATURE_DUPCTX, fn(sig_dupctx)},
    {OSSL_FUNC_SIGNATURE_SIGN_INIT, fn(sig_sign_init)},
    {OSSL_FUNC_SIGNATURE_SIGN, fn(sig_sign)},
    {OSSL_FUNC_SIGNATURE_DIGEST_SIGN_INIT, fn(sig_digest_sign_init)},
    {OSSL_FUNC_SIGNATURE_DIGEST_SIGN_UPDATE, fn(sig_digest_sign_update)},
    {OSSL_FUNC_SIGNATURE_DIGEST_SIGN_FINAL, fn(sig_digest_sign_final)},
    {OSSL_FUNC_SIGNATURE_DIGEST_SIGN, fn(sig_digest_sign)},
    {OSSL_FUNC_SIGNATURE_GET_CTX_PARAMS, fn(sig_get_ctx_params)},
    {OSSL_FUNC_SIGNATURE_GETTABLE_CTX_PARAMS, fn(sig_gettable_ctx_params)},
    {OSSL_FUNC_SIGNATURE_SET_CTX_PARAMS, fn(sig_set_ctx_params)},
    {OSSL_FUNC_SIGNATURE_SETTABLE_CTX_PARAMS, fn(sig_settable_ctx_params<Family::kEc>)},
    {0, nullptr}};

// No EVP_PKEY_sign (PureEdDSA has no pre-hashed form here) and no update/final: one shot only.
const OSSL_DISPATCH kEd25519Signature[] = {
    {OSSL_FUNC_SIGNATURE_NEWCTX, fn(sig_newctx_for<Family::kEd25519>)},
    {OSSL_FUNC_SIGNATURE_FREECTX, fn(sig_freectx)},
    {OSSL_FUNC_SIGNATURE_DUPCTX, fn(sig_dupctx)},
    {OSSL_FUNC_SIGNATURE_DIGEST_SIGN_INIT, fn(sig_digest_sign_init)},
    {OSSL_FUNC_SIGNATURE_DIGEST_SIGN, fn(sig_digest_sign)},
    {OSSL_FUNC_SIGNATURE_GET_CTX_PARAMS, fn(sig_get_ctx_params)},
    {OSSL_FUNC_SIGNATURE_GETTABLE_CTX_PARAMS, fn(sig_gettable_ctx_params)},
    {OSSL_FUNC_SIGNATURE_SET_CTX_PARAMS, fn(sig_set_ctx_params)},
    {OSSL_FUNC_SIGNATURE_SETTABLE_CTX_PARAMS, fn(sig_settable_ctx_params<Family::kEd25519>)},
    {0, nullptr}};

}  // namespace signet::provider
