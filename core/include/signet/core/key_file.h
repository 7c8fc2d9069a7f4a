// CA private keys kept in files, as kubeadm writes them (/etc/kubernetes/pki/ca.key), read once
// so that `signet ca import --key-file` can move them into a token. Only what kubeadm and
// `openssl genpkey` produce is accepted: one unencrypted PEM block labelled RSA PRIVATE KEY
// (PKCS#1, RFC 8017 §A.1.2), EC PRIVATE KEY (SEC1, RFC 5915 §3) or PRIVATE KEY (PKCS#8,
// RFC 5208 §5), holding an RSA (2048 bits or more) or EC P-256/P-384 key.
#pragma once

#include <cstddef>
#include <string_view>

#include "signet/core/algorithm.h"
#include "signet/core/bytes.h"
#include "signet/core/result.h"
#include "signet/core/secret_bytes.h"

namespace signet {

// The parts a PKCS#11 token needs to hold the key (PKCS#11 v2.40 §2.1.3 RSA, §2.3.4 EC private
// key objects). Private parts live in SecretBytes and are wiped with this object.
struct PrivateKeyParts {
  KeyInfo key;
  Bytes public_key_der;  // SubjectPublicKeyInfo, as signet builds it from a token's key parts
  // RSA: big-endian unsigned integers.
  Bytes modulus;
  Bytes public_exponent;
  SecretBytes private_exponent;
  SecretBytes prime1;
  SecretBytes prime2;
  SecretBytes exponent1;
  SecretBytes exponent2;
  SecretBytes coefficient;
  // EC: the namedCurve OID TLV (CKA_EC_PARAMS), the uncompressed point 04||X||Y and the private
  // scalar, left-padded to the field size.
  Bytes ec_params;
  Bytes ec_point;
  SecretBytes ec_private_value;
};

// Largest key file accepted: an RSA-8192 PEM key is about 6.5 KiB.
inline constexpr std::size_t kMaxKeyFileBytes = std::size_t{64} * 1024;

// Parses the file's content. `what` names the file in messages ("key file ca.key"). Refuses
// encrypted keys (ENCRYPTED PRIVATE KEY, Proc-Type: 4,ENCRYPTED), other labels, DER, several key
// blocks, oversized input, unsupported key types and keys whose private and public halves do not
// match. Intermediate copies of the key material are wiped before it returns.
[[nodiscard]] Result<PrivateKeyParts> parse_private_key_file(ByteView content,
                                                             std::string_view what);

}  // namespace signet
