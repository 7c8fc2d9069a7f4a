#include "signet/core/ossl.h"

#include <array>
#include <string>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

namespace signet::ossl {

void Free::operator()(X509* p) const noexcept {
  X509_free(p);
}
void Free::operator()(X509_REQ* p) const noexcept {
  X509_REQ_free(p);
}
void Free::operator()(X509_NAME* p) const noexcept {
  X509_NAME_free(p);
}
void Free::operator()(X509_EXTENSION* p) const noexcept {
  X509_EXTENSION_free(p);
}
void Free::operator()(stack_st_X509_EXTENSION* p) const noexcept {
  sk_X509_EXTENSION_pop_free(p, X509_EXTENSION_free);
}
void Free::operator()(stack_st_GENERAL_NAME* p) const noexcept {
  GENERAL_NAMES_free(p);
}
void Free::operator()(EVP_PKEY* p) const noexcept {
  EVP_PKEY_free(p);
}
void Free::operator()(EVP_PKEY_CTX* p) const noexcept {
  EVP_PKEY_CTX_free(p);
}
void Free::operator()(EVP_MD_CTX* p) const noexcept {
  EVP_MD_CTX_free(p);
}
void Free::operator()(EVP_MD* p) const noexcept {
  EVP_MD_free(p);
}
void Free::operator()(BIO* p) const noexcept {
  BIO_free_all(p);
}
void Free::operator()(BIGNUM* p) const noexcept {
  BN_free(p);
}
void Free::operator()(ECDSA_SIG* p) const noexcept {
  ECDSA_SIG_free(p);
}
void Free::operator()(unsigned char* p) const noexcept {
  OPENSSL_free(p);
}
void Free::operator()(char* p) const noexcept {
  OPENSSL_free(p);
}

void StoreFree::operator()(X509_STORE* p) const noexcept {
  X509_STORE_free(p);
}
void StoreFree::operator()(X509_STORE_CTX* p) const noexcept {
  X509_STORE_CTX_free(p);
}
void StoreFree::operator()(stack_st_X509* p) const noexcept {
  sk_X509_pop_free(p, X509_free);
}

void ClearFree::operator()(BIGNUM* p) const noexcept {
  BN_clear_free(p);
}

std::string drain_errors() {
  std::string text;
  unsigned long code = 0;  // NOLINT(google-runtime-int): OpenSSL's type
  while ((code = ERR_get_error()) != 0) {
    std::array<char, 256> buf{};
    ERR_error_string_n(code, buf.data(), buf.size());
    if (!text.empty()) text += "; ";
    text += buf.data();
  }
  return text.empty() ? std::string("no OpenSSL error recorded") : text;
}

}  // namespace signet::ossl
