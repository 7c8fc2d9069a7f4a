// A SoftHSM token per test (EXAMPLES.md habit 11): a temporary directory with its own
// softhsm2.conf and token directory, SOFTHSM2_CONF set before the module is loaded, one token
// initialised and found by label. CI must have SoftHSM: there its absence fails the test.
#pragma once

#include <filesystem>
#include <string>

#include <gtest/gtest.h>

namespace signet::testing {

// Path of the SoftHSM module, or empty when it is not installed.
std::string softhsm_module();

class SoftHsmTest : public ::testing::Test {
 protected:
  static constexpr const char* kLabel = "signet-test";
  static constexpr const char* kPin = "1234-test-pin";
  static constexpr const char* kSoPin = "5678-test-so-pin";

  void SetUp() override;
  void TearDown() override;

  // Writes `content` to a file in the test directory (mode 0600); returns its path.
  std::filesystem::path write_file(const std::string& name, const std::string& content) const;
  // "file:/tmp/.../pin"
  [[nodiscard]] std::string pin_source() const { return "file:" + pin_file_.string(); }
  [[nodiscard]] std::string key_uri(const std::string& object) const;

  std::filesystem::path dir_;
  std::filesystem::path pin_file_;
  std::filesystem::path so_pin_file_;
  std::string module_;
  // Skips (or, under CI=true, fails) when SoftHSM is missing; true when the test may go on.
  bool ready_ = false;
};

}  // namespace signet::testing
