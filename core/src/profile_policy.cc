// Profile::check_request: a parsed, PoP-checked CSR plus per-request options become an
// IssuancePlan, or a refusal naming the profile, the rule and the offending value. Nothing the
// CSR requests as an extension is copied: the plan is built from checked values only, so no
// CA:TRUE, name constraint or unknown critical extension can reach a certificate (spec §2.5,
// §7 item 8).
#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <set>

#include "signet/core/profile.h"

namespace signet {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;

constexpr std::size_t kMaxNames = 100;  // SAN entries per certificate
constexpr seconds kMinTtl = minutes(10);

std::string printable(std::string_view s);

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ", ") + printable(i);
  return out;
}

// Request text in a message: at most 256 bytes, control characters shown as '?' so a hostile
// CSR cannot write escape sequences to a terminal or log.
std::string printable(std::string_view s) {
  std::string out(s.substr(0, 256));
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  }
  return s.size() > 256 ? out + "..." : out;
}

std::string quoted(std::string_view s) {
  return "'" + printable(s) + "'";
}

class Refusal {
 public:
  explicit Refusal(const Profile& p) : prefix_(p.name() + ": ") {}
  [[nodiscard]] Error operator()(const std::string& what) const {
    return {ErrorCode::kFailedPrecondition, prefix_ + what};
  }

 private:
  std::string prefix_;
};

bool key_allowed(unsigned types, KeyType key) {
  switch (key) {
    case KeyType::kRsa:
      return (types & static_cast<unsigned>(AllowedKey::kRsa)) != 0;
    case KeyType::kEcP256:
      return (types & static_cast<unsigned>(AllowedKey::kEcP256)) != 0;
    case KeyType::kEcP384:
      return (types & static_cast<unsigned>(AllowedKey::kEcP384)) != 0;
    case KeyType::kEd25519:
      return (types & static_cast<unsigned>(AllowedKey::kEd25519)) != 0;
  }
  return false;
}

Status check_key(const Profile& p, const Refusal& refuse, const KeyInfo& key) {
  const ProfileSpec& s = p.spec();
  if (!key_allowed(s.key_types, key.type)) {
    return fail(refuse("key type must be one of [" + join(key_type_names(s.key_types)) + "], got " +
                       std::string(to_string(key.type))));
  }
  if (key.type == KeyType::kRsa && (key.bits < s.rsa_min_bits || key.bits > s.rsa_max_bits)) {
    return fail(refuse("RSA keys must be " + std::to_string(s.rsa_min_bits) + " to " +
                       std::to_string(s.rsa_max_bits) + " bits, got " + std::to_string(key.bits)));
  }
  return {};
}

Result<DistinguishedName> check_subject(const Profile& p, const Refusal& refuse,
                                        const DistinguishedName& dn) {
  const ProfileSpec& s = p.spec();
  const auto cns = values_of(dn, NameAttributeType::kCommonName);
  auto orgs = values_of(dn, NameAttributeType::kOrganization);
  if (s.organization_rule == OrganizationRule::kExact) {
    auto want = s.organizations;
    std::sort(want.begin(), want.end());
    auto got = orgs;
    std::sort(got.begin(), got.end());
    if (got != want) {
      // reflect.DeepEqual on the O list for the kubelet signers (spec §2.3).
      return fail(refuse((want.empty() ? std::string("subject must have no O")
                                       : "subject O must be exactly " + join(want)) +
                         ", got [" + join(orgs) + "]"));
    }
  } else {
    for (const auto& o : orgs) {
      const auto& bad = s.forbidden_organizations;
      if (std::find(bad.begin(), bad.end(), o) != bad.end()) {
        return fail(
            refuse("subject O " + printable(o) + " is not allowed, got [" + join(orgs) + "]"));
      }
    }
  }
  if (cns.size() != 1) {
    return fail(refuse("subject must have exactly one CN, got " + std::to_string(cns.size())));
  }
  const std::string& cn = cns[0];
  switch (s.cn_rule) {
    case CnRule::kFixed:
      if (cn != s.common_name) {
        return fail(refuse("subject CN must be " + s.common_name + ", got " + quoted(cn)));
      }
      break;
    case CnRule::kNodeName: {
      constexpr std::string_view kPrefix = "system:node:";
      if (cn.rfind(kPrefix, 0) != 0 || cn.size() == kPrefix.size()) {
        return fail(refuse("subject CN must be system:node:<node name>, got " + quoted(cn)));
      }
      break;
    }
    case CnRule::kFromRequest:
      if (cn.empty()) {
        // kube-apiserver never authenticates an empty CN (spec §1.2 notes).
        return fail(refuse("subject CN must not be empty"));
      }
      break;
  }
  if (s.organization_rule == OrganizationRule::kAny) return dn;  // passed through, like the KCM
  if (dn.size() != cns.size() + orgs.size()) {
    return fail(refuse("subject must hold only CN and O, got " + quoted(format_name(dn))));
  }
  // Rebuilt from the checked values in a fixed order (O first, CN last, like Go's pkix.Name).
  DistinguishedName out;
  for (const auto& o : s.organizations) out.push_back({NameAttributeType::kOrganization, o});
  out.push_back({NameAttributeType::kCommonName, cn});
  return out;
}

