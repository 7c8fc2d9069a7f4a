#include "ledger_access.h"

#include <pwd.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <span>

#include "signet/scheduler/ledger_store.h"

namespace signet::cli {

Result<std::unique_ptr<ledger::LedgerStore>> open_ledger(const Context& ctx) {
  if (!ctx.ledger_flag.empty()) {
    return scheduler::open_ledger(ctx.ledger_flag).map_error([](Error e) {
      return std::move(e).context("--ledger");
    });
  }
  SIGNET_ASSIGN_OR_RETURN(const Config config, ctx.state().load_config());
  if (config.ledger) return scheduler::open_ledger(*config.ledger);
  const std::filesystem::path dir = ctx.state().dir();
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    return fail(ErrorCode::kFailedPrecondition,
                "no state directory " + dir.string() + " for the ledger (--state, $SIGNET_HOME)");
  }
  return scheduler::open_sqlite_ledger(dir / "ledger.sqlite");
}

Result<std::unique_ptr<ledger::LedgerStore>> open_existing_ledger(const Context& ctx) {
  std::string spec = ctx.ledger_flag;
  if (spec.empty()) {
    SIGNET_ASSIGN_OR_RETURN(const Config config, ctx.state().load_config());
    spec = config.ledger ? *config.ledger : (ctx.state().dir() / "ledger.sqlite").string();
  }
  // Anything but a libpq URI is an SQLite file, which opening would create.
  if (spec.rfind("postgresql://", 0) != 0 && spec.rfind("postgres://", 0) != 0) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(spec, ec)) {
      return fail(ErrorCode::kNotFound, "no ledger at " + spec +
                                            " (nothing recorded there yet, or a wrong --ledger "
                                            "/ --state); not creating one to read");
    }
  }
  return open_ledger(ctx);
}

Status record_certificate(ledger::LedgerStore& store, ByteView der,
                          const ledger::IssuanceContext& context) {
  const auto not_recorded = [](Error e) {
    return std::move(e).context("certificate not recorded");
  };
  SIGNET_ASSIGN_OR_RETURN(const ledger::CertificateRecord record,
                          ledger::record_from_certificate(der, context).map_error(not_recorded));
  SIGNET_ASSIGN_OR_RETURN(auto results,
                          store.insert(std::span(&record, 1)).map_error(not_recorded));
  return results.at(0).map_error(not_recorded);
}

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string cli_requester() {
  const passwd* pw = getpwuid(geteuid());  // NOLINT(concurrency-mt-unsafe): once per command
  return "cli:" + (pw != nullptr && pw->pw_name != nullptr ? std::string(pw->pw_name)
                                                           : std::to_string(geteuid()));
}

Result<Bytes> parse_serial(std::string_view text) {
  std::string hex;
  for (const char c : text) {
    if (c != ':') hex += c;
  }
  const auto bad = [&] {
    return fail(ErrorCode::kInvalidArgument,
                "serial '" + std::string(text.substr(0, 64)) +
                    "' must be 1..20 octets of hex (e.g. 4f1c0a or 4f:1c:0a)");
  };
  if (hex.empty() || hex.size() > 40 ||
      hex.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos) {
    return bad();
  }
  if (hex.size() % 2 == 1) hex.insert(hex.begin(), '0');
  Bytes out;
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    out.push_back(static_cast<std::uint8_t>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  // The ledger stores the INTEGER's magnitude: no leading zero octets (a leading 00 typed from
  // `openssl x509 -serial` output of a positive serial with its top bit set is dropped).
  while (out.size() > 1 && out.front() == 0) out.erase(out.begin());
  return out;
}

}  // namespace signet::cli
