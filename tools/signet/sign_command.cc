// signet sign — one CSR in, one certificate out, signed inside the token.
#include <chrono>
#include <iostream>
#include <iterator>
#include <memory>
#include <string>

#include "signet/core/csr.h"
#include "signet/core/duration.h"
#include "signet/core/issuer.h"
#include "signet/core/pem.h"
#include "signet/core/profile.h"

#include "commands.h"

namespace signet::cli {
namespace {

struct SignOptions {
  std::string ca;
  std::string profile;
  std::string csr;
  std::string out;
  bool chain = false;
};

Result<std::string> read_csr(const std::string& path) {
  if (path != "-") return read_file_limited(path, Csr::kMaxBytes, "CSR");
  std::string data;
  char buf[4096];  // NOLINT(modernize-avoid-c-arrays)
  while (std::cin.read(buf, sizeof buf) || std::cin.gcount() > 0) {
    data.append(buf, static_cast<std::size_t>(std::cin.gcount()));
    if (data.size() > Csr::kMaxBytes) {
      return fail(ErrorCode::kInvalidArgument, "CSR on standard input is larger than " +
                                                   std::to_string(Csr::kMaxBytes) + " bytes");
    }
  }
  return data;
}

Status sign(const Context& ctx, const SignOptions& o) {
  const Profile* profile = find_profile(o.profile);
  if (profile == nullptr) {
    std::string known;
    for (const auto name : profile_names())
      known += (known.empty() ? "" : ", ") + std::string(name);
    return fail(ErrorCode::kInvalidArgument,
                "unknown profile '" + o.profile.substr(0, 64) + "' (known: " + known + ")");
  }
  SIGNET_ASSIGN_OR_RETURN(const StoredCa ca, ctx.state().load_ca(o.ca));
  SIGNET_ASSIGN_OR_RETURN(const std::string csr_bytes, read_csr(o.csr));
  auto csr = Csr::parse(as_bytes(csr_bytes));
  if (!csr) return fail(csr.error().context(o.csr == "-" ? "standard input" : o.csr));
  SIGNET_ASSIGN_OR_RETURN(auto signer, open_key(ctx, ca.record.key));
  SIGNET_RETURN_IF_ERROR(check_signer_matches(ca.certificate, *signer));
  SIGNET_ASSIGN_OR_RETURN(
      const IssuedCertificate cert,
      issue_certificate(ca.certificate, *signer, *profile, *csr, std::chrono::system_clock::now()));
  std::string pem = pem_encode("CERTIFICATE", cert.der);
  if (o.chain) {  // the issuing intermediate(s) after the leaf; never the root
    SIGNET_ASSIGN_OR_RETURN(const std::string chain, ctx.state().chain_pem(o.ca));
    pem += chain;
  }
  if (!o.out.empty()) SIGNET_RETURN_IF_ERROR(write_file_atomic(o.out, pem));
  nlohmann::json j = {{"ca", o.ca},
                      {"profile", o.profile},
                      {"serial", to_hex(cert.serial)},
                      {"subject", format_name(cert.subject)},
                      {"not_before", format_time(cert.not_before)},
                      {"not_after", format_time(cert.not_after)}};
  if (o.out.empty()) {
    j["certificate"] = pem;
    emit(ctx, j, pem);
  } else {
    j["out"] = o.out;
    emit(ctx, j,
         "issued " + format_name(cert.subject) + " serial " + to_hex(cert.serial) + " until " +
             format_time(cert.not_after) + "\nwrote " + o.out);
  }
  return {};
}

}  // namespace

void register_sign_command(CLI::App& app, Context& ctx, Action& action) {
  auto o = std::make_shared<SignOptions>();
  auto* cmd = app.add_subcommand("sign", "Sign one CSR with a CA's token key");
  cmd->add_option("--ca", o->ca, "CA name (see `signet ca list`)")->required();
  cmd->add_option("--profile", o->profile, "issuance profile, e.g. kubelet-client")->required();
  cmd->add_option("--csr", o->csr, "PKCS#10 CSR file, PEM or DER ('-' for standard input)")
      ->required();
  cmd->add_option("--out", o->out, "write the certificate (PEM) here instead of printing it");
  cmd->add_flag("--chain", o->chain, "append the intermediate CA certificates (not the root)");
  cmd->footer(
      "Example:\n  signet sign --ca kubernetes --profile kubelet-client --csr node.csr --out "
      "node.crt");
  cmd->callback([&ctx, &action, o] { action = [&ctx, o] { return sign(ctx, *o); }; });
}

}  // namespace signet::cli
