// Profiles and their policy: every built-in leaf profile issues from a matching CSR (checked with
// OpenSSL's parser), and every rule refuses with a message naming the rule and the value.
#include <gtest/gtest.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "signet/core/issuer.h"
#include "signet/core/software_signer.h"

#include "linted_issue.h"
#include "test_csr.h"

namespace signet {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;
using testing::CsrSpec;
using testing::issue_linted;
using testing::make_csr_der;

struct TestCa {
  std::unique_ptr<SoftwareSigner> signer;
  CaCertificate cert;
};

TestCa make_ca() {
  auto signer = SoftwareSigner::generate({KeyType::kEcP256, 0});
  EXPECT_TRUE(signer);
  const auto der = create_self_signed_ca({{NameAttributeType::kCommonName, "kubernetes"}},
                                         hours(87600), std::chrono::system_clock::now(), **signer);
  EXPECT_TRUE(der);
  auto cert = CaCertificate::parse(*der);
  EXPECT_TRUE(cert);
  return {std::move(*signer), std::move(*cert)};
}

ossl::X509Ptr parse_x509(ByteView der) {
  const unsigned char* p = der.data();
  return ossl::X509Ptr(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
}

// A CSR that satisfies `p`'s subject and SAN rules.
CsrSpec matching_spec(const Profile& p, const std::string& key = "EC") {
  CsrSpec spec;
  spec.key = key;
  spec.subject.clear();
  for (const auto& o : p.spec().organizations) spec.subject.emplace_back("O", o);
  switch (p.spec().cn_rule) {
    case CnRule::kFixed:
      spec.subject.emplace_back("CN", p.spec().common_name);
      break;
    case CnRule::kNodeName:
      spec.subject.emplace_back("CN", "system:node:n1");
      break;
    case CnRule::kFromRequest:
      spec.subject.emplace_back("CN", "node-1");
      break;
  }
  if (p.spec().san_rule != SanRule::kNone) spec.san = "DNS:node-1.example,IP:10.0.0.7";
  return spec;
}

Result<IssuedCertificate> issue(const TestCa& ca, const Profile& p, const CsrSpec& spec,
                                const RequestOptions& options = {},
                                SystemTime now = std::chrono::system_clock::now()) {
  const auto csr = Csr::parse(make_csr_der(spec));
  EXPECT_TRUE(csr) << csr.error().message();
  return issue_linted(ca.cert, *ca.signer, p, *csr, now, options);
}

std::uint32_t xku_of(const std::vector<std::string>& usages) {
  std::uint32_t x = 0;
  for (const auto& u : usages) {
    if (u == "server auth") x |= XKU_SSL_SERVER;
    if (u == "client auth") x |= XKU_SSL_CLIENT;
  }
  return x;
}

TEST(ProfileTest, BuiltinsCoverTheKubeadmInventoryAndTheSigners) {
  const std::vector<std::string> expected = {"kubernetes-ca",
                                             "front-proxy-ca",
                                             "etcd-ca",
                                             "apiserver",
                                             "apiserver-kubelet-client",
                                             "front-proxy-client",
                                             "etcd-server",
                                             "etcd-peer",
                                             "etcd-healthcheck-client",
                                             "apiserver-etcd-client",
                                             "admin",
                                             "super-admin",
                                             "controller-manager",
                                             "scheduler",
                                             "kube-apiserver-client",
                                             "kubelet-client",
                                             "kubelet-serving"};
  EXPECT_EQ(builtin_profiles().names(), expected);
  const ProfileSet& set = builtin_profiles();
  EXPECT_EQ(set.find_by_signer("kubernetes.io/kube-apiserver-client")->name(),
            "kube-apiserver-client");
  EXPECT_EQ(set.find_by_signer("kubernetes.io/kube-apiserver-client-kubelet")->name(),
            "kubelet-client");
  EXPECT_EQ(set.find_by_signer("kubernetes.io/kubelet-serving")->name(), "kubelet-serving");
  EXPECT_EQ(set.find_by_signer("kubernetes.io/legacy-unknown"), nullptr);
  // Kubernetes 1.29+ (spec §1.2 rows 3, 9, 10, 12, 13).
  EXPECT_EQ(set.find("admin")->spec().organizations,
            std::vector<std::string>{"kubeadm:cluster-admins"});
  EXPECT_EQ(set.find("super-admin")->spec().organizations,
            std::vector<std::string>{"system:masters"});
  EXPECT_EQ(set.find("apiserver-kubelet-client")->spec().organizations,
            std::vector<std::string>{"kubeadm:cluster-admins"});
  EXPECT_TRUE(set.find("etcd-healthcheck-client")->spec().organizations.empty());
  EXPECT_TRUE(set.find("apiserver-etcd-client")->spec().organizations.empty());
}

TEST(ProfileTest, EveryLeafProfileIssuesWithItsExtensions) {
  const TestCa ca = make_ca();
  for (const auto& p : builtin_profiles().profiles()) {
    if (p.kind() == ProfileKind::kCa) continue;
    for (const std::string key : {"EC", "RSA", "P384"}) {
      SCOPED_TRACE(p.name() + " " + key);
      const auto issued = issue(ca, p, matching_spec(p, key));
      ASSERT_TRUE(issued) << issued.error().message();
      EXPECT_TRUE(testing::openssl_verifies(issued->der, ca.cert.public_key_der()));
      const auto x = parse_x509(issued->der);
      ASSERT_TRUE(x);
      EXPECT_EQ(X509_check_ca(x.get()), 0);
      EXPECT_EQ(X509_get_extended_key_usage(x.get()), xku_of(p.spec().default_usages));
      const std::uint32_t ku = X509_get_key_usage(x.get());
      EXPECT_TRUE((ku & KU_DIGITAL_SIGNATURE) != 0);
      // keyEncipherment only for RSA keys (spec §1.2 SIGNET note, §7).
      EXPECT_EQ((ku & KU_KEY_ENCIPHERMENT) != 0, key == "RSA");
      EXPECT_EQ(ku & (KU_KEY_CERT_SIGN | KU_CRL_SIGN), 0U);
      const auto* san = static_cast<GENERAL_NAMES*>(
          X509_get_ext_d2i(x.get(), NID_subject_alt_name, nullptr, nullptr));
      EXPECT_EQ(san != nullptr, p.spec().san_rule != SanRule::kNone);
      if (san != nullptr) {
        EXPECT_EQ(sk_GENERAL_NAME_num(san), 2);
        GENERAL_NAMES_free(const_cast<GENERAL_NAMES*>(san));  // NOLINT
      }
      // Critical flags (spec §7 item 6): BC and KU critical, EKU/SKI/AKI/SAN not.
      for (int i = 0; i < X509_get_ext_count(x.get()); ++i) {
        X509_EXTENSION* ext = X509_get_ext(x.get(), i);
        const int nid = OBJ_obj2nid(X509_EXTENSION_get_object(ext));
        EXPECT_EQ(X509_EXTENSION_get_critical(ext) != 0,
                  nid == NID_basic_constraints || nid == NID_key_usage)
            << OBJ_nid2sn(nid);
      }
      EXPECT_EQ(issued->not_after - issued->not_before, p.validity());
    }
  }
}

TEST(ProfileTest, SignerProfilesAcceptEd25519KeysAndKubeadmProfilesRefuseThem) {
  const TestCa ca = make_ca();
  const ProfileSet& set = builtin_profiles();
  const auto ok =
      issue(ca, *set.find("kubelet-client"), matching_spec(*set.find("kubelet-client"), "ED25519"));
  EXPECT_TRUE(ok) << ok.error().message();
  const auto refused = issue(ca, *set.find("admin"), matching_spec(*set.find("admin"), "ED25519"));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().message(),
            "admin: key type must be one of [rsa, ecdsa-p256, ecdsa-p384], got ed25519");
}

struct Refusal {
  std::string profile;
  CsrSpec spec;
  RequestOptions options;
  std::string message;  // the whole message
};

CsrSpec subject(std::vector<std::pair<std::string, std::string>> attrs, std::string san = {}) {
  CsrSpec s;
  s.subject = std::move(attrs);
  s.san = std::move(san);
  return s;
}

TEST(ProfileTest, EveryRuleNamesTheRuleAndTheValue) {
  const TestCa ca = make_ca();
  const auto node = [](std::string san = {}) {
    return subject({{"O", "system:nodes"}, {"CN", "system:node:n1"}}, std::move(san));
  };
  RequestOptions bad_usage;
  bad_usage.usages = {"digital signature", "client auth", "server auth"};
  RequestOptions missing_usage;
  missing_usage.usages = {"digital signature"};
  RequestOptions signing_alias;  // the kubelet rule compares strings exactly (spec §2.3)
  signing_alias.usages = {"signing", "client auth"};
  RequestOptions repeated;
  repeated.usages = {"client auth", "client auth"};
  RequestOptions unknown;
  unknown.usages = {"client auth", "world domination"};
  RequestOptions hosts;
  hosts.hosts = std::vector<std::string>{"admin.example"};
  RequestOptions bad_dns;
  bad_dns.hosts = std::vector<std::string>{"bad_name.example"};
  RequestOptions mapped;
  mapped.hosts = std::vector<std::string>{"::ffff:10.0.0.1"};
  RequestOptions wildcard_inside;
  wildcard_inside.hosts = std::vector<std::string>{"a.*.example"};
  RequestOptions too_long;
  too_long.validity = hours(9000);
  RequestOptions too_short;
  too_short.validity = minutes(5);

  const std::vector<Refusal> cases = {
      {"apiserver",
       subject({{"CN", "apiserver"}}, "DNS:a"),
       {},
       "apiserver: subject CN must be kube-apiserver, got 'apiserver'"},
      {"admin",
       subject({{"O", "system:masters"}, {"CN", "kubernetes-admin"}}),
       {},
       "admin: subject O must be exactly kubeadm:cluster-admins, got [system:masters]"},
      {"controller-manager",
       subject({{"O", "system:masters"}, {"CN", "system:kube-controller-manager"}}),
       {},
       "controller-manager: subject must have no O, got [system:masters]"},
      {"scheduler",
       subject({{"CN", "system:kube-scheduler"}, {"CN", "x"}}),
       {},
       "scheduler: subject must have exactly one CN, got 2"},
      {"scheduler",
       subject({{"OU", "ops"}, {"CN", "system:kube-scheduler"}}),
       {},
       "scheduler: subject must hold only CN and O, got 'OU=ops, CN=system:kube-scheduler'"},
      {"kubelet-client",
       subject({{"O", "system:nodes"}, {"CN", "node-1"}}),
       {},
       "kubelet-client: subject CN must be system:node:<node name>, got 'node-1'"},
      {"kubelet-client",
       node("DNS:n1.example"),
       {},
       "kubelet-client: subjectAltName is not allowed in a kubelet-client certificate, got "
       "DNS:n1.example"},
      {"kubelet-serving",
       node(),
       {},
       "kubelet-serving: at least one DNS or IP subjectAltName is required, got none"},
      {"kubelet-serving",
       node("DNS:n1.example,email:a@example.com"),
       {},
       "kubelet-serving: email subjectAltNames are never issued, got email:a@example.com"},
      {"kubelet-serving",
       node("DNS:n1.example,URI:spiffe://x/y"),
       {},
       "kubelet-serving: URI subjectAltNames are never issued, got URI:spiffe://x/y"},
      {"etcd-server",
       subject({{"CN", "node-1"}}, "DNS:-bad-.example"),
       {},
       "etcd-server: DNS name must be RFC 1123 labels (a wildcard only as the whole left-most "
       "label), got '-bad-.example'"},
      {"kube-apiserver-client",
       subject({{"O", "system:masters"}, {"CN", "eve"}}),
       {},
       "kube-apiserver-client: subject O system:masters is not allowed, got [system:masters]"},
      {"kubelet-client", node(), bad_usage,
       "kubelet-client: usage 'server auth' is not allowed (allowed: digital signature, client "
       "auth, key encipherment), got [digital signature, client auth, server auth]"},
      {"kubelet-client", node(), missing_usage,
       "kubelet-client: usage 'client auth' is required, got [digital signature]"},
      {"kubelet-client", node(), signing_alias,
       "kubelet-client: usage 'signing' is not allowed (allowed: digital signature, client "
       "auth, key encipherment), got [signing, client auth]"},
      {"kube-apiserver-client", subject({{"CN", "bob"}}), repeated,
       "kube-apiserver-client: usage 'client auth' is listed twice"},
      {"kube-apiserver-client", subject({{"CN", "bob"}}), unknown,
       "kube-apiserver-client: unknown usage 'world domination' (certificates.k8s.io/v1 KeyUsage "
       "strings)"},
      {"admin", subject({{"O", "kubeadm:cluster-admins"}, {"CN", "kubernetes-admin"}}), hosts,
       "admin: --hosts is not allowed: the profile takes no subjectAltName (san_rule none), got "
       "'admin.example'"},
      {"etcd-peer", subject({{"CN", "n1"}}), bad_dns,
       "etcd-peer: DNS name must be RFC 1123 labels (a wildcard only as the whole left-most "
       "label), got 'bad_name.example'"},
      {"etcd-peer", subject({{"CN", "n1"}}), wildcard_inside,
       "etcd-peer: DNS name must be RFC 1123 labels (a wildcard only as the whole left-most "
       "label), got 'a.*.example'"},
      {"etcd-peer", subject({{"CN", "n1"}}), mapped,
       "etcd-peer: IP address must be IPv4 or IPv6 (not IPv4-mapped IPv6), got "
       "'::ffff:10.0.0.1'"},
      {"kubelet-client", node(), too_long,
       "kubelet-client: validity must be 10m to 8760h (max_validity), got 9000h"},
      {"kubelet-client", node(), too_short,
       "kubelet-client: validity must be 10m to 8760h (max_validity), got 5m"},
      {"etcd-ca",
       subject({{"CN", "etcd-ca"}}),
       {},
       "etcd-ca: a CA profile does not sign requests; create the CA with `signet ca init`"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.message);
    const Profile* p = builtin_profiles().find(c.profile);
    ASSERT_NE(p, nullptr);
    const auto issued = issue(ca, *p, c.spec, c.options);
    ASSERT_FALSE(issued);
    EXPECT_EQ(issued.error().message(), c.message);
    EXPECT_EQ(issued.error().code(), ErrorCode::kFailedPrecondition);
    EXPECT_EQ(issued.error().retry(), Retry::kNever);
  }
  CsrSpec weak = node();
  weak.key = "RSA1024";
  const auto r = issue(ca, *builtin_profiles().find("kubelet-client"), weak);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message(), "kubelet-client: RSA keys must be 2048 to 8192 bits, got 1024");
}

