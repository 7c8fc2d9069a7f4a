#include "signet/core/name.h"

#include <gtest/gtest.h>

namespace signet {
namespace {

TEST(NameTest, ParsesTypesInOrderWithEscapes) {
  const auto dn = parse_distinguished_name("CN=kubernetes, O=acme\\, inc,C=DE");
  ASSERT_TRUE(dn) << dn.error().message();
  ASSERT_EQ(dn->size(), 3U);
  EXPECT_EQ((*dn)[0], (NameAttribute{NameAttributeType::kCommonName, "kubernetes"}));
  EXPECT_EQ((*dn)[1], (NameAttribute{NameAttributeType::kOrganization, "acme, inc"}));
  EXPECT_EQ(format_name(*dn), "CN=kubernetes, O=acme, inc, C=DE");
}

TEST(NameTest, RefusesWhatRfc5280Forbids) {
  const std::pair<std::string, std::string> cases[] = {
      {"", "not TYPE=value"},
      {"CN=", "CN must not be empty"},
      {"kubernetes", "not TYPE=value"},
      {"UID=x", "attribute 'UID' is not supported"},
      {"CN=" + std::string(65, 'a'), "longer than 64 characters"},
      {"C=Germany", "two-letter"},
      {"CN=a\x01"
       "b",
       "valid UTF-8 without control characters"},
      {"CN=\xc0\xaf", "valid UTF-8"},
      {"CN=a,", "not TYPE=value"},
      {std::string(5000, 'x'), "longer than 4096"},
  };
  for (const auto& [input, message] : cases) {
    const auto dn = parse_distinguished_name(input);
    ASSERT_FALSE(dn) << input;
    EXPECT_NE(dn.error().message().find(message), std::string::npos)
        << input << " -> " << dn.error().message();
  }
}

TEST(NameTest, EncodesUtf8StringAndPrintableCountry) {
  const auto der =
      encode_name({{NameAttributeType::kCountry, "DE"}, {NameAttributeType::kCommonName, "k"}});
  ASSERT_TRUE(der);
  const Bytes expected{0x30, 0x19,                                            //
                       0x31, 0x0b, 0x30, 0x09, 0x06, 0x03, 0x55, 0x04, 0x06,  //
                       0x13, 0x02, 'D',  'E',                                 //
                       0x31, 0x0a, 0x30, 0x08, 0x06, 0x03, 0x55, 0x04, 0x03,  //
                       0x0c, 0x01, 'k'};
  EXPECT_EQ(*der, expected);
}

}  // namespace
}  // namespace signet