bool is_ldh_label(std::string_view label) {
  if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-')
    return false;
  return std::all_of(label.begin(), label.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
  });
}

// A DNS name as Go and kubeadm accept it: RFC 1123 labels, a wildcard only as the whole
// left-most label, at most 253 characters, no trailing dot (spec §6.1, §6.2).
bool is_dns_name(std::string_view name) {
  if (name.empty() || name.size() > 253) return false;
  std::size_t start = 0;
  bool first = true;
  while (true) {
    const std::size_t dot = name.find('.', start);
    const std::string_view label =
        name.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    const bool wildcard = first && label == "*" && dot != std::string_view::npos;
    if (!wildcard && !is_ldh_label(label)) return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
    first = false;
  }
}

// IPv4 as 4 octets, IPv6 as 16; IPv4-mapped IPv6 is refused (Go rejects it, spec §6.1). Accepts
// dotted/colon text and the CSR parser's "hex:<32 hex digits>" form for IPv6.
std::optional<Bytes> parse_ip(std::string_view text) {
  if (text.size() > 64) return std::nullopt;
  const std::string t(text);
  std::array<std::uint8_t, 16> buf{};
  if (inet_pton(AF_INET, t.c_str(), buf.data()) == 1) return Bytes(buf.begin(), buf.begin() + 4);
  bool ok = inet_pton(AF_INET6, t.c_str(), buf.data()) == 1;
  if (!ok && t.rfind("hex:", 0) == 0 && t.size() == 4 + 32) {
    ok = true;
    for (std::size_t i = 0; i < 16 && ok; ++i) {
      const auto hexval = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
      };
      const int hi = hexval(t[4 + 2 * i]);
      const int lo = hexval(t[5 + 2 * i]);
      ok = hi >= 0 && lo >= 0;
      buf[i] = static_cast<std::uint8_t>((hi << 4) | lo);  // NOLINT(hicpp-signed-bitwise)
    }
  }
  if (!ok) return std::nullopt;
  constexpr std::array<std::uint8_t, 12> kMapped = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (std::equal(kMapped.begin(), kMapped.end(), buf.begin())) return std::nullopt;
  return Bytes(buf.begin(), buf.end());
}

