// signet token init — a development token (SoftHSM). Production HSMs are set up with their
// vendor's tools; signet only needs their module path and a key URI.
#include <memory>
#include <string>

#include "signet/hsm/secret.h"
#include "signet/hsm/token.h"

#include "commands.h"

namespace signet::cli {
namespace {

struct TokenInitOptions {
  std::string module;
  std::string label;
  std::string pin_source;
  std::string so_pin_source;
};

Status token_init(const Context& ctx, const TokenInitOptions& o) {
  SIGNET_ASSIGN_OR_RETURN(const hsm::SecretString pin, hsm::read_pin(o.pin_source));
  SIGNET_ASSIGN_OR_RETURN(const hsm::SecretString so_pin, hsm::read_pin(o.so_pin_source));
  SIGNET_RETURN_IF_ERROR(hsm::init_token(o.module, o.label, so_pin, pin));
  const State state = ctx.state();
  SIGNET_ASSIGN_OR_RETURN(Config config, state.load_config());
  config.pkcs11_module = o.module;
  SIGNET_RETURN_IF_ERROR(state.save_config(config));
  hsm::Pkcs11Uri uri;
  uri.token = o.label;
  emit(ctx,
       {{"token", o.label},
        {"module", o.module},
        {"uri", uri.to_string()},
        {"state", state.dir().string()}},
       "initialised token '" + o.label + "' in " + o.module + "\nrecorded the module in " +
           (state.dir() / "config.json").string() + "\ntoken URI: " + uri.to_string());
  return {};
}

}  // namespace

void register_token_commands(CLI::App& app, Context& ctx, Action& action) {
  auto* token = app.add_subcommand("token", "Manage PKCS#11 tokens");
  token->require_subcommand(1);
  auto o = std::make_shared<TokenInitOptions>();
  auto* init = token->add_subcommand(
      "init", "Initialise a development token (SoftHSM) and set its user PIN");
  init->add_option("--module", o->module, "PKCS#11 module path (recorded in the state config)")
      ->required();
  init->add_option("--label", o->label, "token label (1-32 bytes)")->required();
  init->add_option("--pin-source", o->pin_source, "user PIN: file:PATH or env:NAME")->required();
  init->add_option("--so-pin-source", o->so_pin_source, "SO PIN: file:PATH or env:NAME")
      ->required();
  init->footer(
      "Example:\n  signet token init --module /usr/lib/softhsm/libsofthsm2.so --label signet \\\n"
      "    --pin-source file:pin.txt --so-pin-source file:so-pin.txt");
  init->callback([&ctx, &action, o] { action = [&ctx, o] { return token_init(ctx, *o); }; });
}

}  // namespace signet::cli
