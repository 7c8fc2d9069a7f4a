// What every command shares: the state directory, the output mode, and the way a key reference
// becomes a Signer.
#pragma once

#include <iosfwd>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "signet/core/result.h"
#include "signet/core/signer.h"
#include "signet/hsm/pkcs11_uri.h"

#include "state.h"

namespace signet::cli {

enum class OutputMode { kText, kJson };

struct Context {
  std::string state_flag;
  std::string output = "text";
  bool allow_software_key = false;
  std::string ledger_flag;  // --ledger: an SQLite path or a postgresql:// URI (ledger_access.h)
  // What main() returns when the command succeeds (certs check-expiration sets 3 when something
  // expires within --warn-within).
  int exit_code = 0;

  [[nodiscard]] State state() const { return State(State::resolve(state_flag)); }
  [[nodiscard]] OutputMode mode() const {
    return output == "json" ? OutputMode::kJson : OutputMode::kText;
  }
};

// The module for a URI: its module-path, else the state's config (set by `token init`), else
// $SIGNET_PKCS11_MODULE; none of these is an error, never a silent default.
[[nodiscard]] Result<std::string> resolve_module(const Context& ctx, const hsm::Pkcs11Uri& uri);

// A Signer for a key reference: a pkcs11: URI, or file:PATH (a software key) only when
// --allow-software-key was given.
[[nodiscard]] Result<std::unique_ptr<Signer>> open_key(const Context& ctx, const std::string& ref);

// Prints `j` (JSON mode) or `text` (text mode) to stdout.
void emit(const Context& ctx, const nlohmann::json& j, const std::string& text);

}  // namespace signet::cli
