// `signet credentials list|rotate` (issue 7 item 2): a successor key, the old key kept for a
// grace period, the config rewritten so the server's own parser (`signet config check`) accepts
// it, no key ever printed, and every refusal leaving the config and the directory unchanged.
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cli_runner.h"

namespace signet::testing {
namespace credentials_cli {

namespace fs = std::filesystem;

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Every file of a directory with its content: proves a refusal wrote nothing.
std::string snapshot(const fs::path& dir) {
  std::string all;
  for (const auto& e : fs::directory_iterator(dir)) {
    all += e.path().filename().string() + "=" + slurp(e.path()) + "\n";
  }
  return all;
}

std::chrono::system_clock::time_point parse_utc(const std::string& text) {
  std::tm tm{};
  std::istringstream in(text);
  in >> std::get_time(&tm, "%Y-%m-%dT%H:%M:%SZ");
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

class CliCredentialsTest : public CliTest {
 protected:
  void SetUp() override {
    CliTest::SetUp();
    conf_ = dir_ / "conf";
    fs::create_directories(conf_);
    std::ofstream(conf_ / "ci.hex")
        << "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n";
    old_hex_ = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
    std::ofstream(conf_ / "serve.json") << R"({
  "listeners": [{"address": "127.0.0.1:8080", "plain_http": true}],
  "cas": ["kubernetes"],
  "hmac_keys": [{"name": "ci", "key_file": "ci.hex", "expires": "2099-01-01T00:00:00Z",
                 "ca": "kubernetes", "profiles": ["kubelet-client"]},
                {"name": "old", "key_file": "ci.hex", "expires": "2001-01-01T00:00:00Z",
                 "ca": "kubernetes", "profiles": ["kubelet-client"]}]
})";
    config_ = (conf_ / "serve.json").string();
  }

  fs::path conf_;
  std::string config_;
  std::string old_hex_;
};

TEST_F(CliCredentialsTest, ListShowsEveryKeyWithItsExpiryAndState) {
  const RunResult r = signet({"--output", "json", "credentials", "list", "--config", config_});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["keys"].size(), 2U);
  EXPECT_EQ(j["keys"][0]["name"], "old");  // soonest expiry first
  EXPECT_EQ(j["keys"][0]["state"], "expired");
  EXPECT_EQ(j["keys"][1]["name"], "ci");
  EXPECT_EQ(j["keys"][1]["state"], "valid");
  EXPECT_EQ(j["keys"][1]["expires"], "2099-01-01T00:00:00Z");
  EXPECT_EQ(j["keys"][1]["profiles"], nlohmann::json::array({"kubelet-client"}));
  EXPECT_EQ(r.out.find(old_hex_), std::string::npos) << "a key was printed";

  const RunResult text = signet({"credentials", "list", "--config", config_});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("ci "), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("expired"), std::string::npos) << text.out;
}

