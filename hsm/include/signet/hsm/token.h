// What the rest of signet asks of PKCS#11 tokens: initialise a development token, generate and
// list keys, and open a key as a core Signer. Nothing outside hsm/src includes pkcs11.h; callers
// name tokens and keys with RFC 7512 URIs and pass the module path they resolved.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "signet/core/algorithm.h"
#include "signet/core/bytes.h"
#include "signet/core/key_file.h"
#include "signet/core/result.h"
#include "signet/core/signer.h"
#include "signet/hsm/pkcs11_uri.h"
#include "signet/hsm/secret.h"

namespace signet::hsm {

struct KeyDescription {
  std::string label;  // CKA_LABEL
  Bytes id;           // CKA_ID
  KeyInfo key;
  Bytes public_key_der;  // SubjectPublicKeyInfo
  // Private-key attributes (PKCS#11 v2.40 §4.9); unknown when listed without logging in.
  bool has_private = false;
  bool sensitive = false;
  bool extractable = true;
  bool always_authenticate = false;
  std::string uri;  // pkcs11: URI of the key, without query attributes
};

// Initialises a fresh token in the first slot without one (C_InitToken), sets the user PIN
// (C_InitPIN). Refuses when a token with `label` already exists. For development tokens
// (SoftHSM); production HSMs are initialised with their vendor's tools.
[[nodiscard]] Status init_token(const std::string& module_path, const std::string& label,
                                const SecretString& so_pin, const SecretString& user_pin);

// Generates a key pair inside the token the URI names, labelled uri.object, with CKA_SENSITIVE
// true and CKA_EXTRACTABLE false (the private key never leaves the token). Needs uri.pin_source.
[[nodiscard]] Result<KeyDescription> generate_key(const std::string& module_path,
                                                  const Pkcs11Uri& uri, const KeySpec& spec);

// Keys in the token the URI names. With a pin_source it logs in and describes private keys;
// without, it lists public keys only.
[[nodiscard]] Result<std::vector<KeyDescription>> list_keys(const std::string& module_path,
                                                            const Pkcs11Uri& uri);

// A key moved into a token from a file, and what the token says about it afterwards.
struct ImportedKey {
  KeyDescription key;
  // PKCS#11 v2.40 §4.9: CKA_ALWAYS_SENSITIVE / CKA_NEVER_EXTRACTABLE describe the key's history.
  // A key that existed outside the token was never "always sensitive"; tokens differ in what
  // they report for C_CreateObject keys, so this is the token's own answer, reported as is.
  bool always_sensitive = false;
  bool never_extractable = false;
};

// Creates `key` in the token the URI names with C_CreateObject (PKCS#11 v2.40 §5.7): a private
// key object with CKA_TOKEN, CKA_PRIVATE, CKA_SENSITIVE and CKA_SIGN true and CKA_EXTRACTABLE
// false, and the matching public key object, both labelled uri.object with a fresh random CKA_ID.
// Refuses when any object with that label exists. The private key's attributes are read back and
// one signature is verified against the public key; on any failure both objects are destroyed.
// Needs uri.pin_source; uri.id must not be set (signet chooses it).
[[nodiscard]] Result<ImportedKey> import_private_key(const std::string& module_path,
                                                     const Pkcs11Uri& uri,
                                                     const PrivateKeyParts& key);

// How a PKCS#11 signer uses its token.
struct SignerOptions {
  // Sessions, one per signature in flight. 0: the CPU count (an in-process token); a network
  // HSM wants its in-flight target (e.g. 32). Always capped by the token's ulMaxSessionCount.
  std::size_t max_sessions = 0;
  // A caller waits at most this for a free session, then gets a retryable error.
  std::chrono::milliseconds session_wait{5000};
  // A signature that fails with a session or device error (CKR_SESSION_HANDLE_INVALID,
  // CKR_DEVICE_ERROR, CKR_USER_NOT_LOGGED_IN, ...) is retried on a fresh session this many times
  // in all, with exponential backoff from `backoff`.
  int max_attempts = 4;
  std::chrono::milliseconds backoff{2};
  // The signature algorithm; unset: the key type's default (RSA PKCS#1 v1.5 SHA-256, ECDSA with
  // the curve's digest, Ed25519). RSA keys may use kRsaPssSha256 (CKM_RSA_PKCS_PSS).
  std::optional<SignatureAlgorithm> algorithm;
  // The non-blocking form (Signer::submit) signs on one thread per session; this many more
  // signatures may wait in its queue (0: as many as there are sessions). A submit that finds the
  // queue full waits up to session_wait, then fails with a retryable kResourceExhausted.
  std::size_t max_queued = 0;
};

// A Signer for the private key the URI names (exactly one must match). The key handle and public
// key are looked up once, and one signature is verified before it is returned; keys with
// CKA_ALWAYS_AUTHENTICATE are refused.
[[nodiscard]] Result<std::unique_ptr<Signer>> open_signer(const std::string& module_path,
                                                          const Pkcs11Uri& uri,
                                                          const SignerOptions& options = {});

}  // namespace signet::hsm
