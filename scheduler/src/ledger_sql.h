// What the SQLite and PostgreSQL stores share: the record's column list, the listing's WHERE
// clause, SAN packing, the audit events a store writes itself, and the messages, so both stores
// behave (and fail) the same way under the shared suite.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "signet/core/ledger.h"

namespace signet::scheduler::sql {

// Columns in the order read_record (each store) reads them.
inline constexpr std::string_view kSelectRecord =
    "SELECT id, issuer, ca_generation, serial, profile, subject, sans, spki_sha256, not_before,"
    " not_after, requester, request_id, issued_at, der, revoked, revocation_reason, revoked_at"
    " FROM certificates";

// SANs as one text column, '\n' between entries (check_record refuses control characters).
// kSelectRecord, or with NULL in place of the certificate DER (ListQuery::without_der).
[[nodiscard]] std::string select_records(bool with_der);

// SANs as one text column, '\n' between entries (check_record refuses control characters).
[[nodiscard]] std::string join_sans(const std::vector<std::string>& sans);
[[nodiscard]] std::vector<std::string> split_sans(std::string_view text);

enum class Placeholders { kQuestion, kDollar };  // SQLite "?", PostgreSQL "$1"

// " WHERE issuer = ? AND profile = ? AND not_after >= ? AND not_after < ? AND (not_after, id) >
// (?, ?)" for the filters present (cursor only when `with_cursor`), in that binding order.
// `next` receives the number of the next placeholder (for LIMIT).
[[nodiscard]] std::string where_clause(const ledger::ListQuery& q, Placeholders style,
                                       bool with_cursor, int* next = nullptr);

// " ORDER BY not_after, id", or " ORDER BY id" for ListQuery::by_id (whose cursor term is
// "id > ?" alone: where_clause binds one value for it, not two).
[[nodiscard]] std::string order_by(const ledger::ListQuery& q);

// A page from up to `limit` rows in (not_after, id) order: `next` set when the page is full.
[[nodiscard]] ledger::RecordPage page_of(std::vector<ledger::CertificateRecord> rows,
                                         std::size_t limit);

[[nodiscard]] ledger::AuditEvent issue_event(const ledger::CertificateRecord& r);
[[nodiscard]] ledger::AuditEvent revoke_event(const ledger::Revocation& rv);

[[nodiscard]] Error not_found(std::string_view issuer, ByteView serial);
[[nodiscard]] Error already_revoked(const ledger::CertificateRecord& r);
[[nodiscard]] std::string newer_schema_message(int found);
[[nodiscard]] Status check_audit_limit(std::size_t limit);

}  // namespace signet::scheduler::sql
