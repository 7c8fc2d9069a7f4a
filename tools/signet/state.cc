#include "state.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>  // renameat2 (glibc, _GNU_SOURCE)
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <system_error>

#include <nlohmann/json.hpp>

#include "signet/core/pem.h"

namespace signet::cli {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr std::size_t kMaxJsonBytes = std::size_t{64} * 1024;

std::string errno_text() {
  return std::error_code(errno, std::generic_category()).message();
}  // NOLINT(concurrency-mt-unsafe)

Status fsync_dir(const fs::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return fail(ErrorCode::kUnavailable, "cannot open " + dir.string() + ": " + errno_text());
  ::fsync(fd);
  ::close(fd);
  return {};
}

Result<json> read_json(const fs::path& path, std::string_view what) {
  SIGNET_ASSIGN_OR_RETURN(const std::string text, read_file_limited(path, kMaxJsonBytes, what));
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return fail(ErrorCode::kFailedPrecondition,
                std::string(what) + " " + path.string() + " is not a JSON object");
  }
  return j;
}

Result<std::string> string_field(const json& j, const char* key, const fs::path& path) {
  const auto it = j.find(key);
  if (it == j.end() || !it->is_string()) {
    return fail(ErrorCode::kFailedPrecondition,
                path.string() + ": field '" + key + "' is missing or not a string");
  }
  return it->get<std::string>();
}

}  // namespace

fs::path State::resolve(const std::string& flag) {
  if (!flag.empty()) return flag;
  if (const char* home = std::getenv("SIGNET_HOME"); home != nullptr && *home != '\0') {  // NOLINT
    return home;
  }
  return "var/signet";
}

Status check_ca_name(const std::string& name) {
  const bool ok = !name.empty() && name.size() <= 63 &&
                  std::all_of(name.begin(), name.end(),
                              [](char c) {
                                return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
                              }) &&
                  name[0] != '-';
  if (!ok) {
    return fail(ErrorCode::kInvalidArgument,
                "CA name '" + name.substr(0, 64) +
                    "' must be 1-63 characters of a-z, 0-9 and '-', not starting with '-'");
  }
  return {};
}

Result<std::string> read_file_limited(const fs::path& path, std::size_t limit,
                                      std::string_view what) {
  std::error_code ec;
  if (fs::exists(path, ec) && !fs::is_regular_file(path, ec)) {
    return fail(ErrorCode::kInvalidArgument,
                std::string(what) + " " + path.string() + " is not a regular file");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return fail(ErrorCode::kNotFound,
                "cannot read " + std::string(what) + " " + path.string() + ": " + errno_text());
  }
  std::string data(limit + 1, '\0');
  in.read(data.data(), static_cast<std::streamsize>(data.size()));
  data.resize(static_cast<std::size_t>(in.gcount()));
  if (data.size() > limit) {
    return fail(ErrorCode::kInvalidArgument, std::string(what) + " " + path.string() +
                                                 " is larger than " + std::to_string(limit) +
                                                 " bytes");
  }
  return data;
}

Status check_writable(const fs::path& path) {
  const fs::path dir = path.has_parent_path() ? path.parent_path() : fs::path(".");
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    return fail(ErrorCode::kFailedPrecondition,
                "cannot write " + path.string() + ": " + dir.string() + " is not a directory");
  }
  if (::access(dir.c_str(), W_OK) != 0) {
    return fail(ErrorCode::kFailedPrecondition,
                "cannot write " + path.string() + ": " + errno_text());
  }
  if (fs::is_directory(path, ec)) {
    return fail(ErrorCode::kFailedPrecondition,
                "cannot write " + path.string() + ": it is a directory");
  }
  return {};
}

Status write_file_atomic(const fs::path& path, std::string_view content, unsigned mode) {
  const fs::path dir = path.has_parent_path() ? path.parent_path() : fs::path(".");
  const fs::path tmp =
      dir / ("." + path.filename().string() + ".tmp." + std::to_string(::getpid()));
  ::unlink(tmp.c_str());  // a leftover of a crashed run with the same pid
  // O_EXCL | O_NOFOLLOW: never write through a link someone planted at the temporary name.
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
  if (fd < 0) {
    return fail(ErrorCode::kFailedPrecondition,
                "cannot write " + path.string() + ": " + errno_text());
  }
  std::size_t done = 0;
  while (done < content.size()) {
    const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const std::string why = errno_text();
      ::close(fd);
      ::unlink(tmp.c_str());
      return fail(ErrorCode::kUnavailable, "cannot write " + path.string() + ": " + why);
    }
    done += static_cast<std::size_t>(n);
  }
  const bool synced = ::fsync(fd) == 0;
  const bool closed = ::close(fd) == 0;
  if (!synced || !closed || ::rename(tmp.c_str(), path.c_str()) != 0) {
    const std::string why = errno_text();
    ::unlink(tmp.c_str());
    return fail(ErrorCode::kUnavailable, "cannot write " + path.string() + ": " + why);
  }
  return fsync_dir(dir);
}

