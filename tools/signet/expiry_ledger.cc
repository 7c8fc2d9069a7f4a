#include "expiry_ledger.h"

#include <algorithm>
#include <string_view>

#include <openssl/x509.h>

#include "signet/core/bytes.h"

namespace signet::cli::expiry {
namespace {

// "CN=system:node:n1, O=system:nodes" -> "system:node:n1" (format_name's form); the whole
// subject when it has no CN.
std::string common_name(const std::string& subject) {
  const auto at = subject.rfind("CN=", 0) == 0 ? 0 : subject.find(", CN=");
  if (at == std::string::npos) return subject;
  const auto start = at == 0 ? 3 : at + 5;
  const auto end = subject.find(", ", start);
  return subject.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

// One page's rows into the inventory (a function of its own: clang-tidy 16's optional-access
// dataflow check goes exponential on a loop that also holds the query's std::optionals).
void add_rows(Inventory& inventory, const std::vector<ledger::CertificateRecord>& records,
              std::size_t limit, LedgerSummary& summary) {
  for (const auto& r : records) {
    if (summary.shown == limit) return;
    if (r.revoked) {
      ++summary.revoked;
      continue;
    }
    const unsigned char* p = r.der.data();
    ossl::X509Ptr cert(d2i_X509(nullptr, &p, static_cast<long>(r.der.size())));
    NamedCertificate entry;
    entry.name = r.profile + " " + common_name(r.subject);
    entry.source = "ledger " + r.issuer + " serial " + to_hex(r.serial);
    entry.role = CertRole::kCertificate;
    entry.kind = SourceKind::kLedger;
    if (!cert)
      entry.missing = "the ledger's DER for serial " + to_hex(r.serial) + " does not parse";
    entry.cert = std::move(cert);
    inventory.entries.push_back(std::move(entry));
    summary.issuers.insert(r.issuer);
    ++summary.shown;
  }
}

ledger::ListQuery window_query(const LedgerSource& source) {
  ledger::ListQuery query;
  query.not_after_from = source.now - source.expired_for;
  if (source.until != 0) query.not_after_until = source.until;
  return query;
}

}  // namespace

Result<LedgerSummary> add_ledger(Inventory& inventory, ledger::LedgerStore& store,
                                 const LedgerSource& source) {
  ledger::ListQuery query = window_query(source);
  LedgerSummary summary;
  SIGNET_ASSIGN_OR_RETURN(summary.matched, store.count(query));
  while (summary.shown < source.limit) {
    query.limit = std::min<std::size_t>(ledger::kMaxListLimit,
                                        std::max<std::size_t>(source.limit - summary.shown, 16));
    auto page = store.list(query);
    if (!page) return fail(page.error());
    add_rows(inventory, page->records, source.limit, summary);
    if (!page->next.has_value()) break;
    query.after = page->next;
  }
  return summary;
}

}  // namespace signet::cli::expiry
