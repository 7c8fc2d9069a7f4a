#include "signet/hsm/token.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <string>

#include <openssl/rand.h>

#include "signet/core/text.h"

#include "p11.h"
#include "pkcs11_signer.h"
#include "token_internal.h"

namespace signet::hsm {
namespace {

CK_BBOOL kTrue = CK_TRUE;    // NOLINT: PKCS#11 templates take non-const pointers
CK_BBOOL kFalse = CK_FALSE;  // NOLINT

template <typename T>
CK_ATTRIBUTE attr(CK_ATTRIBUTE_TYPE type, T& value) {
  return {type, &value, sizeof value};
}
CK_ATTRIBUTE attr_bytes(CK_ATTRIBUTE_TYPE type, const void* data, std::size_t size) {
  return {type, const_cast<void*>(data), size};  // NOLINT: read-only in practice
}

Pkcs11Uri key_uri(const std::string& token, const std::string& label, const Bytes& id) {
  Pkcs11Uri u;
  u.token = token;
  u.object = label;
  if (!id.empty()) u.id = id;
  u.type = "private";
  return u;
}
}  // namespace

// Shared with key_import.cc (token_internal.h).
namespace internal {

Result<OpenToken> open_token(const std::string& module_path, const Pkcs11Uri& uri, bool login,
                             bool read_write) {
  SIGNET_ASSIGN_OR_RETURN(auto module, p11::Module::load(module_path));
  SIGNET_ASSIGN_OR_RETURN(const p11::Slot slot, p11::find_token(*module, uri));
  SIGNET_ASSIGN_OR_RETURN(p11::Session session, p11::open_session(module, slot.id, read_write));
  if (login) {
    if (!uri.pin_source) {
      return fail(ErrorCode::kInvalidArgument,
                  "the key URI needs ?pin-source=file:PATH (or env:NAME) to log in to token '" +
                      slot.label + "'");
    }
    SIGNET_ASSIGN_OR_RETURN(const SecretString pin, read_pin(*uri.pin_source));
    if (auto ok = session.login(CKU_USER, pin); !ok) {
      return fail(ok.error().context("token '" + slot.label + "'"));
    }
  }
  return OpenToken{std::move(module), slot, std::move(session)};
}

// Private keys whose label/id match the URI.
Result<std::vector<CK_OBJECT_HANDLE>> find_private_keys(const p11::Session& s,
                                                        const Pkcs11Uri& uri) {
  CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
  std::vector<CK_ATTRIBUTE> tmpl{attr(CKA_CLASS, cls)};
  if (uri.object) tmpl.push_back(attr_bytes(CKA_LABEL, uri.object->data(), uri.object->size()));
  if (uri.id) tmpl.push_back(attr_bytes(CKA_ID, uri.id->data(), uri.id->size()));
  return p11::find_objects(s, std::move(tmpl));
}

Result<KeyDescription> describe_key(const p11::Session& s, CK_OBJECT_HANDLE priv,
                                    const std::string& token) {
  KeyDescription d;
  if (auto label = p11::get_attribute(s, priv, CKA_LABEL))
    d.label.assign(label->begin(), label->end());
  if (auto id = p11::get_attribute(s, priv, CKA_ID)) d.id = *id;
  d.has_private = true;
  d.sensitive = p11::get_bool(s, priv, CKA_SENSITIVE).value_or(false);
  d.extractable = p11::get_bool(s, priv, CKA_EXTRACTABLE).value_or(true);
  d.always_authenticate = p11::get_bool(s, priv, CKA_ALWAYS_AUTHENTICATE).value_or(false);

  // The public key: from the matching public object (same CKA_ID), else from the private key
  // (RSA private keys carry modulus and exponent).
  CK_OBJECT_CLASS cls = CKO_PUBLIC_KEY;
  std::vector<CK_ATTRIBUTE> tmpl{attr(CKA_CLASS, cls)};
  if (!d.id.empty())
    tmpl.push_back(attr_bytes(CKA_ID, d.id.data(), d.id.size()));
  else
    tmpl.push_back(attr_bytes(CKA_LABEL, d.label.data(), d.label.size()));
  SIGNET_ASSIGN_OR_RETURN(const auto pubs, p11::find_objects(s, std::move(tmpl)));
  auto spki = pubs.size() == 1 ? p11::public_key_info(s, pubs[0]) : p11::public_key_info(s, priv);
  if (!spki) {
    return fail(spki.error().context("key '" + d.label + "': cannot read its public key"));
  }
  d.public_key_der = std::move(*spki);
  SIGNET_ASSIGN_OR_RETURN(d.key, inspect_public_key(d.public_key_der));
  d.uri = key_uri(token, d.label, d.id).to_string(false);
  return d;
}

}  // namespace internal

using internal::describe_key;
using internal::find_private_keys;
using internal::open_token;
using internal::OpenToken;

Status init_token(const std::string& module_path, const std::string& label,
                  const SecretString& so_pin, const SecretString& user_pin) {
  // CK_TOKEN_INFO.label is 32 blank-padded bytes (PKCS#11 v2.40 §3.2).
  SIGNET_RETURN_IF_ERROR(check_label("token label", label, 32));
  SIGNET_ASSIGN_OR_RETURN(auto module, p11::Module::load(module_path));
  CK_FUNCTION_LIST* fn = module->fn();
  SIGNET_ASSIGN_OR_RETURN(const auto slots, p11::slot_list(*module, false));
  std::optional<CK_SLOT_ID> free_slot;
  for (const CK_SLOT_ID slot : slots) {
    CK_TOKEN_INFO info{};
    if (fn->C_GetTokenInfo(slot, &info) != CKR_OK) continue;
    if ((info.flags & CKF_TOKEN_INITIALIZED) == 0) {
      if (!free_slot) free_slot = slot;
    } else if (p11::trim_padded(info.label, sizeof info.label) == label) {
      return fail(ErrorCode::kAlreadyExists, "a token labelled '" + label + "' already exists");
    }
  }
  if (!free_slot) {
    return fail(ErrorCode::kFailedPrecondition, "no uninitialised token slot in " + module_path);
  }
  std::array<CK_UTF8CHAR, 32> padded{};
  padded.fill(' ');
  std::memcpy(padded.data(), label.data(), label.size());
  const std::string_view so = so_pin.reveal();
  // NOLINTNEXTLINE: PKCS#11 takes non-const pointers
  auto* so_bytes = reinterpret_cast<CK_UTF8CHAR*>(const_cast<char*>(so.data()));
  SIGNET_RETURN_IF_ERROR(
      p11::check(fn->C_InitToken(*free_slot, so_bytes, so.size(), padded.data()), "C_InitToken"));

  auto set_user_pin = [&]() -> Status {
    // SoftHSM moves an initialised token to a new slot id: find it again by label.
    Pkcs11Uri uri;
    uri.token = label;
    SIGNET_ASSIGN_OR_RETURN(const p11::Slot slot, p11::find_token(*module, uri));
    SIGNET_ASSIGN_OR_RETURN(p11::Session session, p11::open_session(module, slot.id, true));
    SIGNET_RETURN_IF_ERROR(session.login(CKU_SO, so_pin));
    const std::string_view user = user_pin.reveal();
    // NOLINTNEXTLINE: PKCS#11 takes non-const pointers
    auto* user_bytes = reinterpret_cast<CK_UTF8CHAR*>(const_cast<char*>(user.data()));
    Status set = p11::check(fn->C_InitPIN(session.handle(), user_bytes, user.size()), "C_InitPIN");
    // The SO session ends here; a failing C_Logout changes nothing the caller can act on.
    static_cast<void>(fn->C_Logout(session.handle()));
    return set;
  };
  if (auto set = set_user_pin(); !set) {
    return fail(set.error().context("token '" + label +
                                    "' was initialised but its user PIN is not set (initialise "
                                    "it again, or set the PIN with the token's own tools)"));
  }
  return {};
}

Result<KeyDescription> generate_key(const std::string& module_path, const Pkcs11Uri& uri,
                                    const KeySpec& spec) {
  if (!uri.object || uri.object->empty()) {
    return fail(ErrorCode::kInvalidArgument, "the key URI must name the key: object=NAME");
  }
  if (uri.id) {
    return fail(ErrorCode::kInvalidArgument, "the key URI must not set id=: signet chooses it");
  }
  SIGNET_RETURN_IF_ERROR(check_label("key label (object=)", *uri.object, 128));
  SIGNET_ASSIGN_OR_RETURN(OpenToken t, open_token(module_path, uri, true, true));
  Pkcs11Uri by_label;
  by_label.object = uri.object;
  SIGNET_ASSIGN_OR_RETURN(const auto existing, find_private_keys(t.session, by_label));
  if (!existing.empty()) {
    return fail(ErrorCode::kAlreadyExists,
                "token '" + t.slot.label + "' already has a key '" + *uri.object + "'");
  }

  // A random CKA_ID ties the two halves together (PKCS#11 v2.40 §4.4: CKA_ID).
  Bytes id(16);
  if (RAND_bytes(id.data(), static_cast<int>(id.size())) != 1) {
    return fail(ErrorCode::kUnavailable, "RAND_bytes failed");
  }
  const std::string& label = *uri.object;
  CK_ULONG bits = spec.rsa_bits;
  std::array<CK_BYTE, 3> exponent = {0x01, 0x00, 0x01};
  std::vector<CK_ATTRIBUTE> pub{
      attr(CKA_TOKEN, kTrue), attr(CKA_PRIVATE, kFalse), attr(CKA_VERIFY, kTrue),
      attr_bytes(CKA_LABEL, label.data(), label.size()), attr_bytes(CKA_ID, id.data(), id.size())};
  // The private key: on the token, private, sensitive and never extractable, for signing only
  // (PKCS#11 v2.40 §4.9).
  std::vector<CK_ATTRIBUTE> priv{attr(CKA_TOKEN, kTrue),
                                 attr(CKA_PRIVATE, kTrue),
                                 attr(CKA_SENSITIVE, kTrue),
                                 attr(CKA_EXTRACTABLE, kFalse),
                                 attr(CKA_SIGN, kTrue),
                                 attr(CKA_DECRYPT, kFalse),
                                 attr(CKA_UNWRAP, kFalse),
                                 attr(CKA_DERIVE, kFalse),
                                 attr_bytes(CKA_LABEL, label.data(), label.size()),
                                 attr_bytes(CKA_ID, id.data(), id.size())};
  CK_MECHANISM mech{CKM_EC_KEY_PAIR_GEN, nullptr, 0};
  // Ed25519 by OID (RFC 8410 §3), which SoftHSM and PKCS#11 v3.0 §2.3.5 accept.
  const Bytes curve_params = spec.type == KeyType::kEd25519 ? Bytes{0x06, 0x03, 0x2b, 0x65, 0x70}
                                                            : named_curve_params(spec.type);
  if (spec.type == KeyType::kRsa) {
    mech.mechanism = CKM_RSA_PKCS_KEY_PAIR_GEN;
    pub.push_back(attr(CKA_MODULUS_BITS, bits));
    pub.push_back(attr_bytes(CKA_PUBLIC_EXPONENT, exponent.data(), exponent.size()));
  } else {
    if (spec.type == KeyType::kEd25519) mech.mechanism = CKM_EC_EDWARDS_KEY_PAIR_GEN;
    // CKA_EC_PARAMS: the namedCurve OID TLV (PKCS#11 v2.40 §2.3.3).
    pub.push_back(attr_bytes(CKA_EC_PARAMS, curve_params.data(), curve_params.size()));
  }
  CK_OBJECT_HANDLE pub_handle = CK_INVALID_HANDLE;
  CK_OBJECT_HANDLE priv_handle = CK_INVALID_HANDLE;
  SIGNET_RETURN_IF_ERROR(p11::check(
      t.module->fn()->C_GenerateKeyPair(t.session.handle(), &mech, pub.data(), pub.size(),
                                        priv.data(), priv.size(), &pub_handle, &priv_handle),
      "C_GenerateKeyPair"));
  // Until the key is checked, a failure removes both halves: no half-made or weak CA key stays.
  auto discard = [&](const Error& why) -> Error {
    const Status a = p11::destroy_object(t.session, priv_handle);
    const Status b = p11::destroy_object(t.session, pub_handle);
    if (a && b) return why.context("key generated, then destroyed");
    return why.context("key generated but could not be destroyed (remove '" + label +
                       "' with the token's tools)");
  };
  auto d = describe_key(t.session, priv_handle, t.slot.label);
  if (!d) return fail(discard(d.error()));
  if (!d->sensitive || d->extractable) {
    return fail(discard(Error(ErrorCode::kFailedPrecondition,
                              "the token did not make the key sensitive and non-extractable")));
  }
  return d;
}

Result<std::vector<KeyDescription>> list_keys(const std::string& module_path,
                                              const Pkcs11Uri& uri) {
  const bool login = uri.pin_source.has_value();
  SIGNET_ASSIGN_OR_RETURN(OpenToken t, open_token(module_path, uri, login, false));
  std::vector<KeyDescription> out;
  if (login) {
    SIGNET_ASSIGN_OR_RETURN(const auto keys, find_private_keys(t.session, uri));
    for (const auto key : keys) {
      SIGNET_ASSIGN_OR_RETURN(KeyDescription d, describe_key(t.session, key, t.slot.label));
      out.push_back(std::move(d));
    }
  } else {
    CK_OBJECT_CLASS cls = CKO_PUBLIC_KEY;
    SIGNET_ASSIGN_OR_RETURN(const auto keys, p11::find_objects(t.session, {attr(CKA_CLASS, cls)}));
    for (const auto key : keys) {
      KeyDescription d;
      if (auto label = p11::get_attribute(t.session, key, CKA_LABEL)) {
        d.label.assign(label->begin(), label->end());
      }
      if (auto id = p11::get_attribute(t.session, key, CKA_ID)) d.id = *id;
      if (uri.object && *uri.object != d.label) continue;
      SIGNET_ASSIGN_OR_RETURN(d.public_key_der, p11::public_key_info(t.session, key));
      SIGNET_ASSIGN_OR_RETURN(d.key, inspect_public_key(d.public_key_der));
      d.uri = key_uri(t.slot.label, d.label, d.id).to_string(false);
      out.push_back(std::move(d));
    }
  }
  std::sort(out.begin(), out.end(),
            [](const KeyDescription& a, const KeyDescription& b) { return a.label < b.label; });
  return out;
}

Result<std::unique_ptr<Signer>> open_signer(const std::string& module_path, const Pkcs11Uri& uri,
                                            const SignerOptions& options) {
  if (uri.type && *uri.type != "private") {
    return fail(ErrorCode::kInvalidArgument,
                "the key URI names type=" + *uri.type + "; a signing key is type=private");
  }
  if (!uri.object && !uri.id) {
    return fail(ErrorCode::kInvalidArgument, "the key URI must name the key: object=NAME or id=");
  }
  SIGNET_ASSIGN_OR_RETURN(auto module, p11::Module::load(module_path));
  SIGNET_ASSIGN_OR_RETURN(const p11::Slot slot, p11::find_token(*module, uri));
  if (!uri.pin_source) {
    return fail(ErrorCode::kInvalidArgument,
                "the key URI needs ?pin-source=file:PATH (or env:NAME) to log in to token '" +
                    slot.label + "'");
  }
  SIGNET_ASSIGN_OR_RETURN(SecretString pin, read_pin(*uri.pin_source));
  SIGNET_ASSIGN_OR_RETURN(
      auto pool, SessionPool::open(module, slot.id, slot.label, std::move(pin),
                                   PoolOptions{options.max_sessions, options.session_wait}));

  // Key lookup once, on a session of the now logged-in token.
  const std::string where = uri.to_string(false);
  CK_OBJECT_HANDLE key = CK_INVALID_HANDLE;
  KeyDescription d;
  {
    SIGNET_ASSIGN_OR_RETURN(const p11::Session lookup, p11::open_session(module, slot.id, false));
    SIGNET_ASSIGN_OR_RETURN(const auto keys, find_private_keys(lookup, uri));
    if (keys.empty()) {
      return fail(ErrorCode::kNotFound,
                  "no private key matches " + where + " in token '" + slot.label + "'");
    }
    if (keys.size() > 1) {
      return fail(ErrorCode::kInvalidArgument,
                  std::to_string(keys.size()) + " private keys match " + where + "; add id=");
    }
    key = keys[0];
    SIGNET_ASSIGN_OR_RETURN(d, describe_key(lookup, key, slot.label));
  }
  if (d.always_authenticate) {
    // A login per signature (PKCS#11 v2.40 §4.9 CKA_ALWAYS_AUTHENTICATE) cannot run at volume.
    return fail(ErrorCode::kFailedPrecondition,
                "key " + where +
                    " has CKA_ALWAYS_AUTHENTICATE set; signet cannot use keys that "
                    "require a login per signature");
  }
  if (options.algorithm) {
    if (auto ok = check_algorithm_for_key(*options.algorithm, d.key.type); !ok) {
      return fail(ok.error().context("key " + where));
    }
  }
  auto find_key = [uri, where](const p11::Session& s) -> Result<CK_OBJECT_HANDLE> {
    SIGNET_ASSIGN_OR_RETURN(const auto found, find_private_keys(s, uri));
    if (found.size() != 1) {
      return fail(ErrorCode::kNotFound, "the key " + where + " is no longer in the token");
    }
    return found[0];
  };
  auto signer = std::make_unique<Pkcs11Signer>(std::move(pool), key, std::move(find_key), d.key,
                                               std::move(d.public_key_der), where, options);
  // One signature, verified with the public key read from the token: catches a public object
  // paired with the wrong private key (same CKA_ID) before any certificate carries it.
  SIGNET_ASSIGN_OR_RETURN(const Bytes probe,
                          signing_input(signer->algorithm(), as_bytes("signet key self-test")));
  SIGNET_ASSIGN_OR_RETURN(const Bytes sig, signer->sign(probe));
  if (auto ok = verify_signature(signer->public_key_der(), signer->algorithm(), probe, sig); !ok) {
    return fail(ok.error().context("key " + where +
                                   " failed its self-test (its public key object does not match "
                                   "the private key)"));
  }
  return std::unique_ptr<Signer>(std::move(signer));
}

}  // namespace signet::hsm
