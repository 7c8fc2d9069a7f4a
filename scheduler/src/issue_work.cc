#include "signet/scheduler/issue_work.h"

#include <optional>
#include <utility>

#include "signet/core/csr.h"
#include "signet/core/recertify.h"

namespace signet::scheduler {
namespace {

class CsrWork final : public ItemWork {
 public:
  CsrWork(const IssueContext& context, Bytes csr, const Profile& profile, RequestOptions options)
      : context_(context), csr_(std::move(csr)), profile_(profile), options_(std::move(options)) {}

  Result<Bytes> prepare() override {
    SIGNET_ASSIGN_OR_RETURN(const Csr csr, Csr::parse(csr_));
    csr_ = Bytes();  // the request's bytes are not needed past here
    SIGNET_ASSIGN_OR_RETURN(PreparedCertificate prepared,
                            prepare_certificate(*context_.ca, context_.algorithm, profile_, csr,
                                                context_.now, options_));
    Bytes input = std::move(prepared.signing_input);
    prepared_ = std::move(prepared);
    return input;
  }

  Result<Bytes> finish(Bytes signature) override {
    if (!prepared_) return fail(ErrorCode::kInternal, "finish before prepare");
    return finish_certificate(std::move(*prepared_), signature).der;
  }

 private:
  IssueContext context_;
  Bytes csr_;
  const Profile& profile_;
  RequestOptions options_;
  std::optional<PreparedCertificate> prepared_;
};

// Same two halves as CsrWork; only the input and its checks differ (core/recertify.h).
class RecertifyWork final : public ItemWork {
 public:
  RecertifyWork(const IssueContext& context, const CaCertificate& old_ca, Bytes certificate,
                const Profile& profile, RequestOptions options)
      : context_(context),
        old_ca_(old_ca),
        certificate_(std::move(certificate)),
        profile_(profile),
        options_(std::move(options)) {}

  Result<Bytes> prepare() override {
    SIGNET_ASSIGN_OR_RETURN(const RecertifyRequest request,
                            RecertifyRequest::from_certificate(certificate_, old_ca_));
    certificate_ = Bytes();  // not needed past here: memory per item in flight stays small
    SIGNET_ASSIGN_OR_RETURN(PreparedCertificate prepared,
                            prepare_recertified(*context_.ca, context_.algorithm, profile_, request,
                                                context_.now, options_));
    Bytes input = std::move(prepared.signing_input);
    prepared_ = std::move(prepared);
    return input;
  }

  Result<Bytes> finish(Bytes signature) override {
    if (!prepared_) return fail(ErrorCode::kInternal, "finish before prepare");
    return finish_certificate(std::move(*prepared_), signature).der;
  }

 private:
  IssueContext context_;
  const CaCertificate& old_ca_;
  Bytes certificate_;
  const Profile& profile_;
  RequestOptions options_;
  std::optional<PreparedCertificate> prepared_;
};

}  // namespace

std::unique_ptr<ItemWork> make_recertify_work(const IssueContext& context,
                                              const CaCertificate& old_ca, Bytes certificate,
                                              const Profile& profile, RequestOptions options) {
  return std::make_unique<RecertifyWork>(context, old_ca, std::move(certificate), profile,
                                         std::move(options));
}

std::unique_ptr<ItemWork> make_csr_work(const IssueContext& context, Bytes csr,
                                        const Profile& profile, RequestOptions options) {
  return std::make_unique<CsrWork>(context, std::move(csr), profile, std::move(options));
}

}  // namespace signet::scheduler
