// The ledger's record model (core/ledger.h): cursors, revocation reasons, and the record of a
// certificate, from DER that is not one certificate to a real one (fields checked against
// OpenSSL's reading in the CLI test, cli_ledger_test.cc).
#include "signet/core/ledger.h"

#include <gtest/gtest.h>

namespace signet::ledger {
namespace {

TEST(LedgerCursor, RoundTripsAndRefusesJunk) {
  const ListCursor c{1'900'000'000, 42};
  EXPECT_EQ(to_string(c), "1900000000.42");
  auto back = parse_cursor(to_string(c));
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, c);
  for (const char* bad : {"", ".", "1.", ".1", "1.2.3", "x.1", "1.-1", "1 .2", "1.2 "}) {
    auto r = parse_cursor(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().message(), std::string("ledger: cursor '") + bad +
                                       "' is not <not_after>.<id> (as printed in \"next\")");
  }
}

TEST(LedgerRevocationReason, OnlyRfc5280Reasons) {
  EXPECT_TRUE(check_revocation_reason("keyCompromise"));
  EXPECT_TRUE(check_revocation_reason("cessationOfOperation"));
  EXPECT_FALSE(check_revocation_reason("removeFromCRL"));
  EXPECT_FALSE(check_revocation_reason("KeyCompromise"));
  EXPECT_FALSE(check_revocation_reason(""));
}

TEST(LedgerRecord, RefusesWhatIsNotOneCertificate) {
  const IssuanceContext context{"kubernetes", 0, "kubelet-client", "cli", "r", 0};
  auto empty = record_from_certificate({}, context);
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().message(),
            "ledger record: certificate DER must be 1..65536 bytes, got 0");
  const Bytes junk = {0x30, 0x03, 0x02, 0x01, 0x01};
  auto bad = record_from_certificate(junk, context);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_TRUE(bad.error().message().starts_with("ledger record: not one DER X.509 certificate"))
      << bad.error().message();
}

}  // namespace
}  // namespace signet::ledger
