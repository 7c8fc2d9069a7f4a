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
  // The ledger series reads OLD's records a page at a time (the reissue job's access pattern),
  // starting over at the end so a pass can be longer than the ledger.
  ledger::RecordPage page;
  std::size_t in_page = 0;
  ledger::ListQuery query;
  query.issuer = bench.source_issuer;
  query.limit = 1000;
  const auto next_record = [&]() -> Result<Bytes> {
    if (in_page == page.records.size()) {
      query.after = page.next;  // none: from the start again
      SIGNET_ASSIGN_OR_RETURN(page, bench.source_ledger->list(query));
      in_page = 0;
      if (page.records.empty() && query.after) {
        // A full last page sets `next`, and the page after it is empty: start over.
        query.after.reset();
        SIGNET_ASSIGN_OR_RETURN(page, bench.source_ledger->list(query));
      }
      if (page.records.empty()) {
        return fail(ErrorCode::kFailedPrecondition,
                    "recertify bench: no records of '" + bench.source_issuer + "' in the ledger");
      }
    }
    return std::move(page.records[in_page++].der);
  };
  const ItemSource source = [&]() -> std::optional<PipelineItem> {
    if (next == items) return std::nullopt;
    const std::uint64_t i = next++;
    if (bench.source_ledger == nullptr) {
      return PipelineItem{
          std::to_string(i),
          make_recertify_work(context, *bench.old_ca, certificates[i % certificates.size()],
                              *bench.profile)};
    }
    auto der = next_record();
    if (!der) return PipelineItem{std::to_string(i), tl::unexpected(der.error())};
    return PipelineItem{std::to_string(i),
                        make_recertify_work(context, *bench.old_ca, std::move(*der), *bench.profile,
                                            {}, RecertifySource::kLedgerRecord)};
  };
  return issued_rate(source, *bench.signer, bench_options(bench), items, "certificate",
                     "recertify bench", bench.ledger, bench.profile->name());
}

Status record_old_certificates(ledger::LedgerStore& store, const std::string& issuer,
                               const std::vector<Bytes>& certificates) {
  const ledger::IssuanceContext context{issuer,
                                        0,
                                        "kubelet-client",
                                        "bench",
                                        "",
                                        std::chrono::duration_cast<std::chrono::seconds>(
                                            std::chrono::system_clock::now().time_since_epoch())
                                            .count()};
  constexpr std::size_t kBatch = 1000;
  std::vector<ledger::CertificateRecord> batch;
  for (std::size_t i = 0; i < certificates.size(); ++i) {
    SIGNET_ASSIGN_OR_RETURN(ledger::CertificateRecord record,
                            ledger::record_from_certificate(certificates[i], context));
    batch.push_back(std::move(record));
    if (batch.size() == kBatch || i + 1 == certificates.size()) {
      SIGNET_ASSIGN_OR_RETURN(const std::vector<Status> statuses, store.insert(batch));
      for (const Status& s : statuses) SIGNET_RETURN_IF_ERROR(s);
      batch.clear();
    }
  }
  return {};
}

double peak_rss_mib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;  // Linux: KiB
}

}  // namespace signet::scheduler
