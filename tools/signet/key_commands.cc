// signet key generate | list — keys inside a token, named by RFC 7512 URIs.
#include <memory>
#include <sstream>
#include <string>

#include "signet/core/bytes.h"
#include "signet/hsm/token.h"

#include "commands.h"

namespace signet::cli {
namespace {

nlohmann::json key_json(const hsm::KeyDescription& k) {
  nlohmann::json j = {{"label", k.label},
                      {"id", to_hex(k.id)},
                      {"algorithm", key_spec_name(k.key)},
                      {"uri", k.uri}};
  if (k.has_private) {
    j["sensitive"] = k.sensitive;
    j["extractable"] = k.extractable;
    j["always_authenticate"] = k.always_authenticate;
  }
  return j;
}

struct GenerateOptions {
  std::string key;
  std::string algorithm = "ecdsa-p256";
};

Status key_generate(const Context& ctx, const GenerateOptions& o) {
  SIGNET_ASSIGN_OR_RETURN(const KeySpec spec, parse_key_spec(o.algorithm));
  SIGNET_ASSIGN_OR_RETURN(const hsm::Pkcs11Uri uri, hsm::Pkcs11Uri::parse(o.key));
  SIGNET_ASSIGN_OR_RETURN(const std::string module, resolve_module(ctx, uri));
  SIGNET_ASSIGN_OR_RETURN(const hsm::KeyDescription k, hsm::generate_key(module, uri, spec));
  emit(ctx, key_json(k),
       "generated " + key_spec_name(k.key) + " key '" + k.label +
           "' inside the token (sensitive, not extractable)\nURI: " + k.uri);
  return {};
}

struct ListOptions {
  std::string token;
  std::string pin_source;
  std::string module;
};

Status key_list(const Context& ctx, const ListOptions& o) {
  hsm::Pkcs11Uri uri;
  if (o.token.rfind("pkcs11:", 0) == 0) {
    SIGNET_ASSIGN_OR_RETURN(uri, hsm::Pkcs11Uri::parse(o.token));
  } else {
    uri.token = o.token;
  }
  if (!o.pin_source.empty()) uri.pin_source = o.pin_source;
  if (!o.module.empty()) uri.module_path = o.module;
  SIGNET_ASSIGN_OR_RETURN(const std::string module, resolve_module(ctx, uri));
  SIGNET_ASSIGN_OR_RETURN(const auto keys, hsm::list_keys(module, uri));
  nlohmann::json j = nlohmann::json::array();
  std::ostringstream text;
  text << "LABEL\tALGORITHM\tSENSITIVE\tEXTRACTABLE\tURI\n";
  for (const auto& k : keys) {
    j.push_back(key_json(k));
    text << k.label << '\t' << key_spec_name(k.key) << '\t'
         << (k.has_private ? (k.sensitive ? "yes" : "NO") : "?") << '\t'
         << (k.has_private ? (k.extractable ? "YES" : "no") : "?") << '\t' << k.uri << '\n';
  }
  if (!uri.pin_source) text << "(no --pin-source: public keys only, attributes unknown)\n";
  emit(ctx, {{"keys", j}}, text.str());
  return {};
}

}  // namespace

void register_key_commands(CLI::App& app, Context& ctx, Action& action) {
  auto* key = app.add_subcommand("key", "Generate and list keys inside a token");
  key->require_subcommand(1);

  auto g = std::make_shared<GenerateOptions>();
  auto* gen = key->add_subcommand("generate", "Generate a key pair inside the token");
  gen->add_option("--key", g->key, "pkcs11: URI naming token and object, with pin-source")
      ->required();
  gen->add_option("--algorithm", g->algorithm,
                  "ecdsa-p256 (default), ecdsa-p384, rsa-2048, rsa-3072 or rsa-4096");
  gen->footer(
      "Example:\n  signet key generate --algorithm ecdsa-p256 \\\n"
      "    --key 'pkcs11:token=signet;object=kubernetes-ca?pin-source=file:pin.txt'");
  gen->callback([&ctx, &action, g] { action = [&ctx, g] { return key_generate(ctx, *g); }; });

  auto l = std::make_shared<ListOptions>();
  auto* list = key->add_subcommand("list", "List the keys in a token");
  list->add_option("--token", l->token, "token label, or a pkcs11: URI")->required();
  list->add_option("--pin-source", l->pin_source,
                   "log in (file:PATH or env:NAME) to show private keys and their attributes");
  list->add_option("--module", l->module, "PKCS#11 module (default: the state's config)");
  list->footer(
      "Example:\n  signet key list --token signet --pin-source file:pin.txt --output json");
  list->callback([&ctx, &action, l] { action = [&ctx, l] { return key_list(ctx, *l); }; });
}

}  // namespace signet::cli
