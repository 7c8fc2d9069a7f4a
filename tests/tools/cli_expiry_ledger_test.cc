// `signet certs check-expiration --ledger` (issue 6 item 6): the certificates signet issued,
// read back from the ledger, with expiries checked against `openssl x509 -enddate` of the files
// `signet sign` wrote; revoked ones left out; the issuing CA from the state in the CA table.
#include <algorithm>
#include <cctype>
#include <string>

#include "expiry_fixture.h"

namespace signet::testing {
namespace expiry_ledger {

class ExpiryLedgerTest : public ExpiryTest {
 protected:
  // Signs node `n`'s kubelet-client CSR; returns the certificate's file name.
  std::string sign_node(const std::string& n) {
    const auto csr = openssl_csr(n, "/O=system:nodes/CN=system:node:" + n);
    const RunResult r = signet({"sign", "--ca", "kubernetes", "--profile", "kubelet-client",
                                "--csr", csr.string(), "--out", (dir_ / (n + ".crt")).string()});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return n + ".crt";
  }
  std::string serial_of(const std::string& file) const {
    std::string s = openssl({"x509", "-in", file, "-noout", "-serial"}).out;
    s = s.substr(s.find('=') + 1);
    s.erase(std::remove_if(s.begin(), s.end(), [](unsigned char c) { return std::isspace(c); }),
            s.end());
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
  }
};

TEST_F(ExpiryLedgerTest, IssuedCertificatesAreListedFromTheLedgerAndRevokedOnesLeftOut) {
  make_ca("kubernetes", "ecdsa-p256");
  const std::string n1 = sign_node("n1");
  const std::string n2 = sign_node("n2");
  const std::string n3 = sign_node("n3");
  const RunResult revoke = signet({"ledger", "revoke", serial_of(n2), "--reason", "superseded"});
  ASSERT_EQ(revoke.exit_code, 0) << revoke.err;

  const RunResult r = check({"--ledger"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto report = parse(r);
  ASSERT_EQ(report.at("certificates").size(), 2U) << report.dump(2);
  const auto row1 = row(report, "certificates", "kubelet-client system:node:n1");
  expect_expiry(row1, n1);
  EXPECT_EQ(row1.at("source"), "ledger kubernetes serial " + serial_of(n1));
  EXPECT_EQ(row1.at("issuer_ca"), "kubernetes");
  expect_expiry(row(report, "certificates", "kubelet-client system:node:n3"), n3);
  for (const auto& c : report.at("certificates")) {
    EXPECT_NE(c.at("name"), "kubelet-client system:node:n2") << "a revoked certificate is listed";
  }
  const auto ca = row(report, "certificate_authorities", "kubernetes");
  EXPECT_EQ(ca.at("source"), "state CA kubernetes");
  EXPECT_FALSE(ca.at("missing").get<bool>());

  // The same ledger named by its location, and the row limit.
  const RunResult limited =
      check({"--ledger", (state_ / "ledger.sqlite").string(), "--ledger-limit", "1"});
  ASSERT_EQ(limited.exit_code, 0) << limited.err;
  EXPECT_EQ(parse(limited).at("certificates").size(), 1U);

  // --warn-within bounds the window: nothing of these expires within an hour.
  const RunResult soon = check({"--ledger", "--warn-within", "1h"});
  ASSERT_EQ(soon.exit_code, 0) << soon.err;
  EXPECT_TRUE(parse(soon).at("certificates").empty());
}

TEST_F(ExpiryLedgerTest, BadLedgerArgumentsAreRefused) {
  const RunResult zero = check({"--ledger", "--ledger-limit", "0"});
  EXPECT_EQ(zero.exit_code, 1);
  EXPECT_NE(zero.err.find("--ledger-limit must be 1-100000, got 0"), std::string::npos) << zero.err;
  const RunResult missing = check({"--ledger", (dir_ / "no" / "such.sqlite").string()});
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_NE(missing.err.find("no ledger at " + (dir_ / "no" / "such.sqlite").string()),
            std::string::npos)
      << missing.err;
  EXPECT_FALSE(std::filesystem::exists(dir_ / "no")) << "nothing is created for a bad location";
  // A state that never recorded anything has no ledger file, and reading does not create one.
  const RunResult none = check({"--ledger"});
  EXPECT_NE(none.exit_code, 0);
  EXPECT_NE(none.err.find("no ledger at"), std::string::npos) << none.err;
  EXPECT_FALSE(std::filesystem::exists(state_ / "ledger.sqlite"));
}

}  // namespace expiry_ledger
}  // namespace signet::testing
