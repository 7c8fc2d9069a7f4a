// The startup lint of profiles (core/src/profile_lint.h): every built-in profile's sample
// certificates lint clean with each CA key type, and a ProfileSet refuses a profile whose
// certificates would not, naming the profile and the finding.
#include "profile_lint.h"

#include <gtest/gtest.h>

#include "signet/core/profile.h"

namespace signet {
namespace {

ProfileSpec builtin_spec(const std::string& name) {
  for (auto& s : builtin_profile_specs()) {
    if (s.name == name) return s;
  }
  ADD_FAILURE() << "no built-in profile " << name;
  return {};
}

TEST(ProfileLintTest, BuiltinProfilesLintCleanWithEveryCaKeyType) {
  std::vector<Profile> profiles;
  for (auto& s : builtin_profile_specs()) {
    auto p = Profile::create(s);
    ASSERT_TRUE(p) << p.error().message();
    profiles.push_back(std::move(*p));
  }
  const auto set = ProfileSet::create(std::move(profiles));
  EXPECT_TRUE(set) << set.error().message();
}

TEST(ProfileLintTest, RefusesASpecWhoseLeafWouldSignCertificates) {
  // Profile::create refuses this spec itself ("cert sign and crl sign are for CA profiles
  // only"); the lint must refuse it too, should that check ever go.
  ProfileSpec s = builtin_spec("apiserver-kubelet-client");
  s.allowed_usages.push_back("cert sign");
  ASSERT_FALSE(Profile::create(s));
  const auto status = lint_profile_spec(s);
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(status.error().message().find("profile 'apiserver-kubelet-client': its certificate "
                                          "(ecdsa-p256 subject key, ecdsa-p256 CA key) "),
            std::string::npos)
      << status.error().message();
  EXPECT_NE(status.error().message().find("fails signet's lint: leaf-key-cert-sign: a leaf "
                                          "(CA:FALSE) must not allow keyCertSign"),
            std::string::npos)
      << status.error().message();
}

TEST(ProfileLintTest, CleanSpecPasses) {
  EXPECT_TRUE(lint_profile_spec(builtin_spec("kubelet-serving")));
  ProfileSpec ca = builtin_spec("kubernetes-ca");
  EXPECT_TRUE(lint_profile_spec(ca));  // CA profiles are not templated
}

}  // namespace
}  // namespace signet
