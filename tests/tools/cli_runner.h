// Runs a program (the signet CLI or a verifier we did not write) with an argument vector — no
// shell — and captures its exit code, stdout and stderr.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "softhsm_fixture.h"

namespace signet::testing {

struct RunResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

RunResult run_program(const std::vector<std::string>& argv, const std::filesystem::path& cwd);

// A test with a fresh token, a state directory and a helper to call `signet`.
class CliTest : public SoftHsmTest {
 protected:
  void SetUp() override;
  RunResult signet(std::vector<std::string> args) const;
  RunResult tool(const std::vector<std::string>& argv) const { return run_program(argv, dir_); }
  // Every file under the state directory with its content, to prove nothing was written.
  [[nodiscard]] std::string snapshot_state() const;
  // Makes a node CSR with the openssl CLI; returns its path.
  std::filesystem::path openssl_csr(const std::string& name, const std::string& subject,
                                    const std::string& key_kind = "ec") const;
  // token init + key generate + ca init for a CA named `ca_name` with algorithm `alg`.
  void make_ca(const std::string& ca_name, const std::string& alg);

  std::filesystem::path state_;
};

}  // namespace signet::testing
