#include "serve_ledger_recorder.h"

#include <chrono>
#include <future>
#include <optional>
#include <utility>
#include <vector>

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

namespace {

Result<ledger::CertificateRecord> row_of(const serve::IssuanceRecord& record) {
  const ledger::IssuanceContext context{
      record.ca,
      0,
      record.profile,
      record.requester,
      record.endpoint,
      std::chrono::duration_cast<std::chrono::seconds>(record.issued_at.time_since_epoch())
          .count()};
  return ledger::record_from_certificate(record.certificate.der, context);
}

Status in_ledger(Status s) {
  return s.map_error([](Error e) { return std::move(e).context("ledger"); });
}

}  // namespace

std::vector<Status> LedgerRecorder::record_all(const std::vector<serve::IssuanceRecord>& records) {
  std::vector<Status> out(records.size());
  std::vector<std::optional<std::future<Status>>> committed(records.size());
  for (std::size_t i = 0; i < records.size(); ++i) {
    auto row = row_of(records[i]);
    if (!row) {
      out[i] = fail(row.error());
      continue;
    }
    committed[i] = writer_->submit(std::move(*row));
  }
  for (std::size_t i = 0; i < records.size(); ++i) {
    auto& pending = committed[i];
    if (!pending.has_value()) continue;
    out[i] = in_ledger(pending->get());
    if (out[i] && also_) out[i] = also_->record(records[i]);
  }
  return out;
}

Status LedgerRecorder::record(const serve::IssuanceRecord& record) {
  SIGNET_ASSIGN_OR_RETURN(ledger::CertificateRecord row, row_of(record));
  // Persist before return: the answer waits for this record's batch to commit.
  SIGNET_RETURN_IF_ERROR(in_ledger(writer_->submit(std::move(row)).get()));
  if (also_) return also_->record(record);
  return {};
}

}  // namespace signet::cli
