// Who may ask for what: the caller (a mutual-TLS client rule or an HMAC key) and its grant, and
// the profile and CA a request may use under that grant.
#pragma once

#include <string>
#include <vector>

#include "signet/core/profile.h"
#include "signet/serve/config.h"
#include "signet/serve/issuance.h"

#include "http_types.h"

namespace signet::serve {

struct Caller {
  std::string requester;  // "mtls:<rule name>" / "hmac:<key name>"
  const Grant* grant = nullptr;
};

// The client rule the verified peer certificate matches: by SPKI pin first, then by subject.
// 401 without a client certificate (or on plain HTTP); 403 for a certificate no rule names.
[[nodiscard]] Answer<Caller> mtls_caller(const ServerConfig& config, const Request& request);

struct Authorized {
  const ServedCa* ca = nullptr;
  const Profile* profile = nullptr;
};

// cfssl's "label" selects the CA (empty: the grant's), "profile" the profile (empty: the grant's
// default, or its only one). 403 when the grant does not allow it; 400 for an unknown profile.
[[nodiscard]] Answer<Authorized> authorize(const Caller& caller, const std::string& label,
                                           const std::string& profile,
                                           const std::vector<ServedCa>& cas,
                                           const ProfileSet& profiles);

}  // namespace signet::serve
