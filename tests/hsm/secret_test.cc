#include "signet/hsm/secret.h"

#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

namespace signet::hsm {
namespace {

std::filesystem::path temp_file(const std::string& name, const std::string& content) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("signet-secret-" + std::to_string(::getpid()) + "-" + name);
  std::ofstream(path, std::ios::binary) << content;
  return path;
}

TEST(ReadPinTest, FileDropsOneTrailingNewline) {
  const auto path = temp_file("pin", "1234\n");
  const auto pin = read_pin("file:" + path.string());
  ASSERT_TRUE(pin);
  EXPECT_EQ(pin->reveal(), "1234");
  std::filesystem::remove(path);
}

TEST(ReadPinTest, EnvironmentVariable) {
  ::setenv("SIGNET_TEST_PIN", "secret-9", 1);
  const auto pin = read_pin("env:SIGNET_TEST_PIN");
  ASSERT_TRUE(pin);
  EXPECT_EQ(pin->reveal(), "secret-9");
}

TEST(ReadPinTest, ErrorsNameTheSourceButNeverThePin) {
  const auto long_pin = temp_file("long", std::string(300, '7'));
  const auto empty = temp_file("empty", "\n");
  const std::pair<std::string, std::string> cases[] = {
      {"file:/nonexistent/signet/pin", "cannot open PIN file /nonexistent/signet/pin"},
      {"file:" + long_pin.string(), "holds more than 255 bytes"},
      {"file:" + empty.string(), "is empty"},
      {"file:/tmp", "is not a regular file"},
      {"env:SIGNET_TEST_PIN_UNSET_XYZ",
       "PIN environment variable SIGNET_TEST_PIN_UNSET_XYZ is not set"},
      {"1234", "pin-source must be file:PATH or env:NAME"},
  };
  for (const auto& [source, message] : cases) {
    const auto pin = read_pin(source);
    ASSERT_FALSE(pin) << source;
    EXPECT_NE(pin.error().message().find(message), std::string::npos) << pin.error().message();
    EXPECT_EQ(pin.error().message().find("7777"), std::string::npos);
  }
  std::filesystem::remove(long_pin);
  std::filesystem::remove(empty);
}

TEST(ReadPinTest, FifoIsRefusedWithoutBlocking) {
  const auto path =
      std::filesystem::temp_directory_path() / ("signet-secret-fifo-" + std::to_string(::getpid()));
  ASSERT_EQ(::mkfifo(path.c_str(), 0600), 0);
  const auto pin = read_pin("file:" + path.string());
  ASSERT_FALSE(pin);
  EXPECT_NE(pin.error().message().find("is not a regular file"), std::string::npos);
  std::filesystem::remove(path);
}

TEST(SecretStringTest, MoveLeavesTheSourceEmpty) {
  SecretString a(std::string("abcd"));
  SecretString b(std::move(a));
  EXPECT_TRUE(a.empty());  // NOLINT(bugprone-use-after-move): the point of the test
  EXPECT_EQ(b.reveal(), "abcd");
}

}  // namespace
}  // namespace signet::hsm
