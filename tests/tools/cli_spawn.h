// Child signet processes a test can kill (SIGKILL crash tests): posix_spawn without a shell,
// stderr to a file, and an optional SOFTHSM2_CONF of the child's own.
#pragma once

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

extern char** environ;  // NOLINT

namespace signet::testing {

struct Spawned {
  pid_t pid = -1;
  std::filesystem::path err;
};

// Starts `argv` in `cwd` with stderr to a file (stdout to /dev/null); no shell. `softhsm_conf`,
// when set, replaces SOFTHSM2_CONF (a worker on its own copy of the token).
inline Spawned spawn(const std::vector<std::string>& argv, const std::filesystem::path& cwd,
                     const std::string& tag, const std::string& softhsm_conf = {}) {
  Spawned s;
  s.err = cwd / (tag + ".err");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, s.err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_addchdir_np(&actions, cwd.c_str());
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));  // NOLINT
  args.push_back(nullptr);
  std::vector<std::string> env_text;
  for (char** e = environ; *e != nullptr; ++e) {  // NOLINT
    const std::string var(*e);
    if (!softhsm_conf.empty() && var.starts_with("SOFTHSM2_CONF=")) continue;
    env_text.push_back(var);
  }
  if (!softhsm_conf.empty()) env_text.push_back("SOFTHSM2_CONF=" + softhsm_conf);
  std::vector<char*> env;
  for (auto& v : env_text) env.push_back(v.data());
  env.push_back(nullptr);
  if (posix_spawn(&s.pid, args[0], &actions, nullptr, args.data(), env.data()) != 0) s.pid = -1;
  posix_spawn_file_actions_destroy(&actions);
  return s;
}

inline int wait_for(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

inline std::string read_all(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace signet::testing
