#include "expiry_sources.h"

#include <array>
#include <string_view>

#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "expiry_input.h"
#include "kubeconfig_certs.h"

namespace signet::cli::expiry {

namespace fs = std::filesystem;

namespace {

struct KubeadmCert {
  std::string_view name;  // kubeadm's row name (certs check-expiration)
  std::string_view file;  // under the PKI directory, without ".crt"
  CertRole role;
};

// kubeadm's certificate list (cmd/kubeadm/app/phases/certs/certlist.go; kubeadm certs
// check-expiration prints them under these names, sorted).
constexpr std::array<KubeadmCert, 10> kKubeadmCerts{{
    {"apiserver", "apiserver", CertRole::kCertificate},
    {"apiserver-etcd-client", "apiserver-etcd-client", CertRole::kCertificate},
    {"apiserver-kubelet-client", "apiserver-kubelet-client", CertRole::kCertificate},
    {"etcd-healthcheck-client", "etcd/healthcheck-client", CertRole::kCertificate},
    {"etcd-peer", "etcd/peer", CertRole::kCertificate},
    {"etcd-server", "etcd/server", CertRole::kCertificate},
    {"front-proxy-client", "front-proxy-client", CertRole::kCertificate},
    {"ca", "ca", CertRole::kAuthority},
    {"etcd-ca", "etcd/ca", CertRole::kAuthority},
    {"front-proxy-ca", "front-proxy-ca", CertRole::kAuthority},
}};

// The kubeconfigs kubeadm writes next to the PKI directory (/etc/kubernetes/*.conf,
// cmd/kubeadm/app/constants/constants.go). kubeadm itself skips kubelet.conf (the kubelet rotates
// its client certificate); it is listed here because an expired one still stops the node.
constexpr std::array<std::string_view, 5> kKubeadmKubeconfigs{
    "admin.conf", "super-admin.conf", "controller-manager.conf", "scheduler.conf", "kubelet.conf"};

// X509_check_ca: 1 for a v3 CA, 3 for a v1 self-signed root (RFC 5280 §4.2.1.9; v1 roots
// predate basicConstraints), 4/5 for Netscape/keyUsage-only CAs; 0 for a leaf.
CertRole role_of(X509* cert) {
  return X509_check_ca(cert) != 0 ? CertRole::kAuthority : CertRole::kCertificate;
}

void add_parsed(Inventory& inventory, std::vector<ossl::X509Ptr> certs, const std::string& name,
                const std::string& source, SourceKind kind, std::optional<CertRole> forced_role) {
  const bool many = certs.size() > 1;
  for (std::size_t i = 0; i < certs.size(); ++i) {
    NamedCertificate entry;
    entry.name = many ? name + "#" + std::to_string(i + 1) : name;
    entry.source = source;
    entry.kind = kind;
    entry.role = forced_role ? *forced_role : role_of(certs[i].get());
    entry.cert = std::move(certs[i]);
    inventory.entries.push_back(std::move(entry));
  }
}

void add_missing(Inventory& inventory, const std::string& name, const std::string& source,
                 SourceKind kind, CertRole role, const std::string& why) {
  NamedCertificate entry;
  entry.name = name;
  entry.source = source;
  entry.kind = kind;
  entry.role = role;
  entry.missing = why;
  inventory.entries.push_back(std::move(entry));
}

// The directory a kubeconfig's relative paths are resolved against.
fs::path directory_of(const fs::path& file) {
  const fs::path parent = file.parent_path();
  return parent.empty() ? fs::path(".") : parent;
}

}  // namespace

Status add_files(Inventory& inventory, const std::vector<std::string>& files) {
  for (const auto& file : files) {
    const std::string what = "certificate file " + file;
    SIGNET_ASSIGN_OR_RETURN(const std::string data, read_regular_file(file, "certificate file"));
    SIGNET_ASSIGN_OR_RETURN(auto certs, parse_certificates(as_bytes(data), what));
    add_parsed(inventory, std::move(certs), fs::path(file).filename().string(), file,
               SourceKind::kFile, std::nullopt);
  }
  return {};
}

Status add_pki_dir(Inventory& inventory, const fs::path& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    return fail(ErrorCode::kInvalidArgument, "--pki-dir " + dir.string() + " is not a directory");
  }
  for (const auto& known : kKubeadmCerts) {
    const fs::path path = dir / (std::string(known.file) + ".crt");
    auto data = read_regular_file(path, "certificate file");
    if (!data && data.error().code() == ErrorCode::kNotFound) {
      add_missing(inventory, std::string(known.name), path.string(), SourceKind::kPkiDir,
                  known.role, data.error().message());
      continue;
    }
    if (!data) return fail(data.error());
    SIGNET_ASSIGN_OR_RETURN(
        auto certs, parse_certificates(as_bytes(*data), "certificate file " + path.string()));
    add_parsed(inventory, std::move(certs), std::string(known.name), path.string(),
               SourceKind::kPkiDir, known.role);
  }
  // The kubeconfigs live in the PKI directory's parent (/etc/kubernetes); "pki/" and "pki" are
  // the same directory.
  fs::path absolute = fs::absolute(dir, ec).lexically_normal();
  if (!absolute.has_filename()) absolute = absolute.parent_path();
  const fs::path parent = absolute.parent_path();
  for (const auto name : kKubeadmKubeconfigs) {
    const fs::path conf = parent / std::string(name);
    if (!fs::exists(fs::symlink_status(conf, ec))) continue;
    SIGNET_RETURN_IF_ERROR(add_kubeconfig(inventory, conf, std::string(name)));
  }
  return {};
}

