// The lint helper the CLI tests call on what they issue must be able to fail: a certificate
// breaking a lint rule, a file without a certificate and a missing file are all reported.
#include "cert_lint.h"

#include <gtest/gtest.h>

#include "cli_runner.h"

namespace signet::testing {
namespace {

class CertLintTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string templ = (std::filesystem::temp_directory_path() / "cert-lint-XXXXXX").string();
    ASSERT_NE(mkdtemp(templ.data()), nullptr);
    work_dir = templ;
  }
  void TearDown() override { std::filesystem::remove_all(work_dir); }
  std::filesystem::path work_dir;
};

TEST_F(CertLintTest, ReportsTheBrokenRuleAndWhatItCannotLint) {
  // A negative serial (RFC 5280 §4.1.2.2: a positive integer), made by the openssl CLI.
  auto r = run_program({"openssl", "req", "-x509", "-new", "-nodes", "-newkey", "ec", "-pkeyopt",
                        "ec_paramgen_curve:P-256", "-keyout", "neg.key", "-subj", "/CN=neg",
                        "-days", "5", "-set_serial", "-5", "-out", "neg.crt"},
                       work_dir);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string findings = lint_pem_file(work_dir / "neg.crt");
  EXPECT_NE(findings.find("neg.crt certificate #1: "), std::string::npos) << findings;
  EXPECT_NE(findings.find("serial-negative"), std::string::npos) << findings;

  EXPECT_EQ(lint_pem_file(work_dir / "neg.key"),
            (work_dir / "neg.key").string() + ": no PEM CERTIFICATE block");
  EXPECT_EQ(lint_pem_file(work_dir / "missing.crt"),
            (work_dir / "missing.crt").string() + ": cannot be read");
}

}  // namespace
}  // namespace signet::testing
