// KEYMGMT for token keys (provider-keymgmt(7)): RSA, EC and Ed25519 key objects that hold an opened
// token key and its public half. What OpenSSL asks of a key without signing — export of the public
// key (SubjectPublicKeyInfo encoders), match against a certificate's key
// (X509_check_private_key, SSL_CTX_use_PrivateKey), bits/security-bits/max-size and the EC
// group — is answered from the public half by the application's default key management.
// Private parts are never exported or imported: the private key stays in the token.
#include <cstdint>
#include <cstring>
#include <new>

#include <openssl/core_dispatch.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "dispatch.h"
#include "fn_cast.h"
#include "token_key.h"

namespace signet::provider {
namespace {

constexpr int kKeypair = OSSL_KEYMGMT_SELECT_KEYPAIR;
constexpr int kPrivate = OSSL_KEYMGMT_SELECT_PRIVATE_KEY;
constexpr int kPublic = OSSL_KEYMGMT_SELECT_PUBLIC_KEY;
constexpr int kParameters = OSSL_KEYMGMT_SELECT_ALL_PARAMETERS;

const char* internal_name(Family family) {
  switch (family) {
    case Family::kRsa:
      return "RSA";
    case Family::kEc:
      return "EC";
    case Family::kEd25519:
      return "ED25519";
  }
  return "EC";
}

KeyData* as_key(void* keydata) {
  return static_cast<KeyData*>(keydata);
}
const KeyData* as_key(const void* keydata) {
  return static_cast<const KeyData*>(keydata);
}

template <Family F>
void* key_new(void* provctx) {
  auto* key = new (std::nothrow) KeyData;  // NOLINT(cppcoreguidelines-owning-memory)
  if (key == nullptr) return nullptr;
  key->ctx = static_cast<const ProviderContext*>(provctx);
  key->family = F;
  return key;
}

void key_free(void* keydata) {
  delete as_key(keydata);  // NOLINT(cppcoreguidelines-owning-memory): the core's key object
}

// The store's reference (store.cc) to an opened token key; refused unless it came from there and
// is of this key management's family.
template <Family F>
void* key_load(const void* reference, size_t reference_size) {
  std::uintptr_t address = 0;
  if (reference == nullptr || reference_size != sizeof address) return nullptr;
  std::memcpy(&address, reference, sizeof address);
  // The address store.cc wrote; the magic below catches a reference that is not one.
  const auto* ref =
      reinterpret_cast<const KeyReference*>(address);  // NOLINT(performance-no-int-to-ptr)
  if (ref == nullptr || ref->magic != KeyReference::kMagic || !ref->key || !ref->pub ||
      ref->key->family() != F) {
    return nullptr;
  }
  auto* key = static_cast<KeyData*>(key_new<F>(const_cast<ProviderContext*>(ref->ctx)));
  if (key == nullptr) return nullptr;
  if (EVP_PKEY_up_ref(ref->pub.get()) != 1) {
    key_free(key);
    return nullptr;
  }
  key->token = ref->key;
  key->pub.reset(ref->pub.get());
  return key;
}

int key_has(const void* keydata, int selection) {
  const KeyData* key = as_key(keydata);
  if (key == nullptr) return 0;
  if ((selection & kPrivate) != 0 && !key->token) return 0;
  if ((selection & (kPublic | kParameters)) != 0 && !key->pub) return 0;
  return 1;
}

int key_match(const void* keydata1, const void* keydata2, int selection) {
  const KeyData* a = as_key(keydata1);
  const KeyData* b = as_key(keydata2);
  if (a == nullptr || b == nullptr || !a->pub || !b->pub) return 0;
  if ((selection & kKeypair) != 0) {
    // A private key matches when its public half does: the token's key pair is one object.
    return EVP_PKEY_eq(a->pub.get(), b->pub.get()) == 1 ? 1 : 0;
  }
  if ((selection & kParameters) != 0) {
    return EVP_PKEY_parameters_eq(a->pub.get(), b->pub.get()) == 1 ? 1 : 0;
  }
  return 1;
}

// Refuses private parts: importing one would put private key material outside the token.
bool carries_private_part(Family family, const OSSL_PARAM params[]) {
  if (family == Family::kRsa) {
    return OSSL_PARAM_locate_const(params, OSSL_PKEY_PARAM_RSA_D) != nullptr ||
           OSSL_PARAM_locate_const(params, OSSL_PKEY_PARAM_RSA_FACTOR1) != nullptr;
  }
  return OSSL_PARAM_locate_const(params, OSSL_PKEY_PARAM_PRIV_KEY) != nullptr;
}

// A public key from elsewhere (a certificate's), so it can be compared with a token key here.
int key_import(void* keydata, int selection, const OSSL_PARAM params[]) {
  KeyData* key = as_key(keydata);
  if (key == nullptr || key->token || key->pub) return 0;
  if (carries_private_part(key->family, params)) {
    raise(*key->ctx, ErrorCode::kInvalidArgument,
          "signet key management imports public keys only; private keys belong in the token",
          "key_import");
    return 0;
  }
  if ((selection & (kPublic | kParameters)) == 0) return 0;
  ossl::EvpPkeyCtxPtr pctx(
      EVP_PKEY_CTX_new_from_name(key->ctx->libctx, internal_name(key->family), kInternalQuery));
  EVP_PKEY* pub = nullptr;
  if (!pctx || EVP_PKEY_fromdata_init(pctx.get()) != 1 ||
      EVP_PKEY_fromdata(pctx.get(), &pub, EVP_PKEY_PUBLIC_KEY,
                        const_cast<OSSL_PARAM*>(params)) != 1) {  // NOLINT: 3.0 takes non-const
    return 0;
  }
  key->pub.reset(pub);
  return 1;
}

int key_export(void* keydata, int selection, OSSL_CALLBACK* callback, void* cbarg) {
  KeyData* key = as_key(keydata);
  if (key == nullptr || !key->pub) return 0;
  if ((selection & (kPublic | kParameters)) == 0) {
    raise(*key->ctx, ErrorCode::kFailedPrecondition,
          "refusing to export the private key of a token key: it never leaves the token",
          "key_export");
    return 0;
  }
  // Public parts only, whatever was asked: a copy made elsewhere can verify and encrypt, and a
  // signature asked of it fails for want of a private key rather than succeeding outside the
  // token.
  return EVP_PKEY_export(key->pub.get(), selection & ~kPrivate, callback, cbarg);
}

template <Family F>
const OSSL_PARAM* key_io_types(int selection) {
  static const OSSL_PARAM kRsa[] = {OSSL_PARAM_BN(OSSL_PKEY_PARAM_RSA_N, nullptr, 0),
                                    OSSL_PARAM_BN(OSSL_PKEY_PARAM_RSA_E, nullptr, 0),
                                    OSSL_PARAM_END};
  static const OSSL_PARAM kEc[] = {
      OSSL_PARAM_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, nullptr, 0),
      OSSL_PARAM_octet_string(OSSL_PKEY_PARAM_PUB_KEY, nullptr, 0),
      OSSL_PARAM_utf8_string(OSSL_PKEY_PARAM_EC_ENCODING, nullptr, 0),
      OSSL_PARAM_utf8_string(OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT, nullptr, 0),
      OSSL_PARAM_END};
  static const OSSL_PARAM kEd25519[] = {
      OSSL_PARAM_octet_string(OSSL_PKEY_PARAM_PUB_KEY, nullptr, 0), OSSL_PARAM_END};
  static const OSSL_PARAM kNone[] = {OSSL_PARAM_END};
  if ((selection & (kPublic | kParameters)) == 0) return kNone;
  if constexpr (F == Family::kRsa) return kRsa;
  if constexpr (F == Family::kEc) return kEc;
  return kEd25519;
}

void* key_dup(const void* keydata, int selection) {
  const KeyData* from = as_key(keydata);
  if (from == nullptr) return nullptr;
  auto* key = new (std::nothrow) KeyData;  // NOLINT(cppcoreguidelines-owning-memory)
  if (key == nullptr) return nullptr;
  key->ctx = from->ctx;
  key->family = from->family;
  if ((selection & kPrivate) != 0) key->token = from->token;
  if (from->pub && EVP_PKEY_up_ref(from->pub.get()) == 1) key->pub.reset(from->pub.get());
  return key;
}

// Bits, security bits, max-size, default digest, EC group and point: the public half answers.
int key_get_params(void* keydata, OSSL_PARAM params[]) {
  const KeyData* key = as_key(keydata);
  if (key == nullptr || !key->pub) return 0;
  return EVP_PKEY_get_params(key->pub.get(), params);
}

template <Family F>
const OSSL_PARAM* key_gettable_params(void* provctx) {
  const auto* ctx = static_cast<const ProviderContext*>(provctx);
  // The default key management's list is static data of that provider; the fetched handle is
  // only needed to reach it.
  EVP_KEYMGMT* keymgmt = EVP_KEYMGMT_fetch(ctx->libctx, internal_name(F), kInternalQuery);
  if (keymgmt == nullptr) return nullptr;
  const OSSL_PARAM* params = EVP_KEYMGMT_gettable_params(keymgmt);
  EVP_KEYMGMT_free(keymgmt);
  return params;
}

template <Family F>
const char* key_query_operation_name(int operation) {
  if (operation != OSSL_OP_SIGNATURE) return nullptr;
  if constexpr (F == Family::kRsa) return kRsaSignatureName;
  if constexpr (F == Family::kEc) return kEcdsaSignatureName;
  return kEd25519SignatureName;
}

}  // namespace

