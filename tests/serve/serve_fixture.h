// A `signet serve` child process on 127.0.0.1 (free ports), with the PKI its tests need: a token
// CA, a server certificate, a client CA with one client certificate, a second ("other") CA with
// its own client certificate, and HMAC keys (one valid, one expired). Started and stopped by the
// test (SIGTERM, graceful), every wait bounded.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "cli_runner.h"

namespace signet::testing {

class ServeTest : public CliTest {
 protected:
  static constexpr const char* kHmacKeyHex =
      "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
  static constexpr const char* kExpiredKeyHex = "ffeeddccbbaa99887766554433221100";

  void SetUp() override;
  void TearDown() override;

  // Starts the server with the config written by SetUp; fills https_ and http_ ("host:port").
  void start_server();
  // SIGTERM, then waits (≤ 15 s) for exit; returns the exit code (-1 on timeout, then SIGKILL).
  int stop_server();

  // curl (Debian's) POSTing `body` to `url`; "-w %{http_code}" is appended to out after "\n".
  RunResult curl(const std::string& url, const std::string& body_file,
                 const std::vector<std::string>& extra) const;
  // A cfssl sign request JSON for a CSR file.
  [[nodiscard]] std::string sign_request(const std::filesystem::path& csr,
                                         const std::string& profile) const;
  // The cfssl AuthenticatedRequest for `request` under a hex key.
  [[nodiscard]] static std::string authenticated(const std::string& request,
                                                 const std::string& key_hex);
  // Lines of the issuance record file (0 when absent).
  [[nodiscard]] std::size_t records() const;
  [[nodiscard]] std::string read(const std::filesystem::path& p) const;
  std::filesystem::path put(const std::string& name, const std::string& content) const;

  pid_t pid_ = -1;
  int out_fd_ = -1;
  std::string https_;  // "127.0.0.1:PORT"
  std::string http_;
  std::filesystem::path config_;
  std::filesystem::path record_;
};

// Answers "OK"-style for `openssl verify -CAfile ca leaf`.
std::string http_status(const RunResult& r);

}  // namespace signet::testing