TEST(ProfileTest, RequestedExtensionsAreNeverCopied) {
  const TestCa ca = make_ca();
  // Requests for CA:TRUE or name constraints never get this far: the CSR parser refuses them
  // (CsrHostileTest). Everything else a request asks for is recorded and ignored.
  CsrSpec spec = subject({{"CN", "bob"}});
  spec.extensions = {{"basicConstraints", "critical,CA:FALSE"},
                     {"keyUsage", "critical,keyCertSign,cRLSign"},
                     {"extendedKeyUsage", "codeSigning"},
                     {"1.2.3.4", "critical,DER:05:00"}};
  const auto csr = Csr::parse(make_csr_der(spec));
  ASSERT_TRUE(csr) << csr.error().message();
  ASSERT_EQ(csr->requested_extensions().size(), 4U);
  const auto issued =
      issue_linted(ca.cert, *ca.signer, *builtin_profiles().find("kube-apiserver-client"), *csr,
                   std::chrono::system_clock::now());
  ASSERT_TRUE(issued) << issued.error().message();
  const auto x = parse_x509(issued->der);
  ASSERT_TRUE(x);
  EXPECT_EQ(X509_check_ca(x.get()), 0);
  EXPECT_LT(X509_get_ext_by_NID(x.get(), NID_name_constraints, -1), 0);
  EXPECT_EQ(X509_get_key_usage(x.get()) & (KU_KEY_CERT_SIGN | KU_CRL_SIGN), 0U);
  EXPECT_EQ(X509_get_extended_key_usage(x.get()), static_cast<std::uint32_t>(XKU_SSL_CLIENT));
  ASN1_OBJECT* unknown = OBJ_txt2obj("1.2.3.4", 1);
  EXPECT_LT(X509_get_ext_by_OBJ(x.get(), unknown, -1), 0);
  ASN1_OBJECT_free(unknown);
  // No extension OpenSSL does not know, critical or not.
  for (int i = 0; i < X509_get_ext_count(x.get()); ++i) {
    EXPECT_NE(OBJ_obj2nid(X509_EXTENSION_get_object(X509_get_ext(x.get(), i))), NID_undef);
  }
}

