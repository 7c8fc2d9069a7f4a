// State the signet OpenSSL provider shares between its operations: the core's handle and error
// functions, the child library context it fetches digests and public-key helpers from, and the
// PKCS#11 module named in its configuration section. Internal to hsm/provider.
#pragma once

#include <source_location>
#include <string>

#include <openssl/core.h>
#include <openssl/core_dispatch.h>

#include "signet/core/result.h"

namespace signet::provider {

// Every algorithm signet registers carries this property, and every fetch the provider makes for
// itself excludes it, so an internal EVP_PKEY never lands back in signet's own key management
// (provider(7): a provider may see itself in a child library context).
inline constexpr const char* kOwnProperty = "provider=signet";
inline constexpr const char* kInternalQuery = "provider!=signet";

struct ProviderContext {
  const OSSL_CORE_HANDLE* handle = nullptr;
  // A child of the application's library context (OSSL_LIB_CTX_new_child): the application's
  // digests and default key management, under the application's configuration.
  OSSL_LIB_CTX* libctx = nullptr;
  // `pkcs11-module-path` from the provider's configuration section; empty when not set.
  std::string module_path;
  OSSL_FUNC_core_new_error_fn* new_error = nullptr;
  OSSL_FUNC_core_set_error_debug_fn* set_error_debug = nullptr;
  OSSL_FUNC_core_vset_error_fn* vset_error = nullptr;
};

// Raises `error` on the caller's OpenSSL error queue: the reason is the error code (its text
// says whether to retry), the data is the message. PINs never reach messages (secret.h).
// The debug location is the caller's, so `openssl` error lines point at the failing operation.
void raise(const ProviderContext& ctx, const Error& error, const char* function,
           std::source_location where = std::source_location::current());
void raise(const ProviderContext& ctx, ErrorCode code, const std::string& message,
           const char* function, std::source_location where = std::source_location::current());

// The PKCS#11 module for a key: the URI's module-path, else the provider's configured
// pkcs11-module-path, else $SIGNET_PKCS11_MODULE; no silent default (as the CLI's
// resolve_module in tools/signet/context.cc).
[[nodiscard]] Result<std::string> resolve_module(const ProviderContext& ctx,
                                                 const std::string* uri_module_path);

// The reason strings OpenSSL prints for signet's errors (one per ErrorCode).
[[nodiscard]] const OSSL_ITEM* reason_strings();

}  // namespace signet::provider
