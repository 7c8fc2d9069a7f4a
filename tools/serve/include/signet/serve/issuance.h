// What the server signs with and where every issued certificate is recorded before it is returned
// (persist-before-return, ARCHITECTURE.md "State").
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "signet/core/ca.h"
#include "signet/core/issuer.h"
#include "signet/core/result.h"
#include "signet/core/signer.h"

namespace signet::serve {

// A CA signer's sessions at scrape time (the /metrics gauges).
struct SignerLoad {
  std::size_t sessions = 0;         // the most sessions it signs on at once
  std::size_t sessions_in_use = 0;  // leased to a signature now
  std::size_t waiters = 0;          // signatures waiting for a session or for queue space
};

// A CA the server issues from: its certificate, its (token) signer, and the intermediates a leaf
// is returned with (PEM, nearest first, no root; empty for a root CA).
struct ServedCa {
  std::string name;
  CaCertificate certificate;
  std::string certificate_pem;
  std::string chain_pem;
  std::shared_ptr<Signer> signer;
  // GET /v1/ca/NAME: the CA certificate, then every parent the state directory knows, root
  // included (a bundle `openssl verify -CAfile` takes). Empty: certificate_pem + chain_pem.
  std::string bundle_pem;
  // The signer's load for /metrics (the CLI reads it from hsm's session pool); empty or nullopt:
  // no gauges for this CA.
  std::function<std::optional<SignerLoad>()> load;
};

// One issued certificate as the recorder sees it, before any byte of it leaves the server.
struct IssuanceRecord {
  std::string ca;
  std::string profile;
  std::string requester;  // "mtls:<subject>" or "hmac:<key name>"
  std::string endpoint;   // "/api/v1/cfssl/sign", ...
  IssuedCertificate certificate;
  std::chrono::system_clock::time_point issued_at;
};

// The persist-before-return hook. The server calls record() after signing and before answering;
// when it fails the certificate is dropped and the client gets 503 (retry). Implementations must
// be thread-safe (the signing threads call it concurrently). The ledger (core ledger.h, built in
// parallel) is meant to implement this interface.
class IssuanceRecorder {
 public:
  IssuanceRecorder() = default;
  IssuanceRecorder(const IssuanceRecorder&) = delete;
  IssuanceRecorder& operator=(const IssuanceRecorder&) = delete;
  IssuanceRecorder(IssuanceRecorder&&) = delete;
  IssuanceRecorder& operator=(IssuanceRecorder&&) = delete;
  virtual ~IssuanceRecorder() = default;

  [[nodiscard]] virtual Status record(const IssuanceRecord& record) = 0;
  // Several certificates at once (POST /v1/sign/batch); element i is records[i]'s Status, and
  // each certificate is returned only if its own Status is OK. The default records them one
  // after another; a recorder with group commit overrides it to commit them together.
  [[nodiscard]] virtual std::vector<Status> record_all(const std::vector<IssuanceRecord>& records) {
    std::vector<Status> out;
    out.reserve(records.size());
    for (const auto& r : records) out.push_back(record(r));
    return out;
  }
};

// Until the ledger is plugged in: one JSON object per line (ca, profile, requester, serial,
// subject, SANs, validity, certificate PEM) appended to a file opened O_APPEND and fsync'd before
// record() returns, so a returned certificate is always on disk.
class JsonLinesRecorder final : public IssuanceRecorder {
 public:
  [[nodiscard]] static Result<std::unique_ptr<JsonLinesRecorder>> open(
      const std::filesystem::path& path);
  JsonLinesRecorder(const JsonLinesRecorder&) = delete;
  JsonLinesRecorder& operator=(const JsonLinesRecorder&) = delete;
  JsonLinesRecorder(JsonLinesRecorder&&) = delete;
  JsonLinesRecorder& operator=(JsonLinesRecorder&&) = delete;
  ~JsonLinesRecorder() override;

  [[nodiscard]] Status record(const IssuanceRecord& record) override;

 private:
  JsonLinesRecorder(std::filesystem::path path, int fd) : path_(std::move(path)), fd_(fd) {}
  std::filesystem::path path_;
  int fd_;
  std::mutex mutex_;
};

}  // namespace signet::serve
