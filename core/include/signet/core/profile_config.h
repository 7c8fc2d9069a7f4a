// The profiles file: built-in profiles overridden and extended by configuration. JSON:
//
//   {"version": 1, "profiles": [
//     {"name": "kubelet-serving", "validity": "720h", "max_validity": "720h"},
//     {"name": "ingress", "base": "apiserver", "cn_rule": "request", "signer_names": [...]}]}
//
// An entry named like a built-in replaces the fields it gives; any other name adds a profile,
// starting from "base" when given (else from nothing: then every rule must be stated). Parsing
// is strict: unknown keys, duplicate keys, wrong types and bad values are refused naming the
// JSON path, and the result is validated by Profile::create and ProfileSet::create.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "signet/core/profile.h"
#include "signet/core/result.h"

namespace signet {

// Largest profiles file accepted.
inline constexpr std::size_t kMaxProfileConfigBytes = std::size_t{256} * 1024;

// The effective profile set: the built-ins with `json_text` applied. `source` names the file in
// messages ("profiles.json: profiles[1].validity: ...").
[[nodiscard]] Result<ProfileSet> load_profiles(std::string_view json_text, std::string_view source);

// One profile as a JSON object in the file's schema (every key, in a fixed order), so the output
// of `signet profiles show NAME --output json` can be edited and loaded back.
[[nodiscard]] std::string profile_json(const Profile& profile);

}  // namespace signet
