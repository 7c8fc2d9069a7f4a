// The shared ledger store suite (signet issue 6, item 2): every LedgerStore implementation runs
// the same tests through a backend that can open the store again on the same database and run
// raw SQL beside it (to build an old schema by hand, or to try what the API forbids).
#pragma once

#include <functional>
#include <memory>
#include <ostream>
#include <string>

#include <gtest/gtest.h>

#include "signet/core/ledger.h"

namespace signet::testing {

class LedgerBackend {
 public:
  LedgerBackend() = default;
  LedgerBackend(const LedgerBackend&) = delete;
  LedgerBackend& operator=(const LedgerBackend&) = delete;
  LedgerBackend(LedgerBackend&&) = delete;
  LedgerBackend& operator=(LedgerBackend&&) = delete;
  virtual ~LedgerBackend() = default;

  // Opens the store on this backend's database (again: reopening sees the same data).
  [[nodiscard]] virtual Result<std::unique_ptr<ledger::LedgerStore>> open() = 0;
  // Raw SQL on the same database, outside the store.
  [[nodiscard]] virtual Status exec(const std::string& sql) = 0;
  // Version 1 of the schema in this dialect, as a signet of that version created it.
  [[nodiscard]] virtual std::string schema_v1() const = 0;
  // A v1 row in this dialect: issuer 'old-ca', serial 0x0102, not_after 2000000000.
  [[nodiscard]] virtual std::string v1_row() const = 0;
};

struct BackendParam {
  std::string name;
  // A fresh, empty database; nullptr + `skip` set when the backend is unavailable here.
  std::function<std::unique_ptr<LedgerBackend>(std::string& skip)> make;
};

// gtest prints the parameter by name, not as bytes.
inline void PrintTo(const BackendParam& param, std::ostream* os) {
  *os << param.name;
}

inline std::string backend_name(const ::testing::TestParamInfo<BackendParam>& info) {
  return info.param.name;
}

BackendParam sqlite_backend();
BackendParam postgres_backend();

class LedgerStoreTest : public ::testing::TestWithParam<BackendParam> {
 protected:
  void SetUp() override;
  // The store on the backend's database (opened in SetUp).
  std::unique_ptr<LedgerBackend> backend_;
  std::unique_ptr<ledger::LedgerStore> store_;
};

// The concurrency part (label "concurrency", run under TSan too).
class LedgerStoreConcurrencyTest : public LedgerStoreTest {};

// A valid record: issuer, serial byte `n`, not_after = 1'900'000'000 + n.
ledger::CertificateRecord sample_record(const std::string& issuer, std::uint32_t n);

}  // namespace signet::testing
