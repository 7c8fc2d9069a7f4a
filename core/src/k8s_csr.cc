#include "signet/core/k8s_csr.h"

#include <limits>
#include <set>

#include <nlohmann/json.hpp>

#include "signet/core/base64.h"
#include "signet/core/csr.h"
#include "signet/core/duration.h"
#include "signet/core/profile.h"

namespace signet {
namespace {

// ordered_json keeps the object's key order, so the output differs from the input only where
// signet wrote.
using Json = nlohmann::ordered_json;

constexpr std::int64_t kMinExpiration = 600;  // validation.go: expirationSeconds >= 600
constexpr std::size_t kMaxConditions = 16;
constexpr std::size_t kMaxText = std::size_t{32} * 1024;

Error bad(const std::string& path, const std::string& what) {
  return {ErrorCode::kInvalidArgument, "CertificateSigningRequest " + path + ": " + what};
}

Result<std::string> string_at(const Json& obj, const std::string& key, const std::string& path,
                              bool required, std::size_t max = kMaxText) {
  if (!obj.contains(key)) {
    if (required) return fail(bad(path + "." + key, "is required"));
    return std::string();
  }
  const Json& v = obj[key];
  if (!v.is_string()) return fail(bad(path + "." + key, "must be a string"));
  if (v.get_ref<const std::string&>().size() > max) {
    return fail(bad(path + "." + key, "must be at most " + std::to_string(max) + " bytes"));
  }
  return v.get<std::string>();
}

Status only_keys(const Json& obj, const std::string& path,
                 std::initializer_list<std::string_view> keys) {
  for (const auto& [key, v] : obj.items()) {
    bool known = false;
    for (const auto k : keys) known = known || k == key;
    if (!known) return fail(bad(path + "." + key.substr(0, 64), "unknown field"));
  }
  return {};
}

// Object text echoed in messages: control characters shown as '?'.
std::string printable(std::string s) {
  for (char& c : s) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  }
  return s;
}

std::string rfc3339(std::chrono::system_clock::time_point now) {
  return format_time(now);
}

// spec.usages: required, non-empty, known strings, no repeats (validation.go, spec §2.1).
Result<std::vector<std::string>> parse_usages(const Json& spec) {
  if (!spec.contains("usages") || !spec["usages"].is_array() || spec["usages"].empty()) {
    return fail(bad(".spec.usages", "is required and must be a non-empty array"));
  }
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (std::size_t i = 0; i < spec["usages"].size(); ++i) {
    const Json& u = spec["usages"][i];
    const std::string path = ".spec.usages[" + std::to_string(i) + "]";
    if (!u.is_string()) return fail(bad(path, "must be a string"));
    const auto& s = u.get_ref<const std::string&>();
    if (!is_known_usage(s))
      return fail(bad(path, "unknown usage '" + printable(s.substr(0, 64)) + "'"));
    if (!seen.insert(s).second) return fail(bad(path, "usage '" + s + "' is listed twice"));
    out.push_back(s);
  }
  return out;
}

// spec.expirationSeconds: optional int32, at least 600 (validation.go, spec §2.1).
Result<std::optional<std::chrono::seconds>> parse_expiration(const Json& spec) {
  if (!spec.contains("expirationSeconds")) return std::optional<std::chrono::seconds>();
  const Json& e = spec["expirationSeconds"];
  if (!e.is_number_integer()) return fail(bad(".spec.expirationSeconds", "must be an integer"));
  const auto v = e.get<std::int64_t>();
  if (v < kMinExpiration || v > std::numeric_limits<std::int32_t>::max()) {
    return fail(
        bad(".spec.expirationSeconds",
            "must be 600 to 2147483647 (int32, at least 10 minutes), got " + std::to_string(v)));
  }
  return std::optional<std::chrono::seconds>(std::chrono::seconds(v));
}

struct Conditions {
  bool approved = false;
  bool denied = false;
  bool failed = false;
  bool has_certificate = false;
  std::string refusal_reason;  // of the first Denied or Failed condition
};

// One status.conditions[i]; Approved, Denied and Failed may only be "True" (validation.go).
Status parse_condition(const Json& c, const std::string& path, std::set<std::string>& types,
                       Conditions& out) {
  if (!c.is_object()) return fail(bad(path, "must be an object"));
  SIGNET_RETURN_IF_ERROR(only_keys(
      c, path, {"type", "status", "reason", "message", "lastUpdateTime", "lastTransitionTime"}));
  SIGNET_ASSIGN_OR_RETURN(const std::string type, string_at(c, "type", path, true, 316));
  SIGNET_ASSIGN_OR_RETURN(const std::string st, string_at(c, "status", path, true, 16));
  SIGNET_ASSIGN_OR_RETURN(const std::string reason, string_at(c, "reason", path, false));
  SIGNET_ASSIGN_OR_RETURN(const std::string message, string_at(c, "message", path, false));
  if (!types.insert(type).second) {
    return fail(
        bad(path + ".type", "condition " + printable(type.substr(0, 64)) + " appears twice"));
  }
  const bool builtin = type == "Approved" || type == "Denied" || type == "Failed";
  if (builtin && st != "True") {
    return fail(bad(path + ".status", type + " conditions must be \"True\", got '" +
                                          printable(st.substr(0, 16)) + "'"));
  }
  if (type == "Approved") out.approved = true;
  if (type == "Denied") out.denied = true;
  if (type == "Failed") out.failed = true;
  if ((type == "Denied" || type == "Failed") && out.refusal_reason.empty()) {
    out.refusal_reason =
        printable(type + (reason.empty() ? "" : " (" + reason.substr(0, 128) + ")") +
                  (message.empty() ? "" : ": " + message.substr(0, 256)));
  }
  return {};
}

Result<Conditions> parse_status(const Json& status) {
  Conditions out;
  if (!status.is_object()) return fail(bad(".status", "must be an object"));
  SIGNET_RETURN_IF_ERROR(only_keys(status, ".status", {"conditions", "certificate"}));
  if (status.contains("certificate")) {
    if (!status["certificate"].is_string()) {
      return fail(bad(".status.certificate", "must be a string"));
    }
    out.has_certificate = !status["certificate"].get_ref<const std::string&>().empty();
  }
  if (!status.contains("conditions")) return out;
  const Json& conds = status["conditions"];
  if (!conds.is_array() || conds.size() > kMaxConditions) {
    return fail(bad(".status.conditions", "must be an array of at most 16 conditions"));
  }
  std::set<std::string> types;
  for (std::size_t i = 0; i < conds.size(); ++i) {
    SIGNET_RETURN_IF_ERROR(
        parse_condition(conds[i], ".status.conditions[" + std::to_string(i) + "]", types, out));
  }
  if (out.approved && out.denied) {
    return fail(bad(".status.conditions", "Approved and Denied are mutually exclusive"));
  }
  return out;
}

}  // namespace

