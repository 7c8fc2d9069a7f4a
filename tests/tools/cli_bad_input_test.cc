// Bad input through the CLI: each case fails with its specific message, a non-zero exit code,
// and writes nothing — no output file, no change to the state directory.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cli_runner.h"

namespace signet::testing {
namespace {

class CliBadInputTest : public CliTest {
 protected:
  void SetUp() override {
    CliTest::SetUp();
    if (!ready_) return;
    make_ca("kubernetes", "ecdsa-p256");
    openssl_csr("good", "/O=system:nodes/CN=system:node:good");
    before_ = snapshot_state();
  }

  // Runs signet, expects failure with `message`, and that nothing was written.
  void expect_refused(const std::vector<std::string>& args, const std::string& message,
                      int exit_code = 1) {
    const auto r = signet(args);
    EXPECT_EQ(r.exit_code, exit_code) << r.err;
    EXPECT_NE(r.err.find(message), std::string::npos) << "stderr: " << r.err;
    EXPECT_FALSE(std::filesystem::exists(dir_ / "out.crt"));
    EXPECT_FALSE(std::filesystem::exists(dir_ / "out-ca.crt"));
    EXPECT_EQ(snapshot_state(), before_);
    EXPECT_EQ(r.err.find(kPin), std::string::npos);
    EXPECT_EQ(r.out.find(kPin), std::string::npos);
  }

  std::string key_with_pin(const std::string& pin_source) const {
    return "pkcs11:token=cli;object=kubernetes-key?pin-source=" + pin_source;
  }

