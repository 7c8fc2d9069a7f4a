// The profiles file: built-ins overridden by name, new profiles added (from a base or whole),
// and every malformed entry refused naming its JSON path.
#include "signet/core/profile_config.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace signet {
namespace {

using std::chrono::hours;

TEST(ProfileConfigTest, OverridesABuiltinAndAddsProfiles) {
  const auto set = load_profiles(R"({"version": 1, "profiles": [
      {"name": "kubelet-serving", "validity": "720h", "max_validity": "720h"},
      {"name": "ingress", "base": "apiserver", "summary": "ingress serving certificate",
       "cn_rule": "request", "signer_names": ["example.com/ingress"]}]})",
                                 "profiles.json");
  ASSERT_TRUE(set) << set.error().message();
  EXPECT_EQ(set->profiles().size(), builtin_profiles().profiles().size() + 1);
  const Profile* serving = set->find("kubelet-serving");
  ASSERT_NE(serving, nullptr);
  EXPECT_EQ(serving->spec().validity, hours(720));
  EXPECT_EQ(serving->spec().signer_names,
            std::vector<std::string>{"kubernetes.io/kubelet-serving"});
  const Profile* ingress = set->find_by_signer("example.com/ingress");
  ASSERT_NE(ingress, nullptr);
  EXPECT_EQ(ingress->name(), "ingress");
  EXPECT_EQ(ingress->spec().cn_rule, CnRule::kFromRequest);
  EXPECT_TRUE(ingress->spec().common_name.empty());
  EXPECT_EQ(ingress->spec().san_rule, SanRule::kRequired);
  EXPECT_EQ(serving->spec().renew_from_permille, 700U);  // the kubelet's own 70-90 %
  EXPECT_EQ(serving->spec().renew_until_permille, 900U);
  const auto window = load_profiles(R"({"version": 1, "profiles": [
      {"name": "admin", "renew_at": 0.75}, {"name": "scheduler", "renew_at": [0.6, 0.85]}]})",
                                    "profiles.json");
  ASSERT_TRUE(window) << window.error().message();
  EXPECT_EQ(window->find("admin")->spec().renew_from_permille, 750U);
  EXPECT_EQ(window->find("admin")->spec().renew_until_permille, 750U);
  EXPECT_EQ(window->find("scheduler")->spec().renew_from_permille, 600U);
  EXPECT_EQ(window->find("scheduler")->spec().renew_until_permille, 850U);
}

TEST(ProfileConfigTest, JsonOfEveryBuiltinLoadsBackUnchanged) {
  nlohmann::json doc = {{"version", 1}, {"profiles", nlohmann::json::array()}};
  for (const auto& p : builtin_profiles().profiles()) {
    doc["profiles"].push_back(nlohmann::json::parse(profile_json(p)));
  }
  const auto set = load_profiles(doc.dump(), "round-trip.json");
  ASSERT_TRUE(set) << set.error().message();
  ASSERT_EQ(set->profiles().size(), builtin_profiles().profiles().size());
  for (std::size_t i = 0; i < set->profiles().size(); ++i) {
    EXPECT_EQ(profile_text(set->profiles()[i]), profile_text(builtin_profiles().profiles()[i]));
  }
}

TEST(ProfileConfigTest, MalformedFilesAreRefusedNamingThePath) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"{", "p.json: $: is not valid JSON"},
      {"[]", "p.json: $: must be an object"},
      {R"({"version": 2})", "p.json: version: must be 1"},
      {R"({"version": 1, "extra": true})", "p.json: extra: unknown key"},
      {R"({"version": 1, "version": 1})", "p.json: $: key 'version' appears twice in one object"},
      {R"({"version": 1, "profiles": {}})", "p.json: profiles: must be an array"},
      {R"({"version": 1, "profiles": [{"validity": "1h"}]})",
       "p.json: profiles[0].name: is required"},
      {R"({"version": 1, "profiles": [{"name": "admin", "valdity": "1h"}]})",
       "p.json: profiles[0].valdity: unknown key"},
      {R"({"version": 1, "profiles": [{"name": "admin", "validity": 3600}]})",
       "p.json: profiles[0].validity: must be a string"},
      {R"({"version": 1, "profiles": [{"name": "admin", "validity": "1 year"}]})",
       "p.json: profiles[0].validity: "},
      {R"({"version": 1, "profiles": [{"name": "admin", "san_rule": "maybe"}]})",
       "p.json: profiles[0].san_rule: 'maybe' is not one of none, optional, required"},
      {R"({"version": 1, "profiles": [{"name": "admin", "key_types": ["dsa"]}]})",
       "p.json: profiles[0].key_types[0]: 'dsa' is not one of rsa, ecdsa-p256, ecdsa-p384, "
       "ed25519"},
      {R"({"version": 1, "profiles": [{"name": "admin", "rsa_min_bits": -1}]})",
       "p.json: profiles[0].rsa_min_bits: must be a positive integer number of bits"},
      {R"({"version": 1, "profiles": [{"name": "admin", "validity": "9000h"}]})",
       "p.json: profiles[0]: profile 'admin': validity must satisfy 10m <= validity <= "
       "max_validity"},
      {R"({"version": 1, "profiles": [{"name": "admin", "renew_at": 1.5}]})",
       "p.json: profiles[0].renew_at: must be a fraction of the lifetime between 0 and 1"},
      {R"({"version": 1, "profiles": [{"name": "admin", "renew_at": [0.7]}]})",
       "p.json: profiles[0].renew_at: must be a number or [from, until]"},
      {R"({"version": 1, "profiles": [{"name": "admin", "renew_at": [0.9, 0.7]}]})",
       "p.json: profiles[0]: profile 'admin': renew_at must satisfy 0.1 <= from <= until <= "
       "0.99, got 0.900 and 0.700"},
      {R"({"version": 1, "profiles": [{"name": "x", "base": "nope"}]})",
       "p.json: profiles[0].base: no profile named 'nope'"},
      {R"({"version": 1, "profiles": [{"name": "admin"}, {"name": "admin"}]})",
       "p.json: profiles[1].name: profile 'admin' is configured twice"},
      {R"({"version": 1, "profiles": [{"name": "mine"}]})",
       "p.json: profiles[0]: profile 'mine': key_types must name at least one"},
      {R"({"version": 1, "profiles": [{"name": "mine", "base": "kubelet-client",
          "signer_names": ["kubernetes.io/kubelet-serving"]}]})",
       "p.json: signerName kubernetes.io/kubelet-serving is served by two profiles"},
  };
  for (const auto& [text, message] : cases) {
    const auto set = load_profiles(text, "p.json");
    ASSERT_FALSE(set) << text;
    EXPECT_EQ(set.error().message().rfind(message, 0), 0U)
        << "got: " << set.error().message() << "\nwant prefix: " << message;
  }
  const std::string huge(kMaxProfileConfigBytes + 1, ' ');
  const auto set = load_profiles(huge, "p.json");
  ASSERT_FALSE(set);
  EXPECT_EQ(set.error().message(), "p.json: $: is 262145 bytes; the limit is 262144");
}

}  // namespace
}  // namespace signet