const OSSL_DISPATCH kRsaKeymgmt[] = {
    {OSSL_FUNC_KEYMGMT_NEW, fn(key_new<Family::kRsa>)},
    {OSSL_FUNC_KEYMGMT_FREE, fn(key_free)},
    {OSSL_FUNC_KEYMGMT_LOAD, fn(key_load<Family::kRsa>)},
    {OSSL_FUNC_KEYMGMT_HAS, fn(key_has)},
    {OSSL_FUNC_KEYMGMT_MATCH, fn(key_match)},
    {OSSL_FUNC_KEYMGMT_IMPORT, fn(key_import)},
    {OSSL_FUNC_KEYMGMT_IMPORT_TYPES, fn(key_io_types<Family::kRsa>)},
    {OSSL_FUNC_KEYMGMT_EXPORT, fn(key_export)},
    {OSSL_FUNC_KEYMGMT_EXPORT_TYPES, fn(key_io_types<Family::kRsa>)},
    {OSSL_FUNC_KEYMGMT_DUP, fn(key_dup)},
    {OSSL_FUNC_KEYMGMT_GET_PARAMS, fn(key_get_params)},
    {OSSL_FUNC_KEYMGMT_GETTABLE_PARAMS, fn(key_gettable_params<Family::kRsa>)},
    {OSSL_FUNC_KEYMGMT_QUERY_OPERATION_NAME, fn(key_query_operation_name<Family::kRsa>)},
    {0, nullptr}};