Result<SubjectAltNames> check_names(const Profile& p, const Refusal& refuse, const RequestView& csr,
                                    const RequestOptions& options) {
  const ProfileSpec& s = p.spec();
  std::vector<std::string> dns;
  std::vector<std::string> ips;
  if (options.hosts) {
    if (s.san_rule == SanRule::kNone) {
      return fail(
          refuse("--hosts is not allowed: the profile takes no "
                 "subjectAltName (san_rule none), got " +
                 quoted(join(*options.hosts))));
    }
    // A host that parses as an IP address is an iPAddress, anything else a dNSName (kubeadm
    // certSANs rule, spec §1.2 row 2).
    // A ':' can only be an IPv6 address: report it as one.
    for (const auto& h : *options.hosts) {
      (h.find(':') != std::string::npos || parse_ip(h) ? ips : dns).push_back(h);
    }
  } else {
    const RequestedNames& names = csr.requested_names();
    if (!names.email.empty()) {
      return fail(
          refuse("email subjectAltNames are never issued, got email:" + printable(names.email[0])));
    }
    if (!names.uri.empty()) {
      return fail(
          refuse("URI subjectAltNames are never issued, got URI:" + printable(names.uri[0])));
    }
    dns = names.dns;
    ips = names.ip;
    if (s.san_rule == SanRule::kNone && (!dns.empty() || !ips.empty())) {
      const std::string first = !dns.empty() ? "DNS:" + dns[0] : "IP:" + ips[0];
      return fail(refuse("subjectAltName is not allowed in a " + p.name() + " certificate, got " +
                         first.substr(0, 256)));
    }
  }
  if (dns.size() + ips.size() > kMaxNames) {
    return fail(refuse("at most " + std::to_string(kMaxNames) + " subjectAltNames, got " +
                       std::to_string(dns.size() + ips.size())));
  }
  SubjectAltNames out;
  std::set<std::string> seen_dns;
  for (const auto& d : dns) {
    if (!is_dns_name(d)) {
      return fail(
          refuse("DNS name must be RFC 1123 labels (a wildcard only as the "
                 "whole left-most label), got " +
                 quoted(d)));
    }
    if (seen_dns.insert(d).second) out.dns.push_back(d);
  }
  std::set<Bytes> seen_ip;
  for (const auto& i : ips) {
    auto ip = parse_ip(i);
    if (!ip) {
      return fail(
          refuse("IP address must be IPv4 or IPv6 (not IPv4-mapped IPv6), got " + quoted(i)));
    }
    if (seen_ip.insert(*ip).second) out.ip.push_back(std::move(*ip));
  }
  if (s.san_rule == SanRule::kRequired && out.empty()) {
    return fail(refuse("at least one DNS or IP subjectAltName is required, got none"));
  }
  return out;
}

Status check_usages(const Profile& p, const Refusal& refuse, const RequestOptions& options,
                    const KeyInfo& key, IssuancePlan& plan) {
  const ProfileSpec& s = p.spec();
  const std::vector<std::string>& usages = options.usages ? *options.usages : s.default_usages;
  std::set<std::string> seen;
  for (const auto& u : usages) {
    if (!is_known_usage(u)) {
      return fail(refuse("unknown usage " + quoted(u) +
                         " (certificates.k8s.io/v1 "
                         "KeyUsage strings)"));
    }
    if (!seen.insert(u).second) return fail(refuse("usage " + quoted(u) + " is listed twice"));
    const bool allowed =
        std::find(s.required_usages.begin(), s.required_usages.end(), u) !=
            s.required_usages.end() ||
        std::find(s.allowed_usages.begin(), s.allowed_usages.end(), u) != s.allowed_usages.end();
    if (!allowed) {
      std::vector<std::string> ok = s.required_usages;
      ok.insert(ok.end(), s.allowed_usages.begin(), s.allowed_usages.end());
      return fail(refuse("usage " + quoted(u) + " is not allowed (allowed: " + join(ok) +
                         "), got [" + join(usages) + "]"));
    }
  }
  for (const auto& u : s.required_usages) {
    if (!seen.contains(u)) {
      return fail(refuse("usage " + quoted(u) + " is required, got [" + join(usages) + "]"));
    }
  }
  std::set<ExtendedKeyUsage> ekus;
  for (const auto& u : usages) {
    const auto m = map_usage(u);  // known: checked above
    if (!m) continue;
    plan.key_usage = static_cast<std::uint16_t>(plan.key_usage | m->key_usage);
    if (m->extended_key_usage) ekus.insert(*m->extended_key_usage);
  }
  // keyEncipherment only for RSA subject keys: an EC or Ed25519 key cannot encipher (spec §1.2
  // SIGNET note, §7 item 7; RFC 5480 §3, RFC 8410 §5). digitalSignature always: RFC 5280
  // §4.2.1.3 wants at least one bit and non-Go verifiers need it on TLS leaves (spec §6.2).
  if (key.type != KeyType::kRsa) {
    plan.key_usage = static_cast<std::uint16_t>(plan.key_usage & ~kKeyEncipherment);
  }
  plan.key_usage = static_cast<std::uint16_t>(plan.key_usage | kDigitalSignature);
  plan.extended_key_usage.assign(ekus.begin(), ekus.end());  // sorted like the KCM (spec §2.5)
  return {};
}

