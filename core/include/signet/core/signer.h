// The Signer interface: core's seam to wherever CA keys live (a PKCS#11 token, a software key in
// tests and baselines). Certificate logic depends only on this; hsm/ implements it.
#pragma once

#include <functional>
#include <string>

#include "signet/core/algorithm.h"
#include "signet/core/bytes.h"
#include "signet/core/result.h"

namespace signet {

class Signer {
 public:
  Signer() = default;
  Signer(const Signer&) = delete;
  Signer& operator=(const Signer&) = delete;
  Signer(Signer&&) = delete;
  Signer& operator=(Signer&&) = delete;
  virtual ~Signer() = default;

  [[nodiscard]] virtual SignatureAlgorithm algorithm() const noexcept = 0;
  // The key's SubjectPublicKeyInfo DER, fetched once when the signer was made.
  [[nodiscard]] virtual ByteView public_key_der() const noexcept = 0;
  // Where the key is, for messages: a pkcs11: URI without secrets, or "software key (file)".
  [[nodiscard]] virtual std::string describe() const = 0;
  // True only for keys held outside a token (the CLI refuses them without a flag).
  [[nodiscard]] virtual bool is_software() const noexcept { return false; }

  // Blocking sign. `input` is signing_input(algorithm(), tbs): the digest, or for Ed25519 the
  // message. Returns the signature exactly as X.509 carries it (ECDSA: DER Ecdsa-Sig-Value).
  // Thread-safe: many threads may sign at once.
  [[nodiscard]] virtual Result<Bytes> sign(ByteView input) = 0;

  // Non-blocking sign for many signatures in flight: `done` runs exactly once, possibly on
  // another thread, possibly before submit() returns. The default runs sign() in the caller.
  using Completion = std::function<void(Result<Bytes>)>;
  virtual void submit(Bytes input, Completion done) {
    const Completion callback = std::move(done);  // implementations keep it until completion
    callback(sign(input));
  }
};

}  // namespace signet
