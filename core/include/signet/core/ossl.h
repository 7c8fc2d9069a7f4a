// Owning wrappers for OpenSSL handles (EXAMPLES.md habit 3).
//
// Every OpenSSL object signet holds is owned by one of these unique_ptr aliases, so no path can
// leak or double-free it. Ownership words follow OpenSSL's: a get0 borrows, a get1 returns a new
// reference the caller must own. This header declares types only; the free functions are called
// in ossl.cc, so including it does not pull OpenSSL's API headers into every user.
#pragma once

#include <memory>
#include <string>

#include <openssl/types.h>

// Types <openssl/types.h> does not declare (identical re-declarations of OpenSSL's typedefs).
typedef struct X509_req_st X509_REQ;              // NOLINT(modernize-use-using)
typedef struct X509_extension_st X509_EXTENSION;  // NOLINT(modernize-use-using)
typedef struct ECDSA_SIG_st ECDSA_SIG;            // NOLINT(modernize-use-using)
struct stack_st_X509_EXTENSION;                   // STACK_OF(X509_EXTENSION)
struct stack_st_GENERAL_NAME;                     // GENERAL_NAMES
struct stack_st_X509;                             // STACK_OF(X509)

namespace signet::ossl {

// One deleter for every owned type; each overload calls the matching OpenSSL free function.
struct Free {
  void operator()(X509* p) const noexcept;
  void operator()(X509_REQ* p) const noexcept;
  void operator()(X509_NAME* p) const noexcept;
  void operator()(X509_EXTENSION* p) const noexcept;
  void operator()(stack_st_X509_EXTENSION* p) const noexcept;  // pops and frees every element
  void operator()(stack_st_GENERAL_NAME* p) const noexcept;    // GENERAL_NAMES_free
  void operator()(EVP_PKEY* p) const noexcept;
  void operator()(EVP_PKEY_CTX* p) const noexcept;
  void operator()(EVP_MD_CTX* p) const noexcept;
  void operator()(EVP_MD* p) const noexcept;
  void operator()(BIO* p) const noexcept;
  void operator()(BIGNUM* p) const noexcept;
  void operator()(ECDSA_SIG* p) const noexcept;
  void operator()(unsigned char* p) const noexcept;  // OPENSSL_free: i2d_* output buffers
  void operator()(char* p) const noexcept;           // OPENSSL_free: strings OpenSSL allocated
};

using X509Ptr = std::unique_ptr<X509, Free>;
using X509ReqPtr = std::unique_ptr<X509_REQ, Free>;
using X509NamePtr = std::unique_ptr<X509_NAME, Free>;
using X509ExtensionPtr = std::unique_ptr<X509_EXTENSION, Free>;
using ExtensionStackPtr = std::unique_ptr<stack_st_X509_EXTENSION, Free>;
using GeneralNamesPtr = std::unique_ptr<stack_st_GENERAL_NAME, Free>;
using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, Free>;
using EvpPkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, Free>;
using EvpMdCtxPtr = std::unique_ptr<EVP_MD_CTX, Free>;
using EvpMdPtr = std::unique_ptr<EVP_MD, Free>;
using BioPtr = std::unique_ptr<BIO, Free>;
using BignumPtr = std::unique_ptr<BIGNUM, Free>;
using EcdsaSigPtr = std::unique_ptr<ECDSA_SIG, Free>;
using BufferPtr = std::unique_ptr<unsigned char, Free>;
using StringPtr = std::unique_ptr<char, Free>;

// Path validation (ca.cc): a trust store, its context, and a stack of certificates.
struct StoreFree {
  void operator()(X509_STORE* p) const noexcept;
  void operator()(X509_STORE_CTX* p) const noexcept;
  void operator()(stack_st_X509* p) const noexcept;  // pops and frees every certificate
};
using X509StorePtr = std::unique_ptr<X509_STORE, StoreFree>;
using X509StoreCtxPtr = std::unique_ptr<X509_STORE_CTX, StoreFree>;
using X509StackPtr = std::unique_ptr<stack_st_X509, StoreFree>;

// BIGNUMs that hold private-key parts: BN_clear_free wipes them before freeing.
struct ClearFree {
  void operator()(BIGNUM* p) const noexcept;
};
using SecretBignumPtr = std::unique_ptr<BIGNUM, ClearFree>;

// The OpenSSL error queue as one line, and clears it. Makes library failures actionable
// ("d2i_X509_REQ: ... : wrong tag").
std::string drain_errors();

}  // namespace signet::ossl
