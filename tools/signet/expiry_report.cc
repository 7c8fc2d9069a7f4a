#include "expiry_report.h"

#include <algorithm>
#include <ctime>
#include <sstream>

#include <openssl/asn1.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "signet/core/duration.h"

namespace signet::cli::expiry {

namespace {

using std::chrono::system_clock;

system_clock::time_point not_after_of(X509* cert) {
  std::tm tm{};
  // notAfter is UTCTime or GeneralizedTime (RFC 5280 §4.1.2.5); d2i_X509 already refused
  // malformed ones, so the conversion only fails on a library fault.
  if (ASN1_TIME_to_tm(X509_get0_notAfter(cert), &tm) != 1) return system_clock::time_point{};
  return system_clock::from_time_t(timegm(&tm));
}

std::string subject_of(X509* cert) {
  ossl::BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio) return {};
  X509_NAME_print_ex(bio.get(), X509_get_subject_name(cert), 0, XN_FLAG_RFC2253);
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  return len > 0 ? std::string(data, static_cast<std::size_t>(len)) : std::string();
}

bool same_certificate(X509* a, X509* b) {
  return X509_cmp(a, b) == 0;
}

// True when `issuer`'s key verifies `cert`'s signature (RFC 5280 §6.1.3 (a)(1)).
bool signature_verifies(X509* cert, X509* issuer) {
  EVP_PKEY* key = X509_get0_pubkey(issuer);
  const bool ok = key != nullptr && X509_verify(cert, key) == 1;
  ossl::drain_errors();
  return ok;
}

// Finds the CA that issued `cert` among `cas`: first one whose key verifies the signature;
// failing that, one whose subject and key identifier match the certificate's issuer and AKI
// (X509_check_issued: RFC 5280 §4.2.1.1) but whose key does not verify it.
void match_issuer(X509* cert, const std::vector<const NamedCertificate*>& cas, ReportRow& row) {
  if (X509_check_issued(cert, cert) == X509_V_OK && signature_verifies(cert, cert)) {
    row.issuer_ca = "self-signed";
    row.issuer_match = "self-signed";
    return;
  }
  for (const NamedCertificate* ca : cas) {
    if (same_certificate(ca->cert.get(), cert)) continue;
    if (X509_check_issued(ca->cert.get(), cert) == X509_V_OK &&
        signature_verifies(cert, ca->cert.get())) {
      row.issuer_ca = ca->name;
      row.issuer_match = "signature";
      return;
    }
  }
  for (const NamedCertificate* ca : cas) {
    if (same_certificate(ca->cert.get(), cert)) continue;
    if (X509_check_issued(ca->cert.get(), cert) == X509_V_OK) {
      row.issuer_ca = ca->name;
      row.issuer_match = "name";
      return;
    }
  }
  ossl::drain_errors();
  row.issuer_ca = "unknown";
}

ReportRow make_row(const NamedCertificate& entry, const std::vector<const NamedCertificate*>& cas,
                   const ReportOptions& options) {
  ReportRow row;
  row.name = entry.name;
  row.source = entry.source;
  if (!entry.cert) {
    row.missing = true;
    row.missing_reason = entry.missing;
    return row;
  }
  row.subject = subject_of(entry.cert.get());
  row.not_after = not_after_of(entry.cert.get());
  row.residual_seconds =
      std::chrono::duration_cast<std::chrono::seconds>(row.not_after - options.now).count();
  row.expired = row.residual_seconds <= 0;
  row.within_warning =
      options.warn_within && (row.expired || row.residual_seconds <= options.warn_within->count());
  match_issuer(entry.cert.get(), cas, row);
  return row;
}

// Verifies a served chain against the CAs from the other sources (RFC 5280 §6), with the
// endpoint's host as the reference identity (RFC 6125 §6: DNS-ID, or iPAddress SAN for an IP).
// Partial chains are accepted so an operator may pin an intermediate CA.
EndpointRow verify_chain(const ServedChain& served,
                         const std::vector<const NamedCertificate*>& anchors,
                         const ReportOptions& options) {
  EndpointRow row;
  row.endpoint = served.endpoint.text();
  row.chain_length = served.chain.size();
  if (anchors.empty()) {
    row.detail = "not verified: no CA given (--pki-dir, --kubeconfig or a CA FILE)";
    return row;
  }
  ossl::X509StorePtr store(X509_STORE_new());
  ossl::X509StackPtr untrusted(sk_X509_new_null());
  ossl::X509StoreCtxPtr ctx(X509_STORE_CTX_new());
  if (!store || !untrusted || !ctx) {
    row.detail = "not verified: out of memory";
    return row;
  }
  for (const NamedCertificate* ca : anchors) X509_STORE_add_cert(store.get(), ca->cert.get());
  for (std::size_t i = 1; i < served.chain.size(); ++i) {
    X509_up_ref(served.chain[i].get());
    if (sk_X509_push(untrusted.get(), served.chain[i].get()) <= 0) X509_free(served.chain[i].get());
  }
  if (X509_STORE_CTX_init(ctx.get(), store.get(), served.chain[0].get(), untrusted.get()) != 1) {
    row.detail = "not verified: " + ossl::drain_errors();
    return row;
  }
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx.get());
  X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_PARTIAL_CHAIN);
  X509_VERIFY_PARAM_set_time(param, system_clock::to_time_t(options.now));
  const std::string& host = served.endpoint.host;
  if (X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str()) != 1) {
    X509_VERIFY_PARAM_set1_host(param, host.c_str(), host.size());
  }
  ossl::drain_errors();
  const bool ok = X509_verify_cert(ctx.get()) == 1;
  row.verified = ok;
  if (!ok) {
    row.detail = X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx.get()));
  } else {
    row.detail = "verifies for " + host;
  }
  ossl::drain_errors();
  return row;
}

