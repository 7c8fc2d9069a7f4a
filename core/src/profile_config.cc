#include "signet/core/profile_config.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <vector>

#include <nlohmann/json.hpp>

#include "signet/core/duration.h"

namespace signet {
namespace {

using Json = nlohmann::ordered_json;

constexpr std::size_t kMaxProfiles = 256;
constexpr std::size_t kMaxListItems = 64;

class Reader {
 public:
  explicit Reader(std::string source) : source_(std::move(source)) {}

  [[nodiscard]] Error error(const std::string& path, const std::string& what) const {
    return {ErrorCode::kInvalidArgument, source_ + ": " + path + ": " + what};
  }

  Result<std::string> string(const Json& v, const std::string& path, std::size_t max = 1024) const {
    if (!v.is_string()) return fail(error(path, "must be a string"));
    const auto& s = v.get_ref<const std::string&>();
    if (s.size() > max) {
      return fail(error(path, "must be at most " + std::to_string(max) + " bytes"));
    }
    return s;
  }

  Result<std::vector<std::string>> strings(const Json& v, const std::string& path) const {
    if (!v.is_array()) return fail(error(path, "must be an array of strings"));
    if (v.size() > kMaxListItems) {
      return fail(error(path, "must hold at most " + std::to_string(kMaxListItems) + " items"));
    }
    std::vector<std::string> out;
    for (std::size_t i = 0; i < v.size(); ++i) {
      SIGNET_ASSIGN_OR_RETURN(auto s, string(v[i], path + "[" + std::to_string(i) + "]"));
      out.push_back(std::move(s));
    }
    return out;
  }

  Result<std::size_t> bits(const Json& v, const std::string& path) const {
    if (!v.is_number_unsigned() || v.get<std::uint64_t>() > 65536) {
      return fail(error(path, "must be a positive integer number of bits"));
    }
    return v.get<std::size_t>();
  }

  Result<std::chrono::seconds> duration(const Json& v, const std::string& path) const {
    SIGNET_ASSIGN_OR_RETURN(const std::string text, string(v, path, 64));
    auto d = parse_duration(text);
    if (!d) return fail(error(path, d.error().message()));
    return *d;
  }

  // "renew_at": a fraction of the lifetime, or [from, until]; range checks are Profile::create's.
  Status renew_window(const Json& v, const std::string& path, ProfileSpec& s) const {
    const auto permille = [&](const Json& x, const std::string& p) -> Result<unsigned> {
      const bool fraction = x.is_number() && x.get<double>() >= 0.0 && x.get<double>() <= 1.0;
      if (!fraction) {
        return fail(error(p, "must be a fraction of the lifetime between 0 and 1"));
      }
      return static_cast<unsigned>(std::lround(x.get<double>() * 1000.0));
    };
    if (v.is_array()) {
      if (v.size() != 2) return fail(error(path, "must be a number or [from, until]"));
      SIGNET_ASSIGN_OR_RETURN(s.renew_from_permille, permille(v[0], path + "[0]"));
      SIGNET_ASSIGN_OR_RETURN(s.renew_until_permille, permille(v[1], path + "[1]"));
      return {};
    }
    SIGNET_ASSIGN_OR_RETURN(s.renew_from_permille, permille(v, path));
    s.renew_until_permille = s.renew_from_permille;
    return {};
  }

  template <typename E, std::size_t N>
  Result<E> choice(const Json& v, const std::string& path,
                   const std::pair<std::string_view, E> (&options)[N]) const {
    SIGNET_ASSIGN_OR_RETURN(const std::string text, string(v, path, 64));
    std::string names;
    for (const auto& [name, value] : options) {
      if (name == text) return value;
      names += (names.empty() ? "" : ", ") + std::string(name);
    }
    return fail(error(path, "'" + text + "' is not one of " + names));
  }

