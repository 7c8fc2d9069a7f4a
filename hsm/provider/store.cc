// OSSL_STORE loader for RFC 7512 pkcs11: URIs (provider-storemgmt(7)), so `openssl ... -key
// 'pkcs11:...'` and OSSL_STORE_open give an EVP_PKEY for a token key. One URI names one private
// key; it is opened with hsm::open_signer at the first load (module resolved, PIN read from
// pin-source, one login, the key looked up and self-tested) and handed to the key management by
// reference, so no key material crosses the provider boundary. pin-value is refused by the URI
// parser: a PIN in a URI ends up in shell history and process listings.
#include <cstdint>
#include <new>
#include <optional>
#include <string>

#include <openssl/core_dispatch.h>
#include <openssl/core_names.h>
#include <openssl/core_object.h>
#include <openssl/params.h>
#include <openssl/store.h>

#include "signet/hsm/pkcs11_uri.h"

#include "dispatch.h"
#include "fn_cast.h"
#include "token_key.h"

namespace signet::provider {
namespace {

struct StoreContext {
  const ProviderContext* ctx = nullptr;
  hsm::Pkcs11Uri uri;
  int expect = 0;  // OSSL_STORE_INFO_* the caller asked for; 0: anything
  bool done = false;
};

StoreContext* as_store(void* p) {
  return static_cast<StoreContext*>(p);
}

void* store_open(void* provctx, const char* uri) {
  const auto* ctx = static_cast<const ProviderContext*>(provctx);
  auto parsed = hsm::Pkcs11Uri::parse(uri == nullptr ? "" : uri);
  if (!parsed) {
    // The parser's message names the rule, never a PIN (pin-value is refused, not echoed).
    raise(*ctx, parsed.error(), "store_open");
    return nullptr;
  }
  const std::optional<std::string>& type = parsed->type;
  if (type.has_value() && *type != "private") {
    raise(*ctx, ErrorCode::kInvalidArgument,
          "signet provider: the URI names type=" + *type +
              "; signet's store serves private keys (type=private) only",
          "store_open");
    return nullptr;
  }
  auto* sc = new (std::nothrow) StoreContext;  // NOLINT(cppcoreguidelines-owning-memory)
  if (sc == nullptr) return nullptr;
  sc->ctx = ctx;
  sc->uri = std::move(*parsed);
  return sc;
}

const OSSL_PARAM* store_settable_ctx_params(void* /*provctx*/) {
  static const OSSL_PARAM kParams[] = {OSSL_PARAM_int(OSSL_STORE_PARAM_EXPECT, nullptr),
                                       OSSL_PARAM_END};
  return kParams;
}

int store_set_ctx_params(void* p, const OSSL_PARAM params[]) {
  StoreContext& sc = *as_store(p);
  if (params == nullptr) return 1;
  if (const OSSL_PARAM* e = OSSL_PARAM_locate_const(params, OSSL_STORE_PARAM_EXPECT)) {
    if (OSSL_PARAM_get_int(e, &sc.expect) != 1) return 0;
  }
  return 1;  // other criteria (subject, serial, alias) do not narrow a key URI
}

// One object per URI: the private key. Whatever happens, the store is at its end afterwards,
// so a failed load never makes a caller's `while (!OSSL_STORE_eof)` loop spin.
int store_load(void* p, OSSL_CALLBACK* object_cb, void* object_cbarg,
               OSSL_PASSPHRASE_CALLBACK* /*pw_cb*/, void* /*pw_cbarg*/) {
  StoreContext& sc = *as_store(p);
  if (sc.done) return 0;
  sc.done = true;
  if (sc.expect != 0 && sc.expect != OSSL_STORE_INFO_PKEY) {
    // Certificates and public keys are not served from here; nothing to load is not an error.
    return 1;
  }
  auto key = TokenKey::open(*sc.ctx, sc.uri);
  if (!key) {
    raise(*sc.ctx, key.error(), "store_load");
    return 0;
  }
  auto pub = decode_public_key(*sc.ctx, (*key)->public_key_der());
  if (!pub) {
    raise(*sc.ctx, pub.error(), "store_load");
    return 0;
  }
  KeyReference ref;
  ref.ctx = sc.ctx;
  ref.key = std::move(*key);
  ref.pub = std::move(*pub);
  // The reference is the address as an integer (token_key.h KeyReference).
  auto address = reinterpret_cast<std::uintptr_t>(&ref);
  int object_type = OSSL_OBJECT_PKEY;
  // The key management's name (dispatch.h): RSA or EC, resolved in this provider first.
  const Family family = ref.key->family();
  char* data_type = const_cast<char*>(family == Family::kRsa  ? "RSA"  // NOLINT
                                      : family == Family::kEc ? "EC"
                                                              : "ED25519");
  OSSL_PARAM params[] = {
      OSSL_PARAM_int(OSSL_OBJECT_PARAM_TYPE, &object_type),
      OSSL_PARAM_utf8_string(OSSL_OBJECT_PARAM_DATA_TYPE, data_type, 0),
      OSSL_PARAM_octet_string(OSSL_OBJECT_PARAM_REFERENCE, &address, sizeof address),
      OSSL_PARAM_END};
  params[1].data_size = std::char_traits<char>::length(data_type);
  // Synchronous: the core calls the key management's load() with the reference before this
  // returns, while `ref` is alive.
  return object_cb(params, object_cbarg);
}

int store_eof(void* p) {
  return as_store(p)->done ? 1 : 0;
}

int store_close(void* p) {
  delete as_store(p);  // NOLINT(cppcoreguidelines-owning-memory): the core's loader context
  return 1;
}

}  // namespace

const OSSL_DISPATCH kPkcs11Store[] = {
    {OSSL_FUNC_STORE_OPEN, fn(store_open)},
    {OSSL_FUNC_STORE_SETTABLE_CTX_PARAMS, fn(store_settable_ctx_params)},
    {OSSL_FUNC_STORE_SET_CTX_PARAMS, fn(store_set_ctx_params)},
    {OSSL_FUNC_STORE_LOAD, fn(store_load)},
    {OSSL_FUNC_STORE_EOF, fn(store_eof)},
    {OSSL_FUNC_STORE_CLOSE, fn(store_close)},
    {0, nullptr}};

}  // namespace signet::provider
