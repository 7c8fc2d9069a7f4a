// Makes CSRs for tests with OpenSSL's own API (a tool we did not write), so core's parser is
// tested on requests it did not produce.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "signet/core/bytes.h"
#include "signet/core/ossl.h"

namespace signet::testing {

struct CsrSpec {
  std::string key = "EC";  // "EC" (P-256), "P384", "ED25519", "RSA" (2048), "RSA1024"
  std::vector<std::pair<std::string, std::string>> subject = {{"O", "system:nodes"},
                                                              {"CN", "system:node:n1"}};
  std::string san;  // e.g. "DNS:n1.example" (added as a requested extension)
  // Further requested extensions as (name, value) for X509V3_EXT_nconf, e.g.
  // {"basicConstraints", "critical,CA:TRUE"}.
  std::vector<std::pair<std::string, std::string>> extensions;
  std::string digest = "SHA256";
};

inline ossl::EvpPkeyPtr make_key(const std::string& kind) {
  if (kind == "RSA")
    return ossl::EvpPkeyPtr(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{2048}));
  if (kind == "P384") return ossl::EvpPkeyPtr(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384"));
  if (kind == "ED25519") return ossl::EvpPkeyPtr(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  if (kind == "RSA1024")
    return ossl::EvpPkeyPtr(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{1024}));
  if (kind == "P384") return ossl::EvpPkeyPtr(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384"));
  if (kind == "ED25519") return ossl::EvpPkeyPtr(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  return ossl::EvpPkeyPtr(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
}

// DER of a CSR signed by its own key.
inline Bytes make_csr_der(const CsrSpec& spec) {
  const ossl::EvpPkeyPtr key = make_key(spec.key);
  ossl::X509ReqPtr req(X509_REQ_new());
  X509_NAME* name = X509_REQ_get_subject_name(req.get());
  for (const auto& [type, value] : spec.subject) {
    X509_NAME_add_entry_by_txt(name, type.c_str(), MBSTRING_UTF8,
                               reinterpret_cast<const unsigned char*>(value.c_str()), -1, -1, 0);
  }
  X509_REQ_set_pubkey(req.get(), key.get());
  if (!spec.san.empty() || !spec.extensions.empty()) {
    STACK_OF(X509_EXTENSION)* exts = sk_X509_EXTENSION_new_null();
    if (!spec.san.empty()) {
      sk_X509_EXTENSION_push(
          exts, X509V3_EXT_conf_nid(nullptr, nullptr, NID_subject_alt_name, spec.san.c_str()));
    }
    for (const auto& [ext_name, value] : spec.extensions) {
      X509_EXTENSION* ext = X509V3_EXT_nconf(nullptr, nullptr, ext_name.c_str(), value.c_str());
      if (ext != nullptr) sk_X509_EXTENSION_push(exts, ext);
    }
    X509_REQ_add_extensions(req.get(), exts);
    sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
  }
  // Ed25519 signs the message itself: no digest (RFC 8410 §6).
  X509_REQ_sign(req.get(), key.get(),
                spec.key == "ED25519" ? nullptr : EVP_get_digestbyname(spec.digest.c_str()));
  unsigned char* der = nullptr;
  const int len = i2d_X509_REQ(req.get(), &der);
  Bytes out(der, der + len);
  OPENSSL_free(der);
  return out;
}

// Verifies `cert_der`'s signature with `issuer_spki_der` using OpenSSL.
inline bool openssl_verifies(ByteView cert_der, ByteView issuer_spki_der) {
  const unsigned char* p = cert_der.data();
  ossl::X509Ptr cert(d2i_X509(nullptr, &p, static_cast<long>(cert_der.size())));
  const unsigned char* k = issuer_spki_der.data();
  ossl::EvpPkeyPtr key(d2i_PUBKEY(nullptr, &k, static_cast<long>(issuer_spki_der.size())));
  return cert && key && X509_verify(cert.get(), key.get()) == 1;
}

}  // namespace signet::testing