std::string expires_text(system_clock::time_point t) {
  const std::time_t tt = system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[64];
  // kubeadm's layout "Jan 02, 2006 15:04 MST".
  const std::size_t n = std::strftime(buf, sizeof buf, "%b %d, %Y %H:%M UTC", &tm);
  return {buf, n};
}

// Columns separated by three spaces, as kubeadm's tabwriter (padding 3).
std::string table(const std::vector<std::string>& headers,
                  const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> width(headers.size());
  for (std::size_t c = 0; c < headers.size(); ++c) width[c] = headers[c].size();
  for (const auto& r : rows) {
    if (r.size() < 2) continue;  // a "!MISSING! name" line spans the row, as in kubeadm
    for (std::size_t c = 0; c < r.size() && c < width.size(); ++c) {
      width[c] = std::max(width[c], r[c].size());
    }
  }
  std::ostringstream out;
  const auto line = [&](const std::vector<std::string>& cells) {
    std::string text;
    for (std::size_t c = 0; c < cells.size(); ++c) {
      text += cells[c];
      if (c + 1 < cells.size()) text += std::string(width[c] - cells[c].size() + 3, ' ');
    }
    out << text << '\n';
  };
  line(headers);
  for (const auto& r : rows) line(r);
  return out.str();
}

std::vector<std::string> text_cells(const ReportRow& row, bool with_issuer) {
  if (row.missing) return {"!MISSING! " + row.name};
  std::string issuer = row.issuer_ca;
  if (row.issuer_match == "name") issuer += " (name only; signature does not verify)";
  std::vector<std::string> cells{row.name, expires_text(row.not_after),
                                 format_residual(row.residual_seconds)};
  if (with_issuer) cells.push_back(issuer);
  return cells;
}

nlohmann::json row_json(const ReportRow& row) {
  nlohmann::json j = {{"name", row.name}, {"source", row.source}, {"missing", row.missing}};
  if (row.missing) {
    j["error"] = row.missing_reason;
    j["not_after"] = nullptr;
    j["residual_seconds"] = nullptr;
    j["expired"] = nullptr;
    j["issuer_ca"] = nullptr;
    return j;
  }
  j["subject"] = row.subject;
  j["not_after"] = format_time(row.not_after);
  j["residual_seconds"] = row.residual_seconds;
  j["residual"] = format_residual(row.residual_seconds);
  j["expired"] = row.expired;
  j["within_warning"] = row.within_warning;
  j["issuer_ca"] = row.issuer_ca;
  j["issuer_match"] = row.issuer_match;
  return j;
}

}  // namespace

std::vector<std::string> Report::flagged() const {
  std::vector<std::string> out;
  for (const auto* rows : {&certificates, &authorities}) {
    for (const auto& row : *rows) {
      if (row.within_warning) out.push_back(row.name);
    }
  }
  return out;
}

std::string format_residual(std::int64_t seconds) {
  const auto short_human = [](std::int64_t s) {
    if (s < 60) return std::to_string(s) + "s";
    if (s < 3600) return std::to_string(s / 60) + "m";
    if (s < 86400) return std::to_string(s / 3600) + "h";
    if (s < 86400LL * 365) return std::to_string(s / 86400) + "d";
    return std::to_string(s / (86400LL * 365)) + "y";
  };
  if (seconds <= 0) return "expired " + short_human(-seconds) + " ago";
  return short_human(seconds);
}