Result<K8sCsr> K8sCsr::parse(std::string_view json) {
  if (json.size() > kMaxBytes) {
    return fail(bad("object", "is " + std::to_string(json.size()) + " bytes; the limit is " +
                                  std::to_string(kMaxBytes)));
  }
  const Json doc = Json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return fail(bad("object", "is not valid JSON"));
  if (!doc.is_object()) return fail(bad("object", "must be a JSON object"));
  SIGNET_RETURN_IF_ERROR(only_keys(doc, "", {"apiVersion", "kind", "metadata", "spec", "status"}));
  SIGNET_ASSIGN_OR_RETURN(const std::string api, string_at(doc, "apiVersion", "", true, 64));
  if (api != "certificates.k8s.io/v1") {
    return fail(bad(".apiVersion", "must be certificates.k8s.io/v1, got '" + api + "'"));
  }
  SIGNET_ASSIGN_OR_RETURN(const std::string kind, string_at(doc, "kind", "", true, 64));
  if (kind != "CertificateSigningRequest") {
    return fail(bad(".kind", "must be CertificateSigningRequest, got '" + kind + "'"));
  }
  K8sCsr out;
  if (doc.contains("metadata")) {
    const Json& meta = doc["metadata"];
    if (!meta.is_object()) return fail(bad(".metadata", "must be an object"));
    SIGNET_ASSIGN_OR_RETURN(out.name_, string_at(meta, "name", ".metadata", false, 253));
    out.name_ = printable(std::move(out.name_));
  }

  if (!doc.contains("spec") || !doc["spec"].is_object()) {
    return fail(bad(".spec", "is required and must be an object"));
  }
  const Json& spec = doc["spec"];
  SIGNET_RETURN_IF_ERROR(only_keys(spec, ".spec",
                                   {"request", "signerName", "expirationSeconds", "usages",
                                    "username", "uid", "groups", "extra"}));
  SIGNET_ASSIGN_OR_RETURN(const std::string request_b64,
                          string_at(spec, "request", ".spec", true, kMaxBytes));
  SIGNET_ASSIGN_OR_RETURN(out.request_,
                          base64_decode(request_b64, "CertificateSigningRequest .spec.request"));
  if (out.request_.size() > Csr::kMaxBytes) {
    return fail(bad(".spec.request", "holds " + std::to_string(out.request_.size()) +
                                         " bytes; the CSR limit is " +
                                         std::to_string(Csr::kMaxBytes)));
  }
  SIGNET_ASSIGN_OR_RETURN(out.signer_name_, string_at(spec, "signerName", ".spec", true, 1024));
  if (!is_signer_name(out.signer_name_)) {
    return fail(bad(".spec.signerName",
                    "must be <dns-subdomain>/<path> of at most 571 "
                    "characters, got '" +
                        out.signer_name_.substr(0, 80) + "'"));
  }
  if (out.signer_name_ == "kubernetes.io/legacy-unknown") {
    return fail(bad(".spec.signerName", "kubernetes.io/legacy-unknown is refused by the v1 API"));
  }
  SIGNET_ASSIGN_OR_RETURN(out.usages_, parse_usages(spec));
  SIGNET_ASSIGN_OR_RETURN(out.expiration_, parse_expiration(spec));
  if (doc.contains("status")) {
    SIGNET_ASSIGN_OR_RETURN(const Conditions c, parse_status(doc["status"]));
    out.approved_ = c.approved;
    out.denied_ = c.denied;
    out.failed_ = c.failed;
    out.has_certificate_ = c.has_certificate;
    out.refusal_reason_ = c.refusal_reason;
  }
  out.original_ = std::string(json);
  return out;
}

