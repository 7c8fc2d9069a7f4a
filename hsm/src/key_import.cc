// import_private_key: a CA key that lived in a file (kubeadm's ca.key) becomes a token object
// that signs but can never be read out again.
#include <algorithm>
#include <string>
#include <vector>

#include <openssl/rand.h>

#include "signet/core/der.h"
#include "signet/core/text.h"
#include "signet/hsm/token.h"

#include "p11.h"
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

// The two templates for one key (PKCS#11 v2.40 §2.1.2-3 RSA, §2.3.3-4 EC public and private key
// objects). They point into `key`, `label`, `id` and `ec_point`, which outlive them; no copy
// of a private part is made.
struct Templates {
  std::vector<CK_ATTRIBUTE> pub;
  std::vector<CK_ATTRIBUTE> priv;
};

struct TemplateValues {
  CK_OBJECT_CLASS pub_class = CKO_PUBLIC_KEY;
  CK_OBJECT_CLASS priv_class = CKO_PRIVATE_KEY;
  CK_KEY_TYPE key_type = CKK_EC;
  Bytes ec_point;  // CKA_EC_POINT: the DER OCTET STRING of the point (§2.3.3)
};

Templates make_templates(const PrivateKeyParts& key, const std::string& label, const Bytes& id,
                         TemplateValues& v) {
  const bool rsa = key.key.type == KeyType::kRsa;
  v.key_type = rsa ? CKK_RSA : CKK_EC;
  Templates t;
  t.pub = {attr(CKA_CLASS, v.pub_class),
           attr(CKA_KEY_TYPE, v.key_type),
           attr(CKA_TOKEN, kTrue),
           attr(CKA_PRIVATE, kFalse),
           attr(CKA_VERIFY, kTrue),
           attr_bytes(CKA_LABEL, label.data(), label.size()),
           attr_bytes(CKA_ID, id.data(), id.size())};
  // On the token, private, sensitive, never extractable, for signing only (§4.9).
  t.priv = {attr(CKA_CLASS, v.priv_class),
            attr(CKA_KEY_TYPE, v.key_type),
            attr(CKA_TOKEN, kTrue),
            attr(CKA_PRIVATE, kTrue),
            attr(CKA_SENSITIVE, kTrue),
            attr(CKA_EXTRACTABLE, kFalse),
            attr(CKA_SIGN, kTrue),
            attr(CKA_DECRYPT, kFalse),
            attr(CKA_UNWRAP, kFalse),
            attr(CKA_DERIVE, kFalse),
            attr_bytes(CKA_LABEL, label.data(), label.size()),
            attr_bytes(CKA_ID, id.data(), id.size())};
  if (rsa) {
    const auto n = attr_bytes(CKA_MODULUS, key.modulus.data(), key.modulus.size());
    const auto e =
        attr_bytes(CKA_PUBLIC_EXPONENT, key.public_exponent.data(), key.public_exponent.size());
    t.pub.insert(t.pub.end(), {n, e});
    t.priv.insert(
        t.priv.end(),
        {n, e,
         attr_bytes(CKA_PRIVATE_EXPONENT, key.private_exponent.data(), key.private_exponent.size()),
         attr_bytes(CKA_PRIME_1, key.prime1.data(), key.prime1.size()),
         attr_bytes(CKA_PRIME_2, key.prime2.data(), key.prime2.size()),
         attr_bytes(CKA_EXPONENT_1, key.exponent1.data(), key.exponent1.size()),
         attr_bytes(CKA_EXPONENT_2, key.exponent2.data(), key.exponent2.size()),
         attr_bytes(CKA_COEFFICIENT, key.coefficient.data(), key.coefficient.size())});
  } else {
    der::Writer w;
    w.put(der::kOctetString, key.ec_point);
    v.ec_point = std::move(w).take();
    const auto params = attr_bytes(CKA_EC_PARAMS, key.ec_params.data(), key.ec_params.size());
    t.pub.insert(t.pub.end(),
                 {params, attr_bytes(CKA_EC_POINT, v.ec_point.data(), v.ec_point.size())});
    t.priv.insert(t.priv.end(), {params, attr_bytes(CKA_VALUE, key.ec_private_value.data(),
                                                    key.ec_private_value.size())});
  }
  return t;
}

}  // namespace

