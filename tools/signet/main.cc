// signet — a PKI signing engine whose CA keys live in a PKCS#11 token.
// Thin entry point: parse arguments, run the selected command, map its Status to an exit code.
#include <iostream>
#include <string>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "signet/scheduler/version.h"

#include "commands.h"

namespace {

// Exit codes: 0 success, 1 an error retrying cannot fix, 2 usage, 75 (EX_TEMPFAIL) retry later.
constexpr int kExitError = 1;
constexpr int kExitUsage = 2;
constexpr int kExitRetry = 75;

}  // namespace

int run(int argc, char** argv) {
  using signet::cli::Context;
  CLI::App app{"signet: issue and rotate Kubernetes certificates with CA keys kept in an HSM"};
  app.set_version_flag(
      "--version", std::string("signet " SIGNET_VERSION " (") + signet::scheduler::version() + ")");
  app.require_subcommand(1);
  app.fallthrough();
  Context ctx;
  app.add_option("--state", ctx.state_flag,
                 "state directory (default: $SIGNET_HOME, else ./var/signet)");
  app.add_option("--output", ctx.output, "output format")->check(CLI::IsMember({"text", "json"}));
  app.add_flag("--allow-software-key", ctx.allow_software_key,
               "accept file:PATH CA keys (tests and benchmarks only)");
  app.add_option("--ledger", ctx.ledger_flag,
                 "ledger: an SQLite file or postgresql://user@host/db (no password; PGPASSFILE); "
                 "default: config.json \"ledger\", else <state>/ledger.sqlite");
  app.footer(
      "Examples:\n"
      "  signet token init --module /usr/lib/softhsm/libsofthsm2.so --label signet \\\n"
      "      --pin-source file:pin.txt --so-pin-source file:so-pin.txt\n"
      "  signet key generate --algorithm ecdsa-p256 \\\n"
      "      --key 'pkcs11:token=signet;object=kubernetes-ca?pin-source=file:pin.txt'\n"
      "  signet ca init --name kubernetes --subject CN=kubernetes --validity 87600h \\\n"
      "      --key 'pkcs11:token=signet;object=kubernetes-ca?pin-source=file:pin.txt' --out "
      "ca.crt\n"
      "  signet sign --ca kubernetes --profile kubelet-client --csr node.csr --out node.crt\n"
      "  signet profiles show kubelet-serving --output json\n"
      "PINs come only from pin-source=file:PATH or env:NAME, never from the command line.");

  signet::cli::Action action;
  signet::cli::register_token_commands(app, ctx, action);
  signet::cli::register_key_commands(app, ctx, action);
  signet::cli::register_ca_commands(app, ctx, action);
  signet::cli::register_sign_command(app, ctx, action);
  signet::cli::register_bench_commands(app, ctx, action);
  signet::cli::register_profiles_commands(app, ctx, action);
  signet::cli::register_batch_command(app, ctx, action);
  signet::cli::register_fleet_commands(app, ctx, action);
  signet::cli::register_ledger_commands(app, ctx, action);
  signet::cli::register_certs_commands(app, ctx, action);
  signet::cli::register_serve_commands(app, ctx, action);
  signet::cli::register_reissue_commands(app, ctx, action);
  signet::cli::register_renew_commands(app, ctx, action);
  signet::cli::register_credentials_commands(app, ctx, action);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : kExitUsage;
  }
  if (!action) return kExitUsage;
  signet::Status status;
  try {
    status = action();
  } catch (const std::exception& e) {
    // Library code returns Result; this catches what third-party code may still throw
    // (std::filesystem, allocation) so the process reports instead of aborting.
    status = signet::fail(signet::ErrorCode::kInternal, std::string("unexpected: ") + e.what());
  }
  if (status) return ctx.exit_code;
  const signet::Error& error = status.error();
  if (ctx.mode() == signet::cli::OutputMode::kJson) {
    const nlohmann::json j = {{"error",
                               {{"code", std::string(signet::to_string(error.code()))},
                                {"retry", std::string(signet::to_string(error.retry()))},
                                {"message", error.message()}}}};
    std::cerr << j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
  } else {
    std::cerr << "signet: error: " << error.message() << '\n';
  }
  return error.retry() == signet::Retry::kNever ? kExitError : kExitRetry;
}

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    // Startup (argument parsing, option registration) is the only place exceptions may come
    // from; report them instead of terminating.
    std::cerr << "signet: error: " << e.what() << '\n';
  } catch (...) {
    std::cerr << "signet: error: unknown exception\n";
  }
  return kExitError;
}
