// signet ca import | csr — adopting an existing PKI: a CA certificate whose key is already in a
// token, a kubeadm file key moved into a token, and a CA request for an external root to sign.
#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

#include "signet/core/ca_request.h"
#include "signet/core/duration.h"
#include "signet/core/key_file.h"
#include "signet/core/name.h"
#include "signet/core/pem.h"
#include "signet/core/secret_bytes.h"
#include "signet/hsm/pkcs11_uri.h"
#include "signet/hsm/token.h"

#include "ca_shared.h"
#include "commands.h"

namespace signet::cli {
namespace {

struct ImportOptions {
  std::string name;
  std::string cert;
  std::string key;       // a key already in a token
  std::string key_file;  // or a file key to move ...
  std::string into;      // ... into the token at this URI
  std::string parent;
  std::string chain;  // PEM bundle up to an external root
};

// The path above `cert` through the --chain bundle to its root, checked by OpenSSL, as the PEM
// that chain.crt keeps (nearest first, root last), and the subjects for the output.
struct CheckedChain {
  std::string pem;
  nlohmann::json subjects = nlohmann::json::array();
};
Result<CheckedChain> check_chain_file(const std::string& path, const CaCertificate& cert,
                                      SystemTime now) {
  SIGNET_ASSIGN_OR_RETURN(const std::string bundle,
                          read_file_limited(path, CaCertificate::kMaxBytes, "CA chain"));
  SIGNET_ASSIGN_OR_RETURN(const auto chain, parse_ca_bundle(as_bytes(bundle), path));
  auto above = verify_chain_to_root(cert, chain, now);
  if (!above) return fail(above.error().context("--chain " + path));
  CheckedChain out;
  for (const auto& c : *above) {
    out.pem += pem_encode("CERTIFICATE", c.der());
    out.subjects.push_back(c.subject_text());
  }
  return out;
}

Status check_new_ca_name(const State& state, const std::string& name) {
  SIGNET_RETURN_IF_ERROR(check_ca_name(name));
  std::error_code ec;
  if (std::filesystem::exists(state.dir() / "cas" / name, ec)) {
    return fail(ErrorCode::kAlreadyExists,
                "CA '" + name + "' already exists in " + state.dir().string());
  }
  return {};
}

nlohmann::json imported_json(const hsm::ImportedKey& k) {
  return {{"label", k.key.label},
          {"id", to_hex(k.key.id)},
          {"uri", k.key.uri},
          {"sensitive", k.key.sensitive},
          {"extractable", k.key.extractable},
          {"always_sensitive", k.always_sensitive},
          {"never_extractable", k.never_extractable}};
}

// Moves the file key into the token once it is known to be the certificate's key. The file is
// only read; its content is wiped from memory as soon as it is parsed.
Result<hsm::ImportedKey> import_key_file(const Context& ctx, const ImportOptions& o,
                                         const CaCertificate& cert) {
  SIGNET_ASSIGN_OR_RETURN(const hsm::Pkcs11Uri into, hsm::Pkcs11Uri::parse(o.into));
  SIGNET_ASSIGN_OR_RETURN(const std::string module, resolve_module(ctx, into));
  SIGNET_ASSIGN_OR_RETURN(std::string content,
                          read_file_limited(o.key_file, kMaxKeyFileBytes, "key file"));
  auto parts = parse_private_key_file(as_bytes(content), "key file " + o.key_file);
  cleanse(content);
  if (!parts) return fail(parts.error());
  const ByteView a = cert.public_key_der();
  const ByteView b = parts->public_key_der;
  if (!std::equal(a.begin(), a.end(), b.begin(), b.end())) {
    return fail(ErrorCode::kFailedPrecondition,
                "key file " + o.key_file + " (" + key_spec_name(parts->key) +
                    ") is not the key of CA certificate '" + cert.subject_text() + "' (" +
                    key_spec_name(cert.key()) + "): the public keys differ");
  }
  return hsm::import_private_key(module, into, *parts);
}

Status ca_import(const Context& ctx, const ImportOptions& o) {
  const State state = ctx.state();
  SIGNET_RETURN_IF_ERROR(check_new_ca_name(state, o.name));
  if (o.key.empty() == o.key_file.empty()) {
    return fail(ErrorCode::kInvalidArgument,
                "give either --key URI (the key is already in a token) or --key-file FILE --into "
                "URI (move a file key into a token)");
  }
  SIGNET_ASSIGN_OR_RETURN(const std::string cert_text,
                          read_file_limited(o.cert, CaCertificate::kMaxBytes, "CA certificate"));
  auto parsed = CaCertificate::parse(as_bytes(cert_text));
  if (!parsed) return fail(parsed.error().context(o.cert));
  const CaCertificate& cert = *parsed;
  const auto now = std::chrono::system_clock::now();
  if (auto valid = check_valid_at(cert, now); !valid) {
    return fail(valid.error().context(o.cert + ": refusing to import a CA that cannot sign now"));
  }
  if (!o.parent.empty()) {
    SIGNET_ASSIGN_OR_RETURN(const StoredCa parent, state.load_ca(o.parent));
    if (auto chained = check_issued_by(cert, parent.certificate); !chained) {
      return fail(chained.error().context("--parent " + o.parent));
    }
  }

  CheckedChain chain;
  if (!o.chain.empty()) {
    SIGNET_ASSIGN_OR_RETURN(chain, check_chain_file(o.chain, cert, now));
  }

  std::optional<hsm::ImportedKey> imported;
  std::string key_ref;
  if (!o.key.empty()) {
    SIGNET_ASSIGN_OR_RETURN(key_ref, canonical_key_ref(o.key));
  } else {
    SIGNET_ASSIGN_OR_RETURN(imported, import_key_file(ctx, o, cert));
    // Recorded with the CKA_ID signet chose, so a later object with the same label cannot make
    // the CA's key reference ambiguous.
    SIGNET_ASSIGN_OR_RETURN(hsm::Pkcs11Uri recorded, hsm::Pkcs11Uri::parse(o.into));
    recorded.id = imported->key.id;
    SIGNET_ASSIGN_OR_RETURN(key_ref, canonical_key_ref(recorded.to_string()));
  }
  // After an import the key is in the token even if what follows fails: say so.
  const std::string after_import =
      imported ? "the key was imported into the token as '" + imported->key.label + "' but CA '" +
                     o.name + "' was not recorded; rerun with --key '" + key_ref + "'"
               : std::string();
  auto signer = open_key(ctx, key_ref);
  if (!signer) return fail(imported ? signer.error().context(after_import) : signer.error());
  if (auto match = check_signer_matches(cert, **signer); !match) {
    return fail(imported ? match.error().context(after_import) : match.error());
  }
  const std::string pem = pem_encode("CERTIFICATE", cert.der());
  if (auto added = state.add_ca(CaRecord{o.name, key_ref, format_time(now),
                                         o.parent.empty() ? std::nullopt : std::optional(o.parent)},
                                pem, chain.pem);
      !added) {
    return fail(imported ? added.error().context(after_import) : added.error());
  }

  SIGNET_ASSIGN_OR_RETURN(const StoredCa stored, state.load_ca(o.name));
  nlohmann::json j = ca_json(stored);
  nlohmann::json warnings = nlohmann::json::array();
  std::string text = "imported CA '" + o.name + "' (" + cert.subject_text() + ", " +
                     key_spec_name(cert.key()) + ", valid until " + format_time(cert.not_after()) +
                     ")\nkey: " + (*signer)->describe();
  if (!o.parent.empty()) text += "\nparent: " + o.parent;
  if (!o.chain.empty()) {
    j["chain"] = chain.subjects;
    text += "\nchain (checked, kept for sign --chain):";
    for (const auto& subject : chain.subjects) text += " " + subject.get<std::string>();
  } else if (o.parent.empty() && !cert.self_issued()) {
    text += "\nissuer: not in the state and no --chain given; the path to its root is not checked";
  }
  if (imported) {
    j["imported_key"] = imported_json(*imported);
    text += "\nimported into the token as '" + imported->key.label +
            "': " + (imported->key.sensitive ? "sensitive" : "NOT sensitive") + ", " +
            (imported->key.extractable ? "extractable" : "not extractable");
    if (!imported->never_extractable) {
      text += " (the token reports never-extractable false: the key existed outside it)";
    }
    warnings.push_back(
        "the key file " + o.key_file +
        " was not modified and still holds the CA private key: destroy it (e.g. `shred -u " +
        o.key_file +
        "`) and remove it from every backup; until then anyone who reads it can sign as this CA");
  }
  j["warnings"] = warnings;
  for (const auto& w : warnings) text += "\nWARNING: " + w.get<std::string>();
  emit(ctx, j, text);
  return {};
}

struct CsrOptions {
  std::string name;
  std::string key;
  std::string subject;
  std::string out;
};

Status ca_csr(const Context& ctx, const CsrOptions& o) {
  SIGNET_RETURN_IF_ERROR(check_new_ca_name(ctx.state(), o.name));
  SIGNET_ASSIGN_OR_RETURN(const DistinguishedName subject, parse_distinguished_name(o.subject));
  SIGNET_ASSIGN_OR_RETURN(const std::string key_ref, canonical_key_ref(o.key));
  SIGNET_ASSIGN_OR_RETURN(auto signer, open_key(ctx, key_ref));
  SIGNET_ASSIGN_OR_RETURN(const KeyInfo info, inspect_public_key(signer->public_key_der()));
  SIGNET_ASSIGN_OR_RETURN(const Bytes der, create_ca_request(subject, *signer));
  const std::string pem = pem_encode("CERTIFICATE REQUEST", der);
  if (!o.out.empty()) SIGNET_RETURN_IF_ERROR(write_file_atomic(o.out, pem));
  const std::string next =
      "signet ca import --name " + o.name + " --cert SIGNED.crt --key '" + key_ref + "'";
  nlohmann::json j = {{"name", o.name},
                      {"subject", format_name(subject)},
                      {"algorithm", key_spec_name(info)},
                      {"key", key_ref},
                      {"next", next}};
  std::string text = "CA request for '" + o.name + "' (" + format_name(subject) +
                     "), signed in the token by " + signer->describe();
  if (o.out.empty()) {
    j["csr"] = pem;
    text += "\n" + pem;
  } else {
    j["out"] = o.out;
    text += "\nwrote " + o.out;
  }
  text += "\nonce the root has signed it: " + next;
  emit(ctx, j, text);
  return {};
}

}  // namespace

void register_ca_adopt_commands(CLI::App& ca, Context& ctx, Action& action) {
  auto o = std::make_shared<ImportOptions>();
  auto* import = ca.add_subcommand(
      "import", "Record an existing CA: its key already in a token, or moved there from a file");
  import->add_option("--name", o->name, "CA name in the state directory (a-z, 0-9, -)")->required();
  import->add_option("--cert", o->cert, "the CA certificate (PEM or DER)")->required();
  auto* key = import->add_option("--key", o->key, "pkcs11: URI of the CA key already in a token");
  auto* key_file = import->add_option(
      "--key-file", o->key_file,
      "an unencrypted PEM key file (kubeadm's ca.key) to move into the token; left unmodified");
  auto* into = import->add_option("--into", o->into,
                                  "pkcs11: URI (object=NEW-LABEL, pin-source) for --key-file");
  key->excludes(key_file);
  key->excludes(into);
  key_file->needs(into);
  into->needs(key_file);
  auto* parent = import->add_option(
      "--parent", o->parent, "the CA of the state that signed this one (its signature is checked)");
  import
      ->add_option("--chain", o->chain,
                   "PEM certificates above this CA up to its external root (path-validated and "
                   "kept for `sign --chain`)")
      ->excludes(parent);
  import->footer(
      "Examples:\n"
      "  signet ca import --name kubernetes --cert ca.crt \\\n"
      "    --key 'pkcs11:token=signet;object=kubernetes-ca?pin-source=file:pin.txt'\n"
      "  signet ca import --name kubernetes --cert /etc/kubernetes/pki/ca.crt \\\n"
      "    --key-file /etc/kubernetes/pki/ca.key \\\n"
      "    --into 'pkcs11:token=signet;object=kubernetes-ca?pin-source=file:pin.txt'\n"
      "  shred -u /etc/kubernetes/pki/ca.key   # then remove it from every backup\n"
      "  signet ca import --name kubernetes --cert intermediate.crt --chain root.crt \\\n"
      "    --key 'pkcs11:token=signet;object=kubernetes-ca?pin-source=file:pin.txt'");
  import->callback([&ctx, &action, o] { action = [&ctx, o] { return ca_import(ctx, *o); }; });

  auto c = std::make_shared<CsrOptions>();
  auto* csr = ca.add_subcommand(
      "csr", "Write a CA certificate request (PKCS#10), signed in the token, for an external root");
  csr->add_option("--name", c->name, "the CA name it will be imported under")->required();
  csr->add_option("--key", c->key, "pkcs11: URI of the CA key (with pin-source)")->required();
  csr->add_option("--subject", c->subject, "subject, e.g. 'CN=kubernetes-intermediate'")
      ->required();
  csr->add_option("--out", c->out, "write the request (PEM) here instead of printing it");
  csr->footer(
      "Example:\n"
      "  signet ca csr --name kubernetes --subject 'CN=kubernetes' --out ca.csr \\\n"
      "    --key 'pkcs11:token=signet;object=kubernetes-ca?pin-source=file:pin.txt'\n"
      "  # the root signs ca.csr as a CA (basicConstraints=critical,CA:TRUE), then:\n"
      "  signet ca import --name kubernetes --cert ca.crt \\\n"
      "    --key 'pkcs11:token=signet;object=kubernetes-ca?pin-source=file:pin.txt'");
  csr->callback([&ctx, &action, c] { action = [&ctx, c] { return ca_csr(ctx, *c); }; });
}

}  // namespace signet::cli
