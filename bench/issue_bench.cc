// Issuance of one kubelet client certificate from a P-256 CSR with a software P-256 CA key:
// signet's foundation path (Csr::parse, issue_certificate) against the naive OpenSSL 3.0 object
// path (d2i_X509_REQ, X509_REQ_verify, X509_set_pubkey, X509_sign, i2d_X509) in the same binary,
// over 10,000 distinct CSRs (no caching across items). Run with
//   signet_bench_issue --benchmark_repetitions=5 --benchmark_enable_random_interleaving=true
// and read the ratio of the medians. Single-threaded; the pipeline issue adds the threaded runs.
#include <vector>

#include <benchmark/benchmark.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "signet/core/issuer.h"
#include "signet/core/software_signer.h"

namespace {

using signet::Bytes;

constexpr int kCsrCount = 10000;

struct Fixture {
  std::vector<Bytes> csrs;
  std::unique_ptr<signet::SoftwareSigner> signer;
  Bytes ca_der;
  signet::ossl::EvpPkeyPtr ca_key;  // the same key, as an EVP_PKEY for the naive path
  signet::ossl::X509Ptr ca_x509;

  Fixture() {
    auto s = signet::SoftwareSigner::generate({signet::KeyType::kEcP256, 0});
    signer = std::move(*s);
    ca_der = *signet::create_self_signed_ca({{signet::NameAttributeType::kCommonName, "ca"}},
                                            std::chrono::hours(24 * 3650),
                                            std::chrono::system_clock::now(), *signer);
    const unsigned char* p = ca_der.data();
    ca_x509.reset(d2i_X509(nullptr, &p, static_cast<long>(ca_der.size())));
    const std::string pem = *signer->private_key_pem();
    signet::ossl::BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    ca_key.reset(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
    // Distinct node keys and CSRs: a small key pool would let caches flatter both paths.
    for (int i = 0; i < kCsrCount; ++i) {
      signet::ossl::EvpPkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
      signet::ossl::X509ReqPtr req(X509_REQ_new());
      X509_NAME* name = X509_REQ_get_subject_name(req.get());
      const std::string cn = "system:node:node-" + std::to_string(i);
      X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>("system:nodes"), -1, -1, 0);
      X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
      X509_REQ_set_pubkey(req.get(), key.get());
      X509_REQ_sign(req.get(), key.get(), EVP_sha256());
      unsigned char* der = nullptr;
      const int len = i2d_X509_REQ(req.get(), &der);
      csrs.emplace_back(der, der + len);
      OPENSSL_free(der);
    }
  }
};

Fixture& fixture() {
  static Fixture f;
  return f;
}

void BM_SignetIssue(benchmark::State& state) {
  Fixture& f = fixture();
  const auto ca = signet::CaCertificate::parse(f.ca_der);
  const signet::Profile& profile = *signet::find_profile("kubelet-client");
  std::size_t i = 0;
  for (auto _ : state) {
    const auto csr = signet::Csr::parse(f.csrs[i++ % f.csrs.size()]);
    auto cert =
        signet::issue_certificate(*ca, *f.signer, profile, *csr, std::chrono::system_clock::now());
    if (!cert) state.SkipWithError(cert.error().message().c_str());
    benchmark::DoNotOptimize(cert);
  }
  state.SetItemsProcessed(state.iterations());
}

// The baseline: what a straightforward OpenSSL 3.0 program does per certificate.
void BM_NaiveOpenSslIssue(benchmark::State& state) {
  Fixture& f = fixture();
  std::size_t i = 0;
  for (auto _ : state) {
    const Bytes& der = f.csrs[i++ % f.csrs.size()];
    const unsigned char* p = der.data();
    signet::ossl::X509ReqPtr req(d2i_X509_REQ(nullptr, &p, static_cast<long>(der.size())));
    signet::ossl::EvpPkeyPtr pub(X509_REQ_get_pubkey(req.get()));
    if (X509_REQ_verify(req.get(), pub.get()) != 1) state.SkipWithError("verify");
    signet::ossl::X509Ptr x(X509_new());
    X509_set_version(x.get(), X509_VERSION_3);
    unsigned char serial[16];
    RAND_bytes(serial, sizeof serial);
    serial[0] &= 0x7f;
    signet::ossl::BignumPtr bn(BN_bin2bn(serial, sizeof serial, nullptr));
    BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(x.get()));
    X509_set_issuer_name(x.get(), X509_get_subject_name(f.ca_x509.get()));
    X509_set_subject_name(x.get(), X509_REQ_get_subject_name(req.get()));
    X509_gmtime_adj(X509_getm_notBefore(x.get()), -300);
    X509_gmtime_adj(X509_getm_notAfter(x.get()), 365L * 24 * 3600);
    X509_set_pubkey(x.get(), pub.get());
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, f.ca_x509.get(), x.get(), nullptr, nullptr, 0);
    for (const auto& [nid, value] :
         {std::pair{NID_basic_constraints, "critical,CA:FALSE"},
          std::pair{NID_key_usage, "critical,digitalSignature"},
          std::pair{NID_ext_key_usage, "clientAuth"}, std::pair{NID_subject_key_identifier, "hash"},
          std::pair{NID_authority_key_identifier, "keyid"}}) {
      X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
      X509_add_ext(x.get(), ext, -1);
      X509_EXTENSION_free(ext);
    }
    X509_sign(x.get(), f.ca_key.get(), EVP_sha256());
    unsigned char* out = nullptr;
    const int len = i2d_X509(x.get(), &out);
    benchmark::DoNotOptimize(len);
    OPENSSL_free(out);
  }
  state.SetItemsProcessed(state.iterations());
}

BENCHMARK(BM_NaiveOpenSslIssue)->MinTime(2.0)->UseRealTime();
BENCHMARK(BM_SignetIssue)->MinTime(2.0)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
