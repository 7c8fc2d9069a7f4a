// A synthetic fleet ledger for the renewal benchmark (bench/renew-plan.sh, signet issue 6: "a
// synthetic ledger of 1,000,000 certificates with spread notBefore"). Every record is a real
// kubelet-client certificate signed by a CA this tool makes (P-256, written as ca.crt/ca.key so
// `signet ca import --key-file … --into pkcs11:…` moves the key into the token the run signs
// with), notBefore spread uniformly over the past --spread-days, 8760h lifetimes, written with
// the ledger's own store in transactions of 10,000. Node keys come from a pool of --keys (key
// generation would otherwise dominate); subjects are distinct, so every record is an identity.
//
//   signet_bench_synth_ledger --ledger STATE/ledger.sqlite --ca-dir DIR --count 1000000
#include <sys/stat.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "signet/core/ledger.h"
#include "signet/core/ossl.h"
#include "signet/scheduler/ledger_store.h"

namespace {

using signet::Bytes;
namespace ossl = signet::ossl;

struct Options {
  std::string ledger;
  std::string ca_dir = ".";
  std::size_t count = 1'000'000;
  double spread_days = 250;
  std::size_t keys = 1000;
  unsigned seed = 1;
};

[[noreturn]] void die(const std::string& what) {
  std::cerr << "signet_bench_synth_ledger: " << what << ": " << ossl::drain_errors() << '\n';
  std::exit(1);  // NOLINT(concurrency-mt-unsafe)
}

void add_ext(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  const ossl::X509ExtensionPtr ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value));
  if (!ext || X509_add_ext(cert, ext.get(), -1) != 1) die("extension " + std::string(value));
}

void set_name(X509_NAME* name, const std::vector<std::pair<const char*, std::string>>& rdns) {
  for (const auto& [field, value] : rdns) {
    if (X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8,
                                   reinterpret_cast<const unsigned char*>(value.c_str()),  // NOLINT
                                   -1, -1, 0) != 1) {
      die("name");
    }
  }
}

ossl::X509Ptr make_cert(X509* issuer, EVP_PKEY* issuer_key, EVP_PKEY* subject_key,
                        const std::vector<std::pair<const char*, std::string>>& subject,
                        std::int64_t not_before, std::int64_t not_after, std::mt19937_64& rng,
                        bool ca) {
  ossl::X509Ptr cert(X509_new());
  if (!cert || X509_set_version(cert.get(), 2) != 1) die("X509_new");
  unsigned char serial[16];  // NOLINT(modernize-avoid-c-arrays)
  for (auto& b : serial) b = static_cast<unsigned char>(rng());
  serial[0] &= 0x7f;  // positive (RFC 5280 §4.1.2.2)
  serial[0] |= 0x40;
  const ossl::BignumPtr bn(BN_bin2bn(serial, sizeof serial, nullptr));
  if (!bn || BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(cert.get())) == nullptr) {
    die("serial");
  }
  set_name(X509_get_subject_name(cert.get()), subject);
  X509* signer = issuer == nullptr ? cert.get() : issuer;
  if (X509_set_issuer_name(cert.get(), X509_get_subject_name(signer)) != 1 ||
      ASN1_TIME_set(X509_getm_notBefore(cert.get()), not_before) == nullptr ||
      ASN1_TIME_set(X509_getm_notAfter(cert.get()), not_after) == nullptr ||
      X509_set_pubkey(cert.get(), subject_key) != 1) {
    die("fields");
  }
  if (ca) {
    add_ext(cert.get(), signer, NID_basic_constraints, "critical,CA:TRUE");
    add_ext(cert.get(), signer, NID_key_usage, "critical,digitalSignature,keyCertSign,cRLSign");
    add_ext(cert.get(), signer, NID_subject_key_identifier, "hash");
  } else {
    add_ext(cert.get(), signer, NID_basic_constraints, "critical,CA:FALSE");
    add_ext(cert.get(), signer, NID_key_usage, "critical,digitalSignature");
    add_ext(cert.get(), signer, NID_ext_key_usage, "clientAuth");
    add_ext(cert.get(), signer, NID_authority_key_identifier, "keyid:always");
  }
  if (X509_sign(cert.get(), issuer_key, EVP_sha256()) <= 0) die("X509_sign");
  return cert;
}

Bytes der_of(X509* cert) {
  unsigned char* der = nullptr;
  const int len = i2d_X509(cert, &der);
  const ossl::BufferPtr owner(der);
  if (len <= 0) die("i2d_X509");
  return {der, der + len};
}

