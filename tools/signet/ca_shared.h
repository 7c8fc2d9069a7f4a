// Helpers shared by the `signet ca` command files (ca_commands.cc, ca_adopt_commands.cc).
#pragma once

#include <string>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "signet/core/result.h"

#include "commands.h"
#include "state.h"

namespace signet::cli {

// The key reference as recorded: pkcs11: URIs canonical with an absolute pin-source file (never
// a PIN, which the parser refuses); file: references made absolute.
[[nodiscard]] Result<std::string> canonical_key_ref(const std::string& ref);

// A CA as `ca list`, `ca init` and `ca import` print it.
[[nodiscard]] nlohmann::json ca_json(const StoredCa& ca);

// `ca import` and `ca csr`: adopting an existing PKI (ca_adopt_commands.cc).
void register_ca_adopt_commands(CLI::App& ca, Context& ctx, Action& action);

}  // namespace signet::cli
