// A Signer over a software key (OpenSSL EVP_PKEY). For tests, benchmarks' baselines and, only
// with `--allow-software-key`, the CLI. A CA key in a file is what signet exists to replace.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "signet/core/algorithm.h"
#include "signet/core/ossl.h"
#include "signet/core/signer.h"

namespace signet {

class SoftwareSigner final : public Signer {
 public:
  // A fresh key of the given kind (tests, baselines).
  [[nodiscard]] static Result<std::unique_ptr<SoftwareSigner>> generate(const KeySpec& spec);
  // A PEM private key (PKCS#8 or traditional). Encrypted keys are refused.
  [[nodiscard]] static Result<std::unique_ptr<SoftwareSigner>> from_pem(ByteView pem,
                                                                        std::string origin);
  [[nodiscard]] static Result<std::unique_ptr<SoftwareSigner>> from_pkey(ossl::EvpPkeyPtr key,
                                                                         std::string origin);

  [[nodiscard]] SignatureAlgorithm algorithm() const noexcept override { return algorithm_; }
  [[nodiscard]] ByteView public_key_der() const noexcept override { return spki_; }
  [[nodiscard]] std::string describe() const override { return "software key (" + origin_ + ")"; }
  [[nodiscard]] bool is_software() const noexcept override { return true; }
  [[nodiscard]] Result<Bytes> sign(ByteView input) override;

  // PEM of the private key, for tests that hand the key to another tool.
  [[nodiscard]] Result<std::string> private_key_pem() const;

 private:
  SoftwareSigner(ossl::EvpPkeyPtr key, SignatureAlgorithm alg, Bytes spki, std::string origin)
      : key_(std::move(key)), algorithm_(alg), spki_(std::move(spki)), origin_(std::move(origin)) {}

  // A signing context set up for key_ (EVP_PKEY_sign_init and padding), from the pool or new.
  [[nodiscard]] Result<ossl::EvpPkeyCtxPtr> take_context();
  void give_back(ossl::EvpPkeyCtxPtr ctx);

  ossl::EvpPkeyPtr key_;
  SignatureAlgorithm algorithm_;
  Bytes spki_;
  std::string origin_;
  // Contexts are reused: on OpenSSL 3.0 making one per signature (EVP_PKEY_CTX_new_from_pkey +
  // EVP_PKEY_sign_init) fetches the algorithm under a global lock every time. One context is
  // never used by two threads at once; the pool holds at most one per concurrent caller.
  std::mutex pool_mutex_;
  std::vector<ossl::EvpPkeyCtxPtr> idle_;
};

}  // namespace signet
