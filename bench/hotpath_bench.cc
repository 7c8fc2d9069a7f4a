// The per-certificate hot path (signet issue 4, item 5 + acceptance), measured in one run over
// distinct P-256 CSRs, each with its own key, all generated before any clock starts:
//
//  (a) component CPU: Csr::parse (with PoP) + profile policy + TBS + hash + assembly, signed by
//      an instant signer (a fixed fake signature), MINUS a loop that only verifies the same
//      CSRs' proofs of possession exactly as the parser does (verify_proof_of_possession on the
//      pre-split request). Process CPU seconds ÷ N (getrusage) at 1 and 2 threads, and the
//      1→2 speed-up of threads against the same loops run as two forked processes.
//  (b) end to end at 2 threads with a software P-256 CA key: Csr::parse + issue_certificate
//      against the naive OpenSSL 3.0 object path, repetitions alternated, medians and spread.
//
// Usage: signet_bench_hotpath [--csrs N] [--reps R] [--threads T]   (defaults 10000, 5, 2)
// Prints a table and one JSON line ("hotpath_bench {...}"). Not a Google Benchmark: process
// CPU, fork() and a fixed item set are what the acceptance criteria name.
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "signet/core/der.h"
#include "signet/core/issuer.h"
#include "signet/core/lint.h"
#include "signet/core/software_signer.h"

// Library-internal: the parser's own PoP step and signatureAlgorithm reader, so the PoP-only
// loop does exactly what Csr::parse does (never an unverified-parse API in the library).
#include "csr_signature.h"
#include "proof_of_possession.h"

namespace {

using signet::Bytes;
using signet::ByteView;
using Clock = std::chrono::steady_clock;

struct Options {
  std::size_t csrs = 10000;
  int reps = 5;
  int threads = 2;
  bool full_only = false;  // --full-only: the instant-signer loop once, for a profiler
};

[[noreturn]] void die(const std::string& message) {
  std::fprintf(stderr, "signet_bench_hotpath: %s\n", message.c_str());
  std::exit(1);
}

Options parse_options(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--full-only") {
      o.full_only = true;
      continue;
    }
    if (i + 1 >= argc) die("option " + std::string(arg) + " needs a value");
    const long value = std::strtol(argv[++i], nullptr, 10);
    if (arg == "--csrs" && value >= 100 && value <= 1000000) {
      o.csrs = static_cast<std::size_t>(value);
    } else if (arg == "--reps" && value >= 1 && value <= 50) {
      o.reps = static_cast<int>(value);
    } else if (arg == "--threads" && value >= 2 && value <= 64) {
      o.threads = static_cast<int>(value);
    } else {
      die("unknown option or value out of range: " + std::string(arg) + " " + argv[i] +
          " (--csrs 100..1000000, --reps 1..50, --threads 2..64)");
    }
  }
  return o;
}

double cpu_seconds(int who) {
  rusage u{};
  getrusage(who, &u);
  const auto tv = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) * 1e-6;
  };
  return tv(u.ru_utime) + tv(u.ru_stime);
}

// An instant signer holding the CA's public key (so check_signer_matches passes) that returns a
// fixed, well-formed ECDSA-Sig-Value: the signature is not what (a) measures.
class InstantSigner final : public signet::Signer {
 public:
  explicit InstantSigner(ByteView spki) : spki_(spki.begin(), spki.end()) {
    fake_ = {0x30, 0x44, 0x02, 0x20};
    fake_.insert(fake_.end(), 32, 0x11);
    fake_.insert(fake_.end(), {0x02, 0x20});
    fake_.insert(fake_.end(), 32, 0x22);
  }
  [[nodiscard]] signet::SignatureAlgorithm algorithm() const noexcept override {
    return signet::SignatureAlgorithm::kEcdsaSha256;
  }
  [[nodiscard]] ByteView public_key_der() const noexcept override { return spki_; }
  [[nodiscard]] std::string describe() const override { return "instant fake signer"; }
  [[nodiscard]] signet::Result<Bytes> sign(ByteView /*input*/) override { return fake_; }

