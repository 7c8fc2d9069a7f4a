#include "signet/scheduler/recertify_bench.h"

#include <sys/resource.h>

#include <chrono>
#include <optional>
#include <string>

#include "signet/core/csr.h"
#include "signet/core/issuer.h"
#include "signet/core/software_signer.h"
#include "signet/scheduler/issue_work.h"
#include "signet/scheduler/pipeline.h"

#include "issued_rate.h"

namespace signet::scheduler {

Result<OldCertificates> make_old_certificates(const std::vector<Bytes>& csrs) {
  const auto now = std::chrono::system_clock::now();
  SIGNET_ASSIGN_OR_RETURN(auto signer, SoftwareSigner::generate(KeySpec{}));
  SIGNET_ASSIGN_OR_RETURN(
      const Bytes ca_der,
      create_self_signed_ca({{NameAttributeType::kCommonName, "signet bench old CA"}},
                            std::chrono::hours(24 * 365), now - std::chrono::hours(1), *signer));
  SIGNET_ASSIGN_OR_RETURN(CaCertificate old_ca, CaCertificate::parse(ca_der));
  const Profile* profile = builtin_profiles().find("kubelet-client");
  if (profile == nullptr) return fail(ErrorCode::kInternal, "no built-in kubelet-client profile");
  OldCertificates out{std::move(old_ca), {}};
  out.certificates.reserve(csrs.size());
  for (const Bytes& der : csrs) {
    SIGNET_ASSIGN_OR_RETURN(const Csr csr, Csr::parse(der));
    SIGNET_ASSIGN_OR_RETURN(IssuedCertificate issued,
                            issue_certificate(out.old_ca, *signer, *profile, csr, now));
    out.certificates.push_back(std::move(issued.der));
  }
  return out;
}

Result<double> recertify_rate(const std::vector<Bytes>& certificates, const RecertifyBench& bench) {
  if (bench.new_ca == nullptr || bench.old_ca == nullptr || bench.profile == nullptr ||
      bench.signer == nullptr || certificates.empty()) {
    return fail(ErrorCode::kInvalidArgument,
                "recertify bench: needs both CAs, a profile, a signer and certificates");
  }
  const std::uint64_t items = bench.items != 0 ? bench.items : certificates.size();
  const IssueContext context{bench.new_ca, bench.signer->algorithm(),
                             std::chrono::system_clock::now()};
  std::uint64_t next = 0;
  const ItemSource source = [&]() -> std::optional<PipelineItem> {
    if (next == items) return std::nullopt;
    const std::uint64_t i = next++;
    return PipelineItem{std::to_string(i),
                        make_recertify_work(context, *bench.old_ca,
                                            certificates[i % certificates.size()], *bench.profile)};
  };
  return issued_rate(source, *bench.signer, bench.cpu_threads, bench.max_in_flight, items,
                     "certificate", "recertify bench", bench.ledger, bench.profile->name());
}

double peak_rss_mib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;  // Linux: KiB
}

}  // namespace signet::scheduler
