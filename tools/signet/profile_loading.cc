#include "profile_loading.h"

#include <filesystem>

#include "signet/core/profile_config.h"

namespace signet::cli {

Result<ProfileSet> load_effective_profiles(const Context& ctx, const std::string& profiles_flag) {
  std::filesystem::path path = profiles_flag;
  if (path.empty()) {
    const auto in_state = ctx.state().dir() / "profiles.json";
    std::error_code ec;
    if (!std::filesystem::exists(in_state, ec)) return builtin_profiles();
    path = in_state;
  }
  SIGNET_ASSIGN_OR_RETURN(const std::string text,
                          read_file_limited(path, kMaxProfileConfigBytes, "profiles file"));
  return load_profiles(text, path.string());
}

Error unknown_profile(const ProfileSet& set, const std::string& name) {
  std::string known;
  for (const auto& n : set.names()) known += (known.empty() ? "" : ", ") + n;
  return {ErrorCode::kInvalidArgument,
          "unknown profile '" + name.substr(0, 64) + "' (known: " + known + ")"};
}

}  // namespace signet::cli
