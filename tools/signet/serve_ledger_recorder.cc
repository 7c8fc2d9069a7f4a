#include "serve_ledger_recorder.h"

#include <chrono>
#include <utility>

namespace signet::cli {

LedgerRecorder::LedgerRecorder(std::unique_ptr<ledger::LedgerStore> store,
                               std::unique_ptr<serve::IssuanceRecorder> also)
    : store_(std::move(store)), also_(std::move(also)) {
  // A short delay: a lone request waits at most 2 ms for company before its commit.
  scheduler::LedgerWriterOptions options;
  options.max_delay = std::chrono::milliseconds(2);
  writer_ = std::make_unique<scheduler::LedgerWriter>(*store_, options);
}

LedgerRecorder::~LedgerRecorder() {
  if (writer_) writer_->close();  // commits what was submitted before the store goes
}

Status LedgerRecorder::record(const serve::IssuanceRecord& record) {
  const ledger::IssuanceContext context{
      record.ca,
      0,
      record.profile,
      record.requester,
      record.endpoint,
      std::chrono::duration_cast<std::chrono::seconds>(record.issued_at.time_since_epoch())
          .count()};
  SIGNET_ASSIGN_OR_RETURN(ledger::CertificateRecord row,
                          ledger::record_from_certificate(record.certificate.der, context));
  // Persist before return: the answer waits for this record's batch to commit.
  SIGNET_RETURN_IF_ERROR(writer_->submit(std::move(row)).get().map_error([](Error e) {
    return std::move(e).context("ledger");
  }));
  if (also_) return also_->record(record);
  return {};
}

}  // namespace signet::cli
