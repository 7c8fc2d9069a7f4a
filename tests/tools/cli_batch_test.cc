// signet sign-batch through the CLI: every input form and output form, input order kept, a
// batch with 1 % hostile items (each reported with its rule, every good one issued and accepted
// by `openssl verify`), and JSON progress lines on stderr when it is not a terminal.
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cli_runner.h"

namespace signet::testing {
namespace {

std::string read_all(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<nlohmann::json> json_lines(const std::string& text) {
  std::vector<nlohmann::json> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty()) out.push_back(nlohmann::json::parse(line));
  }
  return out;
}

class CliBatchTest : public CliTest {
 protected:
  void SetUp() override {
    CliTest::SetUp();
    if (!ready_) return;
    make_ca("kubernetes", "ecdsa-p256");
    for (int i = 0; i < 3; ++i) {
      const std::string n = "good" + std::to_string(i);
      openssl_csr(n, "/O=system:nodes/CN=system:node:" + n);
      good_.push_back(read_all(dir_ / (n + ".csr")));
    }
  }

  std::string line(const std::string& id, const std::string& csr) const {
    return nlohmann::json({{"id", id}, {"csr", csr}}).dump() + "\n";
  }

  void write(const std::string& name, const std::string& content) const {
    std::ofstream(dir_ / name, std::ios::binary) << content;
  }

  std::vector<std::string> good_;
};

TEST_F(CliBatchTest, HostileOnePercentEachReportedWithItsRuleAndEveryGoodOneIssued) {
  ASSERT_TRUE(ready_);
  openssl_csr("wrongo", "/O=evil/CN=system:node:x");
  const auto r0 = tool({"openssl", "req", "-new", "-sha1", "-key", "good0.key", "-subj",
                        "/O=system:nodes/CN=system:node:sha1", "-out", "sha1.csr"});
  ASSERT_EQ(r0.exit_code, 0) << r0.err;
  std::string in;
  constexpr int kItems = 600;  // 6 hostile: 1 %
  int good = 0;
  for (int i = 0; i < kItems; ++i) {
    const std::string id = "n" + std::to_string(i);
    switch (i) {
      case 100:
        in += line(id, "-----BEGIN CERTIFICATE REQUEST-----\nnot base64!\n");
        break;
      case 200:
        in += line(id, read_all(dir_ / "wrongo.csr"));
        break;
      case 300:
        in += line(id, read_all(dir_ / "sha1.csr"));
        break;
      case 400:
        in += "{\"id\":\"" + id + "\",\"csr\":\"" + std::string(300 * 1024, 'A') + "\"}\n";
        break;
      case 500:
        in += "{\"id\": \"n500\", \"csr\": \n";
        break;
      case 550:
        in += line("../evil", good_[0]);
        break;
      default:
        in += line(id, good_[static_cast<std::size_t>(i) % good_.size()]);
        ++good;
    }
  }
  write("batch.jsonl", in);
  const auto r = signet({"sign-batch", "--ca", "kubernetes", "--profile", "kubelet-client", "--in",
                         "batch.jsonl", "--out", "certs", "--output", "json"});
  EXPECT_EQ(r.exit_code, 1) << r.err;  // documented: 1 when any item failed
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["count"], kItems);
  EXPECT_EQ(j["issued"], good);
  EXPECT_EQ(j["errors"], kItems - good);
  const auto& rules = j["errors_by_rule"];
  EXPECT_EQ(rules.size(), 6U) << rules.dump();
  EXPECT_EQ(rules.value("kubelet-client: subject O must be exactly system:nodes", 0), 1)
      << rules.dump();
  EXPECT_EQ(rules.value("id: must not contain '/' or '\\' when it names an output file", 0), 1)
      << rules.dump();
  EXPECT_EQ(rules.value("CSR", 0), 1) << rules.dump();
  EXPECT_EQ(rules.value("json", 0), 1) << rules.dump();
  EXPECT_EQ(rules.value("line", 0), 1) << rules.dump();
  // Each refused item on stderr as a JSON line naming it and its reason.
  EXPECT_NE(
      r.err.find(
          R"({"id":"../evil","error":{"code":"invalid-argument","message":"id: must not contain '/')"),
      std::string::npos)
      << r.err;
  EXPECT_NE(
      r.err.find(
          R"({"id":"line 401","error":{"code":"invalid-argument","message":"line: longer than 262144 bytes)"),
      std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find(R"({"id":"n300","error")"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("SHA-1"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(R"({"id":"line 501","error":{"code":"invalid-argument","message":"json: )"),
            std::string::npos)
      << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir_ / "evil.crt"));

