#include "context.h"

#include <cstdlib>
#include <iostream>
#include <string>

#include "signet/core/software_signer.h"
#include "signet/hsm/token.h"

namespace signet::cli {

Result<std::string> resolve_module(const Context& ctx, const hsm::Pkcs11Uri& uri) {
  if (uri.module_path) return *uri.module_path;
  SIGNET_ASSIGN_OR_RETURN(const Config config, ctx.state().load_config());
  if (config.pkcs11_module) return *config.pkcs11_module;
  if (const char* env = std::getenv("SIGNET_PKCS11_MODULE");
      env != nullptr && *env != '\0') {  // NOLINT
    return std::string(env);
  }
  return fail(ErrorCode::kFailedPrecondition,
              "no PKCS#11 module: add module-path=PATH to the URI's query, run `signet token init "
              "--module PATH` for this state directory (" +
                  ctx.state().dir().string() + "), or set SIGNET_PKCS11_MODULE");
}

Result<std::unique_ptr<Signer>> open_key(const Context& ctx, const std::string& ref) {
  if (ref.rfind("file:", 0) == 0) {
    if (!ctx.allow_software_key) {
      return fail(ErrorCode::kFailedPrecondition,
                  "refusing a software CA key (" + ref.substr(0, 128) +
                      "): CA keys belong in a token; pass --allow-software-key for tests only");
    }
    const std::string path = ref.substr(5);
    SIGNET_ASSIGN_OR_RETURN(const std::string pem, read_file_limited(path, 64 * 1024, "key file"));
    SIGNET_ASSIGN_OR_RETURN(auto signer, SoftwareSigner::from_pem(as_bytes(pem), path));
    return std::unique_ptr<Signer>(std::move(signer));
  }
  SIGNET_ASSIGN_OR_RETURN(const hsm::Pkcs11Uri uri, hsm::Pkcs11Uri::parse(ref));
  SIGNET_ASSIGN_OR_RETURN(const std::string module, resolve_module(ctx, uri));
  return hsm::open_signer(module, uri);
}

void emit(const Context& ctx, const nlohmann::json& j, const std::string& text) {
  if (ctx.mode() == OutputMode::kJson) {
    std::cout << j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
  } else {
    std::cout << text;
    if (!text.empty() && text.back() != '\n') std::cout << '\n';
  }
}

}  // namespace signet::cli
