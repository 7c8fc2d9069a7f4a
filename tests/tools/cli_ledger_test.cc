// The ledger through the CLI (signet issue 6): `sign` and `sign-batch` record every certificate
// before writing it, the record's fields agree with python-cryptography's reading of the
// certificate, `ledger list/show/revoke/audit` in text and JSON, and a ledger that cannot record
// means no certificate is written.
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cli_runner.h"

namespace signet::testing {
namespace {

namespace fs = std::filesystem;

std::string read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// python-cryptography's view of a PEM certificate: what the ledger must have recorded.
constexpr const char* kDescribe = R"(
import sys, json, hashlib
from cryptography import x509
from cryptography.hazmat.primitives import serialization
c = x509.load_pem_x509_certificate(open(sys.argv[1], 'rb').read())
spki = c.public_key().public_bytes(serialization.Encoding.DER,
                                   serialization.PublicFormat.SubjectPublicKeyInfo)
sans = []
try:
    ext = c.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    sans = ['DNS:' + n for n in ext.get_values_for_type(x509.DNSName)] + \
           ['IP:' + str(n) for n in ext.get_values_for_type(x509.IPAddress)]
except x509.ExtensionNotFound:
    pass
print(json.dumps({'serial': format(c.serial_number, 'x'),
                  'spki_sha256': hashlib.sha256(spki).hexdigest(),
                  'not_after': c.not_valid_after.strftime('%Y-%m-%dT%H:%M:%SZ'),
                  'not_before': c.not_valid_before.strftime('%Y-%m-%dT%H:%M:%SZ'),
                  'sans': sans}))
)";

class CliLedgerTest : public CliTest {
 protected:
  void SetUp() override {
    CliTest::SetUp();
    if (!ready_) return;
    make_ca("kubernetes", "ecdsa-p256");
  }

  nlohmann::json describe(const fs::path& pem) const {
    const auto r = tool({"python3", "-c", kDescribe, pem.string()});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return nlohmann::json::parse(r.out, nullptr, false);
  }

