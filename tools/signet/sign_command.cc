// signet sign — one CSR in, one certificate out, signed inside the token. The request is a
// PKCS#10 CSR (--csr, with --profile) or a Kubernetes CertificateSigningRequest object
// (--k8s-csr: its signerName selects the profile, and the output is the same object with
// status.certificate set or a Failed condition).
#include <arpa/inet.h>

#include <array>
#include <chrono>
#include <iostream>
#include <memory>
#include <string>

#include "signet/core/csr.h"
#include "signet/core/duration.h"
#include "signet/core/issuer.h"
#include "signet/core/k8s_csr.h"
#include "signet/core/pem.h"
#include "signet/core/profile.h"

#include "commands.h"
#include "ledger_access.h"
#include "profile_loading.h"

namespace signet::cli {
namespace {

struct SignOptions {
  std::string ca;
  std::string profile;
  std::string csr;
  std::string k8s_csr;
  std::vector<std::string> hosts;
  std::string validity;
  std::string profiles;
  std::string out;
  bool chain = false;
};

Result<std::string> read_input(const std::string& path, std::size_t limit, std::string_view what) {
  if (path != "-") return read_file_limited(path, limit, what);
  std::string data;
  char buf[4096];  // NOLINT(modernize-avoid-c-arrays)
  while (std::cin.read(buf, sizeof buf) || std::cin.gcount() > 0) {
    data.append(buf, static_cast<std::size_t>(std::cin.gcount()));
    if (data.size() > limit) {
      return fail(ErrorCode::kInvalidArgument, std::string(what) +
                                                   " on standard input is larger than " +
                                                   std::to_string(limit) + " bytes");
    }
  }
  return data;
}

// "10.0.0.7", "fd00::7" (RFC 5952 text via inet_ntop).
std::string ip_text(const Bytes& ip) {
  std::array<char, INET6_ADDRSTRLEN> buf{};
  const int family = ip.size() == 4 ? AF_INET : AF_INET6;
  if (inet_ntop(family, ip.data(), buf.data(), buf.size()) == nullptr) return to_hex(ip);
  return buf.data();
}

std::string san_text(const SubjectAltNames& names) {
  std::string out;
  for (const auto& d : names.dns) out += (out.empty() ? "" : ", ") + ("DNS:" + d);
  for (const auto& ip : names.ip) out += (out.empty() ? "" : ", ") + ("IP:" + ip_text(ip));
  return out;
}

nlohmann::json summary(const std::string& ca, const Profile& profile,
                       const IssuedCertificate& cert) {
  nlohmann::json sans = nlohmann::json::array();
  for (const auto& d : cert.subject_alt_names.dns) sans.push_back("DNS:" + d);
  for (const auto& ip : cert.subject_alt_names.ip) sans.push_back("IP:" + ip_text(ip));
  return {{"ca", ca},
          {"profile", profile.name()},
          {"serial", to_hex(cert.serial)},
          {"subject", format_name(cert.subject)},
          {"subject_alt_names", sans},
          {"not_before", format_time(cert.not_before)},
          {"not_after", format_time(cert.not_after)}};
}

Status sign_pkcs10(const Context& ctx, const SignOptions& o, const ProfileSet& set) {
  const Profile* profile = set.find(o.profile);
  if (profile == nullptr) return fail(unknown_profile(set, o.profile));
  RequestOptions options;
  if (!o.hosts.empty()) options.hosts = o.hosts;
  if (!o.validity.empty()) {
    auto v = parse_duration(o.validity);
    if (!v) return fail(v.error().context("--validity"));
    options.validity = *v;
  }
  SIGNET_ASSIGN_OR_RETURN(const StoredCa ca, ctx.state().load_ca(o.ca));
  SIGNET_ASSIGN_OR_RETURN(const std::string csr_bytes, read_input(o.csr, Csr::kMaxBytes, "CSR"));
  auto csr = Csr::parse(as_bytes(csr_bytes));
  if (!csr) return fail(csr.error().context(o.csr == "-" ? "standard input" : o.csr));
  // Policy before the token is opened: a refused request never touches the HSM.
  SIGNET_RETURN_IF_ERROR(profile->check_request(*csr, options));
  // The output, then the ledger, before the token: a certificate is never signed when it could
  // not be recorded or written out.
  if (!o.out.empty()) SIGNET_RETURN_IF_ERROR(check_writable(o.out));
  SIGNET_ASSIGN_OR_RETURN(auto ledger, open_ledger(ctx));
  SIGNET_ASSIGN_OR_RETURN(auto signer, open_key(ctx, ca.record.key));
  SIGNET_RETURN_IF_ERROR(check_signer_matches(ca.certificate, *signer));
  SIGNET_ASSIGN_OR_RETURN(const IssuedCertificate cert,
                          issue_certificate(ca.certificate, *signer, *profile, *csr,
                                            std::chrono::system_clock::now(), options));
  // Persist before return (signet issue 6): recorded, or not written out at all.
  SIGNET_RETURN_IF_ERROR(record_certificate(
      *ledger, cert.der,
      {o.ca, 0, profile->name(), cli_requester(), o.csr == "-" ? "stdin" : o.csr, unix_now()}));
  std::string pem = pem_encode("CERTIFICATE", cert.der);
  if (o.chain) {  // the issuing intermediate(s) after the leaf; never the root
    SIGNET_ASSIGN_OR_RETURN(const std::string chain, ctx.state().chain_pem(o.ca));
    pem += chain;
  }
  if (!o.out.empty()) SIGNET_RETURN_IF_ERROR(write_file_atomic(o.out, pem));
  nlohmann::json j = summary(o.ca, *profile, cert);
  const std::string sans = san_text(cert.subject_alt_names);
  if (o.out.empty()) {
    j["certificate"] = pem;
    emit(ctx, j, pem);
  } else {
    j["out"] = o.out;
    emit(ctx, j,
         "issued " + format_name(cert.subject) + (sans.empty() ? "" : " [" + sans + "]") +
             " serial " + to_hex(cert.serial) + " until " + format_time(cert.not_after) +
             "\nwrote " + o.out);
  }
  return {};
}

// A Kubernetes CertificateSigningRequest: refused (nothing written) when the object is malformed,
// not Approved, Denied, Failed, already issued or for a signer no profile serves; a request the
// profile refuses becomes a Failed condition, as the KCM signer writes it (spec §2.3).
Status sign_k8s(const Context& ctx, const SignOptions& o, const ProfileSet& set) {
  SIGNET_ASSIGN_OR_RETURN(const std::string text,
                          read_input(o.k8s_csr, K8sCsr::kMaxBytes, "CertificateSigningRequest"));
  auto object = K8sCsr::parse(text);
  if (!object) return fail(object.error().context(o.k8s_csr == "-" ? "standard input" : o.k8s_csr));
  SIGNET_RETURN_IF_ERROR(object->check_signable());
  const Profile* profile = set.find_by_signer(object->signer_name());
  if (profile == nullptr) {
    std::string served;
    for (const auto& p : set.profiles()) {
      for (const auto& s : p.spec().signer_names) served += (served.empty() ? "" : ", ") + s;
    }
    return fail(
        ErrorCode::kFailedPrecondition,
        "no profile serves signerName " + object->signer_name() + " (served: " + served + ")");
  }
  SIGNET_ASSIGN_OR_RETURN(const StoredCa ca, ctx.state().load_ca(o.ca));
  RequestOptions options;
  options.usages = object->usages();
  options.expiration = object->expiration();

  const auto now = std::chrono::system_clock::now();
  std::string result;
  nlohmann::json j = {{"name", object->name()},
                      {"signer_name", object->signer_name()},
                      {"profile", profile->name()}};
  auto csr = Csr::parse(object->request());
  Status policy = csr ? profile->check_request(*csr, options).map([](auto&&) {})
                      : Status(fail(csr.error().context("spec.request")));
  if (!policy) {
    result = object->with_failure(policy.error().message(), now);
    j["result"] = "Failed";
    j["reason"] = "SignerValidationFailure";
    j["message"] = policy.error().message();
    // JSON mode carries the reason in the object (and the --out summary); text mode says it.
    if (ctx.mode() == OutputMode::kText) {
      std::cerr << "signet: CertificateSigningRequest '" << object->name()
                << "' failed: " << policy.error().message() << '\n';
    }
  } else {
    if (!o.out.empty()) SIGNET_RETURN_IF_ERROR(check_writable(o.out));
    SIGNET_ASSIGN_OR_RETURN(auto ledger, open_ledger(ctx));
    SIGNET_ASSIGN_OR_RETURN(auto signer, open_key(ctx, ca.record.key));
    SIGNET_RETURN_IF_ERROR(check_signer_matches(ca.certificate, *signer));
    SIGNET_ASSIGN_OR_RETURN(
        const IssuedCertificate cert,
        issue_certificate(ca.certificate, *signer, *profile, *csr, now, options));
    SIGNET_RETURN_IF_ERROR(record_certificate(
        *ledger, cert.der,
        {o.ca, 0, profile->name(), cli_requester(), object->name(), unix_now()}));
    result = object->with_certificate(pem_encode("CERTIFICATE", cert.der));
    j.update(summary(o.ca, *profile, cert));
    j["result"] = "Issued";
  }
  if (o.out.empty()) {
    std::cout << result;  // the object itself is the output, in either mode
    return {};
  }
  SIGNET_RETURN_IF_ERROR(write_file_atomic(o.out, result));
  j["out"] = o.out;
  emit(ctx, j,
       std::string(j["result"]) + " CertificateSigningRequest '" + object->name() + "' (" +
           object->signer_name() + ", profile " + profile->name() + ")\nwrote " + o.out);
  return {};
}

Status sign(const Context& ctx, const SignOptions& o) {
  SIGNET_ASSIGN_OR_RETURN(const ProfileSet set, load_effective_profiles(ctx, o.profiles));
  return o.k8s_csr.empty() ? sign_pkcs10(ctx, o, set) : sign_k8s(ctx, o, set);
}

}  // namespace

void register_sign_command(CLI::App& app, Context& ctx, Action& action) {
  auto o = std::make_shared<SignOptions>();
  auto* cmd = app.add_subcommand("sign", "Sign one CSR with a CA's token key");
  cmd->add_option("--ca", o->ca, "CA name (see `signet ca list`)")->required();
  auto* profile = cmd->add_option("--profile", o->profile,
                                  "issuance profile, e.g. kubelet-client (signet profiles show)");
  auto* csr =
      cmd->add_option("--csr", o->csr, "PKCS#10 CSR file, PEM or DER ('-' for standard input)");
  auto* k8s = cmd->add_option(
      "--k8s-csr", o->k8s_csr,
      "Kubernetes CertificateSigningRequest (certificates.k8s.io/v1 JSON; '-' for standard "
      "input): its signerName selects the profile; prints the object with status.certificate "
      "or a Failed condition");
  auto* hosts = cmd->add_option("--hosts", o->hosts,
                                "DNS names and IPs replacing the CSR's subjectAltNames "
                                "(comma-separated; only for profiles that take SANs)")
                    ->delimiter(',');
  auto* validity = cmd->add_option("--validity", o->validity,
                                   "certificate lifetime, e.g. 720h (at most the profile's "
                                   "max_validity)");
  cmd->add_option("--profiles", o->profiles,
                  "profiles file (default: <state>/profiles.json when present)");
  cmd->add_option("--out", o->out,
                  "write the certificate (PEM) or the signed object (--k8s-csr) here instead of "
                  "printing it");
  cmd->add_flag("--chain", o->chain, "append the intermediate CA certificates (not the root)");
  k8s->excludes(csr)->excludes(profile)->excludes(hosts)->excludes(validity);
  cmd->footer(
      "Examples:\n"
      "  signet sign --ca kubernetes --profile kubelet-client --csr node.csr --out node.crt\n"
      "  signet sign --ca kubernetes --profile kubelet-serving --csr serving.csr \\\n"
      "      --hosts node-1.example,10.0.0.7 --validity 720h --out serving.crt\n"
      "  kubectl get csr node-csr-abc -o json | signet sign --ca kubernetes --k8s-csr - \\\n"
      "      | kubectl replace --raw /apis/certificates.k8s.io/v1/certificatesigningrequests/"
      "node-csr-abc/status -f -");
  cmd->callback([&ctx, &action, o] {
    // Usage errors (exit 2) at parse time, like CLI11's own required options.
    if (o->k8s_csr.empty() && o->profile.empty()) throw CLI::RequiredError("--profile");
    if (o->k8s_csr.empty() && o->csr.empty()) throw CLI::RequiredError("--csr (or --k8s-csr)");
    action = [&ctx, o] { return sign(ctx, *o); };
  });
}

}  // namespace signet::cli
