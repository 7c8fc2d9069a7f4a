// Token operations shared by the files that implement token.h (token.cc, key_import.cc).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "signet/core/result.h"
#include "signet/hsm/pkcs11_uri.h"
#include "signet/hsm/token.h"

#include "p11.h"

namespace signet::hsm::internal {

// A token, found (and, when asked, logged in as the user), for one operation.
struct OpenToken {
  std::shared_ptr<p11::Module> module;
  p11::Slot slot;
  p11::Session session;
};

[[nodiscard]] Result<OpenToken> open_token(const std::string& module_path, const Pkcs11Uri& uri,
                                           bool login, bool read_write);

// Private keys whose label/id match the URI.
[[nodiscard]] Result<std::vector<CK_OBJECT_HANDLE>> find_private_keys(const p11::Session& s,
                                                                      const Pkcs11Uri& uri);

// A private key's label, id, attributes and public key (from its public object, same CKA_ID).
[[nodiscard]] Result<KeyDescription> describe_key(const p11::Session& s, CK_OBJECT_HANDLE priv,
                                                  const std::string& token);

}  // namespace signet::hsm::internal
