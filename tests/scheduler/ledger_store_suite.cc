// The shared store suite: every test runs against each backend instantiated in the binary.
#include "ledger_store_suite.h"

#include <gtest/gtest.h>

#include "signet/scheduler/ledger_store.h"

namespace signet::testing {
namespace {

using ledger::CertificateRecord;
using ledger::ListQuery;

void insert_ok(ledger::LedgerStore& store, const std::vector<CertificateRecord>& records) {
  auto results = store.insert(records);
  ASSERT_TRUE(results) << results.error().message();
  ASSERT_EQ(results->size(), records.size());
  for (const auto& s : *results) ASSERT_TRUE(s) << s.error().message();
}

TEST_P(LedgerStoreTest, SchemaIsAtTheCurrentVersion) {
  auto v = store_->schema_version();
  ASSERT_TRUE(v) << v.error().message();
  EXPECT_EQ(*v, scheduler::kLedgerSchemaVersion);
}

TEST_P(LedgerStoreTest, InsertThenFindRoundTripsEveryField) {
  CertificateRecord r = sample_record("kubernetes", 7);
  ASSERT_NO_FATAL_FAILURE(insert_ok(*store_, {r}));
  auto found = store_->find("kubernetes", r.serial);
  ASSERT_TRUE(found) << found.error().message();
  EXPECT_GT(found->id, 0);
  r.id = found->id;  // the only field the store assigns
  EXPECT_EQ(*found, r);
  // A record with no SANs comes back with none (not one empty string).
  CertificateRecord bare = sample_record("kubernetes", 8);
  bare.sans.clear();
  ASSERT_NO_FATAL_FAILURE(insert_ok(*store_, {bare}));
  auto got = store_->find("kubernetes", bare.serial);
  ASSERT_TRUE(got);
  EXPECT_TRUE(got->sans.empty());
}

TEST_P(LedgerStoreTest, FindUnknownIsNotFoundNamingSerialAndIssuer) {
  auto found = store_->find("kubernetes", Bytes{0xab, 0xcd});
  ASSERT_FALSE(found);
  EXPECT_EQ(found.error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(found.error().message(),
            "ledger: no certificate with serial abcd from issuer kubernetes");
}

TEST_P(LedgerStoreTest, DuplicateSerialRefusedPerIssuerAllowedUnderAnother) {
  ASSERT_NO_FATAL_FAILURE(insert_ok(*store_, {sample_record("kubernetes", 1)}));
  auto again = store_->insert(std::vector{sample_record("kubernetes", 1)});
  ASSERT_TRUE(again) << again.error().message();
  ASSERT_EQ(again->size(), 1U);
  ASSERT_FALSE((*again)[0]);
  EXPECT_EQ((*again)[0].error().code(), ErrorCode::kAlreadyExists);
  EXPECT_EQ((*again)[0].error().message(),
            "ledger: serial 4000000001 already recorded for issuer kubernetes (serials are "
            "unique per issuer, RFC 5280 §4.1.2.2)");
  // The same serial under another CA is another certificate.
  ASSERT_NO_FATAL_FAILURE(insert_ok(*store_, {sample_record("etcd-ca", 1)}));
  auto both = store_->find_serial(sample_record("x", 1).serial);
  ASSERT_TRUE(both);
  ASSERT_EQ(both->size(), 2U);
  EXPECT_EQ((*both)[0].issuer, "etcd-ca");
  EXPECT_EQ((*both)[1].issuer, "kubernetes");
}

TEST_P(LedgerStoreTest, BatchWithOneDuplicateCommitsTheOthers) {
  ASSERT_NO_FATAL_FAILURE(insert_ok(*store_, {sample_record("kubernetes", 2)}));
  CertificateRecord invalid = sample_record("kubernetes", 9);
  invalid.spki_sha256.resize(5);
  const std::vector batch{sample_record("kubernetes", 1), sample_record("kubernetes", 2),
                          sample_record("kubernetes", 3), invalid,
                          sample_record("kubernetes", 3)};  // duplicate within the batch
  auto results = store_->insert(batch);
  ASSERT_TRUE(results) << results.error().message();
  ASSERT_EQ(results->size(), 5U);
  EXPECT_TRUE((*results)[0]);
  ASSERT_FALSE((*results)[1]);
  EXPECT_EQ((*results)[1].error().code(), ErrorCode::kAlreadyExists);
  EXPECT_NE((*results)[1].error().message().find("serial 4000000002"), std::string::npos);
  EXPECT_TRUE((*results)[2]);
  ASSERT_FALSE((*results)[3]);
  EXPECT_EQ((*results)[3].error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ((*results)[3].error().message(),
            "ledger: spki_sha256 must be 32 octets (SHA-256), got 5");
  ASSERT_FALSE((*results)[4]);
  EXPECT_EQ((*results)[4].error().code(), ErrorCode::kAlreadyExists);
  auto n = store_->count({});
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 3U);  // 2 from before, 1 and 3 from the batch
  // Each committed record got its "issue" audit event, the refused ones none.
  auto audit = store_->list_audit(0, 100);
  ASSERT_TRUE(audit);
  ASSERT_EQ(audit->events.size(), 3U);
  EXPECT_EQ(audit->events[1].action, "issue");
  EXPECT_EQ(audit->events[1].serial, sample_record("kubernetes", 1).serial);
  EXPECT_EQ(audit->events[1].detail, "profile=kubelet-client");
  // Every field of sql::issue_event (PostgreSQL binds them as parameters of one statement).
  EXPECT_EQ(audit->events[1].actor, "cli:test");
  EXPECT_EQ(audit->events[1].issuer, "kubernetes");
  EXPECT_EQ(audit->events[1].time, 1'800'000'100);
}

TEST_P(LedgerStoreTest, ListPagesByNotAfterWithFiltersAndCursor) {
  std::vector<CertificateRecord> batch;
  for (std::uint32_t i = 0; i < 25; ++i) {
    CertificateRecord r = sample_record(i % 2 == 0 ? "kubernetes" : "etcd-ca", 100 - i);
    if (i % 5 == 0) r.profile = "kubelet-serving";
    batch.push_back(r);
  }
  ASSERT_NO_FATAL_FAILURE(insert_ok(*store_, batch));
  // Every record once, soonest expiry first, in pages of 10.
  ListQuery q;
  q.limit = 10;
  std::vector<std::int64_t> seen;
  for (int page = 0; page < 5; ++page) {
    auto p = store_->list(q);
    ASSERT_TRUE(p) << p.error().message();
    for (const auto& r : p->records) seen.push_back(r.not_after);
    if (!p->next) break;
    q.after = p->next;
  }
  ASSERT_EQ(seen.size(), 25U);
  EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));
  EXPECT_EQ(seen.front(), 1'900'000'076);
  // Filters: issuer, profile, not_after range [from, until).
  ListQuery by_issuer;
  by_issuer.issuer = "etcd-ca";
  auto e = store_->list(by_issuer);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->records.size(), 12U);
  EXPECT_FALSE(e->next);
  for (const auto& r : e->records) EXPECT_EQ(r.issuer, "etcd-ca");
  auto ne = store_->count(by_issuer);
  ASSERT_TRUE(ne);
  EXPECT_EQ(*ne, 12U);
  ListQuery by_profile;
  by_profile.profile = "kubelet-serving";
  auto np = store_->count(by_profile);
  ASSERT_TRUE(np);
  EXPECT_EQ(*np, 5U);
  ListQuery range;
  range.not_after_from = 1'900'000'080;
  range.not_after_until = 1'900'000'090;
  range.issuer = "kubernetes";
  auto rr = store_->list(range);
  ASSERT_TRUE(rr);
  ASSERT_EQ(rr->records.size(), 5U);  // 80, 82, ..., 88 are kubernetes'
  EXPECT_EQ(rr->records.front().not_after, 1'900'000'080);
  EXPECT_EQ(rr->records.back().not_after, 1'900'000'088);
  auto nr = store_->count(range);
  ASSERT_TRUE(nr);
  EXPECT_EQ(*nr, 5U);
}

TEST_P(LedgerStoreTest, CursorBreaksTiesOnEqualNotAfterById) {
  std::vector<CertificateRecord> batch;
  for (std::uint32_t i = 0; i < 7; ++i) {
    CertificateRecord r = sample_record("kubernetes", i);
    r.not_after = 1'950'000'000;  // all expire at once
    batch.push_back(r);
  }
  ASSERT_NO_FATAL_FAILURE(insert_ok(*store_, batch));
  ListQuery q;
  q.limit = 3;
  std::vector<std::int64_t> ids;
  for (;;) {
    auto p = store_->list(q);
    ASSERT_TRUE(p) << p.error().message();
    for (const auto& r : p->records) ids.push_back(r.id);
    if (!p->next) break;
    q.after = p->next;
  }
  ASSERT_EQ(ids.size(), 7U);
  EXPECT_TRUE(std::is_sorted(ids.begin(), ids.end()));
  EXPECT_EQ(std::adjacent_find(ids.begin(), ids.end()), ids.end());
}

TEST_P(LedgerStoreTest, ListByIdPagesInIdOrderWithFilters) {
  std::vector<CertificateRecord> batch;
  for (std::uint32_t i = 0; i < 9; ++i) {
    CertificateRecord r = sample_record(i % 3 == 0 ? "etcd-ca" : "kubernetes", i);
    r.not_after = 2'000'000'000 - static_cast<std::int64_t>(i) * 1000;  // the reverse of id order
    r.not_before = r.not_after - 1000;
    batch.push_back(r);
  }
  ASSERT_NO_FATAL_FAILURE(insert_ok(*store_, batch));
  ListQuery q;
  q.issuer = "kubernetes";
  q.by_id = true;
  q.limit = 4;
  std::vector<std::int64_t> ids;
  for (;;) {
    auto p = store_->list(q);
    ASSERT_TRUE(p) << p.error().message();
    for (const auto& r : p->records) {
      EXPECT_EQ(r.issuer, "kubernetes");
      ids.push_back(r.id);
    }
    if (!p->next) break;
    q.after = p->next;
  }
  ASSERT_EQ(ids.size(), 6U);
  EXPECT_TRUE(std::is_sorted(ids.begin(), ids.end()));
  EXPECT_EQ(std::adjacent_find(ids.begin(), ids.end()), ids.end());
}

TEST_P(LedgerStoreTest, ListWithoutDerReturnsEveryOtherField) {
  CertificateRecord r = sample_record("kubernetes", 11);
  ASSERT_FALSE(r.der.empty());
  ASSERT_NO_FATAL_FAILURE(insert_ok(*store_, {r}));
  ListQuery q;
  q.without_der = true;
  auto lean = store_->list(q);
  ASSERT_TRUE(lean) << lean.error().message();
  ASSERT_EQ(lean->records.size(), 1U);
  EXPECT_TRUE(lean->records[0].der.empty());
  q.without_der = false;
  auto full = store_->list(q);
  ASSERT_TRUE(full) << full.error().message();
  ASSERT_EQ(full->records.size(), 1U);
  EXPECT_EQ(full->records[0].der, r.der);
  CertificateRecord expected = full->records[0];
  expected.der.clear();
  EXPECT_EQ(lean->records[0], expected);
}

TEST_P(LedgerStoreTest, ListRefusesBadLimits) {
  ListQuery q;
  q.limit = 0;
  auto p = store_->list(q);
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().message(), "ledger: list limit must be 1..10000, got 0");
  q.limit = 10001;
  EXPECT_FALSE(store_->list(q));
  auto a = store_->list_audit(0, 0);
  ASSERT_FALSE(a);
  EXPECT_EQ(a.error().message(), "ledger: audit limit must be 1..10000, got 0");
}

TEST_P(LedgerStoreTest, RevokeRecordsStateAndAuditsOnce) {
  ASSERT_NO_FATAL_FAILURE(insert_ok(*store_, {sample_record("kubernetes", 5)}));
  const Bytes serial = sample_record("kubernetes", 5).serial;
  ledger::Revocation rv{"kubernetes", serial, "keyCompromise", 1'850'000'000, "admin:alice"};
  auto ok = store_->revoke(rv);
  ASSERT_TRUE(ok) << ok.error().message();
  auto r = store_->find("kubernetes", serial);
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->revoked);
  EXPECT_EQ(r->revocation_reason, "keyCompromise");
  EXPECT_EQ(r->revoked_at, 1'850'000'000);
  // Twice: refused, naming when and why, and no second audit event.
  auto again = store_->revoke(rv);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(again.error().message(),
            "ledger: serial 4000000005 from issuer kubernetes is already revoked (keyCompromise "
            "at 1850000000)");
  auto audit = store_->list_audit(0, 10);
  ASSERT_TRUE(audit);
  ASSERT_EQ(audit->events.size(), 2U);
  EXPECT_EQ(audit->events[1].action, "revoke");
  EXPECT_EQ(audit->events[1].actor, "admin:alice");
  EXPECT_EQ(audit->events[1].detail, "reason=keyCompromise");
  EXPECT_EQ(audit->events[1].serial, serial);
  EXPECT_EQ(audit->events[1].time, 1'850'000'000);
  // Unknown record, bad reason.
  rv.serial = {0x99};
  auto missing = store_->revoke(rv);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code(), ErrorCode::kNotFound);
  rv.reason = "removeFromCRL";
  auto bad = store_->revoke(rv);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(bad.error().message().find("'removeFromCRL' is not an RFC 5280 §5.3.1 CRLReason"),
            std::string::npos);
}

TEST_P(LedgerStoreTest, AuditIsAppendOnlyEvenBelowTheApi) {
  ledger::AuditEvent e{0, 1'800'000'000, "admin:bob", "ca-import", "kubernetes", {}, "from file"};
  auto id1 = store_->append_audit(e);
  ASSERT_TRUE(id1) << id1.error().message();
  auto id2 = store_->append_audit(e);
  ASSERT_TRUE(id2);
  EXPECT_GT(*id2, *id1);
  // The interface has no update or delete; the database refuses them too (triggers).
  auto update = backend_->exec("UPDATE audit_events SET detail = 'rewritten'");
  ASSERT_FALSE(update);
  EXPECT_NE(update.error().message().find("append-only"), std::string::npos)
      << update.error().message();
  auto del = backend_->exec("DELETE FROM audit_events");
  ASSERT_FALSE(del);
  EXPECT_NE(del.error().message().find("append-only"), std::string::npos);
  ASSERT_NO_FATAL_FAILURE(insert_ok(*store_, {sample_record("kubernetes", 1)}));
  EXPECT_FALSE(backend_->exec("DELETE FROM certificates"));
  auto page = store_->list_audit(*id1, 10);
  ASSERT_TRUE(page);
  ASSERT_EQ(page->events.size(), 2U);  // after id1: the second event and the issue event
  EXPECT_EQ(page->events[0].id, *id2);
  EXPECT_EQ(page->events[0].detail, "from file");
  // Paging.
  auto first = store_->list_audit(0, 1);
  ASSERT_TRUE(first);
  ASSERT_TRUE(first->next_after);
  EXPECT_EQ(*first->next_after, *id1);
  // A bad action is refused.
  e.action = "DROP TABLE";
  auto bad = store_->append_audit(e);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message(), "ledger: audit action must be 1-32 of [a-z-], got 'DROP TABLE'");
}

TEST_P(LedgerStoreTest, ReopenKeepsData) {
  ASSERT_NO_FATAL_FAILURE(insert_ok(*store_, {sample_record("kubernetes", 1)}));
  store_.reset();
  auto again = backend_->open();
  ASSERT_TRUE(again) << again.error().message();
  auto r = (*again)->find("kubernetes", sample_record("kubernetes", 1).serial);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->request_id, "req-1");
}

TEST_P(LedgerStoreTest, HostileStringsStoredVerbatim) {
  CertificateRecord r = sample_record("kubernetes", 3);
  r.subject = "CN=o'brien\"; DROP TABLE certificates; --, O=\\x00 ünïcødé 漢字 🔐";
  r.requester = "'); DELETE FROM audit_events; --";
  r.request_id = "%s%n $1 ?1 :name";
  r.sans = {"DNS:'quoted'.example", "URI:https://x/?a=1&b='2'", "DNS:ü.example"};
  r.profile = "prof\"ile";
  ASSERT_NO_FATAL_FAILURE(insert_ok(*store_, {r}));
  auto found = store_->find("kubernetes", r.serial);
  ASSERT_TRUE(found);
  r.id = found->id;
  EXPECT_EQ(*found, r);
  ListQuery q;
  q.profile = "prof\"ile";
  auto n = store_->count(q);
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 1U);
  // Control characters (NUL, newline: the SAN separator) are refused, not truncated.
  CertificateRecord nul = sample_record("kubernetes", 4);
  nul.subject = std::string("CN=a\0b", 6);
  CertificateRecord newline = sample_record("kubernetes", 5);
  newline.sans = {"DNS:a\nDNS:b"};
  auto results = store_->insert(std::vector{nul, newline});
  ASSERT_TRUE(results);
  ASSERT_FALSE((*results)[0]);
  EXPECT_EQ((*results)[0].error().message(),
            "ledger: subject is not printable UTF-8 (invalid UTF-8 or a control character such "
            "as NUL)");
  ASSERT_FALSE((*results)[1]);
  EXPECT_EQ((*results)[1].error().code(), ErrorCode::kInvalidArgument);
}

TEST_P(LedgerStoreTest, OversizedAndMalformedRecordsRefused) {
  CertificateRecord big = sample_record("kubernetes", 1);
  big.der.assign(ledger::kMaxDerBytes + 1, 0x30);
  CertificateRecord serial = sample_record("kubernetes", 2);
  serial.serial.assign(21, 0x01);
  CertificateRecord times = sample_record("kubernetes", 3);
  times.not_before = times.not_after + 1;
  CertificateRecord issuer = sample_record(std::string(64, 'a'), 4);
  auto results = store_->insert(std::vector{big, serial, times, issuer});
  ASSERT_TRUE(results);
  EXPECT_EQ((*results)[0].error().message(),
            "ledger: certificate DER must be 1..65536 bytes, got 65537");
  EXPECT_EQ((*results)[1].error().message(),
            "ledger: serial must be 1..20 octets (RFC 5280 §4.1.2.2), got 21");
  EXPECT_EQ((*results)[2].error().message(),
            "ledger: not_before 1900000004 is after not_after 1900000003");
  EXPECT_EQ((*results)[3].error().message(), "ledger: issuer is 64 bytes; the limit is 63");
  auto n = store_->count({});
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 0U);
}

TEST_P(LedgerStoreTest, MigratesAVersion1Database) {
  store_.reset();
  // A database as signet's schema version 1 left it, with one record.
  ASSERT_TRUE(
      backend_->exec("DROP TABLE IF EXISTS audit_events; DROP TABLE certificates;"
                     " DROP TABLE schema_version;"));
  if (GetParam().name == "postgres") {
    ASSERT_TRUE(backend_->exec("DROP FUNCTION signet_refuse_change() CASCADE;"));
  }
  auto v1 = backend_->exec(backend_->schema_v1() + backend_->v1_row());
  ASSERT_TRUE(v1) << v1.error().message();
  auto store = backend_->open();
  ASSERT_TRUE(store) << store.error().message();
  auto v = (*store)->schema_version();
  ASSERT_TRUE(v);
  EXPECT_EQ(*v, scheduler::kLedgerSchemaVersion);
  auto old = (*store)->find("old-ca", Bytes{0x01, 0x02});
  ASSERT_TRUE(old) << old.error().message();
  EXPECT_EQ(old->subject, "CN=old");
  EXPECT_FALSE(old->revoked);  // a v2 column, defaulted
  // Version 2 features work on the migrated database.
  ASSERT_TRUE((*store)->revoke({"old-ca", {0x01, 0x02}, "superseded", 1'900'000'000, "t"}));
  auto audit = (*store)->list_audit(0, 10);
  ASSERT_TRUE(audit);
  EXPECT_EQ(audit->events.size(), 1U);
}

TEST_P(LedgerStoreTest, NewerSchemaIsRefusedNamingBothVersions) {
  store_.reset();
  ASSERT_TRUE(backend_->exec("UPDATE schema_version SET version = 99;"));
  auto store = backend_->open();
  ASSERT_FALSE(store);
  EXPECT_EQ(store.error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(store.error().message(),
            "ledger: the database has schema version 99, newer than this signet knows (" +
                std::to_string(scheduler::kLedgerSchemaVersion) +
                "); refusing to open it (upgrade signet)");
}

}  // namespace
}  // namespace signet::testing
