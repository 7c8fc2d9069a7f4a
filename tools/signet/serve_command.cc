// signet serve — the thin entry point of signet::serve: load the config, open the CAs' token
// signers, bind, print where it listens, serve until SIGTERM/SIGINT (then drain); SIGHUP
// reloads the config file and profiles.
// signet config check — the same validation without serving.
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "signet/core/duration.h"
#include "signet/hsm/session_load.h"
#include "signet/serve/config.h"
#include "signet/serve/server.h"

#include "commands.h"
#include "ledger_access.h"
#include "profile_loading.h"
#include "serve_ledger_recorder.h"

namespace signet::cli {
namespace {

struct ServeOptions {
  std::string config;
  std::vector<std::string> listen;
  std::string profiles;
};

Result<serve::ServerConfig> load_config(const ServeOptions& o) {
  SIGNET_ASSIGN_OR_RETURN(serve::ServerConfig config, serve::ServerConfig::load(o.config));
  if (!o.listen.empty()) {  // --listen replaces the config's listeners with HTTPS ones
    config.listeners.clear();
    for (const auto& text : o.listen) {
      auto address = serve::parse_listen_address(text);
      if (!address) return fail(address.error().context("--listen"));
      config.listeners.push_back({*address, false});
    }
    if (!config.tls) {
      return fail(ErrorCode::kInvalidArgument,
                  "--listen " + o.listen.front() + " serves HTTPS: the config needs \"tls\"");
    }
  }
  return config;
}

Result<serve::TlsIdentity> load_tls_identity(const serve::TlsConfig& tls) {
  serve::TlsIdentity identity;
  SIGNET_ASSIGN_OR_RETURN(identity.certificate_chain_pem,
                          read_file_limited(tls.certificate, 1 << 20, "TLS certificate"));
  // Only file: keys today (ServerConfig::parse refuses others). Unlike a CA key, the server's
  // TLS key is the usual file a web server holds (it signs handshakes, not certificates), so
  // --allow-software-key, which guards CA keys, is not asked for; the config names it on purpose.
  SIGNET_ASSIGN_OR_RETURN(identity.key, serve::load_private_key_file(tls.key.substr(5)));
  return identity;
}

// The CA and its parents for GET /v1/ca/NAME: an adopted CA's chain.crt as imported (its
// external parents, root included when it was given), else the parents signet made.
Result<std::string> ca_bundle(const Context& ctx, const StoredCa& stored, const std::string& name) {
  std::string bundle = stored.certificate_pem;
  const auto add = [&bundle](const std::string& pem) {
    if (!bundle.empty() && bundle.back() != '\n') bundle += '\n';
    bundle += pem;
  };
  if (!stored.chain_pem.empty()) {
    add(stored.chain_pem);
    return bundle;
  }
  SIGNET_ASSIGN_OR_RETURN(const auto parents, ctx.state().ancestors(name));
  for (const auto& parent : parents) add(parent.certificate_pem);
  return bundle;
}

Result<std::vector<serve::ServedCa>> open_cas(const Context& ctx,
                                              const serve::ServerConfig& config) {
  std::vector<serve::ServedCa> cas;
  for (const auto& name : config.cas) {
    SIGNET_ASSIGN_OR_RETURN(StoredCa stored, ctx.state().load_ca(name));
    SIGNET_ASSIGN_OR_RETURN(std::unique_ptr<Signer> signer, open_key(ctx, stored.record.key));
    SIGNET_RETURN_IF_ERROR(check_signer_matches(stored.certificate, *signer));
    SIGNET_ASSIGN_OR_RETURN(std::string chain, ctx.state().chain_pem(name));
    SIGNET_ASSIGN_OR_RETURN(std::string bundle, ca_bundle(ctx, stored, name));
    std::shared_ptr<Signer> shared(std::move(signer));
    // The /metrics gauges: the token signer's session pool, read per scrape.
    auto load = [shared]() -> std::optional<serve::SignerLoad> {
      const auto l = hsm::session_load(*shared);
      if (!l) return std::nullopt;
      return serve::SignerLoad{l->sessions, l->sessions_in_use, l->waiters};
    };
    cas.push_back({name, std::move(stored.certificate), std::move(stored.certificate_pem),
                   std::move(chain), std::move(shared), std::move(bundle), std::move(load)});
  }
  return cas;
}

Status serve_command(const Context& ctx, const ServeOptions& o) {
  SIGNET_ASSIGN_OR_RETURN(serve::ServerConfig config, load_config(o));
  SIGNET_ASSIGN_OR_RETURN(ProfileSet profiles, load_effective_profiles(ctx, o.profiles));
  SIGNET_RETURN_IF_ERROR(config.check_against(profiles));
  serve::ServerParts parts{std::move(config), std::move(profiles), {}, nullptr, std::nullopt, {}};
  if (parts.config.tls) {
    SIGNET_ASSIGN_OR_RETURN(parts.tls_identity, load_tls_identity(*parts.config.tls));
  }
  SIGNET_ASSIGN_OR_RETURN(parts.cas, open_cas(ctx, parts.config));
  // Every certificate goes to the ledger before it is returned; "record_file" adds a JSON-lines
  // log of the same certificates, written after the ledger commit.
  std::unique_ptr<serve::IssuanceRecorder> log;
  std::string record_file;
  if (!parts.config.record_file.empty()) {
    record_file = parts.config.record_file.string();
    SIGNET_ASSIGN_OR_RETURN(log, serve::JsonLinesRecorder::open(parts.config.record_file));
  }
  SIGNET_ASSIGN_OR_RETURN(auto store, open_ledger(ctx));
  const std::string ledger_name = store->describe();
  parts.recorder = std::make_shared<LedgerRecorder>(std::move(store), std::move(log));
  // SIGHUP: the same file and profiles read and checked again (Server::reload swaps them in).
  parts.reload = [&ctx, o]() -> Result<serve::Reloaded> {
    SIGNET_ASSIGN_OR_RETURN(serve::ServerConfig next, load_config(o));
    SIGNET_ASSIGN_OR_RETURN(ProfileSet next_profiles, load_effective_profiles(ctx, o.profiles));
    return serve::Reloaded{std::move(next), std::move(next_profiles)};
  };
  SIGNET_ASSIGN_OR_RETURN(auto server, serve::Server::create(std::move(parts)));
  const auto urls = server->urls();
  std::string text;
  for (const auto& u : urls) text += "signet serve: listening on " + u + "\n";
  emit(ctx, {{"listening", urls}, {"ledger", ledger_name}, {"record_file", record_file}}, text);
  std::cout.flush();
  SIGNET_RETURN_IF_ERROR(server->run());
  if (ctx.mode() == OutputMode::kText) std::cout << "signet serve: stopped\n";
  return {};
}

Status config_check(const Context& ctx, const ServeOptions& o) {
  SIGNET_ASSIGN_OR_RETURN(const serve::ServerConfig config, load_config(o));
  SIGNET_ASSIGN_OR_RETURN(const ProfileSet profiles, load_effective_profiles(ctx, o.profiles));
  SIGNET_RETURN_IF_ERROR(config.check_against(profiles));
  for (const auto& name : config.cas) {
    auto ca = ctx.state().load_ca(name);
    if (!ca) return fail(ca.error().context("server config: cas: '" + name + "'"));
  }
  if (config.tls) {
    SIGNET_RETURN_IF_ERROR(
        read_file_limited(config.tls->certificate, 1 << 20, "TLS certificate").map([](auto&&) {}));
    SIGNET_RETURN_IF_ERROR(
        serve::load_private_key_file(config.tls->key.substr(5)).map([](auto&&) {}));
  }
  nlohmann::json listeners = nlohmann::json::array();
  std::string text = "config ok: " + o.config + "\n";
  for (const auto& l : config.listeners) {
    const std::string url = (l.plain_http ? "http://" : "https://") + l.address.text();
    listeners.push_back(url);
    text += "  listener " + url + (l.plain_http ? " (plain HTTP, HMAC only)" : "") + "\n";
  }
  nlohmann::json keys = nlohmann::json::array();
  for (const auto& k : config.hmac_keys) {
    keys.push_back({{"name", k.name}, {"expires", format_time(k.expires)}});
    text += "  hmac key " + k.name + " expires " + format_time(k.expires) + "\n";
  }
  for (const auto& c : config.clients) {
    text += "  client " + c.name + " -> " + c.grant.ca + " [" +
            std::to_string(c.grant.profiles.size()) + " profiles]\n";
  }
  emit(ctx,
       {{"ok", true},
        {"config", o.config},
        {"listeners", listeners},
        {"cas", config.cas},
        {"clients", config.clients.size()},
        {"hmac_keys", keys}},
       text);
  return {};
}

}  // namespace

void register_serve_commands(CLI::App& app, Context& ctx, Action& action) {
  auto o = std::make_shared<ServeOptions>();
  auto* cmd =
      app.add_subcommand("serve", "Serve the cfssl-compatible signing API over (mutual) TLS");
  cmd->add_option("--config", o->config, "server config file (JSON; see README 'signet serve')")
      ->required();
  cmd->add_option("--listen", o->listen,
                  "HTTPS listen address, e.g. 127.0.0.1:8443 (repeatable; replaces the config's "
                  "listeners; port 0 picks a free one)");
  cmd->add_option("--profiles", o->profiles,
                  "profiles file (default: <state>/profiles.json when present)");
  cmd->footer(
      "Examples:\n"
      "  signet --allow-software-key serve --config serve.json --listen 127.0.0.1:8443\n"
      "  curl --cacert server-ca.crt --cert client.crt --key client.key \\\n"
      "      -d '{\"certificate_request\": \"...PEM...\", \"profile\": \"kubelet-client\"}' \\\n"
      "      https://127.0.0.1:8443/api/v1/cfssl/sign\n"
      "  cfssl sign -remote https://127.0.0.1:8443 -tls-remote-ca server-ca.crt \\\n"
      "      -mutual-tls-client-cert client.crt -mutual-tls-client-key client.key \\\n"
      "      -profile kubelet-client node.csr\n"
      "Stops on SIGTERM/SIGINT after in-flight requests are answered. SIGHUP reads the config "
      "file and profiles again: client identities, HMAC keys, grants, rate limits and profiles "
      "change without dropping a connection (listeners, TLS, limits and the CAs need a "
      "restart); a config that does not load or validate is refused and the running one "
      "kept. Each reload's outcome is a line on stderr.");
  cmd->callback([&ctx, &action, o] { action = [&ctx, o] { return serve_command(ctx, *o); }; });

  auto* config = app.add_subcommand("config", "Server configuration");
  config->require_subcommand(1);
  auto co = std::make_shared<ServeOptions>();
  auto* check = config->add_subcommand("check", "Validate a `signet serve` config file");
  check->add_option("file", co->config, "server config file")->required();
  check->add_option("--profiles", co->profiles,
                    "profiles file (default: <state>/profiles.json when present)");
  check->footer(
      "Examples:\n"
      "  signet config check serve.json\n"
      "  signet --output json config check /etc/signet/serve.json");
  check->callback([&ctx, &action, co] { action = [&ctx, co] { return config_check(ctx, *co); }; });
}

}  // namespace signet::cli