TEST(ProfileTest, HostsReplaceTheRequestedNamesAsDnsAndIpOctets) {
  const TestCa ca = make_ca();
  const Profile& p = *builtin_profiles().find("kubelet-serving");
  RequestOptions o;
  o.hosts =
      std::vector<std::string>{"n1.example", "*.n1.example", "10.0.0.7", "fd00::7", "n1.example"};
  const auto issued = issue(ca, p, matching_spec(p), o);
  ASSERT_TRUE(issued) << issued.error().message();
  EXPECT_EQ(issued->subject_alt_names.dns,
            (std::vector<std::string>{"n1.example", "*.n1.example"}));
  ASSERT_EQ(issued->subject_alt_names.ip.size(), 2U);
  EXPECT_EQ(issued->subject_alt_names.ip[0], (Bytes{10, 0, 0, 7}));
  EXPECT_EQ(issued->subject_alt_names.ip[1].size(), 16U);
  const auto x = parse_x509(issued->der);
  ASSERT_TRUE(x);
  EXPECT_EQ(X509_check_host(x.get(), "n1.example", 0, 0, nullptr), 1);
  EXPECT_EQ(X509_check_host(x.get(), "node-1.example", 0, 0, nullptr), 0);  // CSR's name replaced
  EXPECT_EQ(X509_check_ip_asc(x.get(), "10.0.0.7", 0), 1);
  EXPECT_EQ(X509_check_ip_asc(x.get(), "fd00::7", 0), 1);
}

