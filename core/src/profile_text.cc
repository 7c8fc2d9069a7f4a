// The stable printed form of a profile: what `signet profiles show` prints and what the snapshot
// test (tests/core/testdata/profiles.txt) compares. One "key: value" line per rule, in a fixed
// order, so a change to any rule shows up as a one-line diff.
#include <set>

#include "signet/core/profile.h"

namespace signet {
namespace {

std::string list(const std::vector<std::string>& items) {
  if (items.empty()) return "-";
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ", ") + i;
  return out;
}

std::string_view eku_name(ExtendedKeyUsage e) {
  switch (e) {
    case ExtendedKeyUsage::kAny:
      return "anyExtendedKeyUsage";
    case ExtendedKeyUsage::kServerAuth:
      return "serverAuth";
    case ExtendedKeyUsage::kClientAuth:
      return "clientAuth";
    case ExtendedKeyUsage::kCodeSigning:
      return "codeSigning";
    case ExtendedKeyUsage::kEmailProtection:
      return "emailProtection";
    case ExtendedKeyUsage::kIpsecEndSystem:
      return "ipsecEndSystem";
    case ExtendedKeyUsage::kIpsecTunnel:
      return "ipsecTunnel";
    case ExtendedKeyUsage::kIpsecUser:
      return "ipsecUser";
    case ExtendedKeyUsage::kTimeStamping:
      return "timeStamping";
    case ExtendedKeyUsage::kOcspSigning:
      return "OCSPSigning";
    case ExtendedKeyUsage::kMicrosoftSgc:
      return "msSGC";
    case ExtendedKeyUsage::kNetscapeSgc:
      return "nsSGC";
  }
  return "?";
}

// The certificate the default usages produce, in RFC 5280 names.
std::string default_extensions(const ProfileSpec& s) {
  std::uint16_t ku = s.kind == ProfileKind::kLeaf ? kDigitalSignature : 0;
  std::set<ExtendedKeyUsage> ekus;
  for (const auto& u : s.default_usages) {
    const auto m = map_usage(u);
    if (!m) continue;
    ku = static_cast<std::uint16_t>(ku | m->key_usage);
    if (m->extended_key_usage) ekus.insert(*m->extended_key_usage);
  }
  static constexpr std::pair<std::uint16_t, std::string_view> kBits[] = {
      {kDigitalSignature, "digitalSignature"},
      {kContentCommitment, "contentCommitment"},
      {kKeyEncipherment, "keyEncipherment"},
      {kDataEncipherment, "dataEncipherment"},
      {kKeyAgreement, "keyAgreement"},
      {kKeyCertSign, "keyCertSign"},
      {kCrlSign, "cRLSign"},
      {kEncipherOnly, "encipherOnly"},
      {kDecipherOnly, "decipherOnly"}};
  std::string out = s.kind == ProfileKind::kCa ? "basicConstraints CA:TRUE (critical)"
                                               : "basicConstraints CA:FALSE (critical)";
  out += "; keyUsage";
  for (const auto& [bit, name] : kBits) {
    if ((ku & bit) == 0) continue;
    out += " " + std::string(name);
    if (bit == kKeyEncipherment) out += "(RSA keys only)";
  }
  out += " (critical)";
  if (!ekus.empty()) {
    out += "; extKeyUsage";
    for (const auto e : ekus) out += " " + std::string(eku_name(e));
  }
  out += "; subjectKeyIdentifier";
  if (s.kind == ProfileKind::kLeaf) out += "; authorityKeyIdentifier";
  if (s.kind == ProfileKind::kCa) out += "; subjectAltName DNS:" + s.common_name;
  if (s.kind == ProfileKind::kLeaf && s.san_rule != SanRule::kNone) out += "; subjectAltName";
  return out;
}

std::string cn_text(const ProfileSpec& s) {
  switch (s.cn_rule) {
    case CnRule::kFixed:
      return "fixed " + s.common_name;
    case CnRule::kNodeName:
      return "node-name (system:node:<name>)";
    case CnRule::kFromRequest:
      return "request (any non-empty CN)";
  }
  return "?";
}

std::string o_text(const ProfileSpec& s) {
  if (s.organization_rule == OrganizationRule::kAny) {
    return "any" +
           (s.forbidden_organizations.empty()
                ? std::string()
                : " except [" + list(s.forbidden_organizations) + "]") +
           " (other attributes passed through)";
  }
  if (s.organizations.empty()) return "exactly [] (none)";
  return "exactly [" + list(s.organizations) + "]";
}

std::string san_text(SanRule r) {
  switch (r) {
    case SanRule::kNone:
      return "none";
    case SanRule::kOptional:
      return "optional (DNS, IP from the request or --hosts; never email or URI)";
    case SanRule::kRequired:
      return "required (at least one DNS or IP from the request or --hosts; never email or URI)";
  }
  return "?";
}

// "80 % of the lifetime" or "70-90 % of the lifetime (per certificate)".
std::string renew_text(const ProfileSpec& s) {
  const auto pct = [](unsigned permille) {
    std::string t = std::to_string(permille / 10);
    if (permille % 10 != 0) t += "." + std::to_string(permille % 10);
    return t;
  };
  if (s.renew_from_permille == s.renew_until_permille) {
    return pct(s.renew_from_permille) + " % of the lifetime";
  }
  return pct(s.renew_from_permille) + "-" + pct(s.renew_until_permille) +
         " % of the lifetime (drawn per certificate)";
}

}  // namespace

std::string profile_text(const Profile& profile) {
  const ProfileSpec& s = profile.spec();
  std::string keys;
  for (const auto& k : key_type_names(s.key_types)) {
    keys += (keys.empty() ? "" : ", ") + k;
    if (k == "rsa")
      keys += " " + std::to_string(s.rsa_min_bits) + "-" + std::to_string(s.rsa_max_bits);
  }
  std::string out = "profile " + s.name + "\n";
  out += "  summary: " + s.summary + "\n";
  out += "  kind: " + std::string(to_string(s.kind)) + "\n";
  out += "  signed by: " + (s.signed_by.empty() ? std::string("-") : s.signed_by) + "\n";
  out += "  signer names: " + list(s.signer_names) + "\n";
  out += "  subject CN: " + cn_text(s) + "\n";
  out += "  subject O: " + o_text(s) + "\n";
  out += "  subjectAltName: " +
         (s.kind == ProfileKind::kCa ? "DNS:" + s.common_name + " (fixed)" : san_text(s.san_rule)) +
         "\n";
  out += "  keys: " + keys + "\n";
  out += "  usages required: " + list(s.required_usages) + "\n";
  out += "  usages allowed: " + list(s.allowed_usages) + "\n";
  out += "  usages default: " + list(s.default_usages) + "\n";
  out += "  validity: " + format_duration(s.validity) + " (max " + format_duration(s.max_validity) +
         ")\n";
  out += "  renew at: " + renew_text(s) + "\n";
  out += "  certificate: " + default_extensions(s) + "\n";
  return out;
}

}  // namespace signet
