// Where the CLI's profiles come from: --profiles FILE, else <state>/profiles.json when it
// exists, else the built-ins (core/profile_config.h describes the file).
#pragma once

#include <string>

#include "signet/core/profile.h"
#include "signet/core/result.h"

#include "context.h"

namespace signet::cli {

[[nodiscard]] Result<ProfileSet> load_effective_profiles(const Context& ctx,
                                                         const std::string& profiles_flag);

// "unknown profile 'x' (known: a, b, ...)".
[[nodiscard]] Error unknown_profile(const ProfileSet& set, const std::string& name);

}  // namespace signet::cli
