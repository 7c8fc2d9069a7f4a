// The ledger (signet issue 6): every certificate signet issues is recorded before it is returned
// (persist-before-return), with its revocation state, next to an append-only audit trail.
//
// core owns the record model and the store interface; scheduler/ owns the implementations
// (SQLite, PostgreSQL) and the group-commit writer. Every store passes one shared test suite
// (tests/scheduler/ledger_store_suite.*), so the rules below hold for each.
//
// Keys: a record is identified by (issuer, serial): RFC 5280 §4.1.2.2 makes the serial unique
// per issuing CA only, so the store enforces exactly that. Stores also give each record a
// row id, strictly increasing in commit order, which listings use as their cursor tiebreak.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "signet/core/bytes.h"
#include "signet/core/result.h"

namespace signet::ledger {

// Bounds every store enforces (check_record): hostile or runaway input never reaches SQL.
inline constexpr std::size_t kMaxSerialBytes = 20;  // RFC 5280 §4.1.2.2
inline constexpr std::size_t kMaxIssuerChars = 63;  // CA names (tools' check_ca_name)
inline constexpr std::size_t kMaxTextBytes = 4096;  // subject, profile, requester, request id
inline constexpr std::size_t kMaxSans = 256;        // as read_requested_names (RFC 5280 §4.2.1.6)
inline constexpr std::size_t kMaxSanBytes = 1024;
inline constexpr std::size_t kMaxDerBytes = std::size_t{64} * 1024;  // RecertifyRequest::kMaxBytes
inline constexpr std::size_t kMaxListLimit = 10000;                  // rows per page

// CRLReason (RFC 5280 §5.3.1) names, as recorded and accepted by `revoke`.
// removeFromCRL (8) is not a revocation and is refused.
[[nodiscard]] Status check_revocation_reason(std::string_view reason);

struct CertificateRecord {
  std::int64_t id = 0;             // assigned by the store at insert (ignored on input)
  std::string issuer;              // the CA's name in signet's state ("kubernetes")
  std::int64_t ca_generation = 0;  // which key/certificate of that CA (0 = the first)
  Bytes serial;                    // serialNumber magnitude, 1..20 octets
  std::string profile;
  std::string subject;            // "CN=system:node:n1, O=system:nodes" (format_name)
  std::vector<std::string> sans;  // "DNS:node-1.example", "IP:10.0.0.7", in certificate order
  Bytes spki_sha256;              // SHA-256 of the SubjectPublicKeyInfo DER, 32 octets
  std::int64_t not_before = 0;    // unix seconds (UTC)
  std::int64_t not_after = 0;
  std::string requester;       // who asked ("cli:root", a client certificate's subject, ...)
  std::string request_id;      // the caller's id for the request (batch line id, CSR object name)
  std::int64_t issued_at = 0;  // unix seconds
  Bytes der;                   // the Certificate DER, verbatim
  // Revocation state (set only through LedgerStore::revoke).
  bool revoked = false;
  std::string revocation_reason;  // a CRLReason name when revoked
  std::int64_t revoked_at = 0;

  friend bool operator==(const CertificateRecord&, const CertificateRecord&) = default;
};

// Refuses a record no store may hold, naming the field and the value's size: empty or long
// issuer, serial not 1..20 octets, spki_sha256 not 32 octets, not_before > not_after, empty or
// oversized DER, too many or too long SANs, oversized text, a NUL byte or invalid UTF-8 in any
// text (PostgreSQL text cannot hold NUL; both stores keep one rule). kInvalidArgument.
[[nodiscard]] Status check_record(const CertificateRecord& record);

// What the issuer of a certificate knows that its DER does not say.
struct IssuanceContext {
  std::string issuer;
  std::int64_t ca_generation = 0;
  std::string profile;
  std::string requester;
  std::string request_id;
  std::int64_t issued_at = 0;
};

// The record of a certificate signet just issued: serial, subject, SANs (dNSName, iPAddress,
// rfc822Name, URI), SPKI SHA-256 and validity read from `der` (not a verification) with signet's
// DER reader, or with OpenSSL's d2i_X509 when that reader declines. The reader checks only DER
// well-formedness outside those fields, so it is for signet's own output, not outside input.
// Fails with kInvalidArgument on DER that neither reads as one certificate.
[[nodiscard]] Result<CertificateRecord> record_from_certificate(ByteView der,
                                                                const IssuanceContext& context);

// An audit event: issuance ("issue") and administrative actions ("revoke", ...). Append-only:
// the interface has no way to change or remove one, and stores refuse it below the API too.
struct AuditEvent {
  std::int64_t id = 0;    // assigned by the store, strictly increasing
  std::int64_t time = 0;  // unix seconds
  std::string actor;
  std::string action;  // "issue", "revoke", lower-case [a-z-]
  std::string issuer;  // may be empty (an action on no certificate)
  Bytes serial;        // may be empty
  std::string detail;  // free text ("reason=keyCompromise")

