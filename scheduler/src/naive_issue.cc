// The naive OpenSSL 3.0 baseline of `signet bench pipeline`: what a small cfssl-like service
// does per CSR with the CA key in process memory (no token, no profile engine).
#include <atomic>
#include <latch>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "signet/core/ossl.h"
#include "signet/scheduler/pipeline_bench.h"

namespace signet::scheduler {
namespace {

constexpr long kValiditySeconds = 365L * 24 * 3600;

// One certificate; an error names the failing OpenSSL call.
Result<std::size_t> naive_issue(const Bytes& csr, EVP_PKEY* ca_key, const X509_NAME* ca_name,
                                std::uint64_t serial) {
  const auto failed = [](const char* step) {
    return fail(ErrorCode::kInternal,
                std::string("naive path: ") + step + ": " + ossl::drain_errors());
  };
  const unsigned char* p = csr.data();
  const ossl::X509ReqPtr req(d2i_X509_REQ(nullptr, &p, static_cast<long>(csr.size())));
  if (!req) return failed("d2i_X509_REQ");
  EVP_PKEY* subject_key = X509_REQ_get0_pubkey(req.get());  // get0: owned by req
  if (subject_key == nullptr || X509_REQ_verify(req.get(), subject_key) != 1) {
    return failed("X509_REQ_verify");
  }
  const ossl::X509Ptr cert(X509_new());
  if (!cert || X509_set_version(cert.get(), 2) != 1 ||
      ASN1_INTEGER_set_uint64(X509_get_serialNumber(cert.get()), serial) != 1 ||
      X509_set_issuer_name(cert.get(), ca_name) != 1 ||
      X509_set_subject_name(cert.get(), X509_REQ_get_subject_name(req.get())) != 1 ||
      X509_gmtime_adj(X509_getm_notBefore(cert.get()), 0) == nullptr ||
      X509_gmtime_adj(X509_getm_notAfter(cert.get()), kValiditySeconds) == nullptr ||
      X509_set_pubkey(cert.get(), subject_key) != 1) {
    return failed("building the certificate");
  }
  // A kubelet client certificate's extensions through the config API, as a straightforward
  // program adds them (RFC 5280 §4.2.1.9, §4.2.1.3, §4.2.1.12).
  for (const auto& [nid, value] : {std::pair{NID_basic_constraints, "critical,CA:FALSE"},
                                   std::pair{NID_key_usage, "critical,digitalSignature"},
                                   std::pair{NID_ext_key_usage, "clientAuth"}}) {
    const ossl::X509ExtensionPtr ext(X509V3_EXT_conf_nid(nullptr, nullptr, nid, value));
    if (!ext || X509_add_ext(cert.get(), ext.get(), -1) != 1) return failed("X509_add_ext");
  }
  if (X509_sign(cert.get(), ca_key, EVP_sha256()) <= 0) return failed("X509_sign");
  unsigned char* der = nullptr;
  const int len = i2d_X509(cert.get(), &der);
  const ossl::BufferPtr owner(der);
  if (len <= 0) return failed("i2d_X509");
  return static_cast<std::size_t>(len);
}

}  // namespace

Result<double> naive_rate(const std::vector<Bytes>& csrs, std::size_t threads,
                          std::chrono::milliseconds duration) {
  if (csrs.empty() || threads == 0) {
    return fail(ErrorCode::kInvalidArgument, "naive path: needs CSRs and threads");
  }
  const ossl::EvpPkeyPtr ca_key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  const ossl::X509NamePtr ca_name(X509_NAME_new());
  if (!ca_key || !ca_name ||
      X509_NAME_add_entry_by_txt(ca_name.get(), "CN", MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>("naive-ca"), -1, -1,
                                 0) != 1) {
    return fail(ErrorCode::kInternal, "naive path: CA key: " + ossl::drain_errors());
  }
  std::atomic<std::uint64_t> total{0};
  std::atomic<bool> failed{false};
  std::optional<Error> first_error;
  std::mutex error_mutex;
  std::latch ready(static_cast<std::ptrdiff_t>(threads));
  std::atomic<bool> go{false};
  std::chrono::steady_clock::time_point deadline;
  std::vector<std::thread> workers;
  for (std::size_t t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      ready.count_down();
      while (!go.load()) std::this_thread::yield();
      std::uint64_t count = 0;
      std::size_t next = t * csrs.size() / threads;
      while (!failed && std::chrono::steady_clock::now() < deadline) {
        const auto der = naive_issue(csrs[next], ca_key.get(), ca_name.get(),
                                     (static_cast<std::uint64_t>(t) << 40U) + count + 1);
        if (!der) {
          const std::lock_guard lock(error_mutex);
          if (!first_error) first_error = der.error().context("CSR " + std::to_string(next));
          failed = true;
          break;
        }
        next = next + 1 == csrs.size() ? 0 : next + 1;
        ++count;
      }
      total += count;
    });
  }
  ready.wait();
  const auto start = std::chrono::steady_clock::now();
  deadline = start + duration;
  go = true;
  for (auto& w : workers) w.join();
  if (first_error) return fail(*first_error);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return static_cast<double>(total.load()) / seconds;
}

}  // namespace signet::scheduler
