// The PIN never leaves its pin-source: not in any command's output or error, not in a process's
// argument list while it runs (what `ps` shows), and not in any file the commands write — the
// state directory, the certificates, SoftHSM's token directory (which keeps only a PIN hash).
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "cli_runner.h"

extern char** environ;  // NOLINT

namespace signet::testing {
namespace {

std::string read_all(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Every /proc/<pid>/cmdline of the machine, NUL separators turned into spaces: what `ps -ef`
// prints.
std::string all_command_lines() {
  std::string out;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator("/proc", ec)) {
    const std::string name = e.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::string line = read_all(e.path() / "cmdline");
    std::replace(line.begin(), line.end(), '\0', ' ');
    out += line + "\n";
  }
  return out;
}

class CliSecretTest : public CliTest {
 protected:
  // Fails the test when `text` holds either PIN; `where` names what was searched.
  void expect_no_pin(const std::string& text, const std::string& where) const {
    EXPECT_EQ(text.find(kPin), std::string::npos) << "user PIN found in " << where;
    EXPECT_EQ(text.find(kSoPin), std::string::npos) << "SO PIN found in " << where;
    EXPECT_EQ(text.find(kOtherPin), std::string::npos) << "wrong PIN found in " << where;
  }
  // Runs signet and checks its stdout and stderr.
  RunResult checked(std::vector<std::string> args) {
    const std::string what = args.empty() ? "signet" : "signet " + args[0];
    RunResult r = signet(std::move(args));
    expect_no_pin(r.out, what + " stdout");
    expect_no_pin(r.err, what + " stderr");
    return r;
  }
  static constexpr const char* kOtherPin = "9999-wrong-pin-value";
};

TEST_F(CliSecretTest, PinIsNeverInOutputArgumentsOrFiles) {
  ASSERT_TRUE(ready_);
  auto r = checked({"token", "init", "--module", module_, "--label", "cli", "--pin-source",
                    pin_source(), "--so-pin-source", "file:" + so_pin_file_.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string key = "pkcs11:token=cli;object=ca-key?pin-source=" + pin_source();
  r = checked({"key", "generate", "--algorithm", "ecdsa-p256", "--key", key});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = checked({"--output", "json", "key", "list", "--token", "cli", "--pin-source", pin_source()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = checked({"ca", "init", "--name", "kubernetes", "--key", key, "--subject", "CN=kubernetes",
               "--out", "ca.crt"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  openssl_csr("node", "/O=system:nodes/CN=system:node:node-1");
  r = checked({"--output", "json", "sign", "--ca", "kubernetes", "--profile", "kubelet-client",
               "--csr", "node.csr", "--out", "node.crt"});
  ASSERT_EQ(r.exit_code, 0) << r.err;

  // The PIN from the environment (pin-source=env:), in both output modes.
  ASSERT_EQ(::setenv("SIGNET_TEST_PIN", kPin, 1), 0);
  const std::string env_key = "pkcs11:token=cli;object=ca-key?pin-source=env:SIGNET_TEST_PIN";
  r = checked({"key", "list", "--token", "cli", "--pin-source", "env:SIGNET_TEST_PIN"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  ::unsetenv("SIGNET_TEST_PIN");

  // A wrong PIN: the error says so without echoing what was tried, in text and JSON.
  const auto wrong = write_file("wrong-pin", kOtherPin);
  const std::string wrong_key = "pkcs11:token=cli;object=ca-key?pin-source=file:" + wrong.string();
  for (const char* mode : {"text", "json"}) {
    r = checked({"--output", mode, "bench", "hsm", "--key", wrong_key, "--threads", "1",
                 "--seconds", "0.1", "--repeat", "1"});
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.err.find("PIN"), std::string::npos) << r.err;
  }

  // While a command runs, its argument list (what ps shows) holds only the pin-source.
  std::vector<std::string> argv = {
      SIGNET_CLI_PATH, "--state", state_.string(), "bench", "hsm",      "--key", key,
      "--threads",     "2",       "--seconds",     "1",     "--repeat", "1"};
  std::vector<char*> args;
  for (auto& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  pid_t pid = 0;
  ASSERT_EQ(posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ), 0);
  posix_spawn_file_actions_destroy(&actions);
  bool saw_signet = false;
  for (int i = 0; i < 20; ++i) {  // sampled over the command's life (≥ 2 s)
    const std::string ps = all_command_lines();
    saw_signet = saw_signet || ps.find(key) != std::string::npos;
    expect_no_pin(ps, "the process list");
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  EXPECT_TRUE(saw_signet) << "the running command was never seen in /proc";

  // Every file the test's commands could have written: state, certificates, token directory.
  std::size_t scanned = 0;
  std::error_code ec;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir_, ec)) {
    if (!e.is_regular_file()) continue;
    if (e.path() == pin_file_ || e.path() == so_pin_file_ || e.path() == wrong) continue;
    expect_no_pin(read_all(e.path()), e.path().string());
    ++scanned;
  }
  EXPECT_GE(scanned, 5U);  // config, CA record and certificate, node files, token objects
}

}  // namespace
}  // namespace signet::testing