  nlohmann::json list_json(const std::vector<std::string>& extra = {}) const {
    std::vector<std::string> args = {"ledger", "list", "--output", "json"};
    args.insert(args.end(), extra.begin(), extra.end());
    const auto r = signet(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return nlohmann::json::parse(r.out, nullptr, false);
  }
};

TEST_F(CliLedgerTest, SignRecordsTheCertificateAsPythonCryptographyReadsIt) {
  ASSERT_TRUE(ready_);
  openssl_csr("node", "/O=system:nodes/CN=system:node:n1");
  auto r = signet({"sign", "--ca", "kubernetes", "--profile", "kubelet-serving", "--csr",
                   "node.csr", "--hosts", "n1.example,10.0.0.7", "--out", "node.crt"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json want = describe(dir_ / "node.crt");
  const nlohmann::json list = list_json();
  ASSERT_EQ(list["records"].size(), 1U) << list.dump();
  const auto& rec = list["records"][0];
  EXPECT_EQ(rec["serial"], want["serial"]);
  EXPECT_EQ(rec["spki_sha256"], want["spki_sha256"]);
  EXPECT_EQ(rec["not_after"], want["not_after"]);
  EXPECT_EQ(rec["not_before"], want["not_before"]);
  EXPECT_EQ(rec["subject_alt_names"], want["sans"]);
  EXPECT_EQ(rec["issuer"], "kubernetes");
  EXPECT_EQ(rec["profile"], "kubelet-serving");
  EXPECT_EQ(rec["subject"], "O=system:nodes, CN=system:node:n1");
  EXPECT_EQ(rec["request_id"], "node.csr");
  EXPECT_TRUE(std::string(rec["requester"]).starts_with("cli:"));
  EXPECT_EQ(rec["revoked"], false);

  // show: the stored DER is the certificate that was written, byte for byte.
  r = signet({"ledger", "show", std::string(want["serial"]), "--output", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto shown = nlohmann::json::parse(r.out);
  EXPECT_EQ(shown["certificate"], read_all(dir_ / "node.crt"));
  // Text forms.
  r = signet({"ledger", "list"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find(std::string(want["serial"]) + "  kubernetes  kubelet-serving  until "),
            std::string::npos)
      << r.out;
  r = signet({"ledger", "audit"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("issue  kubernetes " + std::string(want["serial"])), std::string::npos)
      << r.out;
}

TEST_F(CliLedgerTest, SignBatchRecordsEveryIssuedCertificateAndNoRefusedOne) {
  ASSERT_TRUE(ready_);
  fs::create_directories(dir_ / "csrs");
  for (int i = 0; i < 3; ++i) {
    const std::string n = "n" + std::to_string(i);
    openssl_csr("csrs/" + n, "/O=system:nodes/CN=system:node:" + n);
    fs::remove(dir_ / ("csrs/" + n + ".key"));
  }
  openssl_csr("csrs/evil", "/O=evil/CN=system:node:x");  // refused by policy
  fs::remove(dir_ / "csrs/evil.key");
  auto r = signet({"sign-batch", "--ca", "kubernetes", "--profile", "kubelet-client", "--in",
                   "csrs", "--out", "certs", "--output", "json"});
  ASSERT_EQ(r.exit_code, 1) << r.err;  // one item was refused
  const auto summary = nlohmann::json::parse(r.out);
  EXPECT_EQ(summary["issued"], 3);
  EXPECT_EQ(summary["recorded"], 3);
  const nlohmann::json list = list_json({"--issuer", "kubernetes"});
  ASSERT_EQ(list["records"].size(), 3U);
  std::set<std::string> ids;
  for (const auto& rec : list["records"]) {
    ids.insert(rec["request_id"]);
    EXPECT_EQ(rec["profile"], "kubelet-client");
    // Each written file is the recorded certificate.
    const fs::path crt = dir_ / "certs" / (std::string(rec["request_id"]) + ".crt");
    ASSERT_TRUE(fs::exists(crt));
    EXPECT_EQ(describe(crt)["serial"], rec["serial"]);
  }
  EXPECT_EQ(ids, (std::set<std::string>{"n0.csr", "n1.csr", "n2.csr"}));
  EXPECT_FALSE(fs::exists(dir_ / "certs" / "evil.csr.crt"));
  // Paging through the CLI: limit 2 gives a cursor, --after continues.
  const nlohmann::json first = list_json({"--limit", "2"});
  ASSERT_EQ(first["records"].size(), 2U);
  ASSERT_TRUE(first.contains("next"));
  const nlohmann::json rest = list_json({"--limit", "2", "--after", std::string(first["next"])});
  EXPECT_EQ(rest["records"].size(), 1U);
}

TEST_F(CliLedgerTest, RevokeIsRecordedAuditedAndRefusedTwice) {
  ASSERT_TRUE(ready_);
  openssl_csr("node", "/O=system:nodes/CN=system:node:n1");
  auto r = signet({"sign", "--ca", "kubernetes", "--profile", "kubelet-client", "--csr", "node.csr",
                   "--out", "node.crt"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string serial = describe(dir_ / "node.crt")["serial"];
  r = signet({"ledger", "revoke", serial, "--reason", "keyCompromise", "--output", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["reason"], "keyCompromise");
  r = signet({"ledger", "show", serial, "--output", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto shown = nlohmann::json::parse(r.out);
  EXPECT_EQ(shown["revoked"], true);
  EXPECT_EQ(shown["revocation_reason"], "keyCompromise");
  r = signet({"ledger", "revoke", serial, "--reason", "superseded"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("is already revoked (keyCompromise at "), std::string::npos) << r.err;
  r = signet({"ledger", "revoke", serial, "--reason", "removeFromCRL"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("'removeFromCRL' is not an RFC 5280 §5.3.1 CRLReason"), std::string::npos);
  r = signet({"ledger", "show", "zz"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("serial 'zz' must be 1..20 octets of hex"), std::string::npos);
  r = signet({"ledger", "audit", "--output", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto audit = nlohmann::json::parse(r.out)["events"];
  ASSERT_EQ(audit.size(), 2U);
  EXPECT_EQ(audit[0]["action"], "issue");
  EXPECT_EQ(audit[1]["action"], "revoke");
  EXPECT_EQ(audit[1]["detail"], "reason=keyCompromise");
}

TEST_F(CliLedgerTest, NoCertificateIsWrittenWhenTheLedgerCannotRecord) {
  ASSERT_TRUE(ready_);
  openssl_csr("node", "/O=system:nodes/CN=system:node:n1");
  // A PostgreSQL URI carrying a password is refused, without echoing it.
  auto r =
      signet({"--ledger", "postgresql://signet:s3cret@127.0.0.1:1/x", "sign", "--ca", "kubernetes",
              "--profile", "kubelet-client", "--csr", "node.csr", "--out", "node.crt"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("the PostgreSQL URI carries a password"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("s3cret"), std::string::npos);
  EXPECT_FALSE(fs::exists(dir_ / "node.crt"));
  // An unreachable PostgreSQL: retryable (exit 75), nothing written.
  r = signet({"--ledger", "postgresql://signet@127.0.0.1:1/x?connect_timeout=2", "sign", "--ca",
              "kubernetes", "--profile", "kubelet-client", "--csr", "node.csr", "--out",
              "node.crt"});
  EXPECT_EQ(r.exit_code, 75) << r.err;
  EXPECT_FALSE(fs::exists(dir_ / "node.crt"));
  // A ledger from a newer signet (schema version 99, set with Python's sqlite3 module).
  r = signet({"ledger", "list"});
  ASSERT_EQ(r.exit_code, 0) << r.err;  // creates <state>/ledger.sqlite at the current version
  r = tool({"python3", "-c",
            "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]);"
            " c.execute('UPDATE schema_version SET version=99'); c.commit()",
            (state_ / "ledger.sqlite").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = signet({"sign", "--ca", "kubernetes", "--profile", "kubelet-client", "--csr", "node.csr",
              "--out", "node.crt"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("schema version 99, newer than this signet knows (2)"), std::string::npos)
      << r.err;
  EXPECT_FALSE(fs::exists(dir_ / "node.crt"));
}

TEST_F(CliLedgerTest, HelpShowsExamples) {
  ASSERT_TRUE(ready_);
  for (const char* sub : {"list", "show", "revoke", "audit"}) {
    const auto r = signet({"ledger", sub, "--help"});
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_NE(r.out.find(std::string("Examples:\n  signet ledger ") + sub), std::string::npos)
        << r.out;
  }
}

}  // namespace
}  // namespace signet::testing
