// POST /api/v1/cfssl/sign, /authsign and /info with cfssl's request and response shapes
// (cfssl api/signhandler/signhandler.go jsonSignRequest; api/info).
#include <algorithm>
#include <chrono>

#include <nlohmann/json.hpp>

#include "signet/core/bytes.h"
#include "signet/core/csr.h"
#include "signet/core/duration.h"
#include "signet/core/issuer.h"
#include "signet/core/pem.h"

#include "authorization.h"
#include "cfssl_envelope.h"
#include "hmac_auth.h"
#include "issuance_path.h"
#include "service.h"

namespace signet::serve {
namespace {

using nlohmann::json;

// The fields of cfssl's sign request that signet honours. "subject" (a subject override),
// "serial" and "extensions" are refused: the subject comes from the CSR under the profile's
// rules, serials are always random, extensions always come from the profile.
struct SignRequest {
  std::string certificate_request;
  std::optional<std::vector<std::string>> hosts;  // nullopt: keep the CSR's SANs (as cfssl)
  std::string profile;
  std::string label;
  std::string expiry;
};

Answer<SignRequest> parse_sign_request(std::string_view body) {
  const json j = json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return refuse(400, 400, "Unable to parse sign request: the body is not a JSON object");
  }
  SignRequest r;
  const auto text = [&](const char* key, std::string& out) -> Answer<bool> {
    const auto it = j.find(key);
    if (it == j.end() || it->is_null()) return false;
    if (!it->is_string()) {
      return refuse(400, 400,
                    std::string("Unable to parse sign request: \"") + key + "\" must be a string");
    }
    out = it->get<std::string>();
    return true;
  };
  for (const auto& [key, out] : std::initializer_list<std::pair<const char*, std::string*>>{
           {"certificate_request", &r.certificate_request},
           {"profile", &r.profile},
           {"label", &r.label},
           {"expiry", &r.expiry}}) {
    if (auto ok = text(key, *out); !ok) return tl::unexpected(ok.error());
  }
  if (const auto it = j.find("hosts"); it != j.end() && !it->is_null()) {
    if (!it->is_array() || it->size() > 100) {
      return refuse(400, 400,
                    "Unable to parse sign request: \"hosts\" must be an array of at "
                    "most 100 strings");
    }
    std::vector<std::string> hosts;
    for (const auto& h : *it) {
      if (!h.is_string()) {
        return refuse(400, 400,
                      "Unable to parse sign request: every \"hosts\" entry must be a "
                      "string");
      }
      hosts.push_back(h.get<std::string>());
    }
    r.hosts = std::move(hosts);
  }
  std::string hostname;
  if (auto ok = text("hostname", hostname); !ok) return tl::unexpected(ok.error());
  if (!hostname.empty()) {  // cfssl: a comma-separated "hostname" takes precedence over "hosts"
    std::vector<std::string> hosts;
    std::size_t start = 0;
    while (start <= hostname.size()) {
      const auto comma = hostname.find(',', start);
      const auto end = comma == std::string::npos ? hostname.size() : comma;
      if (end > start) hosts.push_back(hostname.substr(start, end - start));
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
    r.hosts = std::move(hosts);
  }
  for (const char* refused : {"subject", "serial", "extensions"}) {
    const auto it = j.find(refused);
    if (it != j.end() && !it->is_null() && !(it->is_array() && it->empty())) {
      return refuse(400, kCfsslPolicyInvalidRequest,
                    std::string("sign request field \"") + refused +
                        "\" is not supported: signet takes the subject from the CSR under the "
                        "profile's rules, random serials and the profile's extensions only");
    }
  }
  if (r.certificate_request.empty()) {
    return refuse(400, 400, "missing parameter 'certificate_request'");
  }
  return r;
}

Response sign_for(const Service& service, const Caller& caller, const SignRequest& req,
                  const std::string& endpoint) {
  if (auto limited = rate_limited(service, caller)) return *limited;
  auto authorized = authorize(caller, req.label, req.profile, service.cas, service.profiles);
  if (!authorized) return cfssl_failure(authorized.error());
  RequestOptions options;
  options.hosts = req.hosts;
  if (!req.expiry.empty()) {
    auto v = parse_duration(req.expiry);
    if (!v) return cfssl_failure({400, 400, "expiry: " + v.error().message()});
    options.validity = *v;
  }
  auto issued =
      issue_one(service, caller, *authorized, as_bytes(req.certificate_request), options, endpoint);
  if (!issued) return cfssl_failure(issued.error());
  return cfssl_success({{"certificate", pem_encode("CERTIFICATE", issued->der)}});
}

}  // namespace

Response cfssl_sign(const Service& service, const Request& request) {
  auto caller = mtls_caller(service.config, request);
  if (!caller) return cfssl_failure(caller.error());
  auto req = parse_sign_request(request.body);
  if (!req) return cfssl_failure(req.error());
  return sign_for(service, *caller, *req, "/api/v1/cfssl/sign");
}

Response cfssl_authsign(const Service& service, const Request& request) {
  auto outer = parse_authenticated_request(request.body);
  if (!outer) return cfssl_failure(outer.error());
  auto key = authenticate(service.config.hmac_keys, *outer, std::chrono::system_clock::now());
  if (!key) return cfssl_failure(key.error());
  auto req = parse_sign_request(as_text(outer->request));
  if (!req) {
    Refusal r = req.error();
    r.message = "Unable to parse authenticated sign request: " + r.message;
    return cfssl_failure(r);
  }
  const Caller caller{"hmac:" + (*key)->name, &(*key)->grant};
  return sign_for(service, caller, *req, "/api/v1/cfssl/authsign");
}

Response cfssl_info(const Service& service, const Request& request) {
  json j = json::object();
  if (!request.body.empty()) {
    j = json::parse(request.body, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
      return cfssl_failure(
          {400, 400, "Unable to parse info request: the body is not a JSON object"});
    }
  }
  const auto field = [&](const char* key) -> std::optional<std::string> {
    const auto it = j.find(key);
    if (it == j.end() || it->is_null()) return std::string();
    if (!it->is_string()) return std::nullopt;
    return it->get<std::string>();
  };
  const auto label = field("label");
  const auto profile_name = field("profile");
  if (!label || !profile_name) {
    return cfssl_failure({400, 400, R"(info: "label" and "profile" must be strings)"});
  }
  const ServedCa* ca = nullptr;
  if (label->empty()) {
    if (service.cas.size() != 1) {
      std::string names;
      for (const auto& c : service.cas) names += (names.empty() ? "" : ", ") + c.name;
      return cfssl_failure({400, 400, "info: \"label\" must name a CA (served: " + names + ")"});
    }
    ca = &service.cas.front();
  } else {
    for (const auto& c : service.cas) {
      if (c.name == *label) ca = &c;
    }
    if (ca == nullptr) {
      return cfssl_failure({404, 404, "info: CA '" + label->substr(0, 64) + "' is not served"});
    }
  }
  json result = {{"certificate", ca->certificate_pem}};
  if (!profile_name->empty()) {
    const Profile* p = service.profiles.find(*profile_name);
    if (p == nullptr) {
      return cfssl_failure({400, kCfsslPolicyUnknownProfile,
                            "info: unknown profile '" + profile_name->substr(0, 64) + "'"});
    }
    result["usages"] = p->spec().default_usages;
    result["expiry"] = format_duration(p->validity());
  }
  return cfssl_success(result);
}

}  // namespace signet::serve
