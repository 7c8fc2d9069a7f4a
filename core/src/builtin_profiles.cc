// The built-in profiles: kubeadm's certificate inventory for Kubernetes 1.29+ (spec §1.1, §1.2:
// admin is O=kubeadm:cluster-admins, super-admin O=system:masters, the etcd clients carry no O)
// and the three built-in CSR signers with the KCM's exact rules (spec §2.3).
#include <cstdlib>
#include <iostream>

#include "signet/core/profile.h"

namespace signet {
namespace {

using std::chrono::hours;

constexpr auto kLeafValidity = hours(24 * 365);     // kubeadm CertificateValidityPeriod
constexpr auto kCaValidity = hours(24 * 365 * 10);  // kubeadm CACertificateValidityPeriod
constexpr auto kSignerDuration = hours(24 * 365);   // KCM --cluster-signing-duration default

constexpr unsigned kKubeadmKeys = static_cast<unsigned>(AllowedKey::kRsa) |
                                  static_cast<unsigned>(AllowedKey::kEcP256) |
                                  static_cast<unsigned>(AllowedKey::kEcP384);
// The CSR signers accept any key the apiserver parses (spec §2.3); kubeadm loads only RSA and
// ECDSA keys (spec §1.1), so Ed25519 is for the signer profiles only.
constexpr unsigned kSignerKeys = kKubeadmKeys | static_cast<unsigned>(AllowedKey::kEd25519);

ProfileSpec ca(std::string name, std::string cn, std::string summary) {
  ProfileSpec s;
  s.name = std::move(name);
  s.summary = std::move(summary);
  s.kind = ProfileKind::kCa;
  s.cn_rule = CnRule::kFixed;
  s.common_name = std::move(cn);
  s.key_types = kKubeadmKeys;
  // keyCertSign and cRLSign on a CA (RFC 5280 §4.2.1.3); digitalSignature as kubeadm sets it.
  // keyEncipherment, which kubeadm also sets, is left out: a CA key never decrypts (spec §1.1
  // notes the open PR dropping it for non-RSA keys).
  s.required_usages = {"digital signature", "cert sign", "crl sign"};
  s.default_usages = s.required_usages;
  s.validity = kCaValidity;
  s.max_validity = kCaValidity;
  return s;
}

// A kubeadm leaf (spec §1.2): fixed CN and O, DS + KE (KE for RSA keys only) + the row's EKUs.
ProfileSpec kubeadm_leaf(std::string name, std::string signed_by, std::string cn,
                         std::vector<std::string> organizations,
                         std::vector<std::string> ext_usages, std::string summary) {
  ProfileSpec s;
  s.name = std::move(name);
  s.summary = std::move(summary);
  s.signed_by = std::move(signed_by);
  s.cn_rule = cn.empty() ? CnRule::kFromRequest : CnRule::kFixed;
  s.common_name = std::move(cn);
  s.organizations = std::move(organizations);
  s.key_types = kKubeadmKeys;
  s.required_usages = {"digital signature"};
  s.required_usages.insert(s.required_usages.end(), ext_usages.begin(), ext_usages.end());
  s.allowed_usages = {"key encipherment"};
  s.default_usages = {"digital signature", "key encipherment"};
  s.default_usages.insert(s.default_usages.end(), ext_usages.begin(), ext_usages.end());
  s.validity = kLeafValidity;
  s.max_validity = kLeafValidity;
  return s;
}

ProfileSpec serving(ProfileSpec s) {
  s.san_rule = SanRule::kRequired;
  return s;
}

// A built-in CSR signer profile (spec §2.3): usages must contain `required` and may contain
// `allowed`, nothing else.
ProfileSpec signer(std::string name, std::string signer_name, std::vector<std::string> required,
                   std::vector<std::string> allowed, std::string summary) {
  ProfileSpec s;
  s.name = std::move(name);
  s.summary = std::move(summary);
  s.signer_names = {std::move(signer_name)};
  s.signed_by = "kubernetes-ca";
  s.key_types = kSignerKeys;
  s.required_usages = std::move(required);
  s.allowed_usages = std::move(allowed);
  s.default_usages = s.required_usages;
  s.default_usages.insert(s.default_usages.begin() + 1, "key encipherment");
  s.validity = kSignerDuration;
  s.max_validity = kSignerDuration;
  return s;
}

std::vector<ProfileSpec> make_specs() {
  const std::vector<std::string> server = {"server auth"};
  const std::vector<std::string> client_only = {"client auth"};
  const std::vector<std::string> server_and_client = {"server auth", "client auth"};
  std::vector<ProfileSpec> out;
  // CAs (rows 1, 4, 6).
  out.push_back(ca("kubernetes-ca", "kubernetes", "cluster CA (ca.crt, kubeadm row 1)"));
  out.push_back(ca("front-proxy-ca", "front-proxy-ca", "front proxy CA (kubeadm row 4)"));
  out.push_back(ca("etcd-ca", "etcd-ca", "etcd CA (etcd/ca.crt, kubeadm row 6)"));
  // kubeadm leaves.
  out.push_back(serving(kubeadm_leaf("apiserver", "kubernetes-ca", "kube-apiserver", {}, server,
                                     "kube-apiserver serving certificate (kubeadm row 2)")));
  out.push_back(kubeadm_leaf("apiserver-kubelet-client", "kubernetes-ca",
                             "kube-apiserver-kubelet-client", {"kubeadm:cluster-admins"},
                             client_only, "kube-apiserver client to kubelets (kubeadm row 3)"));
  out.push_back(kubeadm_leaf("front-proxy-client", "front-proxy-ca", "front-proxy-client", {},
                             client_only, "aggregation-layer proxy client (kubeadm row 5)"));
  out.push_back(serving(kubeadm_leaf("etcd-server", "etcd-ca", "", {}, server_and_client,
                                     "etcd serving certificate, CN <nodeName> (kubeadm row 7)")));
  out.push_back(serving(kubeadm_leaf("etcd-peer", "etcd-ca", "", {}, server_and_client,
                                     "etcd peer certificate, CN <nodeName> (kubeadm row 8)")));
  out.push_back(kubeadm_leaf("etcd-healthcheck-client", "etcd-ca", "kube-etcd-healthcheck-client",
                             {}, client_only, "etcd health-check client (kubeadm row 9)"));
  out.push_back(kubeadm_leaf("apiserver-etcd-client", "etcd-ca", "kube-apiserver-etcd-client", {},
                             client_only, "kube-apiserver client to etcd (kubeadm row 10)"));
  out.push_back(kubeadm_leaf("admin", "kubernetes-ca", "kubernetes-admin",
                             {"kubeadm:cluster-admins"}, client_only,
                             "admin.conf client (kubeadm row 12)"));
  out.push_back(kubeadm_leaf("super-admin", "kubernetes-ca", "kubernetes-super-admin",
                             {"system:masters"}, client_only,
                             "super-admin.conf break-glass client (kubeadm row 13)"));
  out.push_back(kubeadm_leaf("controller-manager", "kubernetes-ca",
                             "system:kube-controller-manager", {}, client_only,
                             "controller-manager.conf client (kubeadm row 14)"));
  out.push_back(kubeadm_leaf("scheduler", "kubernetes-ca", "system:kube-scheduler", {}, client_only,
                             "scheduler.conf client (kubeadm row 15)"));
  // Built-in signers (rows 16-18; spec §2.3).
  ProfileSpec client = signer("kube-apiserver-client", "kubernetes.io/kube-apiserver-client",
                              {"client auth"}, {"digital signature", "key encipherment"},
                              "client certificate (kubernetes.io/kube-apiserver-client)");
  client.default_usages = {"digital signature", "key encipherment", "client auth"};
  // The signer passes the subject through; the CertificateSubjectRestriction admission plugin
  // (on by default) refuses O=system:masters (spec §2.2). An empty CN is never authenticated
  // (spec §1.2 notes), so the CN is required.
  client.organization_rule = OrganizationRule::kAny;
  client.forbidden_organizations = {"system:masters"};
  client.san_rule = SanRule::kOptional;
  out.push_back(std::move(client));
  ProfileSpec kubelet = signer(
      "kubelet-client", "kubernetes.io/kube-apiserver-client-kubelet",
      {"digital signature", "client auth"}, {"key encipherment"},
      "kubelet client certificate (kubernetes.io/kube-apiserver-client-kubelet, rows 16-17)");
  kubelet.cn_rule = CnRule::kNodeName;
  kubelet.organizations = {"system:nodes"};
  // The kubelet's own certificate manager renews at a random 70-90 % of the lifetime (spec §3).
  kubelet.renew_from_permille = 700;
  kubelet.renew_until_permille = 900;
  out.push_back(std::move(kubelet));
  ProfileSpec kserving = signer(
      "kubelet-serving", "kubernetes.io/kubelet-serving", {"digital signature", "server auth"},
      {"key encipherment"}, "kubelet serving certificate (kubernetes.io/kubelet-serving, row 18)");
  kserving.cn_rule = CnRule::kNodeName;
  kserving.organizations = {"system:nodes"};
  kserving.san_rule = SanRule::kRequired;
  kserving.renew_from_permille = 700;
  kserving.renew_until_permille = 900;
  out.push_back(std::move(kserving));
  return out;
}

}  // namespace

std::vector<ProfileSpec> builtin_profile_specs() {
  return make_specs();
}

const ProfileSet& builtin_profiles() {
  static const ProfileSet kSet = [] {
    std::vector<Profile> profiles;
    for (auto& spec : make_specs()) {
      auto p = Profile::create(std::move(spec));
      if (!p) {
        // A broken built-in table is a programming error caught by every test run.
        std::cerr << "signet: built-in profile invalid: " << p.error().message() << '\n';
        std::abort();
      }
      profiles.push_back(std::move(*p));
    }
    auto set = ProfileSet::create(std::move(profiles));
    if (!set) {
      std::cerr << "signet: built-in profiles invalid: " << set.error().message() << '\n';
      std::abort();
    }
    return std::move(*set);
  }();
  return kSet;
}

}  // namespace signet
