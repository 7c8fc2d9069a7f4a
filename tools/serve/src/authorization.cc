#include "authorization.h"

#include <algorithm>

namespace signet::serve {

Answer<Caller> mtls_caller(const ServerConfig& config, const Request& request) {
  if (!request.tls) {
    return refuse(403, 403,
                  "sign: /api/v1/cfssl/sign needs mutual TLS; on plain HTTP use "
                  "/api/v1/cfssl/authsign with an HMAC key");
  }
  if (!request.peer) {
    return refuse(401, 401,
                  "sign: no client certificate (this endpoint authorizes by the client "
                  "certificate; or use /api/v1/cfssl/authsign)");
  }
  const PeerIdentity& peer = *request.peer;
  for (const auto& rule : config.clients) {
    if (rule.spki_sha256 && *rule.spki_sha256 == peer.spki_sha256) {
      return Caller{"mtls:" + rule.name, &rule.grant};
    }
  }
  if (peer.subject) {
    for (const auto& rule : config.clients) {
      if (rule.subject && *rule.subject == *peer.subject) {
        return Caller{"mtls:" + rule.name, &rule.grant};
      }
    }
  }
  return refuse(403, 403,
                "sign: client certificate '" + peer.subject_text.substr(0, 200) +
                    "' matches no entry of the config's \"clients\"");
}

Answer<Authorized> authorize(const Caller& caller, const std::string& label,
                             const std::string& profile, const std::vector<ServedCa>& cas,
                             const ProfileSet& profiles) {
  const Grant& g = *caller.grant;
  const std::string ca_name = label.empty() ? g.ca : label;
  if (ca_name != g.ca) {
    return refuse(403, 403,
                  caller.requester + " may not use CA '" + ca_name.substr(0, 64) +
                      "' (allowed: " + g.ca + ")");
  }
  std::string name = profile;
  if (name.empty()) {
    if (!g.default_profile.empty()) {
      name = g.default_profile;
    } else if (g.profiles.size() == 1) {
      name = g.profiles.front();
    } else {
      return refuse(400, kCfsslPolicyUnknownProfile,
                    "no \"profile\" given and " + caller.requester +
                        " has no default_profile; name one of its profiles");
    }
  }
  if (std::find(g.profiles.begin(), g.profiles.end(), name) == g.profiles.end()) {
    std::string allowed;
    for (const auto& p : g.profiles) allowed += (allowed.empty() ? "" : ", ") + p;
    return refuse(403, 403,
                  caller.requester + " may not use profile '" + name.substr(0, 64) +
                      "' (allowed: " + allowed + ")");
  }
  const Profile* p = profiles.find(name);
  if (p == nullptr) {
    return refuse(400, kCfsslPolicyUnknownProfile, "unknown profile '" + name + "'");
  }
  const auto ca =
      std::find_if(cas.begin(), cas.end(), [&](const ServedCa& c) { return c.name == ca_name; });
  if (ca == cas.end()) return refuse(500, 500, "CA '" + ca_name + "' is not loaded");
  return Authorized{&*ca, p};
}

}  // namespace signet::serve