Report build_report(const Inventory& inventory, const ReportOptions& options) {
  Report report;
  report.warn_within = options.warn_within;
  // The CA table lists each CA once: every kubeconfig embeds the cluster CA, kubeadm's ca.crt
  // is the same certificate, and the first name seen (the PKI directory's) is kept.
  std::vector<const NamedCertificate*> cas;
  std::vector<const NamedCertificate*> missing_cas;
  for (const auto& entry : inventory.entries) {
    if (entry.role != CertRole::kAuthority) continue;
    if (!entry.cert) {
      missing_cas.push_back(&entry);
      continue;
    }
    const bool seen = std::any_of(cas.begin(), cas.end(), [&](const NamedCertificate* ca) {
      return same_certificate(ca->cert.get(), entry.cert.get());
    });
    if (!seen) cas.push_back(&entry);
  }
  for (const auto& entry : inventory.entries) {
    if (entry.role == CertRole::kCertificate) {
      report.certificates.push_back(make_row(entry, cas, options));
    }
  }
  for (const auto& entry : inventory.entries) {
    if (entry.role != CertRole::kAuthority) continue;
    const bool listed =
        std::find(cas.begin(), cas.end(), &entry) != cas.end() ||
        std::find(missing_cas.begin(), missing_cas.end(), &entry) != missing_cas.end();
    if (listed) report.authorities.push_back(make_row(entry, cas, options));
  }
  std::vector<const NamedCertificate*> anchors;
  for (const NamedCertificate* ca : cas) {
    if (ca->kind != SourceKind::kEndpoint) anchors.push_back(ca);
  }
  for (const auto& served : inventory.chains) {
    report.endpoints.push_back(verify_chain(served, anchors, options));
  }
  return report;
}

nlohmann::json report_json(const Report& report) {
  nlohmann::json certs = nlohmann::json::array();
  for (const auto& row : report.certificates) certs.push_back(row_json(row));
  nlohmann::json cas = nlohmann::json::array();
  for (const auto& row : report.authorities) cas.push_back(row_json(row));
  nlohmann::json endpoints = nlohmann::json::array();
  for (const auto& e : report.endpoints) {
    nlohmann::json j = {
        {"endpoint", e.endpoint}, {"chain_length", e.chain_length}, {"detail", e.detail}};
    j["verified"] = e.verified ? nlohmann::json(*e.verified) : nlohmann::json(nullptr);
    endpoints.push_back(std::move(j));
  }
  nlohmann::json j = {{"certificates", certs},
                      {"certificate_authorities", cas},
                      {"endpoints", endpoints},
                      {"flagged", report.flagged()}};
  j["warn_within_seconds"] =
      report.warn_within ? nlohmann::json(report.warn_within->count()) : nlohmann::json(nullptr);
  return j;
}

std::string report_text(const Report& report) {
  std::string out;
  std::vector<std::vector<std::string>> rows;
  rows.reserve(report.certificates.size());
  for (const auto& row : report.certificates) rows.push_back(text_cells(row, true));
  if (!rows.empty()) {
    out += table({"CERTIFICATE", "EXPIRES", "RESIDUAL TIME", "CERTIFICATE AUTHORITY"}, rows);
  }
  rows.clear();
  for (const auto& row : report.authorities) rows.push_back(text_cells(row, true));
  if (!rows.empty()) {
    if (!out.empty()) out += '\n';
    out += table({"CERTIFICATE AUTHORITY", "EXPIRES", "RESIDUAL TIME", "ISSUED BY"}, rows);
  }
  rows.clear();
  for (const auto& e : report.endpoints) {
    const std::string verified = !e.verified ? "-" : (*e.verified ? "yes" : "no");
    rows.push_back({e.endpoint, std::to_string(e.chain_length), verified, e.detail});
  }
  if (!rows.empty()) {
    if (!out.empty()) out += '\n';
    out += table({"ENDPOINT", "CHAIN", "VERIFIES", "DETAIL"}, rows);
  }
  if (report.warn_within) {
    const auto flagged = report.flagged();
    out += '\n';
    if (flagged.empty()) {
      out += "Nothing expires within " + format_residual(report.warn_within->count()) + ".\n";
    } else {
      std::string names;
      for (const auto& n : flagged) names += (names.empty() ? "" : ", ") + n;
      out += "WARNING: " + std::to_string(flagged.size()) +
             " certificate(s) expired or expire within " +
             format_residual(report.warn_within->count()) + ": " + names + "\n";
    }
  }
  return out;
}

}  // namespace signet::cli::expiry
