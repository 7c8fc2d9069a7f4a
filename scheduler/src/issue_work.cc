#include "signet/scheduler/issue_work.h"

#include <optional>
#include <utility>

#include "signet/core/csr.h"
#include "signet/core/recertify.h"

namespace signet::scheduler {
namespace {

// What every kind of input shares: the batch's context, the profile, the per-request options,
// and the prepared half kept between the signature's request and its arrival.
class PreparedWork : public ItemWork {
 public:
  Result<Bytes> finish(Bytes signature) override {
    if (!prepared_) return fail(ErrorCode::kInternal, "finish before prepare");
    return finish_certificate(std::move(*prepared_), signature).der;
  }

 protected:
  PreparedWork(const IssueContext& context, const Profile& profile, RequestOptions options)
      : context_(context), profile_(profile), options_(std::move(options)) {}

  // Keeps the prepared half and hands back what the CA signs.
  Bytes keep(PreparedCertificate prepared) {
    Bytes input = std::move(prepared.signing_input);
    prepared_ = std::move(prepared);
    return input;
  }

  [[nodiscard]] const IssueContext& context() const { return context_; }
  [[nodiscard]] const Profile& profile() const { return profile_; }
  [[nodiscard]] const RequestOptions& options() const { return options_; }

 private:
  IssueContext context_;
  const Profile& profile_;
  RequestOptions options_;
  std::optional<PreparedCertificate> prepared_;
};

class CsrWork final : public PreparedWork {
 public:
  CsrWork(const IssueContext& context, Bytes csr, const Profile& profile, RequestOptions options)
      : PreparedWork(context, profile, std::move(options)), csr_(std::move(csr)) {}

  Result<Bytes> prepare() override {
    SIGNET_ASSIGN_OR_RETURN(const Csr csr, Csr::parse(csr_));
    csr_ = Bytes();  // the request's bytes are not needed past here
    SIGNET_ASSIGN_OR_RETURN(PreparedCertificate prepared,
                            prepare_certificate(*context().ca, context().algorithm, profile(), csr,
                                                context().now, options()));
    return keep(std::move(prepared));
  }

 private:
  Bytes csr_;
};

// Same two halves as CsrWork; only the input and its checks differ (core/recertify.h).
class RecertifyWork final : public PreparedWork {
 public:
  RecertifyWork(const IssueContext& context, const CaCertificate& old_ca, Bytes certificate,
                RecertifySource source, const Profile& profile, RequestOptions options)
      : PreparedWork(context, profile, std::move(options)),
        old_ca_(old_ca),
        certificate_(std::move(certificate)),
        source_(source) {}

  Result<Bytes> prepare() override {
    SIGNET_ASSIGN_OR_RETURN(const RecertifyRequest request,
                            source_ == RecertifySource::kLedgerRecord
                                ? RecertifyRequest::from_ledger_record(certificate_, old_ca_)
                                : RecertifyRequest::from_certificate(certificate_, old_ca_));
    certificate_ = Bytes();  // not needed past here: memory per item in flight stays small
    SIGNET_ASSIGN_OR_RETURN(PreparedCertificate prepared,
                            prepare_recertified(*context().ca, context().algorithm, profile(),
                                                request, context().now, options()));
    return keep(std::move(prepared));
  }

 private:
  const CaCertificate& old_ca_;
  Bytes certificate_;
  RecertifySource source_;
};

}  // namespace

std::unique_ptr<ItemWork> make_recertify_work(const IssueContext& context,
                                              const CaCertificate& old_ca, Bytes certificate,
                                              const Profile& profile, RequestOptions options,
                                              RecertifySource source) {
  return std::make_unique<RecertifyWork>(context, old_ca, std::move(certificate), source, profile,
                                         std::move(options));
}

std::unique_ptr<ItemWork> make_csr_work(const IssueContext& context, Bytes csr,
                                        const Profile& profile, RequestOptions options) {
  return std::make_unique<CsrWork>(context, std::move(csr), profile, std::move(options));
}

}  // namespace signet::scheduler
