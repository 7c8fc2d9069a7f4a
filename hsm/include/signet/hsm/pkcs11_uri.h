// RFC 7512 "pkcs11:" URIs: how signet names tokens and keys.
//
//   pkcs11:token=signet;object=kubernetes-ca;type=private?pin-source=file:/etc/signet/pin
//
// Path attributes select the token and object; query attributes say how to reach them.
// `pin-value` is refused: a PIN in a URI ends up in shell history, `ps` and logs. signet adds one
// extension, `pin-source=env:NAME`, besides RFC 7512's `pin-source=file:PATH` (§2.3).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "signet/core/bytes.h"
#include "signet/core/result.h"

namespace signet::hsm {

struct Pkcs11Uri {
  static constexpr std::size_t kMaxLength = 4096;

  // Path attributes (RFC 7512 §2.3).
  std::optional<std::string> token;         // CK_TOKEN_INFO.label
  std::optional<std::string> manufacturer;  // CK_TOKEN_INFO.manufacturerID
  std::optional<std::string> serial;        // CK_TOKEN_INFO.serialNumber
  std::optional<std::string> model;         // CK_TOKEN_INFO.model
  std::optional<std::string> object;        // CKA_LABEL
  std::optional<Bytes> id;                  // CKA_ID
  std::optional<std::string> type;          // private | public | cert | secret-key | data
  std::optional<std::uint64_t> slot_id;
  // Query attributes.
  std::optional<std::string> module_path;
  std::optional<std::string> module_name;
  std::optional<std::string> pin_source;

  // Parses and validates. Unknown attributes, duplicates, bad percent-encoding, pin-value and
  // over-long input are refused with a message naming the rule.
  [[nodiscard]] static Result<Pkcs11Uri> parse(std::string_view text);

  // The canonical URI, percent-encoded; with `with_query` false, only the path attributes
  // (what messages and listings show).
  [[nodiscard]] std::string to_string(bool with_query = true) const;
};

}  // namespace signet::hsm
