#include "signet/hsm/session_load.h"

#include "pkcs11_signer.h"

namespace signet::hsm {

std::optional<SessionLoad> session_load(const Signer& signer) {
  // The Signer interface (core) knows nothing of sessions; only hsm's own signer has a pool.
  const auto* p11 = dynamic_cast<const Pkcs11Signer*>(&signer);
  if (p11 == nullptr) return std::nullopt;
  return p11->load();
}

}  // namespace signet::hsm
