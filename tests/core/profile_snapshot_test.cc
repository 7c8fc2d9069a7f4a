// Snapshot of every built-in profile's printed form (EXAMPLES.md habit 12): any change to a rule
// shows up as a diff against tests/core/testdata/profiles.txt, which a reviewer reads. To accept
// a deliberate change, regenerate the file:
//   SIGNET_UPDATE_SNAPSHOTS=1 build/dev/tests/core_profile_tests --gtest_filter='ProfileSnapshot*'
// (or: signet profiles show > tests/core/testdata/profiles.txt with no profiles file).
#include <cstdlib>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "signet/core/profile.h"

namespace signet {
namespace {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// A line diff good enough for reading: the first differing line with its neighbours.
std::string first_difference(const std::string& want, const std::string& got) {
  const auto a = lines_of(want);
  const auto b = lines_of(got);
  std::size_t i = 0;
  while (i < a.size() && i < b.size() && a[i] == b[i]) ++i;
  std::string out = "first difference at line " + std::to_string(i + 1) + ":\n";
  for (std::size_t k = i; k < i + 3; ++k) {
    if (k < a.size()) out += "- " + a[k] + "\n";
  }
  for (std::size_t k = i; k < i + 3; ++k) {
    if (k < b.size()) out += "+ " + b[k] + "\n";
  }
  return out;
}

TEST(ProfileSnapshotTest, BuiltinProfilesMatchTheCommittedSnapshot) {
  std::string printed;
  for (const auto& p : builtin_profiles().profiles()) {
    printed += (printed.empty() ? "" : "\n") + profile_text(p);
  }
  const std::string path = std::string(SIGNET_SOURCE_DIR) + "/tests/core/testdata/profiles.txt";
  if (const char* update = std::getenv("SIGNET_UPDATE_SNAPSHOTS");  // NOLINT(concurrency-mt-unsafe)
      update != nullptr && std::string(update) == "1") {
    std::ofstream(path) << printed;
    GTEST_SKIP() << "wrote " << path;
  }
  std::ifstream in(path);
  ASSERT_TRUE(in) << "missing " << path;
  std::stringstream committed;
  committed << in.rdbuf();
  EXPECT_EQ(committed.str(), printed)
      << first_difference(committed.str(), printed)
      << "If the change is intended, regenerate the snapshot:\n"
         "  SIGNET_UPDATE_SNAPSHOTS=1 build/dev/tests/core_profile_tests "
         "--gtest_filter='ProfileSnapshot*'";
}

}  // namespace
}  // namespace signet