 private:
  Bytes spki_;
  Bytes fake_;
};

// One CSR as the parser splits it, for the PoP-only loop.
struct SplitCsr {
  ByteView spki;
  signet::KeyInfo key;
  signet::CsrSignatureScheme scheme;
  ByteView info;
  ByteView signature;  // without the unused-bits octet
};

SplitCsr split(ByteView der) {
  namespace d = signet::der;
  const auto fail = [](const signet::Error& e) { die("split CSR: " + e.message()); };
  auto request = d::parse_single(der, d::kSequence, "request");
  if (!request) fail(request.error());
  d::Reader fields(request->content);
  auto info = fields.expect(d::kSequence, "info");
  auto alg = fields.expect(d::kSequence, "alg");
  auto sig = fields.expect(d::kBitString, "sig");
  if (!info || !alg || !sig) die("split CSR: bad request");
  d::Reader info_fields(info->content);
  auto version = info_fields.next();
  auto subject = info_fields.next();
  auto spki = info_fields.expect(d::kSequence, "spki");
  if (!version || !subject || !spki) die("split CSR: bad info");
  auto key = signet::inspect_public_key(spki->whole);
  auto scheme = signet::parse_csr_signature_algorithm(alg->whole);
  if (!key || !scheme) die("split CSR: bad key or algorithm");
  return {spki->whole, *key, *scheme, info->whole, sig->content.subspan(1)};
}

struct Fixture {
  std::vector<Bytes> csrs;
  std::vector<SplitCsr> split_csrs;
  std::unique_ptr<signet::SoftwareSigner> signer;
  std::unique_ptr<InstantSigner> instant;
  Bytes ca_der;
  std::optional<signet::CaCertificate> ca;
  const signet::Profile* profile = nullptr;
  signet::ossl::EvpPkeyPtr ca_key;  // the same key as an EVP_PKEY, for the naive path
  signet::ossl::X509Ptr ca_x509;

  explicit Fixture(std::size_t n) {
    auto s = signet::SoftwareSigner::generate({signet::KeyType::kEcP256, 0});
    if (!s) die(s.error().message());
    signer = std::move(*s);
    auto der = signet::create_self_signed_ca({{signet::NameAttributeType::kCommonName, "ca"}},
                                             std::chrono::hours(24 * 3650),
                                             std::chrono::system_clock::now(), *signer);
    if (!der) die(der.error().message());
    ca_der = std::move(*der);
    auto parsed = signet::CaCertificate::parse(ca_der);
    if (!parsed) die(parsed.error().message());
    ca.emplace(std::move(*parsed));
    instant = std::make_unique<InstantSigner>(signer->public_key_der());
    profile = signet::find_profile("kubelet-client");
    const unsigned char* p = ca_der.data();
    ca_x509.reset(d2i_X509(nullptr, &p, static_cast<long>(ca_der.size())));
    const std::string pem = *signer->private_key_pem();
    const signet::ossl::BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    ca_key.reset(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
    if (!ca_x509 || !ca_key || profile == nullptr) die("fixture setup");
    // Distinct node keys and CSRs: a small key pool would let caches flatter both paths.
    csrs.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
      const signet::ossl::EvpPkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
      const signet::ossl::X509ReqPtr req(X509_REQ_new());
      X509_NAME* name = X509_REQ_get_subject_name(req.get());
      const std::string cn = "system:node:node-" + std::to_string(i);
      X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>("system:nodes"), -1, -1, 0);
      X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
      X509_REQ_set_pubkey(req.get(), key.get());
      if (X509_REQ_sign(req.get(), key.get(), EVP_sha256()) <= 0) die("X509_REQ_sign");
      unsigned char* out = nullptr;
      const int len = i2d_X509_REQ(req.get(), &out);
      if (len <= 0) die("i2d_X509_REQ");
      csrs.emplace_back(out, out + len);
      OPENSSL_free(out);
    }
    split_csrs.reserve(n);
    for (const auto& c : csrs) split_csrs.push_back(split(c));
  }
};