const OSSL_DISPATCH kEcKeymgmt[] = {
    {OSSL_FUNC_KEYMGMT_NEW, fn(key_new<Family::kEc>)},
    {OSSL_FUNC_KEYMGMT_FREE, fn(key_free)},
    {OSSL_FUNC_KEYMGMT_LOAD, fn(key_load<Family::kEc>)},
    {OSSL_FUNC_KEYMGMT_HAS, fn(key_has)},
    {OSSL_FUNC_KEYMGMT_MATCH, fn(key_match)},
    {OSSL_FUNC_KEYMGMT_IMPORT, fn(key_import)},
    {OSSL_FUNC_KEYMGMT_IMPORT_TYPES, fn(key_io_types<Family::kEc>)},
    {OSSL_FUNC_KEYMGMT_EXPORT, fn(key_export)},
    {OSSL_FUNC_KEYMGMT_EXPORT_TYPES, fn(key_io_types<Family::kEc>)},
    {OSSL_FUNC_KEYMGMT_DUP, fn(key_dup)},
    {OSSL_FUNC_KEYMGMT_GET_PARAMS, fn(key_get_params)},
    {OSSL_FUNC_KEYMGMT_GETTABLE_PARAMS, fn(key_gettable_params<Family::kEc>)},
    {OSSL_FUNC_KEYMGMT_QUERY_OPERATION_NAME, fn(key_query_operation_name<Family::kEc>)},
    {0, nullptr}};
const OSSL_DISPATCH kEd25519Keymgmt[] = {
    {OSSL_FUNC_KEYMGMT_NEW, fn(key_new<Family::kEd25519>)},
    {OSSL_FUNC_KEYMGMT_FREE, fn(key_free)},
    {OSSL_FUNC_KEYMGMT_LOAD, fn(key_load<Family::kEd25519>)},
    {OSSL_FUNC_KEYMGMT_HAS, fn(key_has)},
    {OSSL_FUNC_KEYMGMT_MATCH, fn(key_match)},
    {OSSL_FUNC_KEYMGMT_IMPORT, fn(key_import)},
    {OSSL_FUNC_KEYMGMT_IMPORT_TYPES, fn(key_io_types<Family::kEd25519>)},
    {OSSL_FUNC_KEYMGMT_EXPORT, fn(key_export)},
    {OSSL_FUNC_KEYMGMT_EXPORT_TYPES, fn(key_io_types<Family::kEd25519>)},
    {OSSL_FUNC_KEYMGMT_DUP, fn(key_dup)},
    {OSSL_FUNC_KEYMGMT_GET_PARAMS, fn(key_get_params)},
    {OSSL_FUNC_KEYMGMT_GETTABLE_PARAMS, fn(key_gettable_params<Family::kEd25519>)},
    {OSSL_FUNC_KEYMGMT_QUERY_OPERATION_NAME, fn(key_query_operation_name<Family::kEd25519>)},
    {0, nullptr}};

}  // namespace signet::provider
