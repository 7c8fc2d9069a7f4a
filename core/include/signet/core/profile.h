// Issuance profiles: what a certificate of a given kind carries, and what a request must satisfy
// to get one. Profiles are data (ProfileSpec) validated once by Profile::create; the built-in set
// reproduces the kubeadm inventory and the Kubernetes built-in signers (spec §1.2, §2.3), and a
// configuration file may override or extend it (profile_config.h).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "signet/core/certificate.h"
#include "signet/core/csr.h"
#include "signet/core/name.h"
#include "signet/core/result.h"

namespace signet {

enum class ProfileKind { kCa, kLeaf };

// How the subject CN is decided.
enum class CnRule {
  kFixed,        // the request's CN must equal ProfileSpec::common_name (kubeadm rows)
  kNodeName,     // system:node:<non-empty node name> (kubelet signers, spec §2.3)
  kFromRequest,  // any non-empty CN from the request (etcd-server: <nodeName>)
};

// How the subject O values are decided.
enum class OrganizationRule {
  kExact,  // the request's O values must be exactly ProfileSpec::organizations, in any order
  kAny,    // passed through, except ProfileSpec::forbidden_organizations
};

// Where subjectAltName entries may come from. signet writes DNS and IP names only: email and
// URI SANs are always refused (kubelet-serving forbids them, spec §2.3).
enum class SanRule {
  kNone,      // no SAN of any kind (client certificates, kubelet-client)
  kOptional,  // DNS/IP from the request or --hosts, none is fine
  kRequired,  // at least one DNS or IP name (serving certificates)
};

// Key types a profile accepts for the subject key.
enum class AllowedKey : unsigned { kRsa = 1, kEcP256 = 2, kEcP384 = 4, kEd25519 = 8 };

// The declarative form of a profile: what the config file and `signet profiles show` hold.
struct ProfileSpec {
  std::string name;     // 1–63 of [a-z0-9-]
  std::string summary;  // one line for listings
  ProfileKind kind = ProfileKind::kLeaf;
  std::vector<std::string> signer_names;  // Kubernetes signerNames this profile serves
  std::string signed_by;                  // the CA profile that signs it (informational)
  CnRule cn_rule = CnRule::kFromRequest;
  std::string common_name;  // kFixed only
  OrganizationRule organization_rule = OrganizationRule::kExact;
  std::vector<std::string> organizations;            // kExact: the exact set (empty: no O)
  std::vector<std::string> forbidden_organizations;  // kAny
  SanRule san_rule = SanRule::kNone;
  unsigned key_types = 0;  // AllowedKey bits
  std::size_t rsa_min_bits = 2048;
  std::size_t rsa_max_bits = 8192;
  // Kubernetes usage strings (spec §2.1). A request's usages must contain every required one
  // and nothing outside required ∪ allowed; a request without usages (PKCS#10 alone) gets the
  // defaults. "key encipherment" is dropped for non-RSA keys (spec §1.2 SIGNET note).
  std::vector<std::string> required_usages;
  std::vector<std::string> allowed_usages;
  std::vector<std::string> default_usages;
  std::chrono::seconds validity{};      // used when the request names none
  std::chrono::seconds max_validity{};  // upper bound for --validity and expirationSeconds
  // When a certificate of this profile is due for renewal (`signet renew`): at notBefore +
  // f × lifetime, f drawn per certificate from [renew_from, renew_until] in thousandths, so a
  // fleet issued at once is not renewed at once (kubelets renew between 70 % and 90 % of the
  // lifetime, AKS at 80 %: spec §3). Equal bounds: no jitter. Config: "renew_at": 0.8 or
  // [0.7, 0.9].
  unsigned renew_from_permille = 800;
  unsigned renew_until_permille = 800;
};

// A CA certificate as a CA profile shapes it (kubeadm's CA rows, spec §1.2): checked subject,
// keyUsage from the profile's usages (keyCertSign always), subjectAltName DNS:<CN> as kubeadm
// writes it, and the lifetime.
struct CaPlan {
  DistinguishedName subject;
  std::uint16_t key_usage = 0;
  SubjectAltNames subject_alt_names;
  std::chrono::seconds validity{};
};

// Per-request choices, each bounded by the profile.
struct RequestOptions {
  // spec.usages of a Kubernetes CertificateSigningRequest; nullopt: the profile's defaults.
  std::optional<std::vector<std::string>> usages;
  // --hosts: DNS names and IP addresses replacing the request's SANs (only where the profile
  // takes SANs).
  std::optional<std::vector<std::string>> hosts;
  // --validity: refused above the profile's maximum or below 10 minutes.
  std::optional<std::chrono::seconds> validity;
  // spec.expirationSeconds: clamped to [10 min, maximum] as the KCM signer does (spec §2.5).
  std::optional<std::chrono::seconds> expiration;
};

// What a checked request becomes: everything issuance needs besides the key and serial.
struct IssuancePlan {
  DistinguishedName subject;
  SubjectAltNames subject_alt_names;
  std::uint16_t key_usage = 0;
  std::vector<ExtendedKeyUsage> extended_key_usage;  // sorted, unique
  std::chrono::seconds ttl{};
};

class Profile {
 public:
  // Validates `spec` (names, rules, usages, validity); every refusal names the field and value.
  [[nodiscard]] static Result<Profile> create(ProfileSpec spec);