// --- the loops; each takes the half-open item range [begin, end) ---

std::atomic<std::size_t> g_sink{0};

void signet_loop(const Fixture& f, signet::Signer& signer, std::size_t begin, std::size_t end) {
  std::size_t bytes = 0;
  for (std::size_t i = begin; i < end; ++i) {
    auto csr = signet::Csr::parse(f.csrs[i]);
    if (!csr) die("Csr::parse: " + csr.error().message());
    auto cert = signet::issue_certificate(*f.ca, signer, *f.profile, *csr,
                                          std::chrono::system_clock::now());
    if (!cert) die("issue_certificate: " + cert.error().message());
    bytes += cert->der.size();
  }
  g_sink += bytes;
}

void pop_loop(const Fixture& f, std::size_t begin, std::size_t end) {
  for (std::size_t i = begin; i < end; ++i) {
    const SplitCsr& c = f.split_csrs[i];
    const auto ok =
        signet::verify_proof_of_possession(c.spki, c.key, c.scheme, c.info, c.signature);
    if (!ok) die("PoP: " + ok.error().message());
  }
  g_sink += end - begin;
}

void naive_loop(const Fixture& f, std::size_t begin, std::size_t end) {
  std::size_t bytes = 0;
  for (std::size_t i = begin; i < end; ++i) {
    const Bytes& der = f.csrs[i];
    const unsigned char* p = der.data();
    const signet::ossl::X509ReqPtr req(d2i_X509_REQ(nullptr, &p, static_cast<long>(der.size())));
    const signet::ossl::EvpPkeyPtr pub(X509_REQ_get_pubkey(req.get()));
    if (X509_REQ_verify(req.get(), pub.get()) != 1) die("X509_REQ_verify");
    const signet::ossl::X509Ptr x(X509_new());
    X509_set_version(x.get(), X509_VERSION_3);
    std::array<unsigned char, 16> serial{};
    RAND_bytes(serial.data(), serial.size());
    serial[0] &= 0x7fU;
    const signet::ossl::BignumPtr bn(BN_bin2bn(serial.data(), serial.size(), nullptr));
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
    if (X509_sign(x.get(), f.ca_key.get(), EVP_sha256()) <= 0) die("X509_sign");
    unsigned char* out = nullptr;
    const int len = i2d_X509(x.get(), &out);
    if (len <= 0) die("i2d_X509");
    bytes += static_cast<std::size_t>(len);
    OPENSSL_free(out);
  }
  g_sink += bytes;
}

using Loop = std::function<void(std::size_t, std::size_t)>;

struct Sample {
  double wall = 0;  // seconds
  double cpu = 0;   // process CPU seconds (children's for the forked runs)
};

// `loop` over all n items split evenly across `threads` threads of this process.
Sample run_threads(const Loop& loop, std::size_t n, int threads) {
  const double cpu0 = cpu_seconds(RUSAGE_SELF);
  const auto t0 = Clock::now();
  if (threads == 1) {
    loop(0, n);
  } else {
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) {
      const std::size_t b = n * static_cast<std::size_t>(t) / static_cast<std::size_t>(threads);
      const std::size_t e = n * static_cast<std::size_t>(t + 1) / static_cast<std::size_t>(threads);
      pool.emplace_back([&loop, b, e] { loop(b, e); });
    }
    for (auto& th : pool) th.join();
  }
  const std::chrono::duration<double> wall = Clock::now() - t0;
  return {wall.count(), cpu_seconds(RUSAGE_SELF) - cpu0};
}