Result<Config> State::load_config() const {
  const fs::path path = dir_ / "config.json";
  Config config;
  std::error_code ec;
  if (!fs::exists(path, ec)) return config;
  SIGNET_ASSIGN_OR_RETURN(const json j, read_json(path, "config"));
  if (const auto it = j.find("pkcs11_module"); it != j.end()) {
    if (!it->is_string()) {
      return fail(ErrorCode::kFailedPrecondition,
                  path.string() + ": pkcs11_module must be a string");
    }
    config.pkcs11_module = it->get<std::string>();
  }
  if (const auto it = j.find("ledger"); it != j.end()) {
    if (!it->is_string() || it->get_ref<const std::string&>().empty()) {
      return fail(
          ErrorCode::kFailedPrecondition,
          path.string() + ": ledger must be a non-empty string (a path or postgresql:// URI)");
    }
    config.ledger = it->get<std::string>();
  }
  return config;
}

Status State::save_config(const Config& config) const {
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec) {
    return fail(ErrorCode::kFailedPrecondition,
                "cannot create state directory " + dir_.string() + ": " + ec.message());
  }
  json j = {{"version", 1}};
  if (config.pkcs11_module) j["pkcs11_module"] = *config.pkcs11_module;
  if (config.ledger) j["ledger"] = *config.ledger;
  return write_file_atomic(dir_ / "config.json", j.dump(2) + "\n");
}

Result<StoredCa> State::load_ca(const std::string& name) const {
  SIGNET_RETURN_IF_ERROR(check_ca_name(name));
  const fs::path ca_dir = dir_ / "cas" / name;
  std::error_code ec;
  if (!fs::is_directory(ca_dir, ec)) {
    auto known = list_cas();
    std::string names;
    if (known) {
      for (const auto& ca : *known) names += (names.empty() ? "" : ", ") + ca.record.name;
    }
    return fail(ErrorCode::kNotFound, "unknown CA '" + name + "' in " + dir_.string() +
                                          " (known: " + (names.empty() ? "none" : names) +
                                          "; create one with `signet ca init`)");
  }
  SIGNET_ASSIGN_OR_RETURN(const json j, read_json(ca_dir / "ca.json", "CA record"));
  CaRecord record;
  record.name = name;
  SIGNET_ASSIGN_OR_RETURN(record.key, string_field(j, "key", ca_dir / "ca.json"));
  SIGNET_ASSIGN_OR_RETURN(record.created, string_field(j, "created", ca_dir / "ca.json"));
  if (const auto it = j.find("parent"); it != j.end() && it->is_string()) {
    record.parent = it->get<std::string>();
  }
  SIGNET_ASSIGN_OR_RETURN(
      std::string pem,
      read_file_limited(ca_dir / "ca.crt", CaCertificate::kMaxBytes, "CA certificate"));
  auto cert = CaCertificate::parse(as_bytes(pem));
  if (!cert) return fail(cert.error().context((ca_dir / "ca.crt").string()));
  StoredCa ca{std::move(record), std::move(*cert), std::move(pem), {}};
  if (fs::exists(ca_dir / "chain.crt", ec)) {
    SIGNET_ASSIGN_OR_RETURN(ca.chain_pem, read_file_limited(ca_dir / "chain.crt",
                                                            CaCertificate::kMaxBytes, "CA chain"));
  }
  return ca;
}

