// signet ledger — what signet issued (signet issue 6): list, show, revoke, audit. The store is
// chosen by --ledger / config.json / <state>/ledger.sqlite (ledger_access.h).
#include <chrono>
#include <memory>
#include <string>

#include "signet/core/duration.h"
#include "signet/core/ledger.h"
#include "signet/core/pem.h"

#include "commands.h"
#include "ledger_access.h"

namespace signet::cli {
namespace {

std::string time_text(std::int64_t unix_seconds) {
  return format_time(std::chrono::system_clock::time_point(std::chrono::seconds(unix_seconds)));
}

nlohmann::json record_json(const ledger::CertificateRecord& r, bool with_certificate) {
  nlohmann::json j = {{"issuer", r.issuer},
                      {"ca_generation", r.ca_generation},
                      {"serial", to_hex(r.serial)},
                      {"profile", r.profile},
                      {"subject", r.subject},
                      {"subject_alt_names", r.sans},
                      {"spki_sha256", to_hex(r.spki_sha256)},
                      {"not_before", time_text(r.not_before)},
                      {"not_after", time_text(r.not_after)},
                      {"requester", r.requester},
                      {"request_id", r.request_id},
                      {"issued_at", time_text(r.issued_at)},
                      {"revoked", r.revoked}};
  if (r.revoked) {
    j["revocation_reason"] = r.revocation_reason;
    j["revoked_at"] = time_text(r.revoked_at);
  }
  if (with_certificate) j["certificate"] = pem_encode("CERTIFICATE", r.der);
  return j;
}

std::string record_line(const ledger::CertificateRecord& r) {
  return to_hex(r.serial) + "  " + r.issuer + "  " + r.profile + "  until " +
         time_text(r.not_after) + "  " + r.subject +
         (r.revoked ? "  REVOKED " + r.revocation_reason : "");
}

struct ListOptions {
  std::string issuer;
  std::string profile;
  std::string expires_within;
  std::string after;
  std::size_t limit = 100;
};

Status list(const Context& ctx, const ListOptions& o) {
  ledger::ListQuery q;
  if (!o.issuer.empty()) q.issuer = o.issuer;
  if (!o.profile.empty()) q.profile = o.profile;
  q.limit = o.limit;
  if (!o.expires_within.empty()) {
    auto d = parse_duration(o.expires_within);
    if (!d) return fail(d.error().context("--expires-within"));
    const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    q.not_after_until = now + d->count();
  }
  if (!o.after.empty()) {
    SIGNET_ASSIGN_OR_RETURN(q.after, ledger::parse_cursor(o.after).map_error(
                                         [](Error e) { return std::move(e).context("--after"); }));
  }
  SIGNET_ASSIGN_OR_RETURN(auto store, open_ledger(ctx));
  SIGNET_ASSIGN_OR_RETURN(const ledger::RecordPage page, store->list(q));
  nlohmann::json records = nlohmann::json::array();
  std::string text;
  for (const auto& r : page.records) {
    records.push_back(record_json(r, false));
    text += record_line(r) + "\n";
  }
  nlohmann::json j = {{"records", records}};
  if (page.next) {
    j["next"] = ledger::to_string(*page.next);
    text += "more: --after " + ledger::to_string(*page.next) + "\n";
  }
  if (page.records.empty()) text = "no certificates\n";
  emit(ctx, j, text);
  return {};
}

// The record(s) with SERIAL; with --issuer exactly that one.
Result<std::vector<ledger::CertificateRecord>> find(ledger::LedgerStore& store,
                                                    const std::string& serial_text,
                                                    const std::string& issuer) {
  SIGNET_ASSIGN_OR_RETURN(const Bytes serial, parse_serial(serial_text));
  if (!issuer.empty()) {
    SIGNET_ASSIGN_OR_RETURN(auto r, store.find(issuer, serial));
    return std::vector{std::move(r)};
  }
  SIGNET_ASSIGN_OR_RETURN(auto rows, store.find_serial(serial));
  if (rows.empty()) {
    return fail(ErrorCode::kNotFound, "ledger: no certificate with serial " + to_hex(serial));
  }
  return rows;
}

Status show(const Context& ctx, const std::string& serial, const std::string& issuer) {
  SIGNET_ASSIGN_OR_RETURN(auto store, open_ledger(ctx));
  SIGNET_ASSIGN_OR_RETURN(const auto rows, find(*store, serial, issuer));
  nlohmann::json list = nlohmann::json::array();
  std::string text;
  for (const auto& r : rows) {
    list.push_back(record_json(r, true));
    std::string sans;
    for (const auto& s : r.sans) sans += (sans.empty() ? "" : ", ") + s;
    text += "serial:       " + to_hex(r.serial) + "\nissuer:       " + r.issuer + " (generation " +
            std::to_string(r.ca_generation) + ")\nprofile:      " + r.profile +
            "\nsubject:      " + r.subject + "\nSANs:         " + (sans.empty() ? "-" : sans) +
            "\nspki sha256:  " + to_hex(r.spki_sha256) +
            "\nvalid:        " + time_text(r.not_before) + " .. " + time_text(r.not_after) +
            "\nrequested by: " + r.requester + " (" + r.request_id + ") at " +
            time_text(r.issued_at) + "\nrevoked:      " +
            (r.revoked ? r.revocation_reason + " at " + time_text(r.revoked_at) : "no") + "\n" +
            pem_encode("CERTIFICATE", r.der);
  }
  emit(ctx, list.size() == 1 ? list[0] : nlohmann::json{{"records", list}}, text);
  return {};
}

Status revoke(const Context& ctx, const std::string& serial, const std::string& issuer,
              const std::string& reason) {
  SIGNET_RETURN_IF_ERROR(ledger::check_revocation_reason(reason));
  SIGNET_ASSIGN_OR_RETURN(auto store, open_ledger(ctx));
  SIGNET_ASSIGN_OR_RETURN(const auto rows, find(*store, serial, issuer));
  if (rows.size() > 1) {
    std::string issuers;
    for (const auto& r : rows) issuers += (issuers.empty() ? "" : ", ") + r.issuer;
    return fail(ErrorCode::kInvalidArgument, "serial " + to_hex(rows[0].serial) +
                                                 " was issued by several CAs (" + issuers +
                                                 "); name one with --issuer");
  }
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  const ledger::CertificateRecord& r = rows[0];
  SIGNET_RETURN_IF_ERROR(store->revoke({r.issuer, r.serial, reason, now, cli_requester()}));
  emit(ctx,
       {{"issuer", r.issuer},
        {"serial", to_hex(r.serial)},
        {"revoked", true},
        {"reason", reason},
        {"revoked_at", time_text(now)}},
       "revoked " + to_hex(r.serial) + " (" + r.issuer + ", " + r.subject + "): " + reason);
  return {};
}

Status audit(const Context& ctx, std::int64_t after, std::size_t limit) {
  SIGNET_ASSIGN_OR_RETURN(auto store, open_ledger(ctx));
  SIGNET_ASSIGN_OR_RETURN(const ledger::AuditPage page, store->list_audit(after, limit));
  nlohmann::json events = nlohmann::json::array();
  std::string text;
  for (const auto& e : page.events) {
    events.push_back({{"id", e.id},
                      {"time", time_text(e.time)},
                      {"actor", e.actor},
                      {"action", e.action},
                      {"issuer", e.issuer},
                      {"serial", to_hex(e.serial)},
                      {"detail", e.detail}});
    text += std::to_string(e.id) + "  " + time_text(e.time) + "  " + e.action + "  " + e.issuer +
            (e.serial.empty() ? "" : " " + to_hex(e.serial)) + "  by " + e.actor + "  " + e.detail +
            "\n";
  }
  nlohmann::json j = {{"events", events}};
  if (page.next_after) {
    j["next_after"] = *page.next_after;
    text += "more: --after " + std::to_string(*page.next_after) + "\n";
  }
  if (page.events.empty()) text = "no audit events\n";
  emit(ctx, j, text);
  return {};
}

}  // namespace

void register_ledger_commands(CLI::App& app, Context& ctx, Action& action) {
  auto* group = app.add_subcommand("ledger", "What signet issued: records, revocation, audit");
  group->require_subcommand(1);
  group->footer(
      "Examples:\n"
      "  signet ledger list --issuer kubernetes --expires-within 720h --output json\n"
      "  signet ledger show 4f1c0a9e...\n"
      "  signet ledger revoke 4f1c0a9e... --reason keyCompromise\n"
      "  signet --ledger postgresql://signet@db.example/signet ledger audit");

  auto lo = std::make_shared<ListOptions>();
  auto* list_cmd =
      group->add_subcommand("list", "List recorded certificates, soonest expiry first");
  list_cmd->add_option("--issuer", lo->issuer, "only this CA's certificates");
  list_cmd->add_option("--profile", lo->profile, "only this profile's certificates");
  list_cmd->add_option("--expires-within", lo->expires_within,
                       "only certificates expiring before now + this duration (e.g. 720h)");
  list_cmd->add_option("--after", lo->after, "continue after this cursor (printed as \"next\")");
  list_cmd->add_option("--limit", lo->limit, "records per page")
      ->check(CLI::Range(std::size_t{1}, ledger::kMaxListLimit));
  list_cmd->footer(
      "Examples:\n"
      "  signet ledger list --issuer kubernetes\n"
      "  signet ledger list --profile kubelet-client --expires-within 720h --output json\n"
      "  signet ledger list --limit 1000 --after 1900000000.4711");
  list_cmd->callback([&ctx, &action, lo] { action = [&ctx, lo] { return list(ctx, *lo); }; });

  auto serial = std::make_shared<std::string>();
  auto issuer = std::make_shared<std::string>();
  auto* show_cmd = group->add_subcommand("show", "Show one certificate's record and PEM");
  show_cmd->add_option("serial", *serial, "serial in hex (colons allowed)")->required();
  show_cmd->add_option("--issuer", *issuer, "the CA, when several issued this serial");
  show_cmd->footer(
      "Examples:\n"
      "  signet ledger show 4f1c0a9e5d3b2a1908f7e6d5c4b3a291\n"
      "  signet ledger show 4f:1c:0a:9e --issuer kubernetes --output json");
  show_cmd->callback([&ctx, &action, serial, issuer] {
    action = [&ctx, serial, issuer] { return show(ctx, *serial, *issuer); };
  });

  auto reason = std::make_shared<std::string>();
  auto* revoke_cmd =
      group->add_subcommand("revoke", "Record a certificate as revoked (audited; not a CRL)");
  revoke_cmd->add_option("serial", *serial, "serial in hex (colons allowed)")->required();
  revoke_cmd->add_option("--issuer", *issuer, "the CA, when several issued this serial");
  revoke_cmd
      ->add_option("--reason", *reason,
                   "RFC 5280 §5.3.1 CRLReason: unspecified, keyCompromise, cACompromise, "
                   "affiliationChanged, superseded, cessationOfOperation, certificateHold, "
                   "privilegeWithdrawn, aACompromise")
      ->required();
  revoke_cmd->footer(
      "Examples:\n"
      "  signet ledger revoke 4f1c0a9e5d3b2a1908f7e6d5c4b3a291 --reason keyCompromise\n"
      "  signet ledger revoke 4f1c0a9e --issuer etcd-ca --reason superseded --output json");
  revoke_cmd->callback([&ctx, &action, serial, issuer, reason] {
    action = [&ctx, serial, issuer, reason] { return revoke(ctx, *serial, *issuer, *reason); };
  });

  auto after = std::make_shared<std::int64_t>(0);
  auto limit = std::make_shared<std::size_t>(100);
  auto* audit_cmd = group->add_subcommand("audit", "The append-only audit trail, oldest first");
  audit_cmd->add_option("--after", *after, "only events with a larger id")
      ->check(CLI::NonNegativeNumber);
  audit_cmd->add_option("--limit", *limit, "events per page")
      ->check(CLI::Range(std::size_t{1}, ledger::kMaxListLimit));
  audit_cmd->footer(
      "Examples:\n"
      "  signet ledger audit\n"
      "  signet ledger audit --after 1200 --limit 500 --output json");
  audit_cmd->callback([&ctx, &action, after, limit] {
    action = [&ctx, after, limit] { return audit(ctx, *after, *limit); };
  });
}

}  // namespace signet::cli
