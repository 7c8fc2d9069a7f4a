// signet's state directory: config.json (the PKCS#11 module) and cas/<name>/ (each CA's
// certificate and key reference). Resolved from --state, else $SIGNET_HOME, else ./var/signet.
// Every write is atomic (temporary file, fsync, rename): a crash leaves the old state or the new,
// never half of one.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "signet/core/ca.h"
#include "signet/core/result.h"

namespace signet::cli {

struct Config {
  std::optional<std::string> pkcs11_module;
  // The ledger (signet issue 6): an SQLite path or a postgresql:// URI without a password;
  // absent: <state dir>/ledger.sqlite.
  std::optional<std::string> ledger;
};

struct CaRecord {
  std::string name;
  std::string key;      // a pkcs11: URI (with pin-source, never a PIN) or file:PATH
  std::string created;  // RFC 3339
  std::optional<std::string> parent;
};

struct StoredCa {
  CaRecord record;
  CaCertificate certificate;
  std::string certificate_pem;
  // cas/<name>/chain.crt: the certificates above a CA imported with --chain (an external root's
  // path), nearest first, root last. Empty when there is none.
  std::string chain_pem;
};

class State {
 public:
  [[nodiscard]] static std::filesystem::path resolve(const std::string& flag);
  explicit State(std::filesystem::path dir) : dir_(std::move(dir)) {}

  [[nodiscard]] const std::filesystem::path& dir() const noexcept { return dir_; }
  [[nodiscard]] Result<Config> load_config() const;
  [[nodiscard]] Status save_config(const Config& config) const;

  [[nodiscard]] Result<StoredCa> load_ca(const std::string& name) const;
  [[nodiscard]] Result<std::vector<StoredCa>> list_cas() const;
  // The CAs above `name`, nearest first, following recorded parents (at most 8; a loop or a
  // missing parent is an error naming it).
  [[nodiscard]] Result<std::vector<StoredCa>> ancestors(const std::string& name) const;
  // The PEM certificates a leaf issued by CA `name` is sent with (RFC 8446 §4.4.2, RFC 5246
  // §7.4.2: the root may be left out): the CA and its ancestors (or its stored chain.crt),
  // without the self-issued root. Empty for a root CA.
  [[nodiscard]] Result<std::string> chain_pem(const std::string& name) const;
  // Refuses an existing name; writes the CA directory whole or not at all.
  // `chain_pem`, when not empty, becomes cas/<name>/chain.crt.
  [[nodiscard]] Status add_ca(const CaRecord& record, const std::string& certificate_pem,
                              const std::string& chain_pem = {}) const;

 private:
  std::filesystem::path dir_;
};

// CA names: 1–63 of [a-z0-9-], starting with a letter or digit (they become directory names).
[[nodiscard]] Status check_ca_name(const std::string& name);

// Atomic write: `path` ends up with exactly `content`, or is unchanged.
// Before any work whose result goes to `path`: its directory exists and is writable, and `path`
// is not a directory (so a signature is never spent, nor a ledger record made, for a certificate
// that cannot be written out).
[[nodiscard]] Status check_writable(const std::filesystem::path& path);

[[nodiscard]] Status write_file_atomic(const std::filesystem::path& path, std::string_view content,
                                       unsigned mode = 0644);
// Reads a whole file, refusing more than `limit` bytes; `what` names it in messages.
[[nodiscard]] Result<std::string> read_file_limited(const std::filesystem::path& path,
                                                    std::size_t limit, std::string_view what);

}  // namespace signet::cli