TEST_F(CliCredentialsTest, RotateAddsASuccessorAndKeepsTheOldKeyForTheGracePeriod) {
  // The config's mode is kept, and the key gets it without "other" bits.
  fs::permissions(config_, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read);
  const auto before = std::chrono::system_clock::now();
  const RunResult r = signet({"--output", "json", "credentials", "rotate", "ci", "--config",
                              config_, "--grace", "48h", "--validity", "720h"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto out = nlohmann::json::parse(r.out);
  const fs::path new_file = out["new"]["key_file"].get<std::string>();
  const std::string new_hex = slurp(new_file);
  ASSERT_EQ(new_hex.size(), 65U) << "32 bytes as hex and a newline";
  EXPECT_NE(new_hex.substr(0, 64), old_hex_);
  EXPECT_EQ(r.out.find(new_hex.substr(0, 64)), std::string::npos) << "the new key was printed";
  struct stat st {};
  ASSERT_EQ(::stat(new_file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0640U);
  ASSERT_EQ(::stat(config_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0640U);

  // The rewritten config as the server reads it (config check wants the CA in the state).
  make_ca("kubernetes", "ecdsa-p256");
  const RunResult check = signet({"--output", "json", "config", "check", config_});
  ASSERT_EQ(check.exit_code, 0) << check.err;
  EXPECT_EQ(nlohmann::json::parse(check.out)["hmac_keys"].size(), 3U);
  const auto conf = nlohmann::json::parse(slurp(config_));
  ASSERT_EQ(conf["hmac_keys"].size(), 3U);
  const auto& successor = conf["hmac_keys"][0];
  const auto& retired = conf["hmac_keys"][1];
  EXPECT_EQ(successor["name"], "ci");
  EXPECT_EQ(successor["ca"], "kubernetes");
  EXPECT_EQ(successor["profiles"], nlohmann::json::array({"kubelet-client"}));
  EXPECT_EQ(fs::path(conf_ / successor["key_file"].get<std::string>()), new_file);
  EXPECT_EQ(retired["name"].get<std::string>().rfind("ci.r", 0), 0U) << retired.dump();
  EXPECT_EQ(retired["key_file"], "ci.hex");
  const auto grace_end = parse_utc(retired["expires"].get<std::string>());
  EXPECT_GE(grace_end, before + std::chrono::hours(48) - std::chrono::seconds(2));
  EXPECT_LE(grace_end, std::chrono::system_clock::now() + std::chrono::hours(48));
  const auto new_end = parse_utc(successor["expires"].get<std::string>());
  EXPECT_GE(new_end, before + std::chrono::hours(720) - std::chrono::seconds(2));
  EXPECT_EQ(conf["hmac_keys"][2]["name"], "old");  // untouched

  // The grace period never extends a key: rotating "old" (expired in 2001) keeps its expiry.
  const RunResult again = signet({"--output", "json", "credentials", "rotate", "old", "--config",
                                  config_, "--key-out", (conf_ / "old2.hex").string()});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(nlohmann::json::parse(again.out)["old"]["expires"], "2001-01-01T00:00:00Z");
}

TEST_F(CliCredentialsTest, RefusalsNameTheRuleAndChangeNothing) {
  std::ofstream(conf_ / "taken.hex") << "ffeeddccbbaa99887766554433221100\n";
  const std::string untouched = snapshot(conf_);
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{"credentials", "rotate", "nope", "--config", config_},
       "no HMAC key 'nope' in " + config_ + " (known: ci, old)"},
      {{"credentials", "rotate", "ci", "--config", config_, "--grace", "3000h"},
       "--grace (3000h) must be shorter than --validity (2160h)"},
      {{"credentials", "rotate", "ci", "--config", config_, "--grace", "0s"},
       "--grace: invalid duration '0s'"},
      {{"credentials", "rotate", "ci", "--config", config_, "--key-out",
        (conf_ / "taken.hex").string()},
       "taken.hex exists; not overwritten"},
      {{"credentials", "list", "--config", (conf_ / "missing.json").string()}, "missing.json"},
  };
  for (const auto& c : cases) {
    const RunResult r = signet(c.args);
    EXPECT_NE(r.exit_code, 0) << c.message;
    EXPECT_NE(r.err.find(c.message), std::string::npos)
        << "want: " << c.message << "\ngot: " << r.err;
    EXPECT_EQ(snapshot(conf_), untouched) << c.message;
  }

  // A config the server would refuse is not rewritten, and no key file is left behind.
  std::ofstream(conf_ / "serve.json") << R"({"listeners": [], "cas": ["kubernetes"],
    "hmac_keys": [{"name": "ci", "key_file": "ci.hex", "expires": "2099-01-01T00:00:00Z",
                   "ca": "elsewhere", "profiles": ["kubelet-client"]}]})";
  const std::string broken = snapshot(conf_);
  const RunResult r = signet({"credentials", "rotate", "ci", "--config", config_});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("'elsewhere' is not in \"cas\""), std::string::npos) << r.err;
  EXPECT_EQ(snapshot(conf_), broken);
}

}  // namespace credentials_cli
}  // namespace signet::testing