// The component's share of one worker's items [b, e), by interleaving item by item: CSR i goes
// through the full loop (instant signer), then the PoP-only loop, each timed with this thread's
// CPU clock and the wall clock. Load on the shared vCPUs (SMT siblings, cache) then hits both
// sides alike and cancels in the difference. Wall samples where either side was preempted
// (over 4 × the worker's first-pass median for that side) are left out of the wall totals only.
struct Split {
  double full_cpu = 0;
  double pop_cpu = 0;
  double full_wall = 0;
  double pop_wall = 0;
  std::size_t items = 0;       // items whose CPU counts (all of them)
  std::size_t wall_items = 0;  // items whose wall time counts (not preempted)
};

double thread_cpu() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}
double wall_now() {
  return std::chrono::duration<double>(Clock::now().time_since_epoch()).count();
}

Split interleaved(const Fixture& f, std::size_t b, std::size_t e) {
  Split s;
  std::vector<double> full_wall;
  std::vector<double> pop_wall;
  full_wall.reserve(e - b);
  pop_wall.reserve(e - b);
  for (std::size_t i = b; i < e; ++i) {
    const double w0 = wall_now();
    const double c0 = thread_cpu();
    signet_loop(f, *f.instant, i, i + 1);
    const double w1 = wall_now();
    const double c1 = thread_cpu();
    pop_loop(f, i, i + 1);
    const double c2 = thread_cpu();
    const double w2 = wall_now();
    s.full_cpu += c1 - c0;
    s.pop_cpu += c2 - c1;
    full_wall.push_back(w1 - w0);
    pop_wall.push_back(w2 - w1);
  }
  s.items = e - b;
  const auto mid = [](std::vector<double> v) {
    std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2), v.end());
    return v[v.size() / 2];
  };
  const double full_cut = 4 * mid(full_wall);
  const double pop_cut = 4 * mid(pop_wall);
  for (std::size_t i = 0; i < full_wall.size(); ++i) {
    if (full_wall[i] > full_cut || pop_wall[i] > pop_cut) continue;
    s.full_wall += full_wall[i];
    s.pop_wall += pop_wall[i];
    ++s.wall_items;
  }
  return s;
}

struct ComponentRun {
  double us_per_cert = 0;  // (process CPU of both loops − 2 × PoP CPU) ÷ N
  double per_s = 0;        // component throughput: Σ items ÷ (full wall − PoP wall) per worker
};

ComponentRun summarise(const std::vector<Split>& splits, double process_cpu, std::size_t n) {
  double pop = 0;
  ComponentRun r;
  for (const Split& s : splits) {
    pop += s.pop_cpu;
    r.per_s += static_cast<double>(s.wall_items) / (s.full_wall - s.pop_wall);
  }
  // The process ran both loops: component = (full + PoP) − 2 × PoP.
  r.us_per_cert = (process_cpu - 2 * pop) * 1e6 / static_cast<double>(n);
  return r;
}

ComponentRun component_threads(const Fixture& f, std::size_t n, int threads) {
  std::vector<Split> splits(static_cast<std::size_t>(threads));
  const double cpu0 = cpu_seconds(RUSAGE_SELF);
  if (threads == 1) {
    splits[0] = interleaved(f, 0, n);
  } else {
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) {
      const auto ut = static_cast<std::size_t>(t);
      const auto ut_n = static_cast<std::size_t>(threads);
      pool.emplace_back([&f, &splits, ut, b = n * ut / ut_n, e = n * (ut + 1) / ut_n] {
        splits[ut] = interleaved(f, b, e);
      });
    }
    for (auto& th : pool) th.join();
  }
  return summarise(splits, cpu_seconds(RUSAGE_SELF) - cpu0, n);
}

