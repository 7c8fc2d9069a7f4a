// Owning wrappers for OpenSSL handles.
//
// Every OpenSSL object signet holds is owned by one of these unique_ptr aliases, so no path can
// leak or double-free it. Ownership words follow OpenSSL's: a get0 borrows, a get1 returns a new
// reference the caller must own.
#pragma once

#include <memory>
#include <string>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/x509.h>

namespace signet::ossl {

// A deleter that calls a free function chosen at compile time.
template <auto FreeFn>
struct Deleter {
  template <typename T>
  void operator()(T* ptr) const noexcept {
    FreeFn(ptr);
  }
};

}  // namespace signet::ossl

namespace signet::ossl {

using X509Ptr = std::unique_ptr<X509, Deleter<X509_free>>;
using X509ReqPtr = std::unique_ptr<X509_REQ, Deleter<X509_REQ_free>>;
using X509NamePtr = std::unique_ptr<X509_NAME, Deleter<X509_NAME_free>>;
using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY_free>>;
using EvpPkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, Deleter<EVP_PKEY_CTX_free>>;
using EvpMdCtxPtr = std::unique_ptr<EVP_MD_CTX, Deleter<EVP_MD_CTX_free>>;
using EvpMdPtr = std::unique_ptr<EVP_MD, Deleter<EVP_MD_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO_free_all>>;
using BignumPtr = std::unique_ptr<BIGNUM, Deleter<BN_free>>;
using EcdsaSigPtr = std::unique_ptr<ECDSA_SIG, Deleter<ECDSA_SIG_free>>;
using ParamBldPtr = std::unique_ptr<OSSL_PARAM_BLD, Deleter<OSSL_PARAM_BLD_free>>;
using ParamsPtr = std::unique_ptr<OSSL_PARAM, Deleter<OSSL_PARAM_free>>;
using Asn1TimePtr = std::unique_ptr<ASN1_TIME, Deleter<ASN1_TIME_free>>;

// The most recent OpenSSL error queue entries as one line, and clears the queue. Used to make
// library failures actionable ("d2i_X509_REQ: ... : wrong tag").
std::string drain_errors();

}  // namespace signet::ossl
