// `signet reissue` through the CLI (signet issue 6, items 4 and 5). The crash test: records issued
// under OLD by sign-batch are reissued under NEW by a `signet reissue` killed with SIGKILL at 5
// moments drawn from a printed seed and rerun each time; the final run finishes. Then, checked by
// python3 (sqlite3 module + python3-cryptography, code we did not write): exactly one done item
// and one new record per old record, every new certificate carries the old one's subject and key,
// is issued by NEW and its signature verifies under NEW's key, every --out file is the committed
// DER, and the audit trail adds up (one reissue-commit per batch, their counts sum to the total).
// `openssl verify -x509_strict` checks a sample against NEW. Two workers on one real PostgreSQL
// split a job without a duplicate, and a killed worker's claims are taken over after its lease.
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cli_runner.h"
#include "cli_spawn.h"
#include "postgres_server.h"

#ifndef SIGNET_REISSUE_RECORDS
#ifdef SIGNET_SANITIZED
#define SIGNET_REISSUE_RECORDS 2000  // sanitizers run it 5-10x slower; the normal build: 10,000
#else
#define SIGNET_REISSUE_RECORDS 10000
#endif
#endif

namespace signet::testing {
namespace {

namespace fs = std::filesystem;

// Checks the final state of an SQLite ledger and the --out directory; prints "ok N" or the
// first problem. argv: ledger.sqlite, out dir, NEW's certificate, OLD's name, NEW's name.
constexpr const char* kCheckSqlite = R"(
import sys, sqlite3, os, re
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
db, out, new_pem, old_ca, new_ca = sys.argv[1:6]
ca = x509.load_pem_x509_certificate(open(new_pem, 'rb').read())
c = sqlite3.connect(db)
def one(q, *a): return c.execute(q, a).fetchone()[0]
def spki(cert): return cert.public_key().public_bytes(serialization.Encoding.DER,
    serialization.PublicFormat.SubjectPublicKeyInfo)
job = one("SELECT max(id) FROM reissue_jobs")
total = one("SELECT total FROM reissue_jobs WHERE id = ?", job)
olds = one("SELECT count(*) FROM certificates WHERE issuer = ? AND revoked = 0", old_ca)
assert total == olds, ('total', total, olds)
assert one("SELECT state FROM reissue_jobs WHERE id = ?", job) == 'finished'
assert one("SELECT count(*) FROM reissue_items WHERE job_id = ? AND state = 'done'", job) == total
assert one("SELECT count(DISTINCT record_id) FROM reissue_items WHERE job_id = ?", job) == total
assert one("SELECT count(DISTINCT new_record_id) FROM reissue_items WHERE job_id = ?", job) == total
news = one("SELECT count(*) FROM certificates WHERE issuer = ?", new_ca)
assert news == total, ('new records', news, total)
assert one("SELECT count(*) FROM reissue_items WHERE job_id = ? AND delivered = 0", job) == 0
files = os.listdir(out)
assert len(files) == total, ('files', len(files), total)
for o_der, n_der, o_serial in c.execute(
        "SELECT o.der, n.der, o.serial FROM reissue_items i JOIN certificates o ON o.id ="
        " i.record_id JOIN certificates n ON n.id = i.new_record_id WHERE i.job_id = ?", (job,)):
    o = x509.load_der_x509_certificate(o_der)
    n = x509.load_der_x509_certificate(n_der)
    assert n.subject == o.subject and spki(n) == spki(o), 'subject or key changed'
    assert n.issuer == ca.subject, 'issuer'
    pub = ca.public_key()
    if isinstance(pub, ec.EllipticCurvePublicKey):
        pub.verify(n.signature, n.tbs_certificate_bytes, ec.ECDSA(n.signature_hash_algorithm))
    else:
        pub.verify(n.signature, n.tbs_certificate_bytes, padding.PKCS1v15(),
                   n.signature_hash_algorithm)
    f = x509.load_pem_x509_certificate(open(os.path.join(out, o_serial.hex() + '.crt'), 'rb').read())
    assert f.public_bytes(serialization.Encoding.DER) == n_der, 'file differs from the ledger'
commits = [d for (d,) in c.execute(
    "SELECT detail FROM audit_events WHERE action = 'reissue-commit' ORDER BY id")]
committed = sum(int(re.search(r'committed=(\d+)', d).group(1)) for d in commits)
assert committed == total, ('audit committed', committed, total)
claims = one("SELECT count(*) FROM audit_events WHERE action = 'reissue-claim'")
assert claims >= len(commits), ('claims', claims, len(commits))
issues = one("SELECT count(*) FROM audit_events WHERE action = 'issue' AND issuer = ?", new_ca)
assert issues == total, ('issue events', issues, total)
assert one("SELECT count(*) FROM audit_events WHERE action = 'reissue-start'") == 1
assert one("SELECT count(*) FROM audit_events WHERE action = 'reissue-finish'") == 1
print('ok', total, len(commits))
)";

class CliReissueTest : public CliTest {
 protected:
  void SetUp() override {
    CliTest::SetUp();
    if (!ready_) return;
    make_ca("kubernetes", "ecdsa-p256");
    const std::string key =
        "pkcs11:token=cli;object=kubernetes-2027-key?pin-source=" + pin_source();
    auto r = signet({"key", "generate", "--algorithm", "ecdsa-p256", "--key", key});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    r = signet({"ca", "init", "--name", "kubernetes-2027", "--key", key, "--subject",
                "CN=kubernetes-2027", "--validity", "87600h", "--out", "kubernetes-2027.crt"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }

  // `n` certificates issued under OLD (and recorded) by sign-batch: a fleet of n / 2 nodes (each
  // a kubelet client and a kubelet serving certificate).
  void issue_old(int n, const std::vector<std::string>& ledger = {}) {
    auto r =
        signet({"fleet", "generate", "--nodes", std::to_string(n / 2), "--out", "fleet.jsonl"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    std::vector<std::string> args = {"sign-batch",  "--ca",  "kubernetes", "--in",
                                     "fleet.jsonl", "--out", "old.jsonl"};
    args.insert(args.end(), ledger.begin(), ledger.end());
    r = signet(args);
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }

  std::vector<std::string> reissue_argv(const std::vector<std::string>& extra) const {
    std::vector<std::string> argv = {
        SIGNET_CLI_PATH, "--state", state_.string(),   "reissue", "--from-ca",
        "kubernetes",    "--to-ca", "kubernetes-2027", "--out",   "new"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return argv;
  }

  nlohmann::json status(const std::vector<std::string>& ledger = {}) const {
    std::vector<std::string> args = {"reissue", "status", "--output", "json"};
    args.insert(args.end(), ledger.begin(), ledger.end());
    const auto r = signet(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return nlohmann::json::parse(r.out, nullptr, false);
  }

  void verify_sample(int n) const {
    for (const auto& e : fs::directory_iterator(dir_ / "new")) {
      if (n-- == 0) break;
      const auto v = tool({"openssl", "verify", "-x509_strict", "-CAfile", "kubernetes-2027.crt",
                           e.path().string()});
      EXPECT_EQ(v.exit_code, 0) << e.path() << ": " << v.out << v.err;
    }
  }
};

TEST_F(CliReissueTest, ResumesAfterSigkillAtFiveRandomMomentsWithExactlyOneCertificatePerRecord) {
  ASSERT_TRUE(ready_);
  const int records = SIGNET_REISSUE_RECORDS;
  issue_old(records);
  std::random_device rd;
  const unsigned seed = rd();
  std::cout << "reissue crash test: " << records << " records, seed " << seed << '\n';
  std::mt19937 rng(seed);
  // Moments spread over a run's expected length (the first ones land in startup and the first
  // batches, the later ones mid-job); a run that finishes before its kill is simply rerun.
  std::uniform_int_distribution<int> moment(30, std::max(300, records / 2));
  for (int k = 0; k < 5; ++k) {
    const int ms = moment(rng);
    const Spawned s = spawn(reissue_argv({"--batch", "64"}), dir_, "kill" + std::to_string(k));
    ASSERT_GT(s.pid, 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
    kill(s.pid, SIGKILL);
    const int rc = wait_for(s.pid);
    std::cout << "  run " << k << ": SIGKILL after " << ms << " ms, exit " << rc << '\n';
    EXPECT_TRUE(rc == 128 + SIGKILL || rc == 0) << read_all(s.err);
  }
  const Spawned last = spawn(reissue_argv({"--batch", "64"}), dir_, "final");
  ASSERT_GT(last.pid, 0);
  ASSERT_EQ(wait_for(last.pid), 0) << read_all(last.err);
  const std::string log = read_all(last.err);
  EXPECT_NE(log.find("\"step\":\"job-resumed\""), std::string::npos) << log.substr(0, 2000);

  const nlohmann::json st = status();
  EXPECT_EQ(st["phase"], "finished");
  EXPECT_EQ(st["done"], records);
  EXPECT_EQ(st["total"], records);
  EXPECT_EQ(st["delivered"], records);

  const auto check =
      tool({"python3", "-c", kCheckSqlite, (state_ / "ledger.sqlite").string(),
            (dir_ / "new").string(), "kubernetes-2027.crt", "kubernetes", "kubernetes-2027"});
  ASSERT_EQ(check.exit_code, 0) << check.out << check.err;
  EXPECT_EQ(check.out.substr(0, 3 + std::to_string(records).size()),
            "ok " + std::to_string(records));
  verify_sample(20);

  // A rerun of a finished job issues nothing more.
  const auto again = signet({"reissue", "--from-ca", "kubernetes", "--to-ca", "kubernetes-2027",
                             "--out", "new", "--output", "json"});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  const auto j = nlohmann::json::parse(again.out, nullptr, false);
  EXPECT_EQ(j["phase"], "finished");
  const auto check2 =
      tool({"python3", "-c", kCheckSqlite, (state_ / "ledger.sqlite").string(),
            (dir_ / "new").string(), "kubernetes-2027.crt", "kubernetes", "kubernetes-2027"});
  EXPECT_EQ(check2.exit_code, 0) << check2.out << check2.err;
}

// The long build (100,000 records) runs only the crash test above.
#ifndef SIGNET_REISSUE_LONG
TEST_F(CliReissueTest, StatusAndTextOutputAndRefusals) {
  ASSERT_TRUE(ready_);
  issue_old(10);
  auto r = signet({"reissue", "status"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "signet: error: reissue: no reissue job in this ledger\n");
  r = signet({"reissue", "--from-ca", "kubernetes", "--to-ca", "kubernetes"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err,
            "signet: error: reissue: --from-ca and --to-ca are both 'kubernetes' (a reissue moves "
            "certificates to another CA)\n");
  r = signet({"reissue", "--from-ca", "kubernetes"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err,
            "signet: error: reissue: --from-ca and --to-ca are required (or use `signet reissue "
            "status`)\n");
  r = signet({"reissue", "--from-ca", "kubernetes", "--to-ca", "kubernetes-2027", "--worker-id",
              "two words"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("a worker id is 1..128 printable ASCII characters without spaces"),
            std::string::npos)
      << r.err;
  r = signet({"reissue", "--from-ca", "kubernetes", "--to-ca", "kubernetes-2027", "--out", "new",
              "--rate", "50"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("): finished, 10/10 done"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("\"step\":\"commit\""), std::string::npos) << r.err;
  r = signet({"reissue", "status", "--job", "1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("job 1 (kubernetes -> kubernetes-2027): finished, 10/10 done, ", 0), 0U)
      << r.out;
  r = signet({"reissue", "status", "--job", "7"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "signet: error: reissue: no job 7\n");
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_ / "new"), fs::directory_iterator()), 10);
  verify_sample(5);
}

class CliReissuePostgresTest : public CliReissueTest {
 protected:
  void SetUp() override {
    CliReissueTest::SetUp();
    if (!ready_) return;
    auto server = PostgresServer::start();
    if (!server) {
      const char* ci = std::getenv("CI");  // NOLINT(concurrency-mt-unsafe)
      if (ci != nullptr && std::string(ci) == "true") FAIL() << server.error().message();
      GTEST_SKIP() << "postgres unavailable: " << server.error().message();
    }
    auto uri = (*server)->create_database("ledger");
    ASSERT_TRUE(uri) << uri.error().message();
    server_ = std::move(*server);
    uri_ = *uri;
  }
  // A copy of the test's token directory with its own softhsm2.conf: SoftHSM's file store is
  // not safe for two processes at once, and the acceptance lets each worker have its own copy.
  std::string token_copy(const std::string& name) const {
    const char* conf = std::getenv("SOFTHSM2_CONF");  // NOLINT(concurrency-mt-unsafe)
    EXPECT_NE(conf, nullptr);
    if (conf == nullptr) return {};
    std::string tokendir;
    std::istringstream in(read_all(conf));
    for (std::string line; std::getline(in, line);) {
      if (line.starts_with("directories.tokendir")) tokendir = line.substr(line.find('=') + 1);
    }
    tokendir.erase(0, tokendir.find_first_not_of(' '));
    const fs::path copy = dir_ / ("tokens-" + name);
    fs::copy(tokendir, copy, fs::copy_options::recursive);
    const fs::path out = dir_ / ("softhsm2-" + name + ".conf");
    std::ofstream(out) << "directories.tokendir = " << copy.string()
                       << "\nobjectstore.backend = file\n";
    return out.string();
  }
  std::string sql(const std::string& query) const {
    const auto r = tool({"psql", "-At", uri_, "-c", query});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.out;
  }
  std::unique_ptr<PostgresServer> server_;
  std::string uri_;
};

TEST_F(CliReissuePostgresTest, TwoWorkersSplitTheJobWithoutADuplicate) {
  ASSERT_TRUE(ready_);
  constexpr int kRecords = 600;
  issue_old(kRecords, {"--ledger", uri_});
  // Both start at once; open_job serialises them onto one job. b signs on its own token copy.
  const std::string b_token = token_copy("b");
  const Spawned a = spawn(
      reissue_argv({"--ledger", uri_, "--worker-id", "a", "--batch", "32", "--cpu-threads", "1"}),
      dir_, "a");
  const Spawned b = spawn(
      reissue_argv({"--ledger", uri_, "--worker-id", "b", "--batch", "32", "--cpu-threads", "1"}),
      dir_, "b", b_token);
  ASSERT_EQ(wait_for(a.pid), 0) << read_all(a.err);
  ASSERT_EQ(wait_for(b.pid), 0) << read_all(b.err);
  EXPECT_EQ(sql("SELECT count(*), count(DISTINCT record_id), count(DISTINCT new_record_id) FROM"
                " reissue_items WHERE state = 'done'"),
            "600|600|600\n");
  EXPECT_EQ(sql("SELECT count(*) FROM certificates WHERE issuer = 'kubernetes-2027'"), "600\n");
  // Both did part of the work (claims were split, not serialised behind one worker).
  const std::string split = sql("SELECT count(DISTINCT worker) FROM reissue_items");
  std::cout << "workers that committed items: " << split;
  EXPECT_EQ(sql("SELECT count(*) FROM reissue_jobs"), "1\n");
  EXPECT_EQ(sql("SELECT sum(substring(detail from 'committed=([0-9]+)')::int) FROM audit_events"
                " WHERE action = 'reissue-commit'"),
            "600\n");
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_ / "new"), fs::directory_iterator()),
            kRecords);
  verify_sample(10);
}

TEST_F(CliReissuePostgresTest, AKilledWorkersClaimsAreTakenOverAfterItsLease) {
  ASSERT_TRUE(ready_);
  constexpr int kRecords = 400;
  issue_old(kRecords, {"--ledger", uri_});
  // Worker a: slow (--rate) so it is killed holding claims.
  const Spawned a =
      spawn(reissue_argv({"--ledger", uri_, "--worker-id", "a", "--lease", "2", "--rate", "100"}),
            dir_, "a");
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  kill(a.pid, SIGKILL);
  EXPECT_EQ(wait_for(a.pid), 128 + SIGKILL);
  const std::string held =
      sql("SELECT count(*) FROM reissue_items WHERE state = 'claimed' AND"
          " worker = 'a'");
  EXPECT_NE(held, "0\n") << "a was killed holding no claim";
  const auto b = signet({"reissue", "--from-ca", "kubernetes", "--to-ca", "kubernetes-2027",
                         "--out", "new", "--ledger", uri_, "--worker-id", "b", "--lease", "2"});
  ASSERT_EQ(b.exit_code, 0) << b.err;
  EXPECT_EQ(sql("SELECT count(*), count(DISTINCT new_record_id) FROM reissue_items WHERE"
                " state = 'done'"),
            "400|400\n");
  EXPECT_EQ(sql("SELECT count(*) FROM certificates WHERE issuer = 'kubernetes-2027'"), "400\n");
  // a's committed items were delivered by a (or by b, from the ledger, after a lease): one file
  // per record either way.
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_ / "new"), fs::directory_iterator()),
            kRecords);
  verify_sample(10);
}

#endif  // SIGNET_REISSUE_LONG

}  // namespace
}  // namespace signet::testing
