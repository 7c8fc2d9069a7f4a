#include "serve_fixture.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <openssl/evp.h>

#include "signet/core/base64.h"
#include "signet/core/bytes.h"

extern char** environ;  // NOLINT

namespace signet::testing {
namespace {

Bytes from_hex(const std::string& hex) {
  Bytes out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<std::uint8_t>(std::stoul(hex.substr(i, 2), nullptr, 16)));
  }
  return out;
}

}  // namespace

std::string http_status(const RunResult& r) {
  const auto nl = r.out.rfind('\n');
  return nl == std::string::npos ? r.out : r.out.substr(nl + 1);
}

std::string ServeTest::read(const std::filesystem::path& p) const {
  std::ifstream in(p.is_absolute() ? p : dir_ / p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::filesystem::path ServeTest::put(const std::string& name, const std::string& content) const {
  std::ofstream(dir_ / name, std::ios::binary) << content;
  return dir_ / name;
}

void ServeTest::SetUp() {
  CliTest::SetUp();
  if (!ready_) return;
  make_ca("kubernetes", "ecdsa-p256");
  const auto ok = [&](const std::vector<std::string>& argv) {
    const auto r = tool(argv);
    ASSERT_EQ(r.exit_code, 0) << argv[1] << ": " << r.err;
  };
  const std::vector<std::string> ec = {"-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                                       "-nodes"};
  const auto self_signed = [&](const std::string& n, const std::string& subj) {
    std::vector<std::string> a = {"openssl", "req",     "-x509",    "-days", "2",       "-subj",
                                  subj,      "-keyout", n + ".key", "-out",  n + ".crt"};
    a.insert(a.end(), ec.begin(), ec.end());
    ok(a);
  };
  const auto issued = [&](const std::string& n, const std::string& ca, const std::string& subj,
                          const std::string& ext) {
    std::vector<std::string> a = {"openssl",   "req",     "-x509",    "-days",     "1",
                                  "-subj",     subj,      "-CA",      ca + ".crt", "-CAkey",
                                  ca + ".key", "-keyout", n + ".key", "-out",      n + ".crt",
                                  "-addext",   ext};
    a.insert(a.end(), ec.begin(), ec.end());
    ok(a);
  };
  self_signed("server-ca", "/CN=serve test server CA");
  issued("server", "server-ca", "/CN=127.0.0.1", "subjectAltName=IP:127.0.0.1");
  self_signed("client-ca", "/CN=serve test client CA");
  issued("client", "client-ca", "/CN=ingress/O=acme", "extendedKeyUsage=clientAuth");
  self_signed("other-ca", "/CN=some other CA");
  issued("intruder", "other-ca", "/CN=ingress/O=acme", "extendedKeyUsage=clientAuth");
  put("ci.hex", std::string(kHmacKeyHex) + "\n");
  put("old.hex", kExpiredKeyHex);
  record_ = dir_ / "issued.jsonl";
  const nlohmann::json config = {
      {"listeners",
       {{{"address", "127.0.0.1:0"}}, {{"address", "127.0.0.1:0"}, {"plain_http", true}}}},
      {"tls",
       {{"certificate", "server.crt"},
        {"key", "file:server.key"},
        {"client_ca", {"client-ca.crt"}}}},
      {"cas", {"kubernetes"}},
      {"clients",
       {{{"name", "ingress"},
         {"subject", "CN=ingress,O=acme"},
         {"ca", "kubernetes"},
         {"profiles", {"kubelet-client"}}}}},
      {"hmac_keys",
       {{{"name", "ci"},
         {"key_file", "ci.hex"},
         {"expires", "2099-01-01T00:00:00Z"},
         {"ca", "kubernetes"},
         {"profiles", {"kubelet-client"}}},
        {{"name", "old"},
         {"key_file", "old.hex"},
         {"expires", "2020-01-01T00:00:00Z"},
         {"ca", "kubernetes"},
         {"profiles", {"kubelet-client"}}}}},
      {"limits", {{"header_timeout", "2s"}, {"idle_timeout", "5s"}, {"drain_timeout", "10s"}}},
      {"record_file", "issued.jsonl"}};
  config_ = put("serve.json", config.dump(2));
  openssl_csr("node", "/O=system:nodes/CN=system:node:n1");
}

void ServeTest::TearDown() {
  if (pid_ > 0) stop_server();
  CliTest::TearDown();
}

void ServeTest::start_server() {
  int fds[2];  // NOLINT(modernize-avoid-c-arrays)
  ASSERT_EQ(pipe(fds), 0);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
  posix_spawn_file_actions_addclose(&actions, fds[0]);
  posix_spawn_file_actions_addchdir_np(&actions, dir_.c_str());
  std::vector<std::string> argv = {SIGNET_CLI_PATH,        "--state", state_.string(),
                                   "--allow-software-key", "serve",   "--config",
                                   config_.string()};
  std::vector<char*> args;
  for (auto& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  ASSERT_EQ(posix_spawn(&pid_, args[0], &actions, nullptr, args.data(), environ), 0);
  posix_spawn_file_actions_destroy(&actions);
  close(fds[1]);
  out_fd_ = fds[0];
  // Wait (≤ 30 s) for both "listening on" lines.
  std::string out;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (out.find("http://") == std::string::npos || out.find("https://") == std::string::npos ||
         out.find('\n', out.rfind("listening")) == std::string::npos) {
    ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "server did not start: " << out;
    pollfd p{out_fd_, POLLIN, 0};
    if (poll(&p, 1, 200) <= 0) continue;
    char buf[512];  // NOLINT(modernize-avoid-c-arrays)
    const ssize_t n = ::read(out_fd_, buf, sizeof buf);
    ASSERT_GT(n, 0) << "server exited before listening: " << out;
    out.append(buf, static_cast<std::size_t>(n));
  }
  const auto take = [&](const std::string& scheme) {
    const auto at = out.find(scheme) + scheme.size();
    return out.substr(at, out.find('\n', at) - at);
  };
  https_ = take("https://");
  http_ = take("http://");
}

int ServeTest::stop_server() {
  if (pid_ <= 0) return -1;
  kill(pid_, SIGTERM);
  int status = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  int code = -1;
  while (std::chrono::steady_clock::now() < deadline) {
    const pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (code == -1) {
    kill(pid_, SIGKILL);
    waitpid(pid_, &status, 0);
  }
  pid_ = -1;
  if (out_fd_ >= 0) close(out_fd_);
  out_fd_ = -1;
  return code;
}

RunResult ServeTest::curl(const std::string& url, const std::string& body_file,
                          const std::vector<std::string>& extra) const {
  std::vector<std::string> argv = {"curl",           "-sS",      "--max-time",   "20", "-w",
                                   "\n%{http_code}", "--cacert", "server-ca.crt"};
  if (!body_file.empty()) argv.insert(argv.end(), {"--data-binary", "@" + body_file});
  argv.insert(argv.end(), extra.begin(), extra.end());
  argv.push_back(url);
  return tool(argv);
}

std::string ServeTest::sign_request(const std::filesystem::path& csr,
                                    const std::string& profile) const {
  return nlohmann::json({{"certificate_request", read(csr)}, {"profile", profile}}).dump();
}

std::string ServeTest::authenticated(const std::string& request, const std::string& key_hex) {
  const Bytes key = from_hex(key_hex);
  Bytes mac(32);
  std::size_t len = 0;
  EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, key.data(), key.size(),
            reinterpret_cast<const unsigned char*>(request.data()), request.size(), mac.data(),
            mac.size(), &len);
  return nlohmann::json(
             {{"token", base64_encode(mac)}, {"request", base64_encode(as_bytes(request))}})
      .dump();
}

std::size_t ServeTest::records() const {
  // The ledger is the record (persist-before-return); the JSON-lines log must agree with it.
  std::ifstream in(record_);
  std::size_t logged = 0;
  std::string line;
  while (std::getline(in, line)) logged += line.empty() ? 0 : 1;
  const RunResult r = signet({"--output", "json", "ledger", "list"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  if (r.exit_code != 0) return logged;
  const std::size_t in_ledger = nlohmann::json::parse(r.out)["records"].size();
  EXPECT_EQ(in_ledger, logged) << "the ledger and the record_file log disagree";
  return in_ledger;
}

}  // namespace signet::testing