Status add_kubeconfig(Inventory& inventory, const fs::path& file, const std::string& name) {
  const std::string what = "kubeconfig " + file.string();
  SIGNET_ASSIGN_OR_RETURN(const std::string text, read_regular_file(file, "kubeconfig"));
  SIGNET_ASSIGN_OR_RETURN(const auto refs, parse_kubeconfig_certs(text, what));
  std::size_t users = 0;
  for (const auto& ref : refs) {
    if (ref.kind == KubeconfigCertKind::kClientCertificate) ++users;
  }
  for (const auto& ref : refs) {
    const bool is_ca = ref.kind == KubeconfigCertKind::kCertificateAuthority;
    // kubeadm names a kubeconfig's row after the file; with several users each gets its own.
    const std::string row =
        is_ca ? name + "/cluster:" + ref.entry : (users == 1 ? name : name + "/user:" + ref.entry);
    const std::string field = is_ca ? "clusters[" + ref.entry + "]" : "users[" + ref.entry + "]";
    const CertRole role = is_ca ? CertRole::kAuthority : CertRole::kCertificate;
    if (ref.data) {
      const std::string source = "kubeconfig " + file.string() + " " + field;
      SIGNET_ASSIGN_OR_RETURN(auto certs, parse_certificates(*ref.data, what + " " + field));
      add_parsed(inventory, std::move(certs), row, source, SourceKind::kKubeconfig, role);
      continue;
    }
    const fs::path referenced = fs::path(ref.file).is_absolute()
                                    ? fs::path(ref.file)
                                    : directory_of(file) / fs::path(ref.file);
    std::string field_what = what;
    field_what.append(" ").append(field);
    std::string source = referenced.string();
    source.append(" (kubeconfig ").append(file.string()).append(" ").append(field).append(")");
    auto data = read_regular_file(referenced, field_what + " file");
    if (!data && data.error().code() == ErrorCode::kNotFound) {
      add_missing(inventory, row, source, SourceKind::kKubeconfig, role, data.error().message());
      continue;
    }
    if (!data) return fail(data.error());
    // A kubelet's client-certificate file holds its key too (kubelet-client-current.pem).
    const PemPolicy policy = is_ca ? PemPolicy::kCertificatesOnly : PemPolicy::kSkipOtherBlocks;
    SIGNET_ASSIGN_OR_RETURN(
        auto certs,
        parse_certificates(as_bytes(*data), field_what + " file " + referenced.string(), policy));
    add_parsed(inventory, std::move(certs), row, source, SourceKind::kKubeconfig, role);
  }
  return {};
}

Status add_endpoint(Inventory& inventory, const Endpoint& endpoint,
                    std::chrono::milliseconds timeout) {
  SIGNET_ASSIGN_OR_RETURN(auto chain, fetch_served_chain(endpoint, timeout));
  ServedChain served;
  served.endpoint = endpoint;
  for (std::size_t i = 0; i < chain.size(); ++i) {
    NamedCertificate entry;
    entry.name = endpoint.text() + "#" + std::to_string(i + 1);
    entry.source =
        "endpoint " + endpoint.text() + " (served chain position " + std::to_string(i + 1) + ")";
    // The first certificate is the server's own (RFC 8446 §4.4.2); the rest are CAs it sends.
    entry.kind = SourceKind::kEndpoint;
    entry.role = i == 0 ? CertRole::kCertificate : role_of(chain[i].get());
    X509_up_ref(chain[i].get());
    entry.cert.reset(chain[i].get());
    inventory.entries.push_back(std::move(entry));
  }
  served.chain = std::move(chain);
  inventory.chains.push_back(std::move(served));
  return {};
}

}  // namespace signet::cli::expiry