  friend bool operator==(const AuditEvent&, const AuditEvent&) = default;
};

[[nodiscard]] Status check_audit_event(const AuditEvent& event);

// A keyset cursor: listings are ordered by (not_after, id), so renewal (soonest expiry first)
// and reissue can stream millions of rows page by page without OFFSET scans, and resume.
struct ListCursor {
  std::int64_t not_after = 0;
  std::int64_t id = 0;
  friend bool operator==(const ListCursor&, const ListCursor&) = default;
};

// "<not_after>.<id>", what the CLI prints as "next".
[[nodiscard]] std::string to_string(const ListCursor& cursor);
[[nodiscard]] Result<ListCursor> parse_cursor(std::string_view text);

struct ListQuery {
  std::optional<std::string> issuer;
  std::optional<std::string> profile;
  std::optional<std::int64_t> not_after_from;   // inclusive
  std::optional<std::int64_t> not_after_until;  // exclusive
  std::optional<ListCursor> after;              // rows strictly after this key
  std::size_t limit = 1000;                     // 1..kMaxListLimit
  // Records come back with `der` empty: renewal planning reads every record of a fleet and
  // needs none of their certificates (a tenth of the bytes, SQLite reads no overflow pages).
  bool without_der = false;
  // Rows in id order, the cursor's not_after ignored: a full scan in storage order. On SQLite
  // the (not_after, id) order walks an index and looks every row up at random, ~5x slower over
  // a million rows; the planner needs no order.
  bool by_id = false;
};

[[nodiscard]] Status check_query(const ListQuery& query);

struct RecordPage {
  std::vector<CertificateRecord> records;
  std::optional<ListCursor> next;  // set when the page is full (more rows may follow)
};

struct AuditPage {
  std::vector<AuditEvent> events;  // in id order
  std::optional<std::int64_t> next_after;
};

struct Revocation {
  std::string issuer;
  Bytes serial;
  std::string reason;  // CRLReason name
  std::int64_t time = 0;
  std::string actor;
};

// The store. Implementations are thread-safe (each documents how) and map database errors to
// retry-aware codes: busy/locked/serialization failure/lost connection → kUnavailable (retry
// the call) or kAborted (retry the item); a uniqueness violation → kAlreadyExists; corruption
// or a schema the code does not know → kInternal / kFailedPrecondition.
class LedgerStore {
 public:
  LedgerStore() = default;
  LedgerStore(const LedgerStore&) = delete;
  LedgerStore& operator=(const LedgerStore&) = delete;
  LedgerStore(LedgerStore&&) = delete;
  LedgerStore& operator=(LedgerStore&&) = delete;
  virtual ~LedgerStore() = default;

  // "sqlite:/var/signet/ledger.sqlite", "postgresql://host/db" (never a password).
  [[nodiscard]] virtual std::string describe() const = 0;
  [[nodiscard]] virtual Result<int> schema_version() = 0;

  // One transaction for the whole batch. The outer error means nothing was committed (the
  // database failed); otherwise one Status per record, in order: the good ones are committed
  // together (each with an "issue" audit event), a bad one is its own error — invalid
  // (check_record) or kAlreadyExists "serial <hex> already recorded for issuer <ca>" — and a
  // duplicate within the batch is refused the same way.
  [[nodiscard]] virtual Result<std::vector<Status>> insert(
      std::span<const CertificateRecord> records) = 0;

  // kNotFound naming the issuer and serial.
  [[nodiscard]] virtual Result<CertificateRecord> find(std::string_view issuer,
                                                       ByteView serial) = 0;
  // Every issuer's certificates with `serial` (a CLI look-up by serial alone).
  [[nodiscard]] virtual Result<std::vector<CertificateRecord>> find_serial(ByteView serial) = 0;

  [[nodiscard]] virtual Result<RecordPage> list(const ListQuery& query) = 0;
  // Rows matching the query's filters (its cursor and limit are ignored).
  [[nodiscard]] virtual Result<std::uint64_t> count(const ListQuery& query) = 0;

  // Marks the record revoked and appends a "revoke" audit event, in one transaction. kNotFound;
  // kFailedPrecondition when it is already revoked (naming when and why); invalid reason.
  [[nodiscard]] virtual Status revoke(const Revocation& revocation) = 0;

  [[nodiscard]] virtual Result<std::int64_t> append_audit(const AuditEvent& event) = 0;
  // Events with id > after_id, at most `limit` (1..kMaxListLimit).
  [[nodiscard]] virtual Result<AuditPage> list_audit(std::int64_t after_id, std::size_t limit) = 0;
};

// The message every store uses for a duplicate (issuer, serial).
[[nodiscard]] Error duplicate_serial(std::string_view issuer, ByteView serial);

}  // namespace signet::ledger
