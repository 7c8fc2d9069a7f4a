// The PKCS#11-independent parts of `signet bench pipeline` (issue 5, item 6): the request corpus,
// the engine side (run_pipeline over CSRs), the naive OpenSSL baseline, and the alternation of
// samples with their CPU use. The token's component loop is hsm/component_bench.h.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "signet/core/bytes.h"
#include "signet/core/ca.h"
#include "signet/core/profile.h"
#include "signet/core/result.h"
#include "signet/core/signer.h"

namespace signet::scheduler {

// At most this many requests in a corpus (each costs ~0.5 KiB and a key generation).
inline constexpr std::size_t kMaxBenchCsrs = 1'000'000;

// `count` distinct kubelet-client CSRs (DER), each with its own fresh P-256 key: subject
// O=system:nodes, CN=system:node:bench-<i>, ecdsa-with-SHA256 (the kubelet's own request shape).
[[nodiscard]] Result<std::vector<Bytes>> make_node_csrs(std::size_t count);

struct EngineBench {
  const CaCertificate* ca = nullptr;
  const Profile* profile = nullptr;
  Signer* signer = nullptr;
  std::size_t cpu_threads = 2;
  std::size_t max_in_flight = 512;
  bool sign_inline = false;  // PipelineOptions::sign_inline
};

// Certificates per second of one run_pipeline pass over every CSR (make_csr_work: parse, proof
// of possession, policy, build, sign, assemble). Fails unless every certificate was issued.
[[nodiscard]] Result<double> engine_rate(const std::vector<Bytes>& csrs, const EngineBench& bench);

// The naive OpenSSL 3.0 path, a cfssl-like baseline with no token: `threads` threads, each per
// certificate d2i_X509_REQ, X509_REQ_verify, X509_set_pubkey (+ subject, issuer, serial,
// validity, basicConstraints/keyUsage/extKeyUsage via X509V3_EXT_conf_nid), X509_sign with a
// software P-256 CA key, i2d_X509. Per second over `duration`, CSRs round robin.
[[nodiscard]] Result<double> naive_rate(const std::vector<Bytes>& csrs, std::size_t threads,
                                        std::chrono::milliseconds duration);

// One measured side: `sample` returns a rate; the runner keeps each rate and the process CPU
// cores (getrusage user + system per wall second, every thread included) it used.
struct BenchSeries {
  std::string name;
  std::function<Result<double>()> sample;
  std::vector<double> rates;
  std::vector<double> cpu_cores;
};

// `repeat` rounds over every series, the order reversed on odd rounds (ABBA), so slow drift in
// the machine's load does not favour one side. Stops at the first failing sample.
[[nodiscard]] Status run_alternated(
    std::vector<BenchSeries>& series, int repeat,
    const std::function<void(int round, const BenchSeries&)>& progress);

}  // namespace signet::scheduler