// The same split over forked single-threaded processes (this process runs no other thread at
// fork time); each child leaves its Split in shared memory. CPU is the children's (getrusage).
ComponentRun component_processes(const Fixture& f, std::size_t n, int procs) {
  const std::size_t bytes = sizeof(Split) * static_cast<std::size_t>(procs);
  void* mem = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (mem == MAP_FAILED) die("mmap failed");
  auto* shared = static_cast<Split*>(mem);
  const double cpu0 = cpu_seconds(RUSAGE_CHILDREN);
  std::vector<pid_t> children;
  for (int t = 0; t < procs; ++t) {
    const auto ut = static_cast<std::size_t>(t);
    const auto up = static_cast<std::size_t>(procs);
    const pid_t pid = fork();
    if (pid < 0) die("fork failed");
    if (pid == 0) {
      shared[ut] = interleaved(f, n * ut / up, n * (ut + 1) / up);
      _exit(0);
    }
    children.push_back(pid);
  }
  for (const pid_t pid : children) {
    int status = 0;
    if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      die("a child process failed");
    }
  }
  const std::vector<Split> splits(shared, shared + procs);
  munmap(mem, bytes);
  return summarise(splits, cpu_seconds(RUSAGE_CHILDREN) - cpu0, n);
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t m = v.size() / 2;
  return v.size() % 2 == 1 ? v[m] : (v[m - 1] + v[m]) / 2;
}
double spread(const std::vector<double>& v) {
  const auto [lo, hi] = std::minmax_element(v.begin(), v.end());
  return (*hi - *lo) / median(v);
}

std::string json_array(const std::vector<double>& v) {
  std::string s = "[";
  for (std::size_t i = 0; i < v.size(); ++i) {
    char buf[32];  // NOLINT(modernize-avoid-c-arrays)
    std::snprintf(buf, sizeof buf, "%s%.3f", i == 0 ? "" : ",", v[i]);
    s += buf;
  }
  return s + "]";
}

}  // namespace

