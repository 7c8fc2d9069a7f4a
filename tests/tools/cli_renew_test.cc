// `signet renew plan` and `signet renew run` through the CLI (signet issue 6, item 3). A fleet
// issued under one CA is planned at several moments of its life (nothing due, all due on time
// or late for a given capacity, overdue), then renewed by a run killed with SIGKILL and rerun.
// Checked by python3-cryptography (code we did not write): exactly one renewal per current
// record, each with the old one's subject, SANs and key, issued by the same CA, its signature
// verifying under the CA's key, every --out file the committed DER; `openssl verify` on a sample.
#include <chrono>
#include <csignal>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cli_runner.h"
#include "cli_spawn.h"

namespace signet::testing {
namespace {

namespace fs = std::filesystem;

constexpr int kNodes = 60;  // 120 certificates: a kubelet client and a serving one per node

// argv: ledger.sqlite, out dir, CA certificate, CA name. Prints "ok N" or the first problem.
constexpr const char* kCheckRenewals = R"(
import sys, sqlite3, os
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
db, out, ca_pem, ca_name = sys.argv[1:5]
ca = x509.load_pem_x509_certificate(open(ca_pem, 'rb').read())
c = sqlite3.connect(db)
def spki(cert): return cert.public_key().public_bytes(serialization.Encoding.DER,
    serialization.PublicFormat.SubjectPublicKeyInfo)
rows = c.execute("SELECT i.record_id, i.new_record_id, o.der, n.der, o.serial FROM reissue_items i"
    " JOIN certificates o ON o.id = i.record_id JOIN certificates n ON n.id = i.new_record_id"
    " WHERE i.state = 'done'").fetchall()
olds = [r[0] for r in rows]
assert len(olds) == len(set(olds)), 'an old record renewed twice'
assert c.execute("SELECT count(*) FROM reissue_items WHERE state != 'done'").fetchone()[0] == 0
for old_id, new_id, o_der, n_der, serial in rows:
    o = x509.load_der_x509_certificate(o_der); n = x509.load_der_x509_certificate(n_der)
    assert n.subject == o.subject and spki(n) == spki(o), ('subject or key differs', old_id)
    assert n.issuer == ca.subject and n.serial_number != o.serial_number
    ca.public_key().verify(n.signature, n.tbs_certificate_bytes, ec.ECDSA(n.signature_hash_algorithm))
    def sans(cert):
        try:
            return list(cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value)
        except x509.ExtensionNotFound:
            return None
    assert sans(n) == sans(o), ('SANs differ', old_id)
    f = open(os.path.join(out, serial.hex() + '.crt'), 'rb').read()
    assert x509.load_pem_x509_certificate(f).public_bytes(serialization.Encoding.DER) == n_der
assert c.execute("SELECT count(*) FROM certificates WHERE issuer = ?", (ca_name,)).fetchone()[0] \
    == 2 * len(rows)
print('ok', len(rows))
)";

class CliRenewTest : public CliTest {
 protected:
  void SetUp() override {
    CliTest::SetUp();
    if (!ready_) return;
    make_ca("kubernetes", "ecdsa-p256");
    auto r = signet({"fleet", "generate", "--nodes", std::to_string(kNodes), "--out", "f.jsonl"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    r = signet({"sign-batch", "--ca", "kubernetes", "--in", "f.jsonl", "--out", "old.jsonl"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }

  nlohmann::json plan(const std::vector<std::string>& extra, int want_exit) const {
    std::vector<std::string> args = {"renew", "plan", "--ca", "kubernetes", "--output", "json"};
    args.insert(args.end(), extra.begin(), extra.end());
    const auto r = signet(args);
    EXPECT_EQ(r.exit_code, want_exit) << r.err << r.out;
    return nlohmann::json::parse(r.out, nullptr, false);
  }
};

TEST_F(CliRenewTest, PlansAtEachMomentOfTheFleetsLife) {
  ASSERT_TRUE(ready_);
  // Issued now, 8760h lifetimes renewed at 70-90 % (kubelet profiles): nothing due for a day.
  auto j = plan({"--capacity", "1000"}, 0);
  EXPECT_EQ(j["records"], 2 * kNodes);
  EXPECT_EQ(j["current"], 2 * kNodes);
  EXPECT_EQ(j["due"], 0);
  EXPECT_EQ(j["verdict"], "nothing is due before the horizon");
  // From 6000h on, a 2000h horizon holds every deadline (6132h..7884h): on time at 1000/s.
  j = plan({"--capacity", "1000", "--at", "now+6000h", "--horizon", "2000h"}, 0);
  EXPECT_EQ(j["due"], 2 * kNodes);
  EXPECT_EQ(j["overdue"], 0);
  EXPECT_EQ(j["on_time"], true);
  EXPECT_EQ(j["rate"], 750.0);          // --share 0.75 of the capacity
  EXPECT_GT(j["batches"].size(), 10U);  // deadlines spread over hours, not one window
  std::uint64_t total = 0;
  for (const auto& b : j["batches"]) total += b["count"].get<std::uint64_t>();
  EXPECT_EQ(total, 2U * kNodes);
  // The same moment at a thousandth of a certificate per second: late, with the shortfall.
  j = plan({"--capacity", "0.001", "--at", "now+7800h", "--horizon", "200h"}, 3);
  EXPECT_EQ(j["on_time"], false);
  EXPECT_GT(j["late_batches"], 0);
  EXPECT_NE(j["verdict"].get<std::string>().find("shortfall"), std::string::npos) << j["verdict"];
  // Past every deadline: all overdue.
  j = plan({"--capacity", "1000", "--at", "now+8000h"}, 3);
  EXPECT_EQ(j["due"], 2 * kNodes);
  EXPECT_EQ(j["overdue"], 2 * kNodes);
  // Past every notAfter (8760h): expired, counted, not renewed (they bootstrap again).
  j = plan({"--capacity", "1000", "--at", "now+9000h"}, 0);
  EXPECT_EQ(j["expired"], 2 * kNodes);
  EXPECT_EQ(j["due"], 0);
  // The default probe signs with the CA's key and keeps its figure for --capacity last.
  j = plan({"--probe-seconds", "0.5"}, 0);
  EXPECT_EQ(j["capacity"]["source"], "probe");
  EXPECT_GT(j["capacity"]["rate"].get<double>(), 1.0);
  EXPECT_TRUE(fs::exists(state_ / "capacity" / "kubernetes.json"));
  auto last = plan({"--capacity", "last"}, 0);
  EXPECT_EQ(last["capacity"]["source"], "last probe");
  EXPECT_EQ(last["capacity"]["rate"], j["capacity"]["rate"]);
  // Text output names the batches and the verdict.
  const auto t = signet({"renew", "plan", "--ca", "kubernetes", "--capacity", "1000", "--at",
                         "now+6000h", "--horizon", "2000h", "--show", "2"});
  EXPECT_EQ(t.exit_code, 0) << t.err;
  EXPECT_NE(t.out.find("120 due (0 overdue, 0 expired"), std::string::npos) << t.out;
  EXPECT_NE(t.out.find("more batches"), std::string::npos) << t.out;
  EXPECT_NE(t.out.find("every batch finishes before its deadlines"), std::string::npos) << t.out;
}

TEST_F(CliRenewTest, RefusesBadInputNamingTheRule) {
  ASSERT_TRUE(ready_);
  const auto before = snapshot_state();
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"--at", "tomorrow"}, "--at: expected now, now+DURATION"},
      {{"--at", "2026-13-01T00:00:00Z"}, "--at: expected now"},
      {{"--at", "2026-02-31T00:00:00Z"}, "--at: expected now"},
      {{"--at", "2026-01-01T0 :00:00Z"}, "--at: expected now"},
      {{"--at", "now+3 days"}, "--at: "},
      {{"--horizon", "3 days"}, "--horizon: "},
      {{"--capacity", "fast"}, "--capacity: expected probe, last or certificates per second"},
      {{"--capacity", "last"}, "--capacity last: no probe recorded for CA kubernetes"},
      {{"--profile", "nope"}, "unknown profile 'nope'"},
  };
  for (const auto& [extra, message] : cases) {
    std::vector<std::string> args = {"renew", "plan", "--ca", "kubernetes"};
    args.insert(args.end(), extra.begin(), extra.end());
    const auto r = signet(args);
    EXPECT_EQ(r.exit_code, 1) << extra[0];
    EXPECT_NE(r.err.find(message), std::string::npos) << r.err;
  }
  const auto r = signet({"renew", "plan", "--ca", "nosuch", "--capacity", "5"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("--ca"), std::string::npos) << r.err;
  EXPECT_EQ(snapshot_state(), before);
}

TEST_F(CliRenewTest, ARunKilledMidwayResumesAndRenewsEachCurrentRecordOnce) {
  ASSERT_TRUE(ready_);
  const std::vector<std::string> argv = {SIGNET_CLI_PATH,
                                         "--state",
                                         state_.string(),
                                         "renew",
                                         "run",
                                         "--ca",
                                         "kubernetes",
                                         "--at",
                                         "now+8000h",
                                         "--out",
                                         "renewed",
                                         "--batch",
                                         "8",
                                         "--rate",
                                         "40",
                                         "--capacity",
                                         "1000"};
  const Spawned first = spawn(argv, dir_, "first");
  ASSERT_GT(first.pid, 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // ≈ 60 of 120 at 40/s
  kill(first.pid, SIGKILL);
  EXPECT_EQ(wait_for(first.pid), 128 + SIGKILL) << read_all(first.err);
  const std::string log1 = read_all(first.err);
  EXPECT_NE(log1.find("\"step\":\"renew-plan\""), std::string::npos) << log1;
  EXPECT_NE(log1.find("\"step\":\"commit\""), std::string::npos) << "killed before any commit";

  std::vector<std::string> rerun = argv;
  rerun[rerun.size() - 3] = "0";  // --rate 0: as fast as the token signs
  const Spawned second = spawn(rerun, dir_, "second");
  ASSERT_GT(second.pid, 0);
  ASSERT_EQ(wait_for(second.pid), 0) << read_all(second.err);
  const std::string log2 = read_all(second.err);
  EXPECT_NE(log2.find("\"step\":\"job-resumed\""), std::string::npos) << log2.substr(0, 2000);
  EXPECT_EQ(log2.find("\"step\":\"renew-plan\""), std::string::npos) << "a resumed run replans";

  const auto check = tool({"python3", "-c", kCheckRenewals, (state_ / "ledger.sqlite").string(),
                           (dir_ / "renewed").string(), "kubernetes.crt", "kubernetes"});
  ASSERT_EQ(check.exit_code, 0) << check.out << check.err;
  EXPECT_EQ(check.out, "ok " + std::to_string(2 * kNodes) + "\n");
  int n = 3;
  for (const auto& e : fs::directory_iterator(dir_ / "renewed")) {
    if (n-- == 0) break;
    const auto v =
        tool({"openssl", "verify", "-x509_strict", "-CAfile", "kubernetes.crt", e.path().string()});
    EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
  }
  // The renewed certificates are the current ones now: the old records are not due again, and
  // today nothing is due at all.
  auto j = plan({"--capacity", "1000", "--at", "now+8000h"}, 3);
  EXPECT_EQ(j["records"], 4 * kNodes);
  EXPECT_EQ(j["current"], 2 * kNodes);
  const auto again =
      signet({"renew", "run", "--ca", "kubernetes", "--capacity", "1000", "--output", "json"});
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(nlohmann::json::parse(again.out, nullptr, false)["due"], 0) << again.out;
}

}  // namespace
}  // namespace signet::testing
