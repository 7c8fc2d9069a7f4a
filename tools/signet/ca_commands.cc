// signet ca init | list — CAs whose keys live in a token (ca import | csr: ca_adopt_commands.cc).
#include <chrono>
#include <filesystem>
#include <memory>
#include <sstream>
#include <string>

#include "signet/core/duration.h"
#include "signet/core/name.h"
#include "signet/core/pem.h"
#include "signet/hsm/pkcs11_uri.h"

#include "ca_shared.h"
#include "commands.h"
#include "profile_loading.h"

namespace signet::cli {
namespace {

struct InitOptions {
  std::string name;
  std::string key;
  std::string subject;   // empty: the profile's (with --profile)
  std::string validity;  // empty: the profile's, else 87600h
  std::string out;
  std::string parent;    // empty: a self-signed root
  std::string profile;   // a CA profile (kind ca); empty: --subject, keyCertSign + cRLSign, no SAN
  std::string profiles;  // --profiles FILE
};

}  // namespace

Result<std::string> canonical_key_ref(const std::string& ref) {
  if (ref.rfind("file:", 0) == 0) {
    std::error_code ec;
    const auto path = std::filesystem::absolute(ref.substr(5), ec);
    return ec ? ref : "file:" + path.string();
  }
  SIGNET_ASSIGN_OR_RETURN(hsm::Pkcs11Uri uri, hsm::Pkcs11Uri::parse(ref));
  // A relative PIN file would be looked up from wherever `signet sign` later runs: record it
  // absolute.
  if (uri.pin_source && uri.pin_source->rfind("file:", 0) == 0 &&
      !std::filesystem::path(uri.pin_source->substr(5)).is_absolute()) {
    std::error_code ec;
    const auto path = std::filesystem::absolute(uri.pin_source->substr(5), ec);
    if (!ec) uri.pin_source = "file:" + path.string();
  }
  return uri.to_string();
}

nlohmann::json ca_json(const StoredCa& ca) {
  return {{"name", ca.record.name},
          {"subject", ca.certificate.subject_text()},
          {"algorithm", key_spec_name(ca.certificate.key())},
          {"not_before", format_time(ca.certificate.not_before())},
          {"not_after", format_time(ca.certificate.not_after())},
          {"serial", ca.certificate.serial_hex()},
          {"key", ca.record.key},
          {"created", ca.record.created},
          {"parent", ca.record.parent ? nlohmann::json(*ca.record.parent) : nlohmann::json()}};
}

namespace {

// The certificate of a new intermediate under `parent_name`, signed with the parent's key.
Result<Bytes> create_intermediate(const Context& ctx, const std::string& parent_name,
                                  const CaPlan& plan, SystemTime now, const Signer& signer) {
  SIGNET_ASSIGN_OR_RETURN(const StoredCa parent, ctx.state().load_ca(parent_name));
  SIGNET_ASSIGN_OR_RETURN(auto parent_signer, open_key(ctx, parent.record.key));
  auto der =
      create_intermediate_ca(plan.subject, plan.validity, now, parent.certificate, *parent_signer,
                             signer.public_key_der(), {plan.key_usage, plan.subject_alt_names});
  if (!der) return fail(der.error().context("--parent " + parent_name));
  // Our own output must chain to the parent before anything is written.
  SIGNET_ASSIGN_OR_RETURN(const CaCertificate issued, CaCertificate::parse(*der));
  SIGNET_RETURN_IF_ERROR(check_issued_by(issued, parent.certificate));
  return der;
}

// The new CA's subject, extensions and lifetime: from --profile (a CA profile, checked against
// the key) or, without one, --subject with keyCertSign + cRLSign and no SAN.
Result<CaPlan> ca_plan_for(const Context& ctx, const InitOptions& o, const Signer& signer) {
  std::optional<DistinguishedName> subject;
  if (!o.subject.empty()) {
    SIGNET_ASSIGN_OR_RETURN(subject, parse_distinguished_name(o.subject));
  }
  std::optional<std::chrono::seconds> validity;
  if (!o.validity.empty()) {
    SIGNET_ASSIGN_OR_RETURN(validity, parse_duration(o.validity));
  }
  if (o.profile.empty()) {
    if (!subject) {
      return fail(ErrorCode::kInvalidArgument, "ca init: give --subject or a CA --profile");
    }
    CaPlan plan;
    plan.subject = *subject;
    plan.key_usage = CaExtensions{}.key_usage;
    plan.validity = validity.value_or(std::chrono::hours(24 * 365 * 10));
    return plan;
  }
  SIGNET_ASSIGN_OR_RETURN(const ProfileSet set, load_effective_profiles(ctx, o.profiles));
  const Profile* profile = set.find(o.profile);
  if (profile == nullptr) return tl::unexpected(unknown_profile(set, o.profile));
  SIGNET_ASSIGN_OR_RETURN(const KeyInfo key, inspect_public_key(signer.public_key_der()));
  return profile->plan_ca(key, subject, validity);
}

Status ca_init(const Context& ctx, const InitOptions& o) {
  const State state = ctx.state();
  SIGNET_RETURN_IF_ERROR(check_ca_name(o.name));
  std::error_code ec;
  if (std::filesystem::exists(state.dir() / "cas" / o.name, ec)) {
    return fail(ErrorCode::kAlreadyExists,
                "CA '" + o.name + "' already exists in " + state.dir().string());
  }
  SIGNET_ASSIGN_OR_RETURN(const std::string key_ref, canonical_key_ref(o.key));
  SIGNET_ASSIGN_OR_RETURN(auto signer, open_key(ctx, key_ref));
  SIGNET_ASSIGN_OR_RETURN(const CaPlan plan, ca_plan_for(ctx, o, *signer));
  const auto now = std::chrono::system_clock::now();
  SIGNET_ASSIGN_OR_RETURN(const Bytes der,
                          o.parent.empty()
                              ? create_self_signed_ca(plan.subject, plan.validity, now, *signer,
                                                      {plan.key_usage, plan.subject_alt_names})
                              : create_intermediate(ctx, o.parent, plan, now, *signer));
  const std::string pem = pem_encode("CERTIFICATE", der);
  // Check our own output parses as a CA before anything is written.
  SIGNET_RETURN_IF_ERROR(CaCertificate::parse(der));
  // --out first: if it cannot be written, nothing is recorded and the command can be rerun.
  if (!o.out.empty()) SIGNET_RETURN_IF_ERROR(write_file_atomic(o.out, pem));
  SIGNET_RETURN_IF_ERROR(
      state.add_ca(CaRecord{o.name, key_ref, format_time(now),
                            o.parent.empty() ? std::nullopt : std::optional(o.parent)},
                   pem));
  SIGNET_ASSIGN_OR_RETURN(const StoredCa stored, state.load_ca(o.name));
  nlohmann::json j = ca_json(stored);
  if (o.out.empty()) j["certificate"] = pem;
  std::string text = "created CA '" + o.name + "' (" + stored.certificate.subject_text() + ", " +
                     key_spec_name(stored.certificate.key()) + ", valid until " +
                     format_time(stored.certificate.not_after()) + ")\nkey: " + signer->describe();
  if (!o.parent.empty()) text += "\nparent: " + o.parent;
  text += o.out.empty() ? "\n" + pem : "\nwrote " + o.out;
  emit(ctx, j, text);
  return {};
}

Status ca_list(const Context& ctx) {
  SIGNET_ASSIGN_OR_RETURN(const auto cas, ctx.state().list_cas());
  nlohmann::json j = nlohmann::json::array();
  std::ostringstream text;
  text << "NAME\tALGORITHM\tNOT_AFTER\tSUBJECT\tKEY\tPARENT\n";
  for (const auto& ca : cas) {
    j.push_back(ca_json(ca));
    text << ca.record.name << '\t' << key_spec_name(ca.certificate.key()) << '\t'
         << format_time(ca.certificate.not_after()) << '\t' << ca.certificate.subject_text() << '\t'
         << ca.record.key << '\t' << ca.record.parent.value_or("-") << '\n';
  }
  emit(ctx, {{"cas", j}}, text.str());
  return {};
}

}  // namespace

void register_ca_commands(CLI::App& app, Context& ctx, Action& action) {
  auto* ca = app.add_subcommand("ca", "Create, import and list certificate authorities");
  ca->require_subcommand(1);

  auto o = std::make_shared<InitOptions>();
  auto* init = ca->add_subcommand(
      "init", "Create a CA whose key is in a token (self-signed, or under --parent)");
  init->add_option("--name", o->name, "CA name in the state directory (a-z, 0-9, -)")->required();
  init->add_option("--key", o->key, "pkcs11: URI of the CA key (with pin-source)")->required();
  init->add_option("--subject", o->subject,
                   "subject, e.g. 'CN=kubernetes' (default with --profile: the profile's)");
  init->add_option("--validity", o->validity,
                   "lifetime, e.g. 87600h (default: the profile's, else 10 years)");
  init->add_option("--profile", o->profile,
                   "a CA profile (kubernetes-ca, front-proxy-ca, etcd-ca, or your own): its "
                   "subject rules, key types, keyUsage, SAN DNS:<CN> and validity");
  init->add_option("--profiles", o->profiles, "profiles file (default: built-ins / state)");
  init->add_option("--out", o->out, "also write the CA certificate (PEM) here");
  init->add_option("--parent", o->parent,
                   "make an intermediate signed by this CA of the state (default: self-signed)");
  init->footer(
      "Examples:\n  signet ca init --name kubernetes --profile kubernetes-ca \\\n"
      "    --key 'pkcs11:token=signet;object=kubernetes-ca?pin-source=file:pin.txt' --out ca.crt\n"
      "  signet ca init --name lab-root --subject 'CN=lab root CA' --validity 87600h "
      "\\\n"
      "    --key 'pkcs11:token=signet;object=lab-root?pin-source=file:pin.txt' --out lab-root.crt\n"
      "  signet ca init --name etcd --parent kubernetes --subject 'CN=etcd-ca' --validity 43800h "
      "\\\n"
      "    --key 'pkcs11:token=signet;object=etcd-ca?pin-source=file:pin.txt' --out etcd-ca.crt");
  init->callback([&ctx, &action, o] { action = [&ctx, o] { return ca_init(ctx, *o); }; });

  auto* list = ca->add_subcommand("list", "List the CAs in the state directory");
  list->footer("Example:\n  signet ca list --output json");
  list->callback([&ctx, &action] { action = [&ctx] { return ca_list(ctx); }; });

  register_ca_adopt_commands(*ca, ctx, action);
}

}  // namespace signet::cli
