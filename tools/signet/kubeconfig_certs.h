// The certificates a kubeconfig names (client-go's clientcmd v1 Config): each cluster's
// certificate-authority(-data) and each user's client-certificate(-data). Parsing only: file
// references come back as written, so this is safe to fuzz and never touches the disk.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "signet/core/bytes.h"
#include "signet/core/result.h"

namespace signet::cli::expiry {

// At most this many cluster and user entries each (a kubeconfig merged from a large fleet has
// dozens; thousands is hostile).
inline constexpr std::size_t kMaxKubeconfigEntries = 256;

enum class KubeconfigCertKind {
  kCertificateAuthority,  // clusters[].cluster.certificate-authority(-data)
  kClientCertificate,     // users[].user.client-certificate(-data)
};

struct KubeconfigCertRef {
  KubeconfigCertKind kind = KubeconfigCertKind::kCertificateAuthority;
  std::string entry;  // the cluster's or user's name
  // The decoded *-data field (base64 of PEM, as client-go writes []byte), or empty when the file
  // form is used.
  std::optional<Bytes> data;
  // The file form as written; relative paths are relative to the kubeconfig's directory
  // (clientcmd resolves them so, `ResolvePaths`).
  std::string file;
};

// Every certificate reference in the kubeconfig `yaml`; `what` names the file in messages.
// Refuses YAML that does not parse, a top level that is not a mapping, `kind` other than Config,
// clusters/users that are not sequences of mappings with a string name, an entry with both the
// file and the -data form (client-go's validation refuses that too), base64 that is not strict
// RFC 4648 §4, and more than kMaxKubeconfigEntries entries.
[[nodiscard]] Result<std::vector<KubeconfigCertRef>> parse_kubeconfig_certs(std::string_view yaml,
                                                                            std::string_view what);

}  // namespace signet::cli::expiry
