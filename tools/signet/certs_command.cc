// signet certs check-expiration — what expires when, like `kubeadm certs check-expiration`,
// over a kubeadm PKI directory, certificate files, kubeconfigs and TLS endpoints. The sources
// (expiry_sources.h) fill one inventory; one report (expiry_report.h) is printed from it.
#include <charconv>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <openssl/x509.h>

#include "signet/core/duration.h"

#include "commands.h"
#include "expiry_ledger.h"
#include "expiry_report.h"
#include "expiry_sources.h"
#include "ledger_access.h"

namespace signet::cli {
namespace {

// Exit code when a certificate expires within --warn-within or has expired (for cron jobs);
// 0, 1, 2 and 75 keep main()'s meanings.
constexpr int kExitExpiring = 3;

struct CheckExpirationOptions {
  std::vector<std::string> files;
  std::string pki_dir;
  std::vector<std::string> kubeconfigs;
  std::vector<std::string> endpoints;
  std::string warn_within;
  std::string timeout = "10s";
  bool from_ledger = false;  // --ledger given (with or without a location)
  std::string ledger;        // its location, when given one
  std::size_t ledger_limit = 100;
};

// Recently expired ledger certificates are still shown: one that expired yesterday may still
// be deployed, and that is what an operator is looking for.
constexpr std::int64_t kLedgerExpiredWindow = std::int64_t{30} * 24 * 3600;

// The ledger's certificates (soonest expiry first, within --warn-within when given) and the
// state's CAs that issued them.
Status add_ledger_rows(const Context& ctx, const CheckExpirationOptions& o,
                       const expiry::ReportOptions& options, expiry::Inventory& inventory) {
  Context at = ctx;
  if (!o.ledger.empty()) at.ledger_flag = o.ledger;
  SIGNET_ASSIGN_OR_RETURN(auto store, open_existing_ledger(at));
  expiry::LedgerSource source;
  source.now = unix_now();
  source.expired_for = kLedgerExpiredWindow;
  source.limit = o.ledger_limit;
  if (options.warn_within) source.until = source.now + options.warn_within->count();
  SIGNET_ASSIGN_OR_RETURN(const expiry::LedgerSummary summary,
                          expiry::add_ledger(inventory, *store, source));
  for (const auto& issuer : summary.issuers) {
    auto ca = ctx.state().load_ca(issuer);
    expiry::NamedCertificate entry;
    entry.name = issuer;
    entry.source = "state CA " + issuer;
    entry.role = expiry::CertRole::kAuthority;
    entry.kind = expiry::SourceKind::kLedger;
    if (ca) {
      const ByteView der = ca->certificate.der();
      const unsigned char* p = der.data();
      entry.cert.reset(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
    } else {
      entry.missing = ca.error().message();
    }
    inventory.entries.push_back(std::move(entry));
  }
  if (summary.shown + summary.revoked < summary.matched && ctx.mode() == OutputMode::kText) {
    std::cerr << "signet: ledger: showing " << summary.shown << " of " << summary.matched
              << " records in the window (--ledger-limit " << o.ledger_limit << ")\n";
  }
  return {};
}

// "30d" (days, which operators think in) or a Kubernetes duration ("720h", "90m").
Result<std::chrono::seconds> parse_warn_duration(const std::string& text, std::string_view flag) {
  if (text.size() > 1 && text.back() == 'd') {
    unsigned days = 0;
    const char* end = text.data() + text.size() - 1;
    const auto [ptr, ec] = std::from_chars(text.data(), end, days);
    if (ec != std::errc() || ptr != end || days == 0 || days > 36500) {
      return fail(ErrorCode::kInvalidArgument, std::string(flag) + " '" + text.substr(0, 40) +
                                                   "' must be 1-36500 days (e.g. 30d) or a "
                                                   "duration such as 720h");
    }
    return std::chrono::seconds(std::chrono::hours(24) * days);
  }
  auto d = parse_duration(text);
  if (!d) return fail(d.error().context(flag));
  return *d;
}

Status check_expiration(Context& ctx, const CheckExpirationOptions& o) {
  if (o.files.empty() && o.pki_dir.empty() && o.kubeconfigs.empty() && o.endpoints.empty() &&
      !o.from_ledger) {
    return fail(
        ErrorCode::kInvalidArgument,
        "certs check-expiration: give --pki-dir, --kubeconfig, --endpoint, --ledger or FILE");
  }
  if (o.ledger_limit == 0 || o.ledger_limit > 100000) {
    return fail(ErrorCode::kInvalidArgument,
                "--ledger-limit must be 1-100000, got " + std::to_string(o.ledger_limit));
  }
  expiry::ReportOptions options;
  if (!o.warn_within.empty()) {
    SIGNET_ASSIGN_OR_RETURN(options.warn_within,
                            parse_warn_duration(o.warn_within, "--warn-within"));
  }
  SIGNET_ASSIGN_OR_RETURN(const auto timeout, parse_warn_duration(o.timeout, "--timeout"));
  if (timeout > std::chrono::minutes(5)) {
    return fail(ErrorCode::kInvalidArgument, "--timeout must be at most 5m, got " + o.timeout);
  }
  // Parse every endpoint before connecting to any: a typo fails fast.
  std::vector<expiry::Endpoint> endpoints;
  for (const auto& text : o.endpoints) {
    SIGNET_ASSIGN_OR_RETURN(auto e, expiry::parse_endpoint(text));
    endpoints.push_back(std::move(e));
  }

  expiry::Inventory inventory;
  if (!o.pki_dir.empty()) SIGNET_RETURN_IF_ERROR(expiry::add_pki_dir(inventory, o.pki_dir));
  for (const auto& k : o.kubeconfigs) {
    SIGNET_RETURN_IF_ERROR(
        expiry::add_kubeconfig(inventory, k, std::filesystem::path(k).filename().string()));
  }
  SIGNET_RETURN_IF_ERROR(expiry::add_files(inventory, o.files));
  if (o.from_ledger) SIGNET_RETURN_IF_ERROR(add_ledger_rows(ctx, o, options, inventory));
  for (const auto& e : endpoints) {
    SIGNET_RETURN_IF_ERROR(expiry::add_endpoint(
        inventory, e, std::chrono::duration_cast<std::chrono::milliseconds>(timeout)));
  }
  // The clock is read after every source is in, so residual times are as of the report.
  options.now = std::chrono::system_clock::now();
  const expiry::Report report = expiry::build_report(inventory, options);
  emit(ctx, expiry::report_json(report), expiry::report_text(report));
  if (options.warn_within && !report.flagged().empty()) ctx.exit_code = kExitExpiring;
  return {};
}

}  // namespace

void register_certs_commands(CLI::App& app, Context& ctx, Action& action) {
  auto* group =
      app.add_subcommand("certs", "Inspect certificates signet did not necessarily issue");
  group->require_subcommand(1);
  auto o = std::make_shared<CheckExpirationOptions>();
  auto* cmd = group->add_subcommand(
      "check-expiration",
      "Expiry, residual time and issuing CA of certificates in files, a kubeadm PKI directory, "
      "kubeconfigs and TLS endpoints");
  cmd->add_option("file", o->files, "PEM (bundle) or DER certificate files");
  cmd->add_option("--pki-dir", o->pki_dir,
                  "a kubeadm PKI directory (e.g. /etc/kubernetes/pki); the kubeconfigs next to it "
                  "are read too");
  // One value per occurrence, so `--endpoint H:P FILE` leaves FILE to the positionals.
  cmd->add_option("--kubeconfig", o->kubeconfigs, "a kubeconfig file (repeatable)")
      ->allow_extra_args(false);
  cmd->add_option("--endpoint", o->endpoints, "HOST:PORT of a TLS server (repeatable)")
      ->allow_extra_args(false);
  cmd->add_option("--warn-within", o->warn_within,
                  "flag certificates expiring within this (30d, 720h); exit code 3 if any");
  cmd->add_option("--timeout", o->timeout, "connect and handshake timeout per endpoint")
      ->default_str("10s");
  // --ledger alone: the ledger signet uses (signet --ledger, config.json, <state>/ledger.sqlite);
  // --ledger LOCATION: that SQLite file or postgresql:// URI.
  cmd->add_option_function<std::string>(
         "--ledger",
         [o](const std::string& where) {
           o->from_ledger = true;
           o->ledger = where;
         },
         "add the certificates signet issued (unrevoked, expiring or expired within 30 days "
         "or later), soonest first; optionally the ledger's location")
      ->expected(0, 1)
      ->allow_extra_args(false);
  cmd->add_option("--ledger-limit", o->ledger_limit,
                  "rows from the ledger at most (default 100; 1-100000)");
  cmd->footer(
      "Examples:\n"
      "  signet certs check-expiration --pki-dir /etc/kubernetes/pki\n"
      "  signet certs check-expiration --kubeconfig ~/.kube/config --output json\n"
      "  signet certs check-expiration --endpoint 10.0.0.1:6443 --pki-dir /etc/kubernetes/pki\n"
      "  signet certs check-expiration --warn-within 30d /etc/ssl/certs/my-bundle.pem || alert\n"
      "  signet certs check-expiration --ledger --warn-within 720h --ledger-limit 1000\n"
      "Exit codes: 0 report printed (nothing flagged), 3 something expired or expires within\n"
      "--warn-within, 1 bad input, 2 usage, 75 an endpoint was unreachable (retry later).\n"
      "Missing files of a PKI directory are reported as !MISSING!, not errors.");
  cmd->callback([&ctx, &action, o] { action = [&ctx, o] { return check_expiration(ctx, *o); }; });
}

}  // namespace signet::cli
