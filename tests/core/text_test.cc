#include "signet/core/text.h"

#include <gtest/gtest.h>

namespace signet {
namespace {

TEST(TextTest, CountsCodePointsOfPrintableUtf8) {
  EXPECT_EQ(printable_utf8_length("abc"), 3U);
  EXPECT_EQ(printable_utf8_length("Grüße"), 5U);
  EXPECT_EQ(printable_utf8_length(""), 0U);
}

TEST(TextTest, RefusesControlsInvalidSequencesAndBlanksAtTheEdges) {
  EXPECT_FALSE(printable_utf8_length("a\x1b[31m"));
  EXPECT_FALSE(printable_utf8_length("\xc0\xaf"));      // overlong '/'
  EXPECT_FALSE(printable_utf8_length("\xed\xa0\x80"));  // surrogate
  EXPECT_FALSE(printable_utf8_length("\xe2\x82"));      // truncated
  const std::pair<std::string, std::string> cases[] = {
      {"", "label must not be empty"},
      {std::string(33, 'a'), "label is longer than 32 bytes"},
      {" a", "must not start or end with a blank"},
      {"a\x7f", "valid UTF-8 without control characters"},
  };
  for (const auto& [value, message] : cases) {
    const auto s = check_label("label", value, 32);
    ASSERT_FALSE(s) << value;
    EXPECT_NE(s.error().message().find(message), std::string::npos) << s.error().message();
  }
  EXPECT_TRUE(check_label("label", "signet-ca", 32));
}

}  // namespace
}  // namespace signet