  std::vector<std::string> verify = {"openssl",   "verify",  "-x509_strict",  "-purpose",
                                     "sslclient", "-CAfile", "kubernetes.crt"};
  int files = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir_ / "certs")) {
    verify.push_back(e.path().string());
    ++files;
  }
  EXPECT_EQ(files, good);
  const auto v = tool(verify);
  EXPECT_EQ(v.exit_code, 0) << v.out.substr(0, 2000) << v.err.substr(0, 2000);

  // --sign-inline (the workers call C_Sign themselves): the same per-item results.
  const auto ri =
      signet({"sign-batch", "--ca", "kubernetes", "--profile", "kubelet-client", "--in",
              "batch.jsonl", "--out", "certs-inline", "--sign-inline", "--output", "json"});
  EXPECT_EQ(ri.exit_code, 1) << ri.err;
  const auto ji = nlohmann::json::parse(ri.out);
  EXPECT_EQ(ji["issued"], good);
  EXPECT_EQ(ji["errors_by_rule"], rules);
  std::vector<std::string> verify_inline(verify.begin(), verify.begin() + 7);
  for (const auto& e : std::filesystem::directory_iterator(dir_ / "certs-inline")) {
    verify_inline.push_back(e.path().string());
  }
  EXPECT_EQ(verify_inline.size(), 7U + static_cast<std::size_t>(good));
  const auto vi = tool(verify_inline);
  EXPECT_EQ(vi.exit_code, 0) << vi.out.substr(0, 2000) << vi.err.substr(0, 2000);
}

