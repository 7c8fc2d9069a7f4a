// DER of the OpenSSL objects core reads once per CA or CSR (never per certificate).
#pragma once

#include <openssl/types.h>

#include "signet/core/bytes.h"
#include "signet/core/result.h"

namespace signet::ossl {

[[nodiscard]] Result<Bytes> public_key_der(const X509_PUBKEY* key);
[[nodiscard]] Result<Bytes> public_key_der(const EVP_PKEY* key);
[[nodiscard]] Result<Bytes> name_der(const X509_NAME* name);

}  // namespace signet::ossl
