#include "ossl_der.h"

#include <string>

#include <openssl/x509.h>

#include "signet/core/ossl.h"

namespace signet::ossl {
namespace {

// Calls an i2d_* function in its allocating form and copies the result.
template <typename T, typename I2d>
Result<Bytes> to_der(T* object, I2d i2d, const char* name) {
  unsigned char* raw = nullptr;
  const int len = i2d(object, &raw);
  const BufferPtr owned(raw);
  if (len <= 0 || raw == nullptr) {
    return fail(ErrorCode::kInternal, std::string(name) + ": " + drain_errors());
  }
  return Bytes(raw, raw + len);
}

}  // namespace

Result<Bytes> public_key_der(const X509_PUBKEY* key) {
  return to_der(key, i2d_X509_PUBKEY, "i2d_X509_PUBKEY");
}
Result<Bytes> public_key_der(const EVP_PKEY* key) {
  return to_der(key, i2d_PUBKEY, "i2d_PUBKEY");
}
Result<Bytes> name_der(const X509_NAME* name) {
  return to_der(name, i2d_X509_NAME, "i2d_X509_NAME");
}

}  // namespace signet::ossl
