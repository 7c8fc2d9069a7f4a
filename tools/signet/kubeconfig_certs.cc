#include "kubeconfig_certs.h"

#include <exception>

#include <yaml-cpp/yaml.h>

#include "signet/core/base64.h"

namespace signet::cli::expiry {

namespace {

// A short, printable rendering of a name taken from the file, for messages.
std::string kubeconfig_printable(const std::string& text, std::size_t max = 64) {
  std::string out;
  for (const char c : text.substr(0, max)) {
    out += (c >= 0x20 && c < 0x7f) ? c : '?';
  }
  return text.size() > max ? out + "..." : out;
}

Result<std::optional<std::string>> optional_string(const YAML::Node& map, const char* key,
                                                   const std::string& where) {
  const YAML::Node value = map[key];
  if (!value.IsDefined() || value.IsNull()) return std::optional<std::string>();
  if (!value.IsScalar()) {
    return fail(ErrorCode::kInvalidArgument, where + ": '" + key + "' must be a string");
  }
  return std::optional<std::string>(value.as<std::string>());
}

// One cluster or user entry: {name: ..., cluster|user: {<file_key>: ..., <data_key>: ...}}.
Status read_entry(const YAML::Node& item, std::size_t index, const char* list, const char* body,
                  const char* file_key, const char* data_key, KubeconfigCertKind kind,
                  std::string_view what, std::vector<KubeconfigCertRef>& out) {
  std::string where = std::string(what) + ": " + list + "[" + std::to_string(index) + "]";
  if (!item.IsMap()) {
    return fail(ErrorCode::kInvalidArgument, where + " must be a mapping");
  }
  SIGNET_ASSIGN_OR_RETURN(const auto name, optional_string(item, "name", where));
  if (!name || name->empty()) {
    return fail(ErrorCode::kInvalidArgument, where + " has no 'name'");
  }
  where += " (" + kubeconfig_printable(*name) + ")";
  const YAML::Node inner = item[body];
  if (!inner.IsDefined() || inner.IsNull()) return {};
  if (!inner.IsMap()) {
    return fail(ErrorCode::kInvalidArgument, where + ": '" + body + "' must be a mapping");
  }
  SIGNET_ASSIGN_OR_RETURN(const auto file, optional_string(inner, file_key, where));
  SIGNET_ASSIGN_OR_RETURN(const auto data, optional_string(inner, data_key, where));
  if (file && data) {
    return fail(ErrorCode::kInvalidArgument, where + " has both '" + file_key + "' and '" +
                                                 data_key + "'; give one (client-go refuses both)");
  }
  if (!file && !data) return {};
  KubeconfigCertRef ref;
  ref.kind = kind;
  ref.entry = *name;
  if (file) {
    if (file->empty() || file->find('\0') != std::string::npos) {
      return fail(ErrorCode::kInvalidArgument, where + ": '" + file_key + "' is not a path");
    }
    ref.file = *file;
  } else {
    // client-go marshals []byte as standard padded base64 (encoding/json, RFC 4648 §4).
    SIGNET_ASSIGN_OR_RETURN(auto bytes,
                            base64_decode(*data, where + ": '" + std::string(data_key) + "'"));
    ref.data = std::move(bytes);
  }
  out.push_back(std::move(ref));
  return {};
}

Status read_list(const YAML::Node& root, const char* list, const char* body, const char* file_key,
                 const char* data_key, KubeconfigCertKind kind, std::string_view what,
                 std::vector<KubeconfigCertRef>& out) {
  const YAML::Node items = root[list];
  if (!items.IsDefined() || items.IsNull()) return {};
  if (!items.IsSequence()) {
    return fail(ErrorCode::kInvalidArgument,
                std::string(what) + ": '" + list + "' must be a sequence");
  }
  if (items.size() > kMaxKubeconfigEntries) {
    return fail(ErrorCode::kInvalidArgument, std::string(what) + ": more than " +
                                                 std::to_string(kMaxKubeconfigEntries) + " " +
                                                 list + " entries");
  }
  for (std::size_t i = 0; i < items.size(); ++i) {
    SIGNET_RETURN_IF_ERROR(
        read_entry(items[i], i, list, body, file_key, data_key, kind, what, out));
  }
  return {};
}

Result<std::vector<KubeconfigCertRef>> parse_document(const std::string& text,
                                                      std::string_view what) {
  // yaml-cpp bounds nesting itself (DepthGuard, YAML::DeepRecursion); aliases share nodes rather
  // than copying them, and only two fixed levels are read here, so no alias bomb expands.
  const YAML::Node root = YAML::Load(text);
  if (!root.IsMap()) {
    return fail(ErrorCode::kInvalidArgument,
                std::string(what) + " is not a kubeconfig: the top level must be a mapping");
  }
  SIGNET_ASSIGN_OR_RETURN(const auto kind, optional_string(root, "kind", std::string(what)));
  if (kind && *kind != "Config") {
    return fail(ErrorCode::kInvalidArgument, std::string(what) + ": kind is '" +
                                                 kubeconfig_printable(*kind) +
                                                 "', a kubeconfig has kind Config");
  }
  std::vector<KubeconfigCertRef> out;
  SIGNET_RETURN_IF_ERROR(read_list(root, "clusters", "cluster", "certificate-authority",
                                   "certificate-authority-data",
                                   KubeconfigCertKind::kCertificateAuthority, what, out));
  SIGNET_RETURN_IF_ERROR(read_list(root, "users", "user", "client-certificate",
                                   "client-certificate-data",
                                   KubeconfigCertKind::kClientCertificate, what, out));
  return out;
}

}  // namespace

Result<std::vector<KubeconfigCertRef>> parse_kubeconfig_certs(std::string_view yaml,
                                                              std::string_view what) {
  // yaml-cpp reports malformed documents (and wrong-type conversions) by throwing; this is the
  // boundary where that becomes a Result.
  try {
    return parse_document(std::string(yaml), what);
  } catch (const YAML::Exception& e) {
    return fail(ErrorCode::kInvalidArgument,
                std::string(what) + " is not valid YAML: " + kubeconfig_printable(e.what(), 240));
  } catch (const std::bad_alloc&) {
    return fail(ErrorCode::kResourceExhausted, std::string(what) + ": out of memory parsing YAML");
  }
}

}  // namespace signet::cli::expiry