  std::string before_;
};

TEST_F(CliBadInputTest, WrongPin) {
  ASSERT_TRUE(ready_);
  const auto wrong = write_file("wrong-pin", "not-the-pin");
  expect_refused({"ca", "init", "--name", "second", "--subject", "CN=second", "--key",
                  key_with_pin("file:" + wrong.string()), "--out", "out-ca.crt"},
                 "token 'cli': C_Login returned CKR_PIN_INCORRECT (0xa0): the PIN is incorrect");
}

TEST_F(CliBadInputTest, MissingPinFile) {
  ASSERT_TRUE(ready_);
  expect_refused({"ca", "init", "--name", "second", "--subject", "CN=second", "--key",
                  key_with_pin("file:/nonexistent/pin"), "--out", "out-ca.crt"},
                 "cannot open PIN file /nonexistent/pin: No such file or directory");
}

TEST_F(CliBadInputTest, MissingToken) {
  ASSERT_TRUE(ready_);
  expect_refused({"ca", "init", "--name", "second", "--subject", "CN=second", "--key",
                  "pkcs11:token=absent;object=k?pin-source=" + pin_source(), "--out", "out-ca.crt"},
                 "no token matches pkcs11:token=absent;object=k in module");
}

TEST_F(CliBadInputTest, UnknownProfile) {
  ASSERT_TRUE(ready_);
  expect_refused({"sign", "--ca", "kubernetes", "--profile", "kubelet-superuser", "--csr",
                  "good.csr", "--out", "out.crt"},
                 "unknown profile 'kubelet-superuser' (known: kubernetes-ca, ");
}

TEST_F(CliBadInputTest, UnknownCa) {
  ASSERT_TRUE(ready_);
  expect_refused({"sign", "--ca", "front-proxy", "--profile", "kubelet-client", "--csr", "good.csr",
                  "--out", "out.crt"},
                 "unknown CA 'front-proxy'");
}

TEST_F(CliBadInputTest, MalformedCsr) {
  ASSERT_TRUE(ready_);
  write_file("bad.csr",
             "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n");
  expect_refused({"sign", "--ca", "kubernetes", "--profile", "kubelet-client", "--csr", "bad.csr",
                  "--out", "out.crt"},
                 "bad.csr: CSR is not a valid PKCS#10 request");
  write_file("huge.csr", std::string(70000, 'A'));
  expect_refused({"sign", "--ca", "kubernetes", "--profile", "kubelet-client", "--csr", "huge.csr",
                  "--out", "out.crt"},
                 "is larger than 65536 bytes");
  expect_refused({"sign", "--ca", "kubernetes", "--profile", "kubelet-client", "--csr",
                  "missing.csr", "--out", "out.crt"},
                 "cannot read CSR missing.csr");
}

TEST_F(CliBadInputTest, PolicyViolationNamesTheRule) {
  ASSERT_TRUE(ready_);
  openssl_csr("admin", "/O=system:masters/CN=system:node:good");
  expect_refused({"sign", "--ca", "kubernetes", "--profile", "kubelet-client", "--csr", "admin.csr",
                  "--out", "out.crt"},
                 "kubelet-client: subject O must be exactly system:nodes, got [system:masters]");
}

TEST_F(CliBadInputTest, PinValueAndSoftwareKeysAreRefused) {
  ASSERT_TRUE(ready_);
  expect_refused({"ca", "init", "--name", "second", "--subject", "CN=second", "--key",
                  "pkcs11:token=cli;object=kubernetes-key?pin-value=1234"},
                 "pin-value is refused");
  tool({"openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out",
        "soft.key"});
  expect_refused({"ca", "init", "--name", "soft", "--subject", "CN=soft", "--key", "file:soft.key",
                  "--out", "out-ca.crt"},
                 "refusing a software CA key");
}

TEST_F(CliBadInputTest, BadLabelsAreRefusedBeforeTheTokenIsTouched) {
  ASSERT_TRUE(ready_);
  expect_refused({"key", "generate", "--key",
                  "pkcs11:token=cli;object=evil%1B%5B31m?pin-source=" + pin_source()},
                 "key label (object=) must be valid UTF-8 without control characters");
  expect_refused({"token", "init", "--module", module_, "--label", "trailing ", "--pin-source",
                  pin_source(), "--so-pin-source", pin_source()},
                 "token label must not start or end with a blank");
  const auto r =
      signet({"key", "list", "--token", "cli", "--pin-source", pin_source(), "--output", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["keys"].size(), 1U);
}

TEST_F(CliBadInputTest, UnwritableOutRecordsNoCa) {
  ASSERT_TRUE(ready_);
  expect_refused({"ca", "init", "--name", "second", "--subject", "CN=second", "--key",
                  key_with_pin(pin_source()), "--out", "/nonexistent/dir/ca.crt"},
                 "cannot write /nonexistent/dir/ca.crt");
  expect_refused({"sign", "--ca", "kubernetes", "--profile", "kubelet-client", "--csr", "good.csr",
                  "--out", "/nonexistent/dir/node.crt"},
                 "cannot write /nonexistent/dir/node.crt");
}

TEST_F(CliBadInputTest, ExistingCaIsRefusedBeforeSigning) {
  ASSERT_TRUE(ready_);
  expect_refused({"ca", "init", "--name", "kubernetes", "--subject", "CN=again", "--key",
                  key_with_pin(pin_source()), "--out", "out-ca.crt"},
                 "CA 'kubernetes' already exists");
}

TEST_F(CliBadInputTest, NonUtf8InputStillYieldsJsonErrors) {
  ASSERT_TRUE(ready_);
  const auto r = signet({"--output", "json", "sign", "--ca", "kubernetes", "--profile",
                         "kubelet-client", "--csr", "\xff-missing.csr"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  const auto raw = signet({"--output", "json", "sign", "--ca", "kubernetes", "--profile",
                           "kubelet-client", "--csr", std::string("\xff\xfe.csr")});
  EXPECT_EQ(raw.exit_code, 1) << raw.err;
  const auto parsed = nlohmann::json::parse(raw.err, nullptr, false);
  EXPECT_FALSE(parsed.is_discarded()) << raw.err;
}

TEST_F(CliBadInputTest, JsonErrorsCarryCodeAndRetry) {
  ASSERT_TRUE(ready_);
  const auto r = signet({"--output", "json", "sign", "--ca", "nope", "--profile", "kubelet-client",
                         "--csr", "good.csr"});
  EXPECT_EQ(r.exit_code, 1);
  const auto j = nlohmann::json::parse(r.err);
  EXPECT_NE(j["error"]["message"].get<std::string>().find("unknown CA 'nope'"), std::string::npos);
  EXPECT_EQ(j["error"]["code"], "not-found");
  EXPECT_EQ(j["error"]["retry"], "never");
}

TEST_F(CliBadInputTest, UsageErrorsExitTwo) {
  ASSERT_TRUE(ready_);
  expect_refused({"sign", "--ca", "kubernetes"}, "--profile is required", 2);
  expect_refused({"--output", "yaml", "ca", "list"}, "--output", 2);
}

TEST_F(CliBadInputTest, NoModuleAnywhereIsRefusedWithoutADefault) {
  ASSERT_TRUE(ready_);
  const auto r = run_program({SIGNET_CLI_PATH, "--state", (dir_ / "empty-state").string(), "key",
                              "list", "--token", "cli"},
                             dir_);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("no PKCS#11 module"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace signet::testing