Status K8sCsr::check_signable() const {
  const std::string who = "CertificateSigningRequest '" + name_ + "'";
  if (has_certificate_) {
    return fail(ErrorCode::kFailedPrecondition,
                who + " already has status.certificate (immutable once set)");
  }
  if (denied_ || failed_) {
    return fail(ErrorCode::kFailedPrecondition, who + " is not signed: " + refusal_reason_);
  }
  if (!approved_) {
    return fail(ErrorCode::kFailedPrecondition,
                who +
                    " is not signed: it has no Approved condition (approve it with `kubectl "
                    "certificate approve`)");
  }
  return {};
}

std::string K8sCsr::with_certificate(std::string_view certificate_pem) const {
  Json doc = Json::parse(original_);
  doc["status"]["certificate"] = base64_encode(as_bytes(certificate_pem));
  return doc.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

std::string K8sCsr::with_failure(std::string_view message,
                                 std::chrono::system_clock::time_point now) const {
  Json doc = Json::parse(original_);
  Json condition;
  condition["type"] = "Failed";
  condition["status"] = "True";
  condition["reason"] = "SignerValidationFailure";
  condition["message"] = std::string(message);
  condition["lastUpdateTime"] = rfc3339(now);
  condition["lastTransitionTime"] = rfc3339(now);
  doc["status"]["conditions"].push_back(std::move(condition));
  return doc.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

}  // namespace signet
