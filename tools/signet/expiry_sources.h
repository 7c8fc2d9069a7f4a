// Where `signet certs check-expiration` finds certificates: each source adds named certificates
// to one Inventory, and one report builder (expiry_report.h) reads it. A new source (the
// ledger's inventory, later) is one more add_* function.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "signet/core/ossl.h"
#include "signet/core/result.h"

#include "tls_chain.h"

namespace signet::cli::expiry {

// Which table a certificate is reported in (kubeadm prints leaves and CAs apart).
enum class CertRole { kCertificate, kAuthority };

// What kind of source a certificate came from (JSON "source_kind"; endpoint chains are verified
// only against CAs from the other kinds).
enum class SourceKind { kFile, kPkiDir, kKubeconfig, kEndpoint, kLedger };

struct NamedCertificate {
  std::string name;    // "apiserver", "admin.conf", "bundle.pem#2", "127.0.0.1:6443#1"
  std::string source;  // where it came from: a path, "kubeconfig FILE users[NAME]", "endpoint H:P"
  CertRole role = CertRole::kCertificate;
  SourceKind kind = SourceKind::kFile;
  ossl::X509Ptr cert;   // null when missing
  std::string missing;  // why it is absent ("/etc/kubernetes/pki/apiserver.crt does not exist")
};

// The chain one endpoint served, leaf first (the same certificates are also entries).
struct ServedChain {
  Endpoint endpoint;
  std::vector<ossl::X509Ptr> chain;
};

struct Inventory {
  std::vector<NamedCertificate> entries;
  std::vector<ServedChain> chains;
};

// FILE arguments: each a PEM bundle or a DER certificate; a certificate that is a CA (X.509
// basicConstraints cA, or a v1 self-signed root) goes to the CA table.
[[nodiscard]] Status add_files(Inventory& inventory, const std::vector<std::string>& files);

// A kubeadm PKI directory (/etc/kubernetes/pki): its leaves and CAs under kubeadm's names, each
// missing file reported as missing; then the kubeconfigs next to it (admin.conf,
// super-admin.conf, controller-manager.conf, scheduler.conf, kubelet.conf) that exist.
[[nodiscard]] Status add_pki_dir(Inventory& inventory, const std::filesystem::path& dir);

// One kubeconfig: every cluster's CA and every user's client certificate, embedded or by file
// (relative to the kubeconfig's directory; a referenced file that does not exist is missing).
// `name` is how its rows are called ("admin.conf").
[[nodiscard]] Status add_kubeconfig(Inventory& inventory, const std::filesystem::path& file,
                                    const std::string& name);

// The chain a TLS server serves: its leaf and every other certificate it sent.
[[nodiscard]] Status add_endpoint(Inventory& inventory, const Endpoint& endpoint,
                                  std::chrono::milliseconds timeout);

}  // namespace signet::cli::expiry
