#include "signet/core/profile.h"

#include <array>
#include <string>

namespace signet {
namespace {

using std::chrono::hours;

// kubernetes.io/kube-apiserver-client-kubelet (spec §1.2 row 17, §2.3): CN system:node:<name>,
// O exactly [system:nodes], no SANs of any kind.
Result<DistinguishedName> check_kubelet_client(const Csr& csr) {
  const std::string rule = "kubelet-client: ";
  const DistinguishedName& dn = csr.subject();
  const auto orgs = values_of(dn, NameAttributeType::kOrganization);
  if (orgs.size() != 1 || orgs[0] != "system:nodes") {
    std::string got;
    for (const auto& o : orgs) got += (got.empty() ? "" : ", ") + o;
    return fail(ErrorCode::kFailedPrecondition,
                rule + "subject O must be exactly system:nodes, got [" + got + "]");
  }
  const auto cns = values_of(dn, NameAttributeType::kCommonName);
  constexpr std::string_view kPrefix = "system:node:";
  if (cns.size() != 1 || cns[0].rfind(kPrefix, 0) != 0 || cns[0].size() == kPrefix.size()) {
    return fail(ErrorCode::kFailedPrecondition,
                rule + "subject CN must be system:node:<node name>, got '" +
                    (cns.empty() ? std::string() : cns[0]) + "'");
  }
  if (dn.size() != 2) {
    return fail(ErrorCode::kFailedPrecondition,
                rule + "subject must hold only CN and O, got '" + format_name(dn) + "'");
  }
  const RequestedNames& names = csr.requested_names();
  if (!names.empty()) {
    const std::string first = !names.dns.empty()     ? "DNS:" + names.dns[0]
                              : !names.ip.empty()    ? "IP:" + names.ip[0]
                              : !names.email.empty() ? "email:" + names.email[0]
                                                     : "URI:" + names.uri[0];
    return fail(
        ErrorCode::kFailedPrecondition,
        rule + "subjectAltName is not allowed in a kubelet client certificate, got " + first);
  }
  SIGNET_RETURN_IF_ERROR(check_subject_key("kubelet-client", csr.key()));
  // Subject rebuilt from the checked values, in a fixed order (O, CN like Go's pkix.Name).
  return DistinguishedName{{NameAttributeType::kOrganization, orgs[0]},
                           {NameAttributeType::kCommonName, cns[0]}};
}

const std::array<Profile, 1>& all_profiles() {
  static const std::array<Profile, 1> kProfiles = {{
      {"kubelet-client",
       "kubelet client certificate (kubernetes.io/kube-apiserver-client-kubelet)",
       {ExtendedKeyUsage::kClientAuth},
       hours(8760),
       &check_kubelet_client},
  }};
  return kProfiles;
}

}  // namespace

const Profile* find_profile(std::string_view name) noexcept {
  for (const auto& p : all_profiles()) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

std::vector<std::string_view> profile_names() {
  std::vector<std::string_view> out;
  for (const auto& p : all_profiles()) out.push_back(p.name);
  return out;
}

Status check_subject_key(std::string_view profile, const KeyInfo& key) {
  if (key.type == KeyType::kRsa && (key.bits < 2048 || key.bits > 8192)) {
    return fail(ErrorCode::kFailedPrecondition, std::string(profile) +
                                                    ": RSA keys must be 2048 to 8192 bits, got " +
                                                    std::to_string(key.bits));
  }
  return {};
}

}  // namespace signet