  [[nodiscard]] const ProfileSpec& spec() const noexcept { return spec_; }
  [[nodiscard]] const std::string& name() const noexcept { return spec_.name; }
  [[nodiscard]] const std::string& summary() const noexcept { return spec_.summary; }
  [[nodiscard]] ProfileKind kind() const noexcept { return spec_.kind; }
  [[nodiscard]] std::chrono::seconds validity() const noexcept { return spec_.validity; }

  // Applies the subject, SAN, usage, key and validity rules to a parsed (PoP-checked) CSR, or
  // to a certificate being recertified (its signature checked under the old CA, recertify.h).
  // Requested extensions are never copied: the plan is built from checked values only. Every
  // refusal is kFailedPrecondition and reads "<profile>: <rule>, got <value>".
  [[nodiscard]] Result<IssuancePlan> check_request(const RequestView& csr,
                                                   const RequestOptions& options = {}) const;

  // For a CA profile: the certificate of a CA with `key`. `subject` defaults to the profile's
  // (CN and O); a given one must pass the profile's subject rules. `validity` defaults to the
  // profile's and is bounded by its maximum. Refusals read like check_request's.
  [[nodiscard]] Result<CaPlan> plan_ca(const KeyInfo& key,
                                       const std::optional<DistinguishedName>& subject,
                                       std::optional<std::chrono::seconds> validity) const;

 private:
  explicit Profile(ProfileSpec spec) : spec_(std::move(spec)) {}
  ProfileSpec spec_;
};

// A set of profiles with unique names and unique signerNames.
class ProfileSet {
 public:
  // Refuses duplicate names and a signerName served by two profiles.
  [[nodiscard]] static Result<ProfileSet> create(std::vector<Profile> profiles);

  [[nodiscard]] const Profile* find(std::string_view name) const noexcept;
  [[nodiscard]] const Profile* find_by_signer(std::string_view signer_name) const noexcept;
  [[nodiscard]] const std::vector<Profile>& profiles() const noexcept { return profiles_; }
  [[nodiscard]] std::vector<std::string> names() const;

 private:
  std::vector<Profile> profiles_;
};

// The built-in profiles: the kubeadm inventory (spec §1.2 rows 1–10, 12–16) and the signers
// kubernetes.io/kube-apiserver-client, -client-kubelet and kubelet-serving (spec §2.3).
[[nodiscard]] const ProfileSet& builtin_profiles();
[[nodiscard]] std::vector<ProfileSpec> builtin_profile_specs();

// Built-in lookup by name; nullptr when unknown.
[[nodiscard]] const Profile* find_profile(std::string_view name) noexcept;
[[nodiscard]] std::vector<std::string> profile_names();

// Checks the subject key against RSA min/max bits; kept for callers outside profiles.
[[nodiscard]] Status check_subject_key(std::string_view profile, const KeyInfo& key);

// signerName syntax: "<dns-subdomain>/<path>", at most 571 characters (spec §2.1).
[[nodiscard]] bool is_signer_name(std::string_view signer) noexcept;

// Kubernetes usage strings (spec §2.1 table).
[[nodiscard]] bool is_known_usage(std::string_view usage) noexcept;
// The keyUsage bit or extKeyUsage purpose of one usage string.
struct UsageMapping {
  std::uint16_t key_usage = 0;
  std::optional<ExtendedKeyUsage> extended_key_usage;
};
[[nodiscard]] std::optional<UsageMapping> map_usage(std::string_view usage) noexcept;

// Names for printing and the config file.
[[nodiscard]] std::string_view to_string(ProfileKind kind) noexcept;
[[nodiscard]] std::string_view to_string(CnRule rule) noexcept;
[[nodiscard]] std::string_view to_string(OrganizationRule rule) noexcept;
[[nodiscard]] std::string_view to_string(SanRule rule) noexcept;
[[nodiscard]] std::vector<std::string> key_type_names(unsigned key_types);
// "8760h", "90m", "1h30m", "45s": the form parse_duration reads back.
[[nodiscard]] std::string format_duration(std::chrono::seconds d);

// The stable printed form of a profile (`signet profiles show`, the snapshot test).
[[nodiscard]] std::string profile_text(const Profile& profile);

}  // namespace signet
