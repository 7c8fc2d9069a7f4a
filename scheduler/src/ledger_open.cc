// Choosing a ledger store from its spec, and the rule that no PostgreSQL password ever travels
// in a URI (it would land in argv, shell history, config files and logs).
#include <string>

#include "signet/core/text.h"
#include "signet/scheduler/ledger_store.h"

namespace signet::scheduler {
namespace {

bool is_postgres(std::string_view spec) {
  return spec.starts_with("postgresql://") || spec.starts_with("postgres://");
}

}  // namespace

Status check_postgres_uri(std::string_view uri) {
  if (!is_postgres(uri)) {
    return fail(ErrorCode::kInvalidArgument,
                "ledger: a PostgreSQL ledger is a postgresql:// URI (libpq connection URI)");
  }
  if (uri.size() > 4096 || !printable_utf8_length(uri)) {
    return fail(ErrorCode::kInvalidArgument,
                "ledger: the PostgreSQL URI must be printable UTF-8 of at most 4096 bytes");
  }
  const std::string_view rest = uri.substr(uri.find("//") + 2);
  const std::string_view authority = rest.substr(0, rest.find_first_of("/?"));
  const auto at = authority.rfind('@');
  const bool userinfo_password =
      at != std::string_view::npos && authority.substr(0, at).find(':') != std::string_view::npos;
  const auto q = rest.find('?');
  bool param_password = false;
  if (q != std::string_view::npos) {
    std::string_view params = rest.substr(q + 1);
    while (!params.empty()) {
      const std::string_view param = params.substr(0, params.find('&'));
      if (param.starts_with("password=") || param == "password") param_password = true;
      if (param.size() == params.size()) break;
      params.remove_prefix(param.size() + 1);
    }
  }
  if (userinfo_password || param_password) {
    // The URI is not echoed: it holds the secret.
    return fail(ErrorCode::kInvalidArgument,
                "ledger: the PostgreSQL URI carries a password; remove it and use a libpq "
                "password file (PGPASSFILE or ~/.pgpass) or trust/peer authentication");
  }
  return {};
}

Result<std::unique_ptr<ledger::LedgerStore>> open_ledger(std::string_view spec) {
  if (spec.empty()) return fail(ErrorCode::kInvalidArgument, "ledger: empty ledger location");
  if (is_postgres(spec)) return open_postgres_ledger(spec);
  if (spec.find("://") != std::string_view::npos) {
    return fail(ErrorCode::kInvalidArgument,
                "ledger: '" + std::string(spec.substr(0, spec.find("://"))) +
                    "://' is not a ledger (a postgresql:// URI or an SQLite file path)");
  }
  return open_sqlite_ledger(std::filesystem::path(spec));
}

}  // namespace signet::scheduler