TEST(ProfileTest, ExpirationIsClampedLikeTheKcmSigner) {
  const TestCa ca = make_ca();
  const Profile& p = *builtin_profiles().find("kubelet-client");
  const auto now = std::chrono::time_point_cast<seconds>(std::chrono::system_clock::now());
  const auto ttl_of = [&](seconds requested) {
    RequestOptions o;
    o.expiration = requested;
    const auto issued = issue(ca, p, matching_spec(p), o, now);
    EXPECT_TRUE(issued);
    return issued->not_after - now;
  };
  // Below 10 min: 10 min; short TTLs (< 8 h) end at now + TTL (spec §2.5).
  EXPECT_EQ(ttl_of(seconds(60)), minutes(10));
  EXPECT_EQ(ttl_of(seconds(3600)), hours(1));
  // 8 h and more end at now + TTL - 5 min; above the profile's duration: the duration.
  EXPECT_EQ(ttl_of(hours(24)), hours(24) - minutes(5));
  EXPECT_EQ(ttl_of(hours(100000)), hours(8760) - minutes(5));
  RequestOptions exact;
  exact.validity = hours(720);
  const auto issued = issue(ca, p, matching_spec(p), exact, now);
  ASSERT_TRUE(issued);
  EXPECT_EQ(issued->not_after - issued->not_before, hours(720));
}

