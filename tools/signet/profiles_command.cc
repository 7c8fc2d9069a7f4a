// signet profiles show [NAME] — the effective profiles (built-ins with the profiles file applied),
// in the stable text form the snapshot test pins, or as JSON in the profiles file's schema.
#include <memory>
#include <string>

#include "signet/core/profile.h"
#include "signet/core/profile_config.h"

#include "commands.h"
#include "profile_loading.h"

namespace signet::cli {
namespace {

struct ShowOptions {
  std::string name;
  std::string profiles;
};

Status show(const Context& ctx, const ShowOptions& o) {
  SIGNET_ASSIGN_OR_RETURN(const ProfileSet set, load_effective_profiles(ctx, o.profiles));
  std::string text;
  nlohmann::json list = nlohmann::json::array();
  for (const auto& p : set.profiles()) {
    if (!o.name.empty() && p.name() != o.name) continue;
    text += (text.empty() ? "" : "\n") + profile_text(p);
    list.push_back(nlohmann::json::parse(profile_json(p)));
  }
  if (!o.name.empty() && list.empty()) return fail(unknown_profile(set, o.name));
  if (!o.name.empty()) {
    emit(ctx, list[0], text);
  } else {
    emit(ctx, nlohmann::json{{"profiles", list}}, text);
  }
  return {};
}

}  // namespace

void register_profiles_commands(CLI::App& app, Context& ctx, Action& action) {
  auto* group = app.add_subcommand("profiles", "Issuance profiles and their policy");
  group->require_subcommand(1);
  auto o = std::make_shared<ShowOptions>();
  auto* cmd = group->add_subcommand("show", "Print the effective profile(s)");
  cmd->add_option("name", o->name, "one profile (default: all)");
  cmd->add_option("--profiles", o->profiles,
                  "profiles file (default: <state>/profiles.json when present)");
  cmd->footer(
      "Examples:\n  signet profiles show\n  signet profiles show kubelet-serving --output json\n"
      "  signet profiles show --profiles my-profiles.json");
  cmd->callback([&ctx, &action, o] { action = [&ctx, o] { return show(ctx, *o); }; });
}

}  // namespace signet::cli