Result<ImportedKey> import_private_key(const std::string& module_path, const Pkcs11Uri& uri,
                                       const PrivateKeyParts& key) {
  if (!uri.object || uri.object->empty()) {
    return fail(ErrorCode::kInvalidArgument, "the key URI must name the key: object=NAME");
  }
  if (uri.id) {
    return fail(ErrorCode::kInvalidArgument, "the key URI must not set id=: signet chooses it");
  }
  if (uri.type && *uri.type != "private") {
    return fail(ErrorCode::kInvalidArgument,
                "the key URI names type=" + *uri.type + "; an imported key is type=private");
  }
  if (key.key.type != KeyType::kRsa && key.key.type != KeyType::kEcP256 &&
      key.key.type != KeyType::kEcP384) {
    return fail(ErrorCode::kInvalidArgument, "only RSA and EC P-256/P-384 keys can be imported");
  }
  SIGNET_RETURN_IF_ERROR(check_label("key label (object=)", *uri.object, 128));
  SIGNET_ASSIGN_OR_RETURN(internal::OpenToken t,
                          internal::open_token(module_path, uri, true, true));
  const std::string& label = *uri.object;

  // Any object with this label (a key, a certificate, data): two objects sharing a label would
  // make the URI ambiguous for every later lookup.
  SIGNET_ASSIGN_OR_RETURN(
      const auto existing,
      p11::find_objects(t.session, {attr_bytes(CKA_LABEL, label.data(), label.size())}));
  if (!existing.empty()) {
    return fail(ErrorCode::kAlreadyExists, "token '" + t.slot.label +
                                               "' already has an object labelled '" + label +
                                               "'; choose another object= for the imported key");
  }

  // A random CKA_ID ties the two halves together (PKCS#11 v2.40 §4.4: CKA_ID).
  Bytes id(16);
  if (RAND_bytes(id.data(), static_cast<int>(id.size())) != 1) {
    return fail(ErrorCode::kUnavailable, "RAND_bytes failed");
  }
  TemplateValues values;
  Templates tmpl = make_templates(key, label, id, values);
  CK_FUNCTION_LIST* fn = t.module->fn();
  CK_OBJECT_HANDLE pub = CK_INVALID_HANDLE;
  CK_OBJECT_HANDLE priv = CK_INVALID_HANDLE;
  SIGNET_RETURN_IF_ERROR(
      p11::check(fn->C_CreateObject(t.session.handle(), tmpl.pub.data(), tmpl.pub.size(), &pub),
                 "C_CreateObject"));
  // Until the key is checked, a failure removes both objects: no half-imported CA key stays.
  auto discard = [&](const Error& why) -> Error {
    const Status a = priv == CK_INVALID_HANDLE ? Status{} : p11::destroy_object(t.session, priv);
    const Status b = p11::destroy_object(t.session, pub);
    if (a && b) return why.context("key import undone (objects destroyed)");
    return why.context("key import failed and its objects could not be destroyed (remove '" +
                       label + "' with the token's tools)");
  };
  if (auto created = p11::check(
          fn->C_CreateObject(t.session.handle(), tmpl.priv.data(), tmpl.priv.size(), &priv),
          "C_CreateObject");
      !created) {
    priv = CK_INVALID_HANDLE;
    return fail(discard(created.error()));
  }

  ImportedKey out;
  auto d = internal::describe_key(t.session, priv, t.slot.label);
  if (!d) return fail(discard(d.error()));
  if (!d->sensitive || d->extractable) {
    return fail(
        discard(Error(ErrorCode::kFailedPrecondition,
                      "the token did not make the imported key sensitive and "
                      "non-extractable (CKA_SENSITIVE " +
                          std::string(d->sensitive ? "true" : "false") + ", CKA_EXTRACTABLE " +
                          (d->extractable ? "true" : "false") + ")")));
  }
  if (!std::equal(d->public_key_der.begin(), d->public_key_der.end(), key.public_key_der.begin(),
                  key.public_key_der.end())) {
    return fail(discard(
        Error(ErrorCode::kInternal, "the token reports a public key other than the one imported")));
  }
  out.always_sensitive = p11::get_bool(t.session, priv, CKA_ALWAYS_SENSITIVE).value_or(false);
  out.never_extractable = p11::get_bool(t.session, priv, CKA_NEVER_EXTRACTABLE).value_or(false);
  out.key = std::move(*d);

  // One signature through the normal signer, verified with the public object: proves the two
  // objects belong together and the token can use the key before anyone relies on it.
  Pkcs11Uri exact = uri;
  exact.id = id;
  SignerOptions one_session;
  one_session.max_sessions = 1;
  if (auto signer = open_signer(module_path, exact, one_session); !signer) {
    return fail(discard(signer.error()));
  }
  return out;
}

}  // namespace signet::hsm