TEST(ProfileTest, CreateRefusesBadSpecsNamingTheField) {
  const auto base = [] { return builtin_profile_specs()[6]; };  // etcd-server
  ASSERT_EQ(base().name, "etcd-server");
  struct Case {
    ProfileSpec spec;
    std::string message;
  };
  std::vector<Case> cases;
  auto s = base();
  s.name = "Etcd";
  cases.push_back({s, "profile name 'Etcd' must be 1 to 63 characters of [a-z0-9-]"});
  s = base();
  s.required_usages = {"digital signature"};
  s.default_usages = {"digital signature"};
  cases.push_back({s,
                   "profile 'etcd-server': required_usages: a leaf profile must require an "
                   "extended key usage"});
  s = base();
  s.allowed_usages.push_back("cert sign");
  cases.push_back({s,
                   "profile 'etcd-server': usages: cert sign and crl sign are for CA "
                   "profiles only"});
  s = base();
  s.default_usages.push_back("code signing");
  cases.push_back({s,
                   "profile 'etcd-server': default_usages: 'code signing' is neither "
                   "required nor allowed"});
  s = base();
  s.required_usages.push_back("teleport");
  cases.push_back({s,
                   "profile 'etcd-server': required_usages: 'teleport' is not a Kubernetes "
                   "key usage"});
  s = base();
  s.rsa_min_bits = 1024;
  cases.push_back({s, "RSA sizes must satisfy 2048 <= rsa_min_bits"});
  s = base();
  s.validity = hours(9000);
  cases.push_back({s,
                   "validity must satisfy 10m <= validity <= max_validity <= 876000h, got "
                   "9000h and 8760h"});
  s = base();
  s.signer_names = {"not-a-signer"};
  cases.push_back({s, "signer_names: 'not-a-signer' is not <dns-subdomain>/<path>"});
  s = base();
  s.signer_names = {"kubernetes.io/legacy-unknown"};
  cases.push_back({s, "kubernetes.io/legacy-unknown cannot be served"});
  s = base();
  s.common_name = "etcd";
  cases.push_back({s, "common_name is only used with cn_rule fixed, got cn_rule request"});
  s = builtin_profile_specs()[0];  // kubernetes-ca
  s.required_usages.push_back("server auth");
  s.default_usages.push_back("server auth");
  cases.push_back({s,
                   "profile 'kubernetes-ca': usages: a CA profile carries no extended key "
                   "usage"});
  for (const auto& c : cases) {
    const auto p = Profile::create(c.spec);
    ASSERT_FALSE(p) << c.message;
    EXPECT_NE(p.error().message().find(c.message), std::string::npos) << p.error().message();
    EXPECT_EQ(p.error().code(), ErrorCode::kInvalidArgument);
  }
  auto specs = builtin_profile_specs();
  std::vector<Profile> two;
  two.push_back(*Profile::create(specs[15]));
  auto copy = specs[15];
  copy.name = "kubelet-client-2";
  two.push_back(*Profile::create(copy));
  const auto set = ProfileSet::create(std::move(two));
  ASSERT_FALSE(set);
  EXPECT_EQ(set.error().message(),
            "signerName kubernetes.io/kube-apiserver-client-kubelet is served by two profiles "
            "(one is 'kubelet-client-2')");
}

}  // namespace
}  // namespace signet

