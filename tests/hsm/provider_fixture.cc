#include "provider_fixture.h"

#include <dlfcn.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/provider.h>
#include <openssl/ssl.h>
#include <openssl/store.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "signet/hsm/pkcs11_uri.h"
#include "signet/hsm/token.h"

namespace signet::testing {

void TestFree::operator()(X509_CRL* p) const noexcept {
  X509_CRL_free(p);
}
void TestFree::operator()(ASN1_STRING* p) const noexcept {
  ASN1_STRING_free(p);
}
void TestFree::operator()(SSL_CTX* p) const noexcept {
  SSL_CTX_free(p);
}
void TestFree::operator()(SSL* p) const noexcept {
  SSL_free(p);
}

std::string error_queue() {
  ossl::BioPtr bio(BIO_new(BIO_s_mem()));
  ERR_print_errors(bio.get());
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  return n > 0 ? std::string(data, static_cast<std::size_t>(n)) : std::string();
}

std::string signet_lines(const std::string& errors) {
  std::string out;
  std::size_t start = 0;
  while (start < errors.size()) {
    std::size_t end = errors.find('\n', start);
    if (end == std::string::npos) end = errors.size();
    const std::string line = errors.substr(start, end - start);
    if (line.find("hsm/provider/") != std::string::npos) out += line + "\n";
    start = end + 1;
  }
  return out;
}

ossl::X509Ptr reparse(X509* cert) {
  unsigned char* der = nullptr;
  const int len = i2d_X509(cert, &der);
  if (len <= 0) return nullptr;
  const ossl::BufferPtr owned(der);
  const unsigned char* p = der;
  return ossl::X509Ptr(d2i_X509(nullptr, &p, len));
}

void ProviderTest::SetUp() {
  SoftHsmTest::SetUp();
  if (!ready_) return;
  // SoftHSM 2.6.1 leaks a little in C_SignInit with CKM_EDDSA. tests/sanitizers/lsan.supp names
  // libsofthsm2.so, which LeakSanitizer can only match while the library is mapped at exit, but
  // signet's module registry dlcloses it after every C_Finalize: pin it (RTLD_NODELETE; no
  // C_Initialize here, so the registry's one-initialisation rule is untouched).
  static void* const kPinned = ::dlopen(module_.c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
  ASSERT_NE(kPinned, nullptr) << ::dlerror();
  libctx_ = OSSL_LIB_CTX_new();
  ASSERT_NE(libctx_, nullptr);
  default_provider_ = OSSL_PROVIDER_load(libctx_, "default");
  ASSERT_NE(default_provider_, nullptr) << error_queue();
  signet_provider_ = OSSL_PROVIDER_load(libctx_, SIGNET_PROVIDER_PATH);
  ASSERT_NE(signet_provider_, nullptr) << SIGNET_PROVIDER_PATH << ": " << error_queue();
}

void ProviderTest::TearDown() {
  if (signet_provider_ != nullptr) OSSL_PROVIDER_unload(signet_provider_);
  if (default_provider_ != nullptr) OSSL_PROVIDER_unload(default_provider_);
  OSSL_LIB_CTX_free(libctx_);
  SoftHsmTest::TearDown();
}

std::string ProviderTest::generate(const std::string& object, const std::string& spec,
                                   Bytes* spki) {
  const auto parsed = parse_key_spec(spec);
  EXPECT_TRUE(parsed);
  const auto uri = hsm::Pkcs11Uri::parse(key_uri(object));
  EXPECT_TRUE(uri);
  const auto key = hsm::generate_key(module_, *uri, *parsed);
  EXPECT_TRUE(key) << key.error().message();
  if (spki != nullptr && key) *spki = key->public_key_der;
  return key_uri(object) + "&module-path=" + module_;
}

ossl::EvpPkeyPtr ProviderTest::load_key(const std::string& uri, std::string* errors) const {
  ERR_clear_error();
  OSSL_STORE_CTX* store = OSSL_STORE_open_ex(uri.c_str(), libctx_, nullptr, nullptr, nullptr,
                                             nullptr, nullptr, nullptr);
  ossl::EvpPkeyPtr key;
  if (store != nullptr) {
    while (!key && OSSL_STORE_eof(store) == 0) {
      OSSL_STORE_INFO* info = OSSL_STORE_load(store);
      if (info == nullptr) continue;
      if (OSSL_STORE_INFO_get_type(info) == OSSL_STORE_INFO_PKEY) {
        key.reset(OSSL_STORE_INFO_get1_PKEY(info));
      }
      OSSL_STORE_INFO_free(info);
    }
    OSSL_STORE_close(store);
  }
  if (errors != nullptr) *errors = error_queue();
  return key;
}

ossl::X509Ptr ProviderTest::self_signed(EVP_PKEY* key, const std::string& name,
                                        const EVP_MD* md) const {
  ossl::X509Ptr cert(X509_new_ex(libctx_, nullptr));
  if (!cert) return nullptr;
  X509_set_version(cert.get(), X509_VERSION_3);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 0x5167);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -60);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 3600);
  X509_NAME* subject = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>(name.c_str()), -1, -1, 0);
  X509_set_issuer_name(cert.get(), subject);
  // The public key goes through the provider's export to the default SPKI encoder.
  if (X509_set_pubkey(cert.get(), key) != 1) return nullptr;
  X509V3_CTX v3;
  X509V3_set_ctx(&v3, cert.get(), cert.get(), nullptr, nullptr, 0);
  for (const auto& [nid, value] :
       {std::pair{NID_basic_constraints, std::string("critical,CA:TRUE")},
        std::pair{NID_key_usage, std::string("critical,keyCertSign,cRLSign,digitalSignature")},
        std::pair{NID_subject_alt_name, "DNS:" + name}}) {
    ossl::X509ExtensionPtr ext(X509V3_EXT_conf_nid(nullptr, &v3, nid, value.c_str()));
    if (!ext || X509_add_ext(cert.get(), ext.get(), -1) != 1) return nullptr;
  }
  if (X509_sign(cert.get(), key, md) <= 0) return nullptr;
  return cert;
}

}  // namespace signet::testing
