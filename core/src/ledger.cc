// The ledger's record model: validation shared by every store, the record of an issued
// certificate, cursors.
#include "signet/core/ledger.h"

#include <array>
#include <charconv>
#include <string>

#include "signet/core/text.h"

namespace signet::ledger {
namespace {

tl::unexpected<Error> invalid(std::string message) {
  return fail(ErrorCode::kInvalidArgument, "ledger: " + std::move(message));
}

// Every text field: valid UTF-8 without control characters (so no NUL), bounded.
Status check_text(std::string_view field, std::string_view value, std::size_t max_bytes,
                  bool required) {
  if (required && value.empty()) return invalid(std::string(field) + " is empty");
  if (value.size() > max_bytes) {
    return invalid(std::string(field) + " is " + std::to_string(value.size()) +
                   " bytes; the limit is " + std::to_string(max_bytes));
  }
  if (!printable_utf8_length(value)) {
    return invalid(std::string(field) +
                   " is not printable UTF-8 (invalid UTF-8 or a control character such as NUL)");
  }
  return {};
}

Status check_issuer_serial(std::string_view issuer, ByteView serial) {
  SIGNET_RETURN_IF_ERROR(check_text("issuer", issuer, kMaxIssuerChars, true));
  if (serial.empty() || serial.size() > kMaxSerialBytes) {
    return invalid("serial must be 1.." + std::to_string(kMaxSerialBytes) +
                   " octets (RFC 5280 §4.1.2.2), got " + std::to_string(serial.size()));
  }
  return {};
}

}  // namespace

Status check_revocation_reason(std::string_view reason) {
  // RFC 5280 §5.3.1 CRLReason; 7 is unused and removeFromCRL (8) un-revokes, so neither is
  // a reason to record.
  static constexpr std::array<std::string_view, 9> kReasons = {
      "unspecified",        "keyCompromise",      "cACompromise",
      "affiliationChanged", "superseded",         "cessationOfOperation",
      "certificateHold",    "privilegeWithdrawn", "aACompromise"};
  for (const auto r : kReasons) {
    if (r == reason) return {};
  }
  return invalid("revocation reason '" + std::string(reason.substr(0, 64)) +
                 "' is not an RFC 5280 §5.3.1 CRLReason (unspecified, keyCompromise, "
                 "cACompromise, affiliationChanged, superseded, cessationOfOperation, "
                 "certificateHold, privilegeWithdrawn, aACompromise)");
}

Status check_record(const CertificateRecord& r) {
  SIGNET_RETURN_IF_ERROR(check_issuer_serial(r.issuer, r.serial));
  if (r.ca_generation < 0) {
    return invalid("ca_generation must be >= 0, got " + std::to_string(r.ca_generation));
  }
  SIGNET_RETURN_IF_ERROR(check_text("profile", r.profile, kMaxTextBytes, true));
  SIGNET_RETURN_IF_ERROR(check_text("subject", r.subject, kMaxTextBytes, false));
  SIGNET_RETURN_IF_ERROR(check_text("requester", r.requester, kMaxTextBytes, false));
  SIGNET_RETURN_IF_ERROR(check_text("request_id", r.request_id, kMaxTextBytes, false));
  if (r.sans.size() > kMaxSans) {
    return invalid("record has " + std::to_string(r.sans.size()) + " SANs; the limit is " +
                   std::to_string(kMaxSans));
  }
  for (const auto& san : r.sans) SIGNET_RETURN_IF_ERROR(check_text("SAN", san, kMaxSanBytes, true));
  if (r.spki_sha256.size() != 32) {
    return invalid("spki_sha256 must be 32 octets (SHA-256), got " +
                   std::to_string(r.spki_sha256.size()));
  }
  if (r.not_before > r.not_after) {
    return invalid("not_before " + std::to_string(r.not_before) + " is after not_after " +
                   std::to_string(r.not_after));
  }
  if (r.der.empty() || r.der.size() > kMaxDerBytes) {
    return invalid("certificate DER must be 1.." + std::to_string(kMaxDerBytes) + " bytes, got " +
                   std::to_string(r.der.size()));
  }
  if (r.revoked) SIGNET_RETURN_IF_ERROR(check_revocation_reason(r.revocation_reason));
  return {};
}

Status check_audit_event(const AuditEvent& e) {
  if (e.action.empty() || e.action.size() > 32 ||
      e.action.find_first_not_of("abcdefghijklmnopqrstuvwxyz-") != std::string::npos) {
    return invalid("audit action must be 1-32 of [a-z-], got '" + e.action.substr(0, 64) + "'");
  }
  SIGNET_RETURN_IF_ERROR(check_text("actor", e.actor, kMaxTextBytes, false));
  SIGNET_RETURN_IF_ERROR(check_text("issuer", e.issuer, kMaxIssuerChars, false));
  SIGNET_RETURN_IF_ERROR(check_text("detail", e.detail, kMaxTextBytes, false));
  if (e.serial.size() > kMaxSerialBytes) {
    return invalid("audit serial is " + std::to_string(e.serial.size()) +
                   " octets; the limit is 20");
  }
  return {};
}

Status check_query(const ListQuery& q) {
  if (q.limit == 0 || q.limit > kMaxListLimit) {
    return invalid("list limit must be 1.." + std::to_string(kMaxListLimit) + ", got " +
                   std::to_string(q.limit));
  }
  if (q.issuer) SIGNET_RETURN_IF_ERROR(check_text("issuer", *q.issuer, kMaxIssuerChars, true));
  if (q.profile) SIGNET_RETURN_IF_ERROR(check_text("profile", *q.profile, kMaxTextBytes, true));
  return {};
}

Error duplicate_serial(std::string_view issuer, ByteView serial) {
  return {ErrorCode::kAlreadyExists, "ledger: serial " + to_hex(serial) +
                                         " already recorded for issuer " + std::string(issuer) +
                                         " (serials are unique per issuer, RFC 5280 §4.1.2.2)"};
}

std::string to_string(const ListCursor& cursor) {
  return std::to_string(cursor.not_after) + "." + std::to_string(cursor.id);
}

Result<ListCursor> parse_cursor(std::string_view text) {
  const auto bad = [&] {
    return invalid("cursor '" + std::string(text.substr(0, 64)) +
                   "' is not <not_after>.<id> (as printed in \"next\")");
  };
  const auto dot = text.find('.');
  if (dot == std::string_view::npos || text.size() > 64) return bad();
  ListCursor c;
  const char* const begin = text.data();
  const auto a = std::from_chars(begin, begin + dot, c.not_after);
  const auto b = std::from_chars(begin + dot + 1, begin + text.size(), c.id);
  if (a.ec != std::errc() || a.ptr != begin + dot || b.ec != std::errc() ||
      b.ptr != begin + text.size() || dot == 0 || c.id < 0) {
    return bad();
  }
  return c;
}

}  // namespace signet::ledger
