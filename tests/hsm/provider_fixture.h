// Tests of the signet OpenSSL provider: a SoftHSM token per test with keys generated inside it
// (signet::hsm::generate_key), and an OSSL_LIB_CTX with OpenSSL's default provider and the built
// signet_provider.so loaded by path (SIGNET_PROVIDER_PATH), as an application would.
//
// The provider links its own copy of signet_hsm, which initialises the PKCS#11 module for itself;
// the test's copy must not hold the module at the same time (one C_Initialize per process,
// PKCS#11 v2.40 §5.4), so every key is generated before the provider opens one.
#pragma once

#include <memory>
#include <string>

#include <openssl/types.h>

#include "signet/core/bytes.h"
#include "signet/core/ossl.h"

#include "softhsm_fixture.h"

namespace signet::testing {

// Owners for the handle types only these tests use (core/ossl.h has the rest).
struct TestFree {
  void operator()(X509_CRL* p) const noexcept;
  void operator()(ASN1_STRING* p) const noexcept;  // ASN1_TIME and ASN1_INTEGER are strings
  void operator()(SSL_CTX* p) const noexcept;
  void operator()(SSL* p) const noexcept;
};
using X509CrlPtr = std::unique_ptr<X509_CRL, TestFree>;
using Asn1TimePtr = std::unique_ptr<ASN1_TIME, TestFree>;
using Asn1IntegerPtr = std::unique_ptr<ASN1_INTEGER, TestFree>;
using SslCtxPtr = std::unique_ptr<SSL_CTX, TestFree>;
using SslPtr = std::unique_ptr<SSL, TestFree>;

class ProviderTest : public SoftHsmTest {
 protected:
  void SetUp() override;
  void TearDown() override;

  // Generates `spec` ("ecdsa-p256", "rsa-2048") as `object`; returns the key's URI with
  // pin-source and module-path. The SPKI the token reported goes to *spki when given.
  std::string generate(const std::string& object, const std::string& spec, Bytes* spki = nullptr);
  // OSSL_STORE_open_ex + OSSL_STORE_load in the provider's library context; null on failure,
  // with the OpenSSL error queue in *errors.
  ossl::EvpPkeyPtr load_key(const std::string& uri, std::string* errors = nullptr) const;
  // A self-signed certificate for `key`, signed with X509_sign (CN and DNS SAN `name`).
  ossl::X509Ptr self_signed(EVP_PKEY* key, const std::string& name, const EVP_MD* md) const;

  OSSL_LIB_CTX* libctx_ = nullptr;
  OSSL_PROVIDER* default_provider_ = nullptr;
  OSSL_PROVIDER* signet_provider_ = nullptr;
};

// The OpenSSL error queue of this thread as text, cleared.
std::string error_queue();

// The lines of an OpenSSL error dump that signet's provider raised. OpenSSL's own file loader
// echoes the whole URI ("calling stat(pkcs11:...)") before signet's loader sees it, so a PIN
// typed into a pin-value URI shows up there; signet must never repeat it.
std::string signet_lines(const std::string& errors);

// Round-trips `cert` through DER into OpenSSL's default library context: what a relying party
// that never loaded signet's provider sees.
ossl::X509Ptr reparse(X509* cert);

}  // namespace signet::testing
