// Profile::create (validation of a declarative profile), ProfileSet and the small helpers that
// name rules. The request checks are in profile_policy.cc, the built-in table in
// builtin_profiles.cc.
#include "signet/core/profile.h"

#include <algorithm>
#include <set>

#include "signet/core/text.h"

#include "profile_lint.h"

namespace signet {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

constexpr seconds kMinTtl = minutes(10);  // KCM signer floor (spec §2.5)
constexpr seconds kMaxTtl = hours(24 * 365 * 100);
constexpr std::size_t kMaxSummary = 200;
constexpr std::size_t kMaxAttribute = 64;    // ub-common-name, ub-organization-name (RFC 5280)
constexpr std::size_t kMaxSignerName = 571;  // ValidateSignerName (spec §2.1)
constexpr unsigned kAllKeys = 15;

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ", ") + i;
  return out;
}

tl::unexpected<Error> invalid(const ProfileSpec& s, const std::string& what) {
  return fail(ErrorCode::kInvalidArgument,
              "profile '" + s.name.substr(0, kMaxAttribute) + "': " + what);
}

bool is_profile_name(std::string_view n) {
  if (n.empty() || n.size() > 63 || n.front() == '-') return false;
  return std::all_of(n.begin(), n.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
}

// A lowercase RFC 1123 DNS subdomain, as ValidateSignerName requires for the domain part.
bool is_dns_subdomain(std::string_view d) {
  if (d.empty() || d.size() > 253) return false;
  std::size_t start = 0;
  while (start <= d.size()) {
    const std::size_t dot = d.find('.', start);
    const std::string_view label =
        d.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-')
      return false;
    for (const char c : label) {
      const bool ldh = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
      if (!ldh) return false;
    }
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return true;
}

Status check_signer_name(const ProfileSpec& s, const std::string& signer) {
  if (!is_signer_name(signer)) {
    return invalid(s, "signer_names: '" + signer.substr(0, 80) +
                          "' is not <dns-subdomain>/<path> of at most 571 characters");
  }
  if (signer == "kubernetes.io/legacy-unknown") {
    return invalid(s,
                   "signer_names: kubernetes.io/legacy-unknown cannot be served (v1 API "
                   "refuses it)");
  }
  return {};
}

Status check_attribute(const ProfileSpec& s, std::string_view field, const std::string& value) {
  const auto len = printable_utf8_length(value);
  if (value.empty() || !len || *len > kMaxAttribute) {
    return invalid(s, std::string(field) + ": '" + value.substr(0, 80) +
                          "' must be 1 to 64 characters of valid UTF-8 without control "
                          "characters");
  }
  return {};
}

Status check_unique(const ProfileSpec& s, std::string_view field,
                    const std::vector<std::string>& values) {
  std::set<std::string> seen;
  for (const auto& v : values) {
    if (!seen.insert(v).second) {
      return invalid(s, std::string(field) + ": '" + v.substr(0, 80) + "' is listed twice");
    }
  }
  return {};
}

Status check_usages(const ProfileSpec& s) {
  const std::pair<std::string_view, const std::vector<std::string>*> lists[] = {
      {"required_usages", &s.required_usages},
      {"allowed_usages", &s.allowed_usages},
      {"default_usages", &s.default_usages}};
  for (const auto& [field, list] : lists) {
    SIGNET_RETURN_IF_ERROR(check_unique(s, field, *list));
    for (const auto& u : *list) {
      if (!is_known_usage(u)) {
        return invalid(s, std::string(field) + ": '" + u.substr(0, 80) +
                              "' is not a Kubernetes key usage (certificates.k8s.io/v1)");
      }
    }
  }
  for (const auto& u : s.required_usages) {
    if (std::find(s.allowed_usages.begin(), s.allowed_usages.end(), u) != s.allowed_usages.end())
      return invalid(s, "allowed_usages: '" + u + "' is already required");
    if (std::find(s.default_usages.begin(), s.default_usages.end(), u) == s.default_usages.end())
      return invalid(s, "default_usages: must contain the required usage '" + u + "'");
  }
  for (const auto& u : s.default_usages) {
    const bool known =
        std::find(s.required_usages.begin(), s.required_usages.end(), u) !=
            s.required_usages.end() ||
        std::find(s.allowed_usages.begin(), s.allowed_usages.end(), u) != s.allowed_usages.end();
    if (!known) return invalid(s, "default_usages: '" + u + "' is neither required nor allowed");
  }
  const auto has_eku = [](const std::vector<std::string>& list) {
    return std::any_of(list.begin(), list.end(), [](const std::string& u) {
      return map_usage(u)->extended_key_usage.has_value();
    });
  };
  const auto has_ca_bits = [](const std::vector<std::string>& list) {
    return std::any_of(list.begin(), list.end(), [](const std::string& u) {
      return (map_usage(u)->key_usage & (kKeyCertSign | kCrlSign)) != 0;
    });
  };
  if (s.kind == ProfileKind::kLeaf) {
    // kubeadm refuses a leaf without EKU (spec §1.1); a leaf never signs certificates.
    if (!has_eku(s.required_usages)) {
      return invalid(s,
                     "required_usages: a leaf profile must require an extended key usage "
                     "(server auth, client auth, ...), got [" +
                         join(s.required_usages) + "]");
    }
    if (has_ca_bits(s.required_usages) || has_ca_bits(s.allowed_usages)) {
      return invalid(s, "usages: cert sign and crl sign are for CA profiles only");
    }
  } else {
    // No EKU on CAs: Go enforces CA EKUs down the chain (spec §6.2, §7 item 6).
    if (has_eku(s.required_usages) || has_eku(s.allowed_usages)) {
      return invalid(s, "usages: a CA profile carries no extended key usage");
    }
    if (std::find(s.required_usages.begin(), s.required_usages.end(), "cert sign") ==
        s.required_usages.end()) {
      return invalid(s, "required_usages: a CA profile must require 'cert sign'");
    }
  }
  return {};
}

}  // namespace

// signerName: "<dns-subdomain>/<path>" (spec §2.1, K:pkg/apis/core/validation ValidateSignerName).
bool is_signer_name(std::string_view signer) noexcept {
  const std::size_t slash = signer.find('/');
  return signer.size() <= kMaxSignerName && slash != std::string_view::npos &&
         is_dns_subdomain(signer.substr(0, slash)) && slash + 1 < signer.size() &&
         std::all_of(signer.begin() + static_cast<std::ptrdiff_t>(slash) + 1, signer.end(),
                     [](char c) { return c > 0x20 && c < 0x7f; });
}

Result<Profile> Profile::create(ProfileSpec s) {
  if (!is_profile_name(s.name)) {
    return fail(ErrorCode::kInvalidArgument,
                "profile name '" + s.name.substr(0, kMaxAttribute) +
                    "' must be 1 to 63 characters of [a-z0-9-], not starting with '-'");
  }
  const auto summary_len = printable_utf8_length(s.summary);
  if (!summary_len || *summary_len > kMaxSummary) {
    return invalid(s,
                   "summary must be at most 200 characters of UTF-8 without control "
                   "characters");
  }
  SIGNET_RETURN_IF_ERROR(check_unique(s, "signer_names", s.signer_names));
  for (const auto& signer : s.signer_names) SIGNET_RETURN_IF_ERROR(check_signer_name(s, signer));
  if (!s.signed_by.empty() && !is_profile_name(s.signed_by)) {
    return invalid(
        s, "signed_by: '" + s.signed_by.substr(0, kMaxAttribute) + "' is not a profile name");
  }
  if (s.cn_rule == CnRule::kFixed) {
    SIGNET_RETURN_IF_ERROR(check_attribute(s, "common_name", s.common_name));
  } else if (!s.common_name.empty()) {
    return invalid(s, "common_name is only used with cn_rule fixed, got cn_rule " +
                          std::string(to_string(s.cn_rule)));
  }
  SIGNET_RETURN_IF_ERROR(check_unique(s, "organizations", s.organizations));
  SIGNET_RETURN_IF_ERROR(check_unique(s, "forbidden_organizations", s.forbidden_organizations));
  for (const auto& o : s.organizations)
    SIGNET_RETURN_IF_ERROR(check_attribute(s, "organizations", o));
  for (const auto& o : s.forbidden_organizations)
    SIGNET_RETURN_IF_ERROR(check_attribute(s, "forbidden_organizations", o));
  if (s.organization_rule == OrganizationRule::kExact && !s.forbidden_organizations.empty()) {
    return invalid(s, "forbidden_organizations is only used with organization_rule any");
  }
  if (s.organization_rule == OrganizationRule::kAny && !s.organizations.empty()) {
    return invalid(s, "organizations is only used with organization_rule exact");
  }
  if (s.key_types == 0 || (s.key_types & ~kAllKeys) != 0) {
    return invalid(s, "key_types must name at least one of rsa, ecdsa-p256, ecdsa-p384, ed25519");
  }
  if (s.rsa_min_bits < 2048 || s.rsa_max_bits > 8192 || s.rsa_min_bits > s.rsa_max_bits) {
    return invalid(s, "RSA sizes must satisfy 2048 <= rsa_min_bits <= rsa_max_bits <= 8192, got " +
                          std::to_string(s.rsa_min_bits) + " to " + std::to_string(s.rsa_max_bits));
  }
  SIGNET_RETURN_IF_ERROR(check_usages(s));
  if (s.kind == ProfileKind::kCa) {
    if (s.cn_rule != CnRule::kFixed) return invalid(s, "a CA profile needs cn_rule fixed");
    if (!s.signer_names.empty()) return invalid(s, "a CA profile serves no signer names");
    if (s.san_rule != SanRule::kNone) {
      return invalid(s, "a CA profile takes san_rule none (its SAN is DNS:<CN>, like kubeadm)");
    }
  }
  if (s.validity < kMinTtl || s.validity > s.max_validity || s.max_validity > kMaxTtl) {
    return invalid(s, "validity must satisfy 10m <= validity <= max_validity <= 876000h, got " +
                          format_duration(s.validity) + " and " + format_duration(s.max_validity));
  }
  if (s.renew_from_permille < 100 || s.renew_from_permille > s.renew_until_permille ||
      s.renew_until_permille > 990) {
    return invalid(s, "renew_at must satisfy 0.1 <= from <= until <= 0.99, got " +
                          std::to_string(s.renew_from_permille / 1000.0).substr(0, 5) + " and " +
                          std::to_string(s.renew_until_permille / 1000.0).substr(0, 5));
  }
  return Profile(std::move(s));
}

Result<ProfileSet> ProfileSet::create(std::vector<Profile> profiles) {
  std::set<std::string> names;
  std::set<std::string> signers;
  for (const auto& p : profiles) {
    if (!names.insert(p.name()).second) {
      return fail(ErrorCode::kInvalidArgument, "profile '" + p.name() + "' is defined twice");
    }
    for (const auto& s : p.spec().signer_names) {
      if (!signers.insert(s).second) {
        return fail(ErrorCode::kInvalidArgument,
                    "signerName " + s + " is served by two profiles (one is '" + p.name() + "')");
      }
    }
  }
  // Startup lint (issue 4, item 4): a profile whose certificates would lint dirty is refused.
  for (const auto& p : profiles) SIGNET_RETURN_IF_ERROR(lint_profile_samples(p));
  ProfileSet set;
  set.profiles_ = std::move(profiles);
  return set;
}

const Profile* ProfileSet::find(std::string_view name) const noexcept {
  for (const auto& p : profiles_) {
    if (p.name() == name) return &p;
  }
  return nullptr;
}

const Profile* ProfileSet::find_by_signer(std::string_view signer_name) const noexcept {
  for (const auto& p : profiles_) {
    const auto& names = p.spec().signer_names;
    if (std::find(names.begin(), names.end(), signer_name) != names.end()) return &p;
  }
  return nullptr;
}

std::vector<std::string> ProfileSet::names() const {
  std::vector<std::string> out;
  out.reserve(profiles_.size());
  for (const auto& p : profiles_) out.push_back(p.name());
  return out;
}

const Profile* find_profile(std::string_view name) noexcept {
  return builtin_profiles().find(name);
}

std::vector<std::string> profile_names() {
  return builtin_profiles().names();
}

Status check_subject_key(std::string_view profile, const KeyInfo& key) {
  if (key.type == KeyType::kRsa && (key.bits < 2048 || key.bits > 8192)) {
    return fail(ErrorCode::kFailedPrecondition, std::string(profile) +
                                                    ": RSA keys must be 2048 to 8192 bits, got " +
                                                    std::to_string(key.bits));
  }
  return {};
}

std::string_view to_string(ProfileKind kind) noexcept {
  return kind == ProfileKind::kCa ? "ca" : "leaf";
}

std::string_view to_string(CnRule rule) noexcept {
  switch (rule) {
    case CnRule::kFixed:
      return "fixed";
    case CnRule::kNodeName:
      return "node-name";
    case CnRule::kFromRequest:
      return "request";
  }
  return "?";
}

std::string_view to_string(OrganizationRule rule) noexcept {
  return rule == OrganizationRule::kExact ? "exact" : "any";
}

std::string_view to_string(SanRule rule) noexcept {
  switch (rule) {
    case SanRule::kNone:
      return "none";
    case SanRule::kOptional:
      return "optional";
    case SanRule::kRequired:
      return "required";
  }
  return "?";
}

std::vector<std::string> key_type_names(unsigned key_types) {
  std::vector<std::string> out;
  if ((key_types & static_cast<unsigned>(AllowedKey::kRsa)) != 0) out.emplace_back("rsa");
  if ((key_types & static_cast<unsigned>(AllowedKey::kEcP256)) != 0) out.emplace_back("ecdsa-p256");
  if ((key_types & static_cast<unsigned>(AllowedKey::kEcP384)) != 0) out.emplace_back("ecdsa-p384");
  if ((key_types & static_cast<unsigned>(AllowedKey::kEd25519)) != 0) out.emplace_back("ed25519");
  return out;
}

std::string format_duration(std::chrono::seconds d) {
  if (d.count() <= 0) return std::to_string(d.count()) + "s";
  const auto h = d.count() / 3600;
  const auto m = (d.count() % 3600) / 60;
  const auto s = d.count() % 60;
  std::string out;
  if (h != 0) out += std::to_string(h) + "h";
  if (m != 0) out += std::to_string(m) + "m";
  if (s != 0) out += std::to_string(s) + "s";
  return out;
}

}  // namespace signet