Result<seconds> check_ttl(const Profile& p, const Refusal& refuse, const RequestOptions& options) {
  const ProfileSpec& s = p.spec();
  if (options.validity) {
    if (*options.validity < kMinTtl || *options.validity > s.max_validity) {
      return fail(refuse("validity must be 10m to " + format_duration(s.max_validity) +
                         " (max_validity), got " + format_duration(*options.validity)));
    }
    return *options.validity;
  }
  if (options.expiration) {
    // KCM: > duration -> duration; < 10 min -> 10 min; else as requested (spec §2.5).
    return std::clamp(*options.expiration, kMinTtl, s.max_validity);
  }
  return s.validity;
}

}  // namespace

Result<IssuancePlan> Profile::check_request(const RequestView& csr,
                                            const RequestOptions& options) const {
  const Refusal refuse(*this);
  if (spec_.kind == ProfileKind::kCa) {
    return fail(
        refuse("a CA profile does not sign requests; create the CA with "
               "`signet ca init`"));
  }
  IssuancePlan plan;
  SIGNET_ASSIGN_OR_RETURN(plan.subject, check_subject(*this, refuse, csr.subject()));
  SIGNET_ASSIGN_OR_RETURN(plan.subject_alt_names, check_names(*this, refuse, csr, options));
  SIGNET_RETURN_IF_ERROR(check_key(*this, refuse, csr.key()));
  SIGNET_RETURN_IF_ERROR(check_usages(*this, refuse, options, csr.key(), plan));
  SIGNET_ASSIGN_OR_RETURN(plan.ttl, check_ttl(*this, refuse, options));
  return plan;
}

Result<CaPlan> Profile::plan_ca(const KeyInfo& key, const std::optional<DistinguishedName>& subject,
                                std::optional<std::chrono::seconds> validity) const {
  const Refusal refuse(*this);
  if (spec_.kind != ProfileKind::kCa) {
    return fail(refuse("a leaf profile cannot make a CA; give a CA profile (kind ca)"));
  }
  DistinguishedName wanted;
  if (subject) {
    wanted = *subject;
  } else {
    for (const auto& o : spec_.organizations)
      wanted.push_back({NameAttributeType::kOrganization, o});
    wanted.push_back({NameAttributeType::kCommonName, spec_.common_name});
  }
  CaPlan plan;
  SIGNET_ASSIGN_OR_RETURN(plan.subject, check_subject(*this, refuse, wanted));
  SIGNET_RETURN_IF_ERROR(check_key(*this, refuse, key));
  RequestOptions options;
  options.validity = validity;
  SIGNET_ASSIGN_OR_RETURN(plan.validity, check_ttl(*this, refuse, options));
  // RFC 5280 §4.2.1.3: a CA that signs certificates asserts keyCertSign.
  plan.key_usage = kKeyCertSign;
  for (const auto& usage : spec_.default_usages) {
    if (const auto m = map_usage(usage))
      plan.key_usage = static_cast<std::uint16_t>(plan.key_usage | m->key_usage);
  }
  // keyEncipherment only for RSA keys, as for leaves (RFC 5480 §3: not for EC keys).
  if (key.type != KeyType::kRsa) {
    plan.key_usage = static_cast<std::uint16_t>(plan.key_usage & ~kKeyEncipherment);
  }
  // kubeadm's CA certificates carry DNSNames = [CN] (spec §1.2). A CN that is not a DNS name
  // ("Lab Root CA") gets no SAN: a dNSName must be one (RFC 5280 §4.2.1.6), and Go refuses
  // certificates with malformed ones.
  for (const auto& a : plan.subject) {
    if (a.type == NameAttributeType::kCommonName && is_dns_name(a.value)) {
      plan.subject_alt_names.dns.push_back(a.value);
    }
  }
  return plan;
}

}  // namespace signet
