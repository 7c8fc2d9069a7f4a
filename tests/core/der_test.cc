#include "signet/core/der.h"

#include <gtest/gtest.h>

namespace signet::der {
namespace {

TEST(DerWriterTest, ShortAndLongLengthsAreMinimal) {
  Writer w;
  const auto seq = w.open(kSequence);
  w.put(kOctetString, Bytes(200, 0xab));
  w.close(seq);
  const Bytes& out = w.bytes();
  // 30 81 cb | 04 81 c8 | 200 bytes
  ASSERT_EQ(out.size(), 3 + 3 + 200U);
  EXPECT_EQ(out[0], 0x30);
  EXPECT_EQ(out[1], 0x81);
  EXPECT_EQ(out[2], 203);
  EXPECT_EQ(out[3], 0x04);
  EXPECT_EQ(out[4], 0x81);
  EXPECT_EQ(out[5], 200);
}

TEST(DerWriterTest, UnsignedIntegersArePositiveAndMinimal) {
  Writer w;
  w.put_unsigned(Bytes{0x00, 0x00, 0x7f});
  w.put_unsigned(Bytes{0x80});
  w.put_small_unsigned(0);
  EXPECT_EQ(w.bytes(), (Bytes{0x02, 0x01, 0x7f, 0x02, 0x02, 0x00, 0x80, 0x02, 0x01, 0x00}));
}

TEST(DerReaderTest, RejectsHostileEncodings) {
  struct Case {
    Bytes input;
    std::string message;
  };
  const Case cases[] = {
      {{0x30, 0x80, 0x00, 0x00}, "indefinite length"},
      {{0x04, 0x81, 0x05, 1, 2, 3, 4, 5}, "long form used for a short length"},
      {{0x04, 0x82, 0x00, 0x05, 1, 2, 3, 4, 5}, "leading zero"},
      {{0x04, 0x05, 1, 2}, "runs past the end"},
      {{0x04}, "truncated length"},
      {{0x04, 0x85, 1, 1, 1, 1, 1}, "more than 4 octets"},
      {{0x1f, 0x01, 0x00}, "multi-byte tags"},
  };
  for (const auto& c : cases) {
    Reader r(c.input);
    const auto tlv = r.next();
    ASSERT_FALSE(tlv) << c.message;
    EXPECT_NE(tlv.error().message().find(c.message), std::string::npos) << tlv.error().message();
    EXPECT_EQ(tlv.error().code(), ErrorCode::kInvalidArgument);
  }
}

TEST(DerReaderTest, ParseSingleRefusesTrailingData) {
  const Bytes ok{0x05, 0x00};
  EXPECT_TRUE(parse_single(ok, kNull, "x"));
  const Bytes trailing{0x05, 0x00, 0x00};
  const auto r = parse_single(trailing, kNull, "x");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("trailing data"), std::string::npos);
  const auto wrong = parse_single(ok, kSequence, "field");
  ASSERT_FALSE(wrong);
  EXPECT_NE(wrong.error().message().find("field: expected DER tag 0x30, got 0x05"),
            std::string::npos);
}

TEST(DerTest, EcdsaRawSignatureBecomesDerSequence) {
  Bytes raw(64, 0x01);
  raw[0] = 0x80;   // r needs a 0x00 prefix
  raw[32] = 0x00;  // s has a leading zero to drop
  const auto der = ecdsa_raw_to_der(raw);
  ASSERT_TRUE(der);
  Reader r(*der);
  const auto seq = r.expect(kSequence, "sig");
  ASSERT_TRUE(seq);
  Reader ints(seq->content);
  const auto rr = ints.expect(kInteger, "r");
  const auto ss = ints.expect(kInteger, "s");
  ASSERT_TRUE(rr && ss);
  EXPECT_EQ(rr->content.size(), 33U);
  EXPECT_EQ(ss->content.size(), 31U);
  EXPECT_FALSE(ecdsa_raw_to_der(Bytes(63, 1)));
}

}  // namespace
}  // namespace signet::der