int main(int argc, char** argv) {
  const Options opt = parse_options(argc, argv);
  const auto setup0 = Clock::now();
  const Fixture f(opt.csrs);
  const std::size_t n = opt.csrs;
  {
    // One certificate of each path through our own lint before any clock: a fast wrong
    // certificate is no result.
    auto csr = signet::Csr::parse(f.csrs[0]);
    auto cert = signet::issue_certificate(*f.ca, *f.signer, *f.profile, *csr,
                                          std::chrono::system_clock::now());
    if (!cert) die(cert.error().message());
    const auto findings = signet::lint_certificate(cert->der);
    if (!findings.empty()) die("lint: " + signet::format_findings(findings));
  }
  const std::chrono::duration<double> setup = Clock::now() - setup0;
  std::printf("setup: %zu distinct P-256 CSRs in %.1f s (outside every clock)\n", n, setup.count());

  const Loop full = [&f](std::size_t b, std::size_t e) { signet_loop(f, *f.instant, b, e); };
  const Loop pop = [&f](std::size_t b, std::size_t e) { pop_loop(f, b, e); };
  const Loop e2e = [&f](std::size_t b, std::size_t e) { signet_loop(f, *f.signer, b, e); };
  const Loop naive = [&f](std::size_t b, std::size_t e) { naive_loop(f, b, e); };
  if (opt.full_only) {
    full(0, n);
    return 0;
  }
  // Warm-up: per-thread contexts, fetched algorithms, page faults.
  full(0, std::min<std::size_t>(n, 200));
  pop(0, std::min<std::size_t>(n, 200));

  // (a) per repetition: component = full − PoP, in µs of CPU per certificate, at 1 thread,
  // `threads` threads and `threads` processes; speed-ups from the component's wall time.
  std::vector<double> cpu1;
  std::vector<double> cpu2;
  std::vector<double> cpu_p;
  std::vector<double> full1;
  std::vector<double> pop1;
  std::vector<double> speed_threads;
  std::vector<double> speed_procs;
  std::vector<double> speed_ratio;
  const double us_per = 1e6 / static_cast<double>(n);
  for (int r = 0; r < opt.reps; ++r) {
    // Full and PoP-only loops in the single-thread run again as whole loops, for the table.
    const Sample f1 = run_threads(full, n, 1);
    const Sample p1 = run_threads(pop, n, 1);
    full1.push_back(f1.cpu * us_per);
    pop1.push_back(p1.cpu * us_per);
    const ComponentRun one = component_threads(f, n, 1);
    const ComponentRun two = component_threads(f, n, opt.threads);
    const ComponentRun forked = component_processes(f, n, opt.threads);
    cpu1.push_back(one.us_per_cert);
    cpu2.push_back(two.us_per_cert);
    cpu_p.push_back(forked.us_per_cert);
    const double st = two.per_s / one.per_s;
    const double sp = forked.per_s / one.per_s;
    speed_threads.push_back(st);
    speed_procs.push_back(sp);
    speed_ratio.push_back(st / sp);
  }

  // (b) end to end at `threads` threads, alternated ABBA so drift hits both paths alike.
  std::vector<double> signet_rate;
  std::vector<double> naive_rate;
  std::vector<double> e2e_ratio;
  for (int r = 0; r < opt.reps; ++r) {
    Sample s;
    Sample o;
    if (r % 2 == 0) {
      s = run_threads(e2e, n, opt.threads);
      o = run_threads(naive, n, opt.threads);
    } else {
      o = run_threads(naive, n, opt.threads);
      s = run_threads(e2e, n, opt.threads);
    }
    signet_rate.push_back(static_cast<double>(n) / s.wall);
    naive_rate.push_back(static_cast<double>(n) / o.wall);
    e2e_ratio.push_back(o.wall / s.wall);
  }

  std::printf(
      "\n(a) component CPU per certificate (parse+policy+build+hash+assemble, PoP and "
      "signature excluded), %d reps\n",
      opt.reps);
  std::printf("%-44s %10s %8s\n", "measure", "median", "spread");
  const auto row = [](const char* name, const std::vector<double>& v, const char* unit) {
    std::printf("%-44s %8.2f%-2s %7.1f%%\n", name, median(v), unit, 100 * spread(v));
  };
  row("full loop, 1 thread (instant signer)", full1, "us");
  row("PoP-only loop, 1 thread", pop1, "us");
  row("component, 1 thread", cpu1, "us");
  row("component, N threads", cpu2, "us");
  row("component, N processes", cpu_p, "us");
  row("1->N speed-up, threads", speed_threads, "x");
  row("1->N speed-up, processes", speed_procs, "x");
  row("threads / processes speed-up", speed_ratio, "");
  std::printf("\n(b) end to end, %d threads, software P-256 CA key, %d reps (ABBA)\n", opt.threads,
              opt.reps);
  row("signet (Csr::parse + issue_certificate) /s", signet_rate, "");
  row("naive OpenSSL 3.0 object path /s", naive_rate, "");
  row("signet / naive", e2e_ratio, "x");

  std::printf(
      "\nhotpath_bench {\"csrs\":%zu,\"reps\":%d,\"threads\":%d,"
      "\"component_us_1t\":%s,\"component_us_nt\":%s,\"component_us_np\":%s,"
      "\"full_us_1t\":%s,\"pop_us_1t\":%s,\"speedup_threads\":%s,\"speedup_procs\":%s,"
      "\"speedup_ratio\":%s,\"signet_per_s\":%s,\"naive_per_s\":%s,\"e2e_ratio\":%s,"
      "\"sink\":%zu}\n",
      n, opt.reps, opt.threads, json_array(cpu1).c_str(), json_array(cpu2).c_str(),
      json_array(cpu_p).c_str(), json_array(full1).c_str(), json_array(pop1).c_str(),
      json_array(speed_threads).c_str(), json_array(speed_procs).c_str(),
      json_array(speed_ratio).c_str(), json_array(signet_rate).c_str(),
      json_array(naive_rate).c_str(), json_array(e2e_ratio).c_str(), g_sink.load());
  return 0;
}