void write_pem(const std::string& path, X509* cert, EVP_PKEY* key) {
  FILE* f = std::fopen(path.c_str(), "w");  // NOLINT(cppcoreguidelines-owning-memory)
  if (f == nullptr) die("open " + path);
  if (key != nullptr) chmod(path.c_str(), 0600);
  const int ok = key != nullptr
                     ? PEM_write_PrivateKey(f, key, nullptr, nullptr, 0, nullptr, nullptr)
                     : PEM_write_X509(f, cert);
  std::fclose(f);  // NOLINT(cppcoreguidelines-owning-memory)
  if (ok != 1) die("write " + path);
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i];      // NOLINT
    const std::string v = argv[i + 1];  // NOLINT
    if (k == "--ledger") {
      o.ledger = v;
    } else if (k == "--ca-dir") {
      o.ca_dir = v;
    } else if (k == "--count") {
      o.count = std::stoul(v);
    } else if (k == "--spread-days") {
      o.spread_days = std::stod(v);
    } else if (k == "--keys") {
      o.keys = std::stoul(v);
    } else if (k == "--seed") {
      o.seed = static_cast<unsigned>(std::stoul(v));
    } else {
      std::cerr << "unknown option " << k << '\n';
      std::exit(2);  // NOLINT(concurrency-mt-unsafe)
    }
  }
  if (o.ledger.empty() || o.count == 0 || o.keys == 0 || !(o.spread_days > 0)) {
    std::cerr << "usage: signet_bench_synth_ledger --ledger PATH [--ca-dir DIR] [--count N] "
                 "[--spread-days D] [--keys K] [--seed S]\n";
    std::exit(2);  // NOLINT(concurrency-mt-unsafe)
  }
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse(argc, argv);
  std::mt19937_64 rng(o.seed);
  const auto now = static_cast<std::int64_t>(std::time(nullptr));
  constexpr std::int64_t kDay = 86400;
  constexpr std::int64_t kLifetime = 365 * kDay;  // kubelet-client's 8760h
  const ossl::EvpPkeyPtr ca_key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  if (!ca_key) die("CA key");
  const ossl::X509Ptr ca = make_cert(nullptr, ca_key.get(), ca_key.get(), {{"CN", "kubernetes"}},
                                     now - 400 * kDay, now + 3650 * kDay, rng, true);
  write_pem(o.ca_dir + "/ca.crt", ca.get(), nullptr);
  write_pem(o.ca_dir + "/ca.key", nullptr, ca_key.get());
  std::vector<ossl::EvpPkeyPtr> keys;
  for (std::size_t i = 0; i < o.keys; ++i) {
    keys.emplace_back(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
    if (!keys.back()) die("node key");
  }
  auto store = signet::scheduler::open_ledger(o.ledger);
  if (!store) {
    std::cerr << "signet_bench_synth_ledger: " << store.error().message() << '\n';
    return 1;
  }
  const auto started = std::chrono::steady_clock::now();
  std::uniform_real_distribution<double> spread(0.0, o.spread_days * kDay);
  std::vector<signet::ledger::CertificateRecord> batch;
  for (std::size_t i = 0; i < o.count; ++i) {
    const std::int64_t nb = now - static_cast<std::int64_t>(spread(rng));
    const ossl::X509Ptr cert =
        make_cert(ca.get(), ca_key.get(), keys[i % keys.size()].get(),
                  {{"O", "system:nodes"}, {"CN", "system:node:synth-" + std::to_string(i)}}, nb,
                  nb + kLifetime, rng, false);
    auto record = signet::ledger::record_from_certificate(
        der_of(cert.get()),
        {"kubernetes", 0, "kubelet-client", "bench:synth", "synth-" + std::to_string(i), nb});
    if (!record) {
      std::cerr << "signet_bench_synth_ledger: " << record.error().message() << '\n';
      return 1;
    }
    batch.push_back(std::move(*record));
    if (batch.size() == 10000 || i + 1 == o.count) {
      auto done = (*store)->insert(batch);
      if (!done) {
        std::cerr << "signet_bench_synth_ledger: " << done.error().message() << '\n';
        return 1;
      }
      for (const auto& s : *done) {
        if (!s) {
          std::cerr << "signet_bench_synth_ledger: " << s.error().message() << '\n';
          return 1;
        }
      }
      batch.clear();
      const double t =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      std::cerr << "\r" << (i + 1) << " / " << o.count << " records, " << static_cast<long>(t)
                << " s" << std::flush;
    }
  }
  std::cerr << '\n';
  return 0;
}