 private:
  std::string source_;
};

constexpr std::pair<std::string_view, ProfileKind> kKinds[] = {{"leaf", ProfileKind::kLeaf},
                                                               {"ca", ProfileKind::kCa}};
constexpr std::pair<std::string_view, CnRule> kCnRules[] = {
    {"fixed", CnRule::kFixed}, {"node-name", CnRule::kNodeName}, {"request", CnRule::kFromRequest}};
constexpr std::pair<std::string_view, OrganizationRule> kOrgRules[] = {
    {"exact", OrganizationRule::kExact}, {"any", OrganizationRule::kAny}};
constexpr std::pair<std::string_view, SanRule> kSanRules[] = {
    {"none", SanRule::kNone}, {"optional", SanRule::kOptional}, {"required", SanRule::kRequired}};
constexpr std::pair<std::string_view, AllowedKey> kKeys[] = {{"rsa", AllowedKey::kRsa},
                                                             {"ecdsa-p256", AllowedKey::kEcP256},
                                                             {"ecdsa-p384", AllowedKey::kEcP384},
                                                             {"ed25519", AllowedKey::kEd25519}};

// Applies one entry's fields (except name and base) to `s`.
Status apply(const Reader& r, const Json& entry, const std::string& path, ProfileSpec& s) {
  for (const auto& [key, v] : entry.items()) {
    std::string p = path;
    p += ".";
    p += key;
    if (key == "name" || key == "base") continue;
    if (key == "summary") {
      SIGNET_ASSIGN_OR_RETURN(s.summary, r.string(v, p));
    } else if (key == "kind") {
      SIGNET_ASSIGN_OR_RETURN(s.kind, r.choice(v, p, kKinds));
    } else if (key == "signer_names") {
      SIGNET_ASSIGN_OR_RETURN(s.signer_names, r.strings(v, p));
    } else if (key == "signed_by") {
      SIGNET_ASSIGN_OR_RETURN(s.signed_by, r.string(v, p, 63));
    } else if (key == "cn_rule") {
      SIGNET_ASSIGN_OR_RETURN(s.cn_rule, r.choice(v, p, kCnRules));
      if (s.cn_rule != CnRule::kFixed && !entry.contains("common_name")) s.common_name.clear();
    } else if (key == "common_name") {
      SIGNET_ASSIGN_OR_RETURN(s.common_name, r.string(v, p, 256));
    } else if (key == "organization_rule") {
      SIGNET_ASSIGN_OR_RETURN(s.organization_rule, r.choice(v, p, kOrgRules));
    } else if (key == "organizations") {
      SIGNET_ASSIGN_OR_RETURN(s.organizations, r.strings(v, p));
    } else if (key == "forbidden_organizations") {
      SIGNET_ASSIGN_OR_RETURN(s.forbidden_organizations, r.strings(v, p));
    } else if (key == "san_rule") {
      SIGNET_ASSIGN_OR_RETURN(s.san_rule, r.choice(v, p, kSanRules));
    } else if (key == "key_types") {
      if (!v.is_array()) return fail(r.error(p, "must be an array of strings"));
      s.key_types = 0;
      for (std::size_t i = 0; i < v.size() && i < kMaxListItems; ++i) {
        SIGNET_ASSIGN_OR_RETURN(const AllowedKey k,
                                r.choice(v[i], p + "[" + std::to_string(i) + "]", kKeys));
        s.key_types |= static_cast<unsigned>(k);
      }
    } else if (key == "rsa_min_bits") {
      SIGNET_ASSIGN_OR_RETURN(s.rsa_min_bits, r.bits(v, p));
    } else if (key == "rsa_max_bits") {
      SIGNET_ASSIGN_OR_RETURN(s.rsa_max_bits, r.bits(v, p));
    } else if (key == "required_usages") {
      SIGNET_ASSIGN_OR_RETURN(s.required_usages, r.strings(v, p));
    } else if (key == "allowed_usages") {
      SIGNET_ASSIGN_OR_RETURN(s.allowed_usages, r.strings(v, p));
    } else if (key == "default_usages") {
      SIGNET_ASSIGN_OR_RETURN(s.default_usages, r.strings(v, p));
    } else if (key == "validity") {
      SIGNET_ASSIGN_OR_RETURN(s.validity, r.duration(v, p));
    } else if (key == "max_validity") {
      SIGNET_ASSIGN_OR_RETURN(s.max_validity, r.duration(v, p));
    } else if (key == "renew_at") {
      SIGNET_RETURN_IF_ERROR(r.renew_window(v, p, s));
    } else {
      return fail(r.error(p, "unknown key"));
    }
  }
  return {};
}

// nlohmann keeps the last of duplicate keys silently; a config that says a rule twice is refused
// instead (RFC 8259 §4: names SHOULD be unique).
Result<Json> parse_strict(const Reader& r, std::string_view text) {
  std::vector<std::set<std::string>> keys;
  std::string duplicate;
  const Json::parser_callback_t cb = [&](int /*depth*/, Json::parse_event_t event, Json& parsed) {
    if (event == Json::parse_event_t::object_start) keys.emplace_back();
    if (event == Json::parse_event_t::object_end && !keys.empty()) keys.pop_back();
    if (event == Json::parse_event_t::key && !keys.empty() && duplicate.empty() &&
        !keys.back().insert(parsed.get<std::string>()).second) {
      duplicate = parsed.get<std::string>();
    }
    return true;
  };
  Json j = Json::parse(text, cb, /*allow_exceptions=*/false);
  if (j.is_discarded()) return fail(r.error("$", "is not valid JSON"));
  if (!duplicate.empty())
    return fail(r.error("$", "key '" + duplicate.substr(0, 64) + "' appears twice in one object"));
  return j;
}

}  // namespace

Result<ProfileSet> load_profiles(std::string_view json_text, std::string_view source) {
  const Reader r{std::string(source)};
  if (json_text.size() > kMaxProfileConfigBytes) {
    return fail(r.error("$", "is " + std::to_string(json_text.size()) + " bytes; the limit is " +
                                 std::to_string(kMaxProfileConfigBytes)));
  }
  SIGNET_ASSIGN_OR_RETURN(const Json doc, parse_strict(r, json_text));
  if (!doc.is_object()) return fail(r.error("$", "must be an object"));
  for (const auto& [key, v] : doc.items()) {
    if (key != "version" && key != "profiles") return fail(r.error(key, "unknown key"));
  }
  if (!doc.contains("version") || doc["version"] != 1) {
    return fail(r.error("version", "must be 1"));
  }
  std::vector<ProfileSpec> specs = builtin_profile_specs();
  if (doc.contains("profiles")) {
    const Json& list = doc["profiles"];
    if (!list.is_array()) return fail(r.error("profiles", "must be an array"));
    if (list.size() > kMaxProfiles) {
      return fail(
          r.error("profiles", "must hold at most " + std::to_string(kMaxProfiles) + " entries"));
    }
    std::set<std::string> seen;
    for (std::size_t i = 0; i < list.size(); ++i) {
      const std::string path = "profiles[" + std::to_string(i) + "]";
      const Json& entry = list[i];
      if (!entry.is_object()) return fail(r.error(path, "must be an object"));
      if (!entry.contains("name")) return fail(r.error(path + ".name", "is required"));
      SIGNET_ASSIGN_OR_RETURN(const std::string name, r.string(entry["name"], path + ".name", 63));
      if (!seen.insert(name).second) {
        return fail(r.error(path + ".name", "profile '" + name + "' is configured twice"));
      }
      auto existing = std::find_if(specs.begin(), specs.end(),
                                   [&](const ProfileSpec& s) { return s.name == name; });
      ProfileSpec spec;
      if (entry.contains("base")) {
        SIGNET_ASSIGN_OR_RETURN(const std::string base,
                                r.string(entry["base"], path + ".base", 63));
        const auto b = std::find_if(specs.begin(), specs.end(),
                                    [&](const ProfileSpec& s) { return s.name == base; });
        if (b == specs.end()) {
          return fail(r.error(path + ".base", "no profile named '" + base + "'"));
        }
        spec = *b;
        // signerNames belong to one profile: a derived profile states its own.
        spec.signer_names.clear();
      } else if (existing != specs.end()) {
        spec = *existing;
      }
      spec.name = name;
      SIGNET_RETURN_IF_ERROR(apply(r, entry, path, spec));
      auto checked = Profile::create(spec);
      if (!checked) return fail(r.error(path, checked.error().message()));
      if (existing != specs.end()) {
        *existing = std::move(spec);
      } else {
        specs.push_back(std::move(spec));
      }
    }
  }
  std::vector<Profile> profiles;
  for (auto& s : specs) {
    auto p = Profile::create(std::move(s));
    if (!p) return fail(Error(p.error().code(), std::string(source) + ": " + p.error().message()));
    profiles.push_back(std::move(*p));
  }
  auto set = ProfileSet::create(std::move(profiles));
  if (!set)
    return fail(Error(set.error().code(), std::string(source) + ": " + set.error().message()));
  return set;
}

std::string profile_json(const Profile& profile) {
  const ProfileSpec& s = profile.spec();
  Json j;
  j["name"] = s.name;
  j["summary"] = s.summary;
  j["kind"] = std::string(to_string(s.kind));
  j["signer_names"] = s.signer_names;
  j["signed_by"] = s.signed_by;
  j["cn_rule"] = std::string(to_string(s.cn_rule));
  if (s.cn_rule == CnRule::kFixed) j["common_name"] = s.common_name;
  j["organization_rule"] = std::string(to_string(s.organization_rule));
  j["organizations"] = s.organizations;
  j["forbidden_organizations"] = s.forbidden_organizations;
  j["san_rule"] = std::string(to_string(s.san_rule));
  j["key_types"] = key_type_names(s.key_types);
  j["rsa_min_bits"] = s.rsa_min_bits;
  j["rsa_max_bits"] = s.rsa_max_bits;
  j["required_usages"] = s.required_usages;
  j["allowed_usages"] = s.allowed_usages;
  j["default_usages"] = s.default_usages;
  j["validity"] = format_duration(s.validity);
  j["max_validity"] = format_duration(s.max_validity);
  if (s.renew_from_permille == s.renew_until_permille) {
    j["renew_at"] = s.renew_from_permille / 1000.0;
  } else {
    j["renew_at"] = {s.renew_from_permille / 1000.0, s.renew_until_permille / 1000.0};
  }
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace signet
