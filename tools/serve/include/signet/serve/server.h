// The signing server: listeners bound at create(), run() serves until stop() or SIGTERM/SIGINT,
// then drains in-flight requests (up to Limits::drain_timeout) and returns.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <openssl/types.h>

#include "signet/core/ossl.h"
#include "signet/core/profile.h"
#include "signet/core/result.h"
#include "signet/serve/config.h"
#include "signet/serve/issuance.h"

namespace signet::serve {

// The server's own TLS identity: a certificate chain (leaf first) and a private key. The key is
// an EVP_PKEY so that a token key through the signet provider (hsm/provider) plugs in unchanged.
struct TlsIdentity {
  std::string certificate_chain_pem;
  ossl::EvpPkeyPtr key;
};

// What SIGHUP re-reads (the caller's loader: the config file and the profiles, validated).
struct Reloaded {
  ServerConfig config;
  ProfileSet profiles;
};

// Everything the server serves, built by the caller (the CLI opens CAs and signers).
struct ServerParts {
  ServerConfig config;
  ProfileSet profiles;
  std::vector<ServedCa> cas;
  std::shared_ptr<IssuanceRecorder> recorder;
  std::optional<TlsIdentity> tls_identity;  // required when a listener is TLS
  // SIGHUP: a new config and profiles replace the client identities, HMAC keys, grants, rate
  // limits (their buckets start full) and profiles; requests already being handled finish
  // under the old ones and no connection is dropped. Listeners, TLS (certificate, key, client
  // CAs), limits and the set of served CAs stay as started: a reload that changes them applies
  // the rest and says which need a restart; one that serves a CA not loaded, or fails to load
  // or validate, changes nothing. Each outcome is a line on stderr. Empty: SIGHUP is ignored.
  std::function<Result<Reloaded>()> reload;
};

class Server {
 public:
  // Validates the parts against each other, builds the TLS context and binds every listener
  // (so a port in use fails here, before anything is served).
  [[nodiscard]] static Result<std::unique_ptr<Server>> create(ServerParts parts);
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;
  Server(Server&&) = delete;
  Server& operator=(Server&&) = delete;
  ~Server();

  // "https://127.0.0.1:43121" per listener, with the port actually bound.
  [[nodiscard]] std::vector<std::string> urls() const;

  // Serves on Limits::io_threads threads (the caller's among them) until stop() or SIGTERM /
  // SIGINT, then drains. Returns an error only when the drain timed out.
  [[nodiscard]] Status run();
  // Thread-safe; returns at once (run() returns when the drain is over).
  void stop();

  struct Impl;

 private:
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Loads a PEM private key file (PKCS#8, SEC1 or PKCS#1, unencrypted) as the TLS identity's key.
[[nodiscard]] Result<ossl::EvpPkeyPtr> load_private_key_file(const std::filesystem::path& path);

}  // namespace signet::serve
