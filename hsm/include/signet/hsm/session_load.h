// A token signer's sessions right now, for monitoring (signet serve's /metrics gauges). A
// read-only snapshot that takes the session pool's and the worker queue's locks briefly: call it
// per scrape, never per signature.
#pragma once

#include <cstddef>
#include <optional>

#include "signet/core/signer.h"

namespace signet::hsm {

struct SessionLoad {
  std::size_t sessions = 0;         // the most sessions the signer signs on at once
  std::size_t sessions_in_use = 0;  // open and leased to a signature now
  std::size_t waiters = 0;          // signatures waiting for a session or for queue space
};

// The load of a signer made by open_signer (a PKCS#11 key); nullopt for any other Signer
// (software keys, signer groups).
[[nodiscard]] std::optional<SessionLoad> session_load(const Signer& signer);

}  // namespace signet::hsm