namespace signet {
namespace {

// kubeadm's CA certificates carry DNS:<CN>; a CN that is no DNS name gets no SAN rather than an
// invalid dNSName (RFC 5280 §4.2.1.6).
TEST(ProfileTest, CaPlanAddsTheCnAsDnsNameOnlyWhenItIsOne) {
  const Profile* ca = find_profile("kubernetes-ca");
  ASSERT_NE(ca, nullptr);
  const KeyInfo key{KeyType::kEcP256, 256};
  const auto plain = ca->plan_ca(key, std::nullopt, std::nullopt);
  ASSERT_TRUE(plain) << plain.error().message();
  ASSERT_EQ(plain->subject_alt_names.dns.size(), 1U);
  EXPECT_EQ(plain->subject_alt_names.dns[0], "kubernetes");
  // A site's own CA profile (CA profiles fix their CN), once with a CN that is no DNS name.
  for (const char* cn : {"Lab Root CA", "lab-ca.example"}) {
    ProfileSpec spec = ca->spec();
    spec.name = "lab-ca";
    spec.signer_names.clear();
    spec.common_name = cn;
    const auto lab_profile = Profile::create(spec);
    ASSERT_TRUE(lab_profile) << lab_profile.error().message();
    const auto lab = lab_profile->plan_ca(key, std::nullopt, std::nullopt);
    ASSERT_TRUE(lab) << lab.error().message();
    if (std::string(cn) == "Lab Root CA") {
      EXPECT_TRUE(lab->subject_alt_names.dns.empty()) << lab->subject_alt_names.dns[0];
    } else {
      ASSERT_EQ(lab->subject_alt_names.dns.size(), 1U);
      EXPECT_EQ(lab->subject_alt_names.dns[0], cn);
    }
  }
}

}  // namespace
}  // namespace signet
