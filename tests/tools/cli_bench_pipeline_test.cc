// `signet bench pipeline` run tiny on a SoftHSM CA: the JSON has every side with its samples,
// every certificate of every engine pass was issued (the command fails otherwise), the ratios
// are consistent with the medians, and bad arguments are refused before anything is measured.
#include <cmath>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cli_runner.h"

namespace signet::testing {
namespace {

using nlohmann::json;

class CliBenchPipelineTest : public CliTest {};

TEST_F(CliBenchPipelineTest, TinyRunReportsEverySideAndRatios) {
  make_ca("kubernetes", "ecdsa-p256");
  const auto r = signet({"bench", "pipeline", "--ca", "kubernetes", "--csrs", "200", "--seconds",
                         "0.2", "--repeat", "2", "--output", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json j = json::parse(r.out);
  EXPECT_EQ(j["ca"], "kubernetes");
  EXPECT_EQ(j["algorithm"], "ecdsa-p256");
  EXPECT_EQ(j["csrs"], 200);
  EXPECT_EQ(j["threads"], 2);
  EXPECT_EQ(j["sessions"], 2);
  EXPECT_EQ(j["repeat"], 2);
  for (const char* side : {"component", "engine", "naive", "raw", "recertify"}) {
    SCOPED_TRACE(side);
    const json& s = j["series"][side];
    ASSERT_EQ(s["samples"].size(), 2U);
    ASSERT_EQ(s["cpu_cores_samples"].size(), 2U);
    for (const auto& rate : s["samples"]) EXPECT_GT(rate.get<double>(), 0);
    EXPECT_GT(s["median_per_s"].get<double>(), 0);
    EXPECT_GE(s["spread"].get<double>(), 0);
  }
  const double engine = j["series"]["engine"]["median_per_s"];
  const double component = j["series"]["component"]["median_per_s"];
  const double naive = j["series"]["naive"]["median_per_s"];
  EXPECT_NEAR(j["ratios"]["engine_over_component"].get<double>(), engine / component, 1e-9);
  EXPECT_NEAR(j["ratios"]["engine_over_naive"].get<double>(), engine / naive, 1e-9);
  // Recertify (issue 5 item 3): its ratio to the raw C_Sign loop on the same key, and peak RSS.
  const json& rc = j["recertify"];
  ASSERT_TRUE(rc.is_object()) << j.dump();
  EXPECT_NEAR(rc["recertify_over_raw"].get<double>(),
              j["series"]["recertify"]["median_per_s"].get<double>() /
                  j["series"]["raw"]["median_per_s"].get<double>(),
              1e-9);
  EXPECT_EQ(rc["items_per_sample"], 200);
  EXPECT_EQ(rc["target"], 0.9);
  EXPECT_EQ(rc["wall_seconds"].size(), 2U);
  EXPECT_GT(rc["peak_rss_mib"].get<double>(), 0);
  // The key is named without its PIN source contents; no PIN anywhere in the output.
  EXPECT_EQ(r.out.find("1234"), std::string::npos);
}

// The RSS run's switch, tiny: only raw and recertify, the 20 old certificates streamed 3 times.
TEST_F(CliBenchPipelineTest, RecertifyOnlyStreamsItems) {
  make_ca("kubernetes", "ecdsa-p256");
  const auto r =
      signet({"bench", "pipeline", "--ca", "kubernetes", "--csrs", "20", "--seconds", "0.1",
              "--repeat", "1", "--recertify-only", "--recertify-items", "60", "--output", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json j = json::parse(r.out);
  EXPECT_FALSE(j["series"].contains("engine")) << j.dump();
  EXPECT_GT(j["series"]["recertify"]["median_per_s"].get<double>(), 0);
  EXPECT_EQ(j["recertify"]["items_per_sample"], 60);
  const auto bad = signet({"bench", "pipeline", "--ca", "kubernetes", "--recertify-items", "5"});
  EXPECT_EQ(bad.exit_code, 1) << bad.err;
  EXPECT_NE(bad.err.find("--recertify-items needs --recertify-only"), std::string::npos) << bad.err;
}

// The ledger-record source: OLD's 20 certificates recorded, then streamed back 3 times.
TEST_F(CliBenchPipelineTest, RecertifyFromTheLedger) {
  make_ca("kubernetes", "ecdsa-p256");
  const auto r = signet({"bench", "pipeline", "--ca", "kubernetes",
                         // 2,000 records are two full pages of 1,000: the pass of 4,500
                         // starts over after the empty page that follows a full last one.
                         "--csrs", "2000", "--seconds", "0.1", "--repeat", "1", "--recertify-only",
                         "--recertify-items", "4500", "--threads", "2", "--sessions", "2",
                         "--sign-inline", "--recertify-from", "ledger", "--output", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json j = json::parse(r.out);
  EXPECT_EQ(j["recertify"]["recertify_from"], "ledger") << j.dump();
  EXPECT_EQ(j["recertify"]["items_per_sample"], 4500);
  EXPECT_TRUE(j["sign_inline"].get<bool>());
  EXPECT_EQ(j["recertify"]["target"], 0.9);  // an in-process token, whatever the CPU workers
  EXPECT_GT(j["series"]["recertify"]["median_per_s"].get<double>(), 0);
  EXPECT_NE(r.err.find("recording 2000 old certificates in sqlite:"), std::string::npos) << r.err;
  const auto bad = signet({"bench", "pipeline", "--ca", "kubernetes", "--recertify-from", "disk"});
  EXPECT_EQ(bad.exit_code, 1) << bad.err;
  EXPECT_NE(bad.err.find("--recertify-from must be certificates or ledger, got 'disk'"),
            std::string::npos)
      << bad.err;
}

TEST_F(CliBenchPipelineTest, EphemeralCaFromAKeyUri) {
  make_ca("kubernetes", "ecdsa-p256");
  const std::string key = "pkcs11:token=cli;object=kubernetes-key?pin-source=" + pin_source();
  const auto r = signet({"bench", "pipeline", "--key", key, "--csrs", "50", "--seconds", "0.1",
                         "--repeat", "1", "--output", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json j = json::parse(r.out);
  EXPECT_EQ(j["ca"], "(ephemeral, --key)");
  EXPECT_GT(j["series"]["engine"]["median_per_s"].get<double>(), 0);
}

TEST_F(CliBenchPipelineTest, BadArgumentsAreRefused) {
  make_ca("kubernetes", "ecdsa-p256");
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  const std::vector<Case> cases{
      {{}, "give exactly one of --ca or --key"},
      {{"--csrs", "0"}, "--csrs must be 1 to 1000000, got 0"},
      {{"--csrs", "1000001"}, "--csrs must be 1 to 1000000, got 1000001"},
      {{"--threads", "0"}, "--threads must be 1 to 256, got 0"},
      {{"--seconds", "0"}, "--seconds must be in (0, 3600]"},
      {{"--seconds", "nan"}, "--seconds must be in (0, 3600]"},
      {{"--repeat", "0"}, "--repeat must be 1 to 100, got 0"},
      {{"--sessions", "5000"}, "--sessions must be at most 4096"},
      {{"--csrs", "ten"}, "--csrs"},
  };
  for (const auto& c : cases) {
    std::vector<std::string> args{"bench", "pipeline"};
    if (!c.args.empty()) args.insert(args.end(), {"--ca", "kubernetes"});
    args.insert(args.end(), c.args.begin(), c.args.end());
    const auto r = signet(args);
    SCOPED_TRACE(c.message);
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.err.find(c.message), std::string::npos) << r.err;
    EXPECT_EQ(r.out, "");
  }
  const auto both = signet({"bench", "pipeline", "--ca", "kubernetes", "--key", "pkcs11:token=x"});
  EXPECT_NE(both.exit_code, 0);
  EXPECT_NE(both.err.find("excludes"), std::string::npos) << both.err;
  const auto missing = signet({"bench", "pipeline", "--ca", "nosuch"});
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_NE(missing.err.find("nosuch"), std::string::npos) << missing.err;
}

}  // namespace
}  // namespace signet::testing
