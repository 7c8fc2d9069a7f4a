// The `signet` subcommands. Each register_* adds its subcommands to the app; the callbacks
// return a Status that main() turns into a message and an exit code.
#pragma once

#include <functional>

#include <CLI/CLI.hpp>

#include "context.h"

namespace signet::cli {

// The callback a subcommand runs; main() runs the one selected.
using Action = std::function<Status()>;

void register_token_commands(CLI::App& app, Context& ctx, Action& action);
void register_key_commands(CLI::App& app, Context& ctx, Action& action);
void register_ca_commands(CLI::App& app, Context& ctx, Action& action);
void register_sign_command(CLI::App& app, Context& ctx, Action& action);
void register_bench_commands(CLI::App& app, Context& ctx, Action& action);
void register_profiles_commands(CLI::App& app, Context& ctx, Action& action);
void register_batch_command(CLI::App& app, Context& ctx, Action& action);
void register_fleet_commands(CLI::App& app, Context& ctx, Action& action);
void register_ledger_commands(CLI::App& app, Context& ctx, Action& action);
void register_certs_commands(CLI::App& app, Context& ctx, Action& action);
// signet serve, signet config check (tools/serve: signet::serve).
void register_serve_commands(CLI::App& app, Context& ctx, Action& action);
void register_reissue_commands(CLI::App& app, Context& ctx, Action& action);
void register_renew_commands(CLI::App& app, Context& ctx, Action& action);
// signet credentials list|rotate: a serve config's HMAC keys (issue 7 item 2).
void register_credentials_commands(CLI::App& app, Context& ctx, Action& action);

}  // namespace signet::cli
