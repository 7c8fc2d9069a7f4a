#include "ledger_sql.h"

#include "signet/scheduler/ledger_store.h"

namespace signet::scheduler::sql {

std::string order_by(const ledger::ListQuery& q) {
  return q.by_id ? " ORDER BY id" : " ORDER BY not_after, id";
}

std::string select_records(bool with_der) {
  std::string text(kSelectRecord);
  if (!with_der) text.replace(text.find(" der,"), 5, " NULL AS der,");
  return text;
}

std::string join_sans(const std::vector<std::string>& sans) {
  std::string out;
  for (const auto& s : sans) {
    if (!out.empty()) out += '\n';
    out += s;
  }
  return out;
}

std::vector<std::string> split_sans(std::string_view text) {
  std::vector<std::string> out;
  while (!text.empty()) {
    const auto nl = text.find('\n');
    out.emplace_back(text.substr(0, nl));
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  return out;
}

std::string where_clause(const ledger::ListQuery& q, Placeholders style, bool with_cursor,
                         int* next) {
  int n = 1;
  // PostgreSQL parameters arrive as untyped text: numbers are cast, since a row comparison
  // gives the server no column to infer their type from.
  const auto p = [&](bool number = false) {
    if (style == Placeholders::kQuestion) return std::string("?");
    return "$" + std::to_string(n++) + (number ? "::bigint" : "");
  };
  std::vector<std::string> terms;
  if (q.issuer) terms.push_back("issuer = " + p());
  if (q.profile) terms.push_back("profile = " + p());
  if (q.not_after_from) terms.push_back("not_after >= " + p(true));
  if (q.not_after_until) terms.push_back("not_after < " + p(true));
  if (with_cursor && q.after && q.by_id) {
    terms.push_back("id > " + p(true));
  } else if (with_cursor && q.after) {
    // A row-value comparison, so (not_after, id) indexes serve it as one range.
    std::string a = p(true);
    std::string b = p(true);
    terms.push_back("(not_after, id) > (" + a + ", " + b + ")");
  }
  if (next != nullptr) *next = n;
  std::string out;
  for (const auto& t : terms) out += (out.empty() ? " WHERE " : " AND ") + t;
  return out;
}

ledger::RecordPage page_of(std::vector<ledger::CertificateRecord> rows, std::size_t limit) {
  ledger::RecordPage page;
  page.records = std::move(rows);
  if (!page.records.empty() && page.records.size() == limit) {
    page.next = ledger::ListCursor{page.records.back().not_after, page.records.back().id};
  }
  return page;
}

ledger::AuditEvent issue_event(const ledger::CertificateRecord& r) {
  ledger::AuditEvent e;
  e.time = r.issued_at;
  e.actor = r.requester;
  e.action = "issue";
  e.issuer = r.issuer;
  e.serial = r.serial;
  e.detail = "profile=" + r.profile;
  return e;
}

ledger::AuditEvent revoke_event(const ledger::Revocation& rv) {
  ledger::AuditEvent e;
  e.time = rv.time;
  e.actor = rv.actor;
  e.action = "revoke";
  e.issuer = rv.issuer;
  e.serial = rv.serial;
  e.detail = "reason=" + rv.reason;
  return e;
}

Error not_found(std::string_view issuer, ByteView serial) {
  return {ErrorCode::kNotFound, "ledger: no certificate with serial " + to_hex(serial) +
                                    " from issuer " + std::string(issuer)};
}

Error already_revoked(const ledger::CertificateRecord& r) {
  return {ErrorCode::kFailedPrecondition, "ledger: serial " + to_hex(r.serial) + " from issuer " +
                                              r.issuer + " is already revoked (" +
                                              r.revocation_reason + " at " +
                                              std::to_string(r.revoked_at) + ")"};
}

std::string newer_schema_message(int found) {
  return "ledger: the database has schema version " + std::to_string(found) +
         ", newer than this signet knows (" + std::to_string(kLedgerSchemaVersion) +
         "); refusing to open it (upgrade signet)";
}

Status check_audit_limit(std::size_t limit) {
  if (limit == 0 || limit > ledger::kMaxListLimit) {
    return fail(ErrorCode::kInvalidArgument, "ledger: audit limit must be 1.." +
                                                 std::to_string(ledger::kMaxListLimit) + ", got " +
                                                 std::to_string(limit));
  }
  return {};
}

}  // namespace signet::scheduler::sql
