// The signet OpenSSL 3 provider: token keys as EVP_PKEYs (provider-base(7)).
//
//   OSSL_STORE loader "pkcs11"  RFC 7512 URI -> a key object holding an open hsm Signer
//   KEYMGMT RSA, EC, ED25519   public half exported, match/has, size parameters; no private parts
//   SIGNATURE SIGNET-RSA/-ECDSA/-ED25519  digest_sign: hash here (Ed25519: the message), one
//                                C_Sign in the token
//
// Only OSSL_provider_init is exported from the module (exports.map); everything else, including
// the statically linked signet_core and signet_hsm, stays private to it.
#include <cstdarg>
#include <cstdlib>
#include <new>
#include <string>

#include <openssl/core_dispatch.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/params.h>

#include "dispatch.h"
#include "fn_cast.h"
#include "provider_context.h"

namespace signet::provider {
namespace {

// Reason codes: the ErrorCode plus one (0 is no reason in OpenSSL).
int reason_of(ErrorCode code) {
  return static_cast<int>(code) + 1;
}

// NOLINTNEXTLINE(cert-dcl50-cpp): the core takes a va_list (OSSL_FUNC_core_vset_error)
void set_error(const ProviderContext& ctx, int reason, const char* format, ...) {
  va_list args;  // NOLINT(cppcoreguidelines-pro-type-vararg)
  va_start(args, format);
  ctx.vset_error(ctx.handle, static_cast<uint32_t>(reason), format, args);
  va_end(args);
}

const OSSL_ALGORITHM kKeymgmt[] = {{"RSA:rsaEncryption:1.2.840.113549.1.1.1", kOwnProperty,
                                    kRsaKeymgmt, "signet: RSA key in a PKCS#11 token"},
                                   {"EC:id-ecPublicKey:1.2.840.10045.2.1", kOwnProperty, kEcKeymgmt,
                                    "signet: EC key (P-256, P-384) in a PKCS#11 token"},
                                   {"ED25519:1.3.101.112", kOwnProperty, kEd25519Keymgmt,
                                    "signet: Ed25519 key in a PKCS#11 token"},
                                   {nullptr, nullptr, nullptr, nullptr}};
const OSSL_ALGORITHM kSignature[] = {{kRsaSignatureName, kOwnProperty, kRsaSignature,
                                      "signet: RSA PKCS#1 v1.5 and PSS with SHA-256 in a token"},
                                     {kEcdsaSignatureName, kOwnProperty, kEcdsaSignature,
                                      "signet: ECDSA with SHA-256/SHA-384 in a token"},
                                     {kEd25519SignatureName, kOwnProperty, kEd25519Signature,
                                      "signet: Ed25519 (RFC 8032 PureEdDSA) in a token"},
                                     {nullptr, nullptr, nullptr, nullptr}};
const OSSL_ALGORITHM kStore[] = {
    {"pkcs11", kOwnProperty, kPkcs11Store, "signet: RFC 7512 pkcs11: URIs"},
    {nullptr, nullptr, nullptr, nullptr}};

const OSSL_ALGORITHM* query_operation(void* /*provctx*/, int operation, int* no_cache) {
  *no_cache = 0;
  switch (operation) {
    case OSSL_OP_KEYMGMT:
      return kKeymgmt;
    case OSSL_OP_SIGNATURE:
      return kSignature;
    case OSSL_OP_STORE:
      return kStore;
    default:
      return nullptr;
  }
}

const OSSL_PARAM* gettable_params(void* /*provctx*/) {
  static const OSSL_PARAM kParams[] = {OSSL_PARAM_utf8_ptr(OSSL_PROV_PARAM_NAME, nullptr, 0),
                                       OSSL_PARAM_utf8_ptr(OSSL_PROV_PARAM_VERSION, nullptr, 0),
                                       OSSL_PARAM_utf8_ptr(OSSL_PROV_PARAM_BUILDINFO, nullptr, 0),
                                       OSSL_PARAM_int(OSSL_PROV_PARAM_STATUS, nullptr),
                                       OSSL_PARAM_END};
  return kParams;
}

int get_params(void* /*provctx*/, OSSL_PARAM params[]) {
  OSSL_PARAM* p = OSSL_PARAM_locate(params, OSSL_PROV_PARAM_NAME);
  if (p != nullptr && OSSL_PARAM_set_utf8_ptr(p, "signet PKCS#11 provider") == 0) return 0;
  p = OSSL_PARAM_locate(params, OSSL_PROV_PARAM_VERSION);
  if (p != nullptr && OSSL_PARAM_set_utf8_ptr(p, "0.1.0") == 0) return 0;
  p = OSSL_PARAM_locate(params, OSSL_PROV_PARAM_BUILDINFO);
  if (p != nullptr && OSSL_PARAM_set_utf8_ptr(p, "signet " __DATE__) == 0) return 0;
  p = OSSL_PARAM_locate(params, OSSL_PROV_PARAM_STATUS);
  if (p != nullptr && OSSL_PARAM_set_int(p, 1) == 0) return 0;
  return 1;
}

const OSSL_ITEM* get_reason_strings(void* /*provctx*/) {
  return reason_strings();
}

void teardown(void* provctx) {
  auto* ctx = static_cast<ProviderContext*>(provctx);
  OSSL_LIB_CTX_free(ctx->libctx);
  delete ctx;  // NOLINT(cppcoreguidelines-owning-memory): owned by the core since init
}

const OSSL_DISPATCH kProviderDispatch[] = {
    {OSSL_FUNC_PROVIDER_TEARDOWN, fn(teardown)},
    {OSSL_FUNC_PROVIDER_GETTABLE_PARAMS, fn(gettable_params)},
    {OSSL_FUNC_PROVIDER_GET_PARAMS, fn(get_params)},
    {OSSL_FUNC_PROVIDER_QUERY_OPERATION, fn(query_operation)},
    {OSSL_FUNC_PROVIDER_GET_REASON_STRINGS, fn(get_reason_strings)},
    {0, nullptr}};

int init(const OSSL_CORE_HANDLE* handle, const OSSL_DISPATCH* in, const OSSL_DISPATCH** out,
         void** provctx) {
  auto* ctx = new (std::nothrow) ProviderContext;  // NOLINT(cppcoreguidelines-owning-memory)
  if (ctx == nullptr) return 0;
  ctx->handle = handle;
  OSSL_FUNC_core_get_params_fn* core_get_params = nullptr;
  for (const OSSL_DISPATCH* f = in; f->function_id != 0; ++f) {
    switch (f->function_id) {
      case OSSL_FUNC_CORE_GET_PARAMS:
        core_get_params = OSSL_FUNC_core_get_params(f);
        break;
      case OSSL_FUNC_CORE_NEW_ERROR:
        ctx->new_error = OSSL_FUNC_core_new_error(f);
        break;
      case OSSL_FUNC_CORE_SET_ERROR_DEBUG:
        ctx->set_error_debug = OSSL_FUNC_core_set_error_debug(f);
        break;
      case OSSL_FUNC_CORE_VSET_ERROR:
        ctx->vset_error = OSSL_FUNC_core_vset_error(f);
        break;
      default:
        break;
    }
  }
  if (core_get_params == nullptr || ctx->new_error == nullptr || ctx->set_error_debug == nullptr ||
      ctx->vset_error == nullptr) {
    delete ctx;  // NOLINT(cppcoreguidelines-owning-memory)
    return 0;
  }
  // The provider's configuration section (config(5) "[signet_sect] pkcs11-module-path = ...").
  char* module_path = nullptr;
  OSSL_PARAM core_params[] = {OSSL_PARAM_utf8_ptr("pkcs11-module-path", &module_path, 0),
                              OSSL_PARAM_END};
  if (core_get_params(handle, core_params) != 0 && module_path != nullptr) {
    ctx->module_path = module_path;
  }
  ctx->libctx = OSSL_LIB_CTX_new_child(handle, in);
  if (ctx->libctx == nullptr) {
    delete ctx;  // NOLINT(cppcoreguidelines-owning-memory)
    return 0;
  }
  *out = kProviderDispatch;
  *provctx = ctx;
  return 1;
}

}  // namespace

const OSSL_ITEM* reason_strings() {
  static const OSSL_ITEM kReasons[] = {
      {static_cast<unsigned int>(reason_of(ErrorCode::kInvalidArgument)),
       const_cast<char*>("invalid argument (do not retry)")},  // NOLINT: OSSL_ITEM is not const
      {static_cast<unsigned int>(reason_of(ErrorCode::kFailedPrecondition)),
       const_cast<char*>("failed precondition")},  // NOLINT
      {static_cast<unsigned int>(reason_of(ErrorCode::kNotFound)),
       const_cast<char*>("not found")},  // NOLINT
      {static_cast<unsigned int>(reason_of(ErrorCode::kAlreadyExists)),
       const_cast<char*>("already exists")},  // NOLINT
      {static_cast<unsigned int>(reason_of(ErrorCode::kPermissionDenied)),
       const_cast<char*>("permission denied")},  // NOLINT
      {static_cast<unsigned int>(reason_of(ErrorCode::kUnavailable)),
       const_cast<char*>("token unavailable (retry)")},  // NOLINT
      {static_cast<unsigned int>(reason_of(ErrorCode::kAborted)),
       const_cast<char*>("aborted (retry)")},  // NOLINT
      {static_cast<unsigned int>(reason_of(ErrorCode::kDeadlineExceeded)),
       const_cast<char*>("deadline exceeded (retry)")},  // NOLINT
      {static_cast<unsigned int>(reason_of(ErrorCode::kResourceExhausted)),
       const_cast<char*>("resource exhausted (retry)")},  // NOLINT
      {static_cast<unsigned int>(reason_of(ErrorCode::kInternal)),
       const_cast<char*>("internal error")},  // NOLINT
      {0, nullptr}};
  return kReasons;
}

void raise(const ProviderContext& ctx, ErrorCode code, const std::string& message,
           const char* function, std::source_location where) {
  ctx.new_error(ctx.handle);
  ctx.set_error_debug(ctx.handle, where.file_name(), static_cast<int>(where.line()), function);
  set_error(ctx, reason_of(code), "%s", message.c_str());
}

void raise(const ProviderContext& ctx, const Error& error, const char* function,
           std::source_location where) {
  raise(ctx, error.code(), error.message(), function, where);
}

Result<std::string> resolve_module(const ProviderContext& ctx, const std::string* uri_module_path) {
  if (uri_module_path != nullptr) return *uri_module_path;
  if (!ctx.module_path.empty()) return ctx.module_path;
  if (const char* env = std::getenv("SIGNET_PKCS11_MODULE");  // NOLINT(concurrency-mt-unsafe)
      env != nullptr && *env != '\0') {
    return std::string(env);
  }
  return fail(ErrorCode::kFailedPrecondition,
              "no PKCS#11 module: add module-path=PATH to the key URI's query, set "
              "pkcs11-module-path in the signet provider's configuration section, or set "
              "SIGNET_PKCS11_MODULE");
}

}  // namespace signet::provider

// The module's one exported symbol (provider-base(7) "Provider entry point").
extern "C" __attribute__((visibility("default"))) int OSSL_provider_init(
    const OSSL_CORE_HANDLE* handle, const OSSL_DISPATCH* in, const OSSL_DISPATCH** out,
    void** provctx) {
  return signet::provider::init(handle, in, out, provctx);
}
