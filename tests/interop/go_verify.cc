#include "go_verify.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <vector>

#include <nlohmann/json.hpp>

extern char** environ;  // NOLINT

namespace signet::testing {
namespace {

std::string write(const std::filesystem::path& path, const std::string& content) {
  std::ofstream(path, std::ios::binary) << content;
  return path.string();
}

// Runs argv with stdout on a pipe; returns exit code and stdout.
int run(const std::vector<std::string>& argv, std::string& out) {
  std::array<int, 2> pipe_fds{};
  if (pipe(pipe_fds.data()) != 0) return -1;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], 1);
  posix_spawn_file_actions_addclose(&actions, pipe_fds[0]);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));  // NOLINT
  args.push_back(nullptr);
  pid_t pid = 0;
  const int spawned = posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(pipe_fds[1]);
  std::array<char, 4096> buf{};
  for (ssize_t n = 0; (n = read(pipe_fds[0], buf.data(), buf.size())) > 0;) {
    out.append(buf.data(), static_cast<std::size_t>(n));
  }
  close(pipe_fds[0]);
  if (spawned != 0) return -1;
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace

GoVerifyResult go_verify(const GoVerifyRequest& request) {
  std::string templ = (std::filesystem::temp_directory_path() / "goverify-XXXXXX").string();
  GoVerifyResult result;
  if (mkdtemp(templ.data()) == nullptr) return result;
  const std::filesystem::path dir = templ;
  std::vector<std::string> argv = {SIGNET_GOVERIFY_PATH,
                                   "--roots",
                                   write(dir / "roots.pem", request.roots_pem),
                                   "--cert",
                                   write(dir / "cert.pem", request.cert_pem),
                                   "--eku",
                                   request.eku};
  if (!request.intermediates_pem.empty()) {
    argv.insert(argv.end(),
                {"--intermediates", write(dir / "intermediates.pem", request.intermediates_pem)});
  }
  if (!request.dns.empty()) argv.insert(argv.end(), {"--dns", request.dns});
  if (!request.ip.empty()) argv.insert(argv.end(), {"--ip", request.ip});
  result.exit_code = run(argv, result.output);
  std::filesystem::remove_all(dir);
  const auto json = nlohmann::json::parse(result.output, nullptr, false);
  if (json.is_object()) {
    result.ok = json.value("ok", false);
    result.error = json.value("error", "");
    result.stage = json.value("stage", "");
  }
  return result;
}

}  // namespace signet::testing
