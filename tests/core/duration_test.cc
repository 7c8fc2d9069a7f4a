#include "signet/core/duration.h"

#include <gtest/gtest.h>

namespace signet {
namespace {

TEST(DurationTest, ParsesGoStyleDurations) {
  EXPECT_EQ(*parse_duration("87600h"), std::chrono::hours(87600));
  EXPECT_EQ(*parse_duration("1h30m"), std::chrono::minutes(90));
  EXPECT_EQ(*parse_duration("3600s"), std::chrono::hours(1));
}

TEST(DurationTest, RefusesMalformedAndExtremeValues) {
  for (const char* bad :
       {"", "h", "10", "10d", "-5h", "0h", "1h-", "99999999999999999999h", "900000h"}) {
    const auto d = parse_duration(bad);
    ASSERT_FALSE(d) << bad;
    EXPECT_NE(d.error().message().find("invalid duration"), std::string::npos);
  }
}

TEST(DurationTest, FormatsRfc3339Utc) {
  EXPECT_EQ(format_time(std::chrono::system_clock::from_time_t(0)), "1970-01-01T00:00:00Z");
}

}  // namespace
}  // namespace signet