Result<std::vector<StoredCa>> State::list_cas() const {
  std::vector<StoredCa> out;
  std::error_code ec;
  const fs::path cas = dir_ / "cas";
  if (!fs::is_directory(cas, ec)) return out;
  std::vector<std::string> names;
  for (auto it = fs::directory_iterator(cas, ec); !ec && it != fs::directory_iterator();
       it.increment(ec)) {
    const std::string name = it->path().filename().string();
    std::error_code type_ec;
    if (it->is_directory(type_ec) && check_ca_name(name)) names.push_back(name);
  }
  if (ec) return fail(ErrorCode::kUnavailable, "cannot list " + cas.string() + ": " + ec.message());
  std::sort(names.begin(), names.end());
  for (const auto& name : names) {
    SIGNET_ASSIGN_OR_RETURN(StoredCa ca, load_ca(name));
    out.push_back(std::move(ca));
  }
  return out;
}

Result<std::vector<StoredCa>> State::ancestors(const std::string& name) const {
  constexpr std::size_t kMaxDepth = 8;
  std::vector<StoredCa> out;
  std::vector<std::string> seen{name};
  SIGNET_ASSIGN_OR_RETURN(const StoredCa first, load_ca(name));
  std::optional<std::string> next = first.record.parent;
  while (next) {
    if (std::find(seen.begin(), seen.end(), *next) != seen.end() || seen.size() > kMaxDepth) {
      return fail(ErrorCode::kFailedPrecondition,
                  "the parents of CA '" + name + "' loop or go deeper than 8 (at '" + *next + "')");
    }
    seen.push_back(*next);
    auto parent = load_ca(*next);
    if (!parent) return fail(parent.error().context("parent of CA '" + name + "'"));
    next = parent->record.parent;
    out.push_back(std::move(*parent));
  }
  return out;
}

Result<std::string> State::chain_pem(const std::string& name) const {
  SIGNET_ASSIGN_OR_RETURN(const StoredCa ca, load_ca(name));
  if (ca.certificate.self_issued()) return std::string();
  std::string pem = ca.certificate_pem;
  if (!ca.chain_pem.empty()) {
    auto chain = parse_ca_bundle(as_bytes(ca.chain_pem), "chain.crt");
    if (!chain) return fail(chain.error().context("CA '" + name + "'"));
    for (const auto& c : *chain) {
      if (!c.self_issued()) pem += pem_encode("CERTIFICATE", c.der());
    }
    return pem;
  }
  SIGNET_ASSIGN_OR_RETURN(const auto above, ancestors(name));
  for (const auto& parent : above) {
    if (!parent.certificate.self_issued()) pem += parent.certificate_pem;
  }
  return pem;
}

Status State::add_ca(const CaRecord& record, const std::string& certificate_pem,
                     const std::string& chain_pem) const {
  SIGNET_RETURN_IF_ERROR(check_ca_name(record.name));
  const fs::path cas = dir_ / "cas";
  const fs::path final_dir = cas / record.name;
  std::error_code ec;
  fs::create_directories(cas, ec);
  if (ec) {
    return fail(ErrorCode::kFailedPrecondition,
                "cannot create " + cas.string() + ": " + ec.message());
  }
  if (fs::exists(final_dir, ec)) {
    return fail(ErrorCode::kAlreadyExists,
                "CA '" + record.name + "' already exists in " + dir_.string());
  }
  // Build the CA directory under a temporary name, then rename it into place in one step.
  const fs::path tmp = cas / (".tmp-" + record.name + "-" + std::to_string(::getpid()));
  fs::remove_all(tmp, ec);
  fs::create_directory(tmp, ec);
  if (ec) return fail(ErrorCode::kFailedPrecondition, "cannot create " + tmp.string());
  json j = {
      {"version", 1}, {"name", record.name}, {"key", record.key}, {"created", record.created}};
  if (record.parent) j["parent"] = *record.parent;
  Status written = write_file_atomic(tmp / "ca.crt", certificate_pem);
  if (written) written = write_file_atomic(tmp / "ca.json", j.dump(2) + "\n");
  if (written && !chain_pem.empty()) written = write_file_atomic(tmp / "chain.crt", chain_pem);
  // RENAME_NOREPLACE: a CA created meanwhile by another process is never replaced.
  if (written &&
      ::renameat2(AT_FDCWD, tmp.c_str(), AT_FDCWD, final_dir.c_str(), RENAME_NOREPLACE) != 0) {
    written = fail(ErrorCode::kFailedPrecondition,
                   "cannot create " + final_dir.string() + ": " + errno_text());
  }
  if (!written) {
    fs::remove_all(tmp, ec);
    return written;
  }
  return fsync_dir(cas);
}

}  // namespace signet::cli
