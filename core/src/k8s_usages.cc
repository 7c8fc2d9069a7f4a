// Kubernetes KeyUsage strings and their X.509 meaning, as the KCM signer maps them
// (spec §2.1: pkg/controller/certificates/authority/policies.go keyUsageDict/extKeyUsageDict).
#include <array>
#include <utility>

#include "signet/core/profile.h"

namespace signet {
namespace {

struct UsageEntry {
  std::string_view name;
  UsageMapping mapping;
};

constexpr UsageEntry ku(std::string_view name, std::uint16_t bit) {
  return {name, {bit, {}}};
}
constexpr UsageEntry eku(std::string_view name, ExtendedKeyUsage usage) {
  return {name, {0, usage}};
}

constexpr std::array<UsageEntry, 23> kUsages = {{
    ku("signing", kDigitalSignature),
    ku("digital signature", kDigitalSignature),
    ku("content commitment", kContentCommitment),
    ku("key encipherment", kKeyEncipherment),
    ku("key agreement", kKeyAgreement),
    ku("data encipherment", kDataEncipherment),
    ku("cert sign", kKeyCertSign),
    ku("crl sign", kCrlSign),
    ku("encipher only", kEncipherOnly),
    ku("decipher only", kDecipherOnly),
    eku("any", ExtendedKeyUsage::kAny),
    eku("server auth", ExtendedKeyUsage::kServerAuth),
    eku("client auth", ExtendedKeyUsage::kClientAuth),
    eku("code signing", ExtendedKeyUsage::kCodeSigning),
    eku("email protection", ExtendedKeyUsage::kEmailProtection),
    eku("s/mime", ExtendedKeyUsage::kEmailProtection),
    eku("ipsec end system", ExtendedKeyUsage::kIpsecEndSystem),
    eku("ipsec tunnel", ExtendedKeyUsage::kIpsecTunnel),
    eku("ipsec user", ExtendedKeyUsage::kIpsecUser),
    eku("timestamping", ExtendedKeyUsage::kTimeStamping),
    eku("ocsp signing", ExtendedKeyUsage::kOcspSigning),
    eku("microsoft sgc", ExtendedKeyUsage::kMicrosoftSgc),
    eku("netscape sgc", ExtendedKeyUsage::kNetscapeSgc),
}};

}  // namespace

std::optional<UsageMapping> map_usage(std::string_view usage) noexcept {
  for (const auto& entry : kUsages) {
    if (entry.name == usage) return entry.mapping;
  }
  return std::nullopt;
}

bool is_known_usage(std::string_view usage) noexcept {
  return map_usage(usage).has_value();
}

}  // namespace signet
