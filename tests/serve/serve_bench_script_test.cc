// The pieces of bench/compare-serve.sh and bench/soak-serve.sh that can be wrong without the
// benchmark noticing (issue 7): the precomputed authsign bodies must be ones `signet serve`
// accepts (cfssl's HMAC over the raw request, RFC 2104), every one distinct, and the wrk script's
// JSON line must count what was answered and every non-2xx. Each against a real server child,
// with a 1-second wrk run on one connection; certificates checked by openssl verify.
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "serve_fixture.h"

namespace signet::testing {
namespace {

const std::string kBench = std::string(SIGNET_SOURCE_DIR) + "/bench/";

class ServeBenchScriptTest : public ServeTest {
 protected:
  // serve-requests.py with a key file; returns its result (bodies.lua and first.json in dir_).
  RunResult generate(const std::string& key_file, int count, const std::string& prefix) const {
    return tool({"python3", kBench + "serve-requests.py", "--count", std::to_string(count),
                 "--key-file", key_file, "--profile", "kubelet-client", "--lua",
                 prefix + "bodies.lua", "--first", prefix + "first.json"});
  }
  // Rows of the state's SQLite ledger, counted by python3's sqlite3 (`ledger list` pages at 100).
  [[nodiscard]] std::size_t ledger_rows() const {
    const RunResult r = tool({"python3", "-c",
                              "import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute("
                              "'select count(*) from certificates').fetchone()[0])",
                              (state_ / "ledger.sqlite").string()});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.exit_code == 0 ? std::stoul(r.out) : 0;
  }
  // One wrk run on the plain-HTTP listener (HMAC only); returns the script's JSON line.
  nlohmann::json wrk(const std::string& bodies) const {
    if (std::system("command -v wrk >/dev/null") != 0) {  // NOLINT(concurrency-mt-unsafe)
      return nullptr;
    }
    const RunResult r = tool({"wrk", "-t1", "-c1", "-d1s", "--timeout", "10s", "-s",
                              kBench + "serve-authsign.lua", "http://" + http_, "--", bodies});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    std::istringstream lines(r.out);
    std::string line;
    std::string last;
    while (std::getline(lines, line)) {
      if (line.rfind("{\"requests\"", 0) == 0) last = line;
    }
    EXPECT_FALSE(last.empty()) << "no JSON line from serve-authsign.lua's done hook:\n" << r.out;
    return nlohmann::json::parse(last, nullptr, false);
  }
};

TEST_F(ServeBenchScriptTest, GeneratedBodiesAreDistinctAndAcceptedBySignetServe) {
  ASSERT_TRUE(ready_);
  const RunResult g = generate("ci.hex", 1000, "");
  ASSERT_EQ(g.exit_code, 0) << g.err;
  // 1,000 distinct bodies in the Lua table, one per line in long brackets.
  std::ifstream lua(dir_ / "bodies.lua");
  std::set<std::string> bodies;
  std::string line;
  while (std::getline(lua, line)) {
    if (line.rfind("[=[", 0) == 0) bodies.insert(line);
  }
  EXPECT_EQ(bodies.size(), 1000U);
  start_server();
  const RunResult r = curl("http://" + http_ + "/api/v1/cfssl/authsign", "first.json", {});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_EQ(http_status(r), "200") << r.out;
  const auto j = nlohmann::json::parse(r.out.substr(0, r.out.rfind('\n')));
  put("bench.crt", j["result"]["certificate"].get<std::string>());
  const RunResult v = tool({"openssl", "verify", "-x509_strict", "-purpose", "sslclient", "-CAfile",
                            "kubernetes.crt", "bench.crt"});
  EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
  const RunResult subject =
      tool({"openssl", "x509", "-in", "bench.crt", "-noout", "-subject", "-nameopt", "RFC2253"});
  EXPECT_NE(subject.out.find("CN=system:node:bench-0"), std::string::npos) << subject.out;
  // Exit 0 after SIGTERM: under the sanitizers that includes LeakSanitizer's check of the server.
  EXPECT_EQ(stop_server(), 0);
}

TEST_F(ServeBenchScriptTest, WrkScriptCountsAnswersAndEveryNon2xx) {
  ASSERT_TRUE(ready_);
  ASSERT_EQ(generate("ci.hex", 1000, "").exit_code, 0);
  // Bodies under a key the server does not know: every answer must be counted as a 401.
  put("unknown.hex", "0123456789abcdef0123456789abcdef\n");
  ASSERT_EQ(generate("unknown.hex", 1000, "bad-").exit_code, 0);
  start_server();
  const auto good = wrk("bodies.lua");
  if (good.is_null()) {
    if (std::getenv("CI") != nullptr) FAIL() << "wrk is missing (tools/install-deps.sh)";
    GTEST_SKIP() << "wrk is not installed";
  }
  ASSERT_FALSE(good.is_discarded());
  EXPECT_GT(good["requests"].get<int>(), 0);
  EXPECT_EQ(good["non2xx"], 0) << good.dump();
  EXPECT_EQ(good["socket_errors"],
            nlohmann::json({{"connect", 0}, {"read", 0}, {"write", 0}, {"timeout", 0}}));
  EXPECT_GT(good["p99_ms"].get<double>(), 0);
  EXPECT_GE(good["p99_ms"].get<double>(), good["p50_ms"].get<double>());
  // The ledger holds every certificate wrk saw answered (requests still in flight when wrk
  // stopped may add a few more).
  EXPECT_GE(ledger_rows(), good["requests"].get<std::size_t>());

  const auto bad = wrk("bad-bodies.lua");
  ASSERT_FALSE(bad.is_discarded());
  EXPECT_GT(bad["requests"].get<int>(), 0);
  EXPECT_EQ(bad["non2xx"], bad["requests"]) << bad.dump();
  EXPECT_EQ(bad["first_non2xx"].get<std::string>().rfind("401 {", 0), 0U) << bad.dump();
  EXPECT_NE(bad["first_non2xx"].get<std::string>().find("invalid token (no HMAC key matches)"),
            std::string::npos)
      << bad.dump();
  EXPECT_EQ(stop_server(), 0);
}

TEST_F(ServeBenchScriptTest, GeneratorRefusesTooFewRequestsAndShortKeys) {
  ASSERT_TRUE(ready_);
  RunResult r = generate("ci.hex", 999, "");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("--count must be 1000 to 100000 (issue 7: at least 1,000 distinct "
                       "requests), got 999"),
            std::string::npos)
      << r.err;
  put("short.hex", "00112233445566778899aabbccddee");  // 15 bytes
  r = generate("short.hex", 1000, "");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("short.hex: HMAC key has 15 bytes, at least 16 are needed"),
            std::string::npos)
      << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir_ / "bodies.lua"));
}

}  // namespace
}  // namespace signet::testing
