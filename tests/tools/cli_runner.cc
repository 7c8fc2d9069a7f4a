#include "cli_runner.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

extern char** environ;  // NOLINT

namespace signet::testing {

RunResult run_program(const std::vector<std::string>& argv, const std::filesystem::path& cwd) {
  static int counter = 0;
  const auto out_path = cwd / ("run-" + std::to_string(counter) + ".out");
  const auto err_path = cwd / ("run-" + std::to_string(counter++) + ".err");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0600);
  posix_spawn_file_actions_addopen(&actions, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0600);
  posix_spawn_file_actions_addchdir_np(&actions, cwd.c_str());
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  RunResult r;
  if (posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ) == 0) {
    int status = 0;
    waitpid(pid, &status, 0);
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
  posix_spawn_file_actions_destroy(&actions);
  std::stringstream o, e;
  o << std::ifstream(out_path).rdbuf();
  e << std::ifstream(err_path).rdbuf();
  r.out = o.str();
  r.err = e.str();
  std::filesystem::remove(out_path);
  std::filesystem::remove(err_path);
  return r;
}

void CliTest::SetUp() {
  SoftHsmTest::SetUp();
  state_ = dir_ / "state";
}

RunResult CliTest::signet(std::vector<std::string> args) const {
  args.insert(args.begin(), {SIGNET_CLI_PATH, "--state", state_.string()});
  return run_program(args, dir_);
}

std::string CliTest::snapshot_state() const {
  std::string out;
  std::error_code ec;
  if (!std::filesystem::exists(state_, ec)) return "<none>";
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::recursive_directory_iterator(state_, ec)) {
    files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    out += f.string() + "\n";
    if (std::filesystem::is_regular_file(f)) {
      std::stringstream s;
      s << std::ifstream(f).rdbuf();
      out += s.str();
    }
  }
  return out;
}

std::filesystem::path CliTest::openssl_csr(const std::string& name, const std::string& subject,
                                           const std::string& key_kind) const {
  std::vector<std::string> argv = {"openssl",     "req",   "-new",  "-nodes", "-keyout",
                                   name + ".key", "-subj", subject, "-out",   name + ".csr"};
  if (key_kind == "rsa") {
    argv.insert(argv.end(), {"-newkey", "rsa:2048"});
  } else {
    argv.insert(argv.end(), {"-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"});
  }
  const auto r = run_program(argv, dir_);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return dir_ / (name + ".csr");
}

void CliTest::make_ca(const std::string& ca_name, const std::string& alg) {
  auto r = signet({"token", "init", "--module", module_, "--label", "cli", "--pin-source",
                   pin_source(), "--so-pin-source", "file:" + so_pin_file_.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string key = "pkcs11:token=cli;object=" + ca_name + "-key?pin-source=" + pin_source();
  r = signet({"key", "generate", "--algorithm", alg, "--key", key});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = signet({"ca", "init", "--name", ca_name, "--key", key, "--subject", "CN=" + ca_name,
              "--validity", "87600h", "--out", ca_name + ".crt"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
}

}  // namespace signet::testing
