// Issuance profiles: what a certificate of a given kind carries, and what a request must satisfy
// to get one. The foundation ships kubelet-client; the Kubernetes profiles issue adds the rest.
#pragma once

#include <chrono>
#include <string_view>
#include <vector>

#include "signet/core/certificate.h"
#include "signet/core/csr.h"
#include "signet/core/name.h"
#include "signet/core/result.h"

namespace signet {

struct Profile {
  std::string_view name;
  std::string_view summary;
  std::vector<ExtendedKeyUsage> extended_key_usage;
  std::chrono::seconds validity{};
  // Applies the profile's subject, SAN and extension rules; returns the certificate's subject.
  // Every refusal names the profile, the rule and the offending value.
  Result<DistinguishedName> (*check_request)(const Csr& csr) = nullptr;
};

// nullptr when unknown.
[[nodiscard]] const Profile* find_profile(std::string_view name) noexcept;
[[nodiscard]] std::vector<std::string_view> profile_names();

// Key types every profile accepts for a subject key: RSA 2048–8192 bits, P-256, P-384, Ed25519.
[[nodiscard]] Status check_subject_key(std::string_view profile, const KeyInfo& key);

}  // namespace signet