TEST_F(CliBatchTest, DirectoryInJsonLinesOutInInputOrderWithErrors) {
  ASSERT_TRUE(ready_);
  std::filesystem::create_directories(dir_ / "csrs");
  for (int i = 0; i < 12; ++i) {
    char name[16];
    std::snprintf(name, sizeof name, "c%02d.csr", i);
    write(std::string("csrs/") + name, i == 5 ? std::string("garbage") : good_[i % 3]);
  }
  const auto r = signet({"sign-batch", "--ca", "kubernetes", "--profile", "kubelet-client", "--in",
                         "csrs", "--out", "out.jsonl"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.out.find("12 items, 11 issued, 1 errors"), std::string::npos) << r.out;
  const auto lines = json_lines(read_all(dir_ / "out.jsonl"));
  ASSERT_EQ(lines.size(), 12U);
  for (int i = 0; i < 12; ++i) {
    char name[16];
    std::snprintf(name, sizeof name, "c%02d.csr", i);
    EXPECT_EQ(lines[static_cast<std::size_t>(i)]["id"], name);
    EXPECT_EQ(lines[static_cast<std::size_t>(i)].contains("certificate"), i != 5);
  }
  EXPECT_EQ(lines[5]["error"]["code"], "invalid-argument") << lines[5].dump();
  // One issued certificate through an independent verifier.
  write("c00.crt", lines[0]["certificate"].get<std::string>());
  const auto v = tool(
      {"certtool", "--verify", "--load-ca-certificate", "kubernetes.crt", "--infile", "c00.crt"});
  EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
}

TEST_F(CliBatchTest, StdinToStdoutKeepsOrderAndWritesJsonProgressWhenNotATerminal) {
  ASSERT_TRUE(ready_);
  std::string in;
  for (int i = 0; i < 40; ++i) in += line("id-" + std::to_string(i), good_[i % 3]);
  write("in.jsonl", in);
  // The CLI runner has no stdin; a shell redirects the file (its argv is fixed, no user text).
  const auto r =
      tool({"sh", "-c",
            std::string("\"$0\" --state \"$1\" sign-batch --ca kubernetes --profile "
                        "kubelet-client --in - --out - --progress-interval 0 < in.jsonl"),
            SIGNET_CLI_PATH, state_.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto lines = json_lines(r.out);
  ASSERT_EQ(lines.size(), 40U);
  for (int i = 0; i < 40; ++i) {
    EXPECT_EQ(lines[static_cast<std::size_t>(i)]["id"], "id-" + std::to_string(i));
  }
  EXPECT_NE(r.err.find("{\"progress\":{\"done\":40,\"errors\":0"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("40 items, 40 issued, 0 errors"), std::string::npos) << r.err;
}

// fleet generate (issue 5, item 4): real node CSRs — checked by python cryptography (signature,
// subject, SANs, key) — that sign-batch turns into certificates with the profile each line names;
// --key-pool reuses that many keys; bad counts are refused and write nothing.
TEST_F(CliBatchTest, FleetGenerateMakesNodeCsrsThatSignBatchIssues) {
  ASSERT_TRUE(ready_);
  auto r = signet({"fleet", "generate", "--nodes", "20", "--out", "fleet.jsonl"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = signet({"fleet", "generate", "--nodes", "20", "--key-pool", "4", "--out", "pool.jsonl"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string script =
      "import json, sys\n"
      "from cryptography import x509\n"
      "from cryptography.hazmat.primitives import serialization as s\n"
      "for path in sys.argv[1:]:\n"
      "    keys, kinds = set(), {}\n"
      "    for line in open(path):\n"
      "        j = json.loads(line)\n"
      "        c = x509.load_pem_x509_csr(j['csr'].encode())\n"
      "        assert c.is_signature_valid, j['id']\n"
      "        node, kind = j['id'].split('/')\n"
      "        assert c.subject.rfc4514_string() == 'CN=system:node:%s,O=system:nodes' % node, "
      "c.subject\n"
      "        try:\n"
      "            san = c.extensions.get_extension_for_class(x509.SubjectAlternativeName).value\n"
      "            names = san.get_values_for_type(x509.DNSName)\n"
      "        except x509.ExtensionNotFound:\n"
      "            names = []\n"
      "        assert (kind == 'serving') == (node in ' '.join(names)), (j['id'], names)\n"
      "        kinds[j['profile']] = kinds.get(j['profile'], 0) + 1\n"
      "        keys.add(c.public_key().public_bytes(s.Encoding.DER, "
      "s.PublicFormat.SubjectPublicKeyInfo))\n"
      "    print(len(keys), sorted(kinds.items()))\n";
  const auto py = tool({"python3", "-c", script, "fleet.jsonl", "pool.jsonl"});
  ASSERT_EQ(py.exit_code, 0) << py.err;
  EXPECT_EQ(py.out,
            "20 [('kubelet-client', 20), ('kubelet-serving', 20)]\n"
            "4 [('kubelet-client', 20), ('kubelet-serving', 20)]\n");

  r = signet({"sign-batch", "--ca", "kubernetes", "--in", "fleet.jsonl", "--out", "certs.jsonl"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const auto lines = json_lines(read_all(dir_ / "certs.jsonl"));
  ASSERT_EQ(lines.size(), 40U);
  for (const auto& l : lines) EXPECT_TRUE(l.contains("certificate")) << l.dump();
  write("serving.crt", lines[1]["certificate"].get<std::string>());
  const auto v = tool({"openssl", "verify", "-x509_strict", "-purpose", "sslserver", "-CAfile",
                       "kubernetes.crt", "serving.crt"});
  EXPECT_EQ(v.exit_code, 0) << v.out << v.err;

  r = signet({"fleet", "generate", "--nodes", "0", "--out", "none.jsonl"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("--nodes"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir_ / "none.jsonl"));
}

}  // namespace
}  // namespace signet::testing
