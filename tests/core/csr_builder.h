// Hand-assembled PKCS#10 requests for hostile-input tests: the structure is written with
// signet's DER writer so a test can put anything anywhere, and the signature is made by OpenSSL
// (EVP_DigestSign) over exactly those bytes, so each case fails for its own reason and not for a
// broken proof of possession.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "signet/core/bytes.h"
#include "signet/core/der.h"
#include "signet/core/ossl.h"

namespace signet::testing {

inline Bytes tlv(std::uint8_t tag, ByteView content) {
  der::Writer w;
  w.put(tag, content);
  return std::move(w).take();
}

inline Bytes concat(const std::vector<Bytes>& parts) {
  Bytes out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

inline Bytes seq(const std::vector<Bytes>& parts) {
  return tlv(der::kSequence, concat(parts));
}

inline Bytes spki_of(EVP_PKEY* key) {
  unsigned char* der = nullptr;
  const int len = i2d_PUBKEY(key, &der);
  Bytes out(der, der + len);
  OPENSSL_free(der);
  return out;
}

// One RDN holding one attribute: `oid_last` selects 2.5.4.n, `tag` the string type.
inline Bytes rdn(std::uint8_t oid_last, std::uint8_t tag, std::string_view value) {
  const Bytes oid = tlv(der::kOid, Bytes{0x55, 0x04, oid_last});
  return tlv(der::kSet, seq({oid, tlv(tag, as_bytes(value))}));
}

inline Bytes node_subject() {
  return seq(
      {rdn(0x0a, der::kUtf8String, "system:nodes"), rdn(0x03, der::kUtf8String, "system:node:n1")});
}

// Extension { extnID, critical (omitted when false, DER), extnValue }.
inline Bytes extension(const Bytes& oid_content, bool critical, const Bytes& value) {
  std::vector<Bytes> parts = {tlv(der::kOid, oid_content)};
  if (critical) parts.push_back(Bytes{0x01, 0x01, 0xff});
  parts.push_back(tlv(der::kOctetString, value));
  return seq(parts);
}

inline const Bytes kSanOid = {0x55, 0x1d, 0x11};
inline const Bytes kBasicConstraintsOid = {0x55, 0x1d, 0x13};
inline const Bytes kNameConstraintsOid = {0x55, 0x1d, 0x1e};
inline const Bytes kExtensionRequestOid = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x0e};

// The attributes' content: one extensionRequest holding `extensions`.
inline Bytes extension_request(const std::vector<Bytes>& extensions) {
  return seq({tlv(der::kOid, kExtensionRequestOid), tlv(der::kSet, seq(extensions))});
}

inline Bytes request_info(const Bytes& subject, const Bytes& spki, const Bytes& attributes) {
  return seq(
      {Bytes{0x02, 0x01, 0x00}, subject, spki, tlv(der::context_constructed(0), attributes)});
}

// ecdsa-with-SHA256 or sha256WithRSAEncryption, and the request signed by `key` with OpenSSL.
inline Bytes sign_request(EVP_PKEY* key, const Bytes& info) {
  const bool rsa = EVP_PKEY_is_a(key, "RSA") == 1;
  const Bytes alg =
      rsa ? Bytes{0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86,
                  0xf7, 0x0d, 0x01, 0x01, 0x0b, 0x05, 0x00}
          : Bytes{0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02};
  const ossl::EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  std::size_t len = 0;
  EVP_DigestSignInit_ex(ctx.get(), nullptr, "SHA256", nullptr, nullptr, key, nullptr);
  EVP_DigestSign(ctx.get(), nullptr, &len, info.data(), info.size());
  Bytes sig(len + 1);
  EVP_DigestSign(ctx.get(), sig.data() + 1, &len, info.data(), info.size());
  sig.resize(len + 1);
  sig[0] = 0;  // no unused bits
  return seq({info, alg, tlv(der::kBitString, sig)});
}

}  // namespace signet::testing
