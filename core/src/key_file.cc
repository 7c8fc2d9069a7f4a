#include "signet/core/key_file.h"

#include <array>
#include <string>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "signet/core/der.h"
#include "signet/core/ossl.h"
#include "signet/core/text.h"

namespace signet {
namespace {

// What each accepted PEM label promises (RFC 7468 §10, §11 and §13 give the labels).
enum class KeyFormat { kPkcs1, kSec1, kPkcs8 };

struct KeyBlock {
  KeyFormat format = KeyFormat::kPkcs8;
  SecretBytes der;
};

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

std::string printable(std::string_view text) {
  const std::string_view head = text.substr(0, 64);
  return printable_utf8_length(head) ? std::string(head) : std::string("<unprintable>");
}

tl::unexpected<Error> invalid(std::string_view what, const std::string& why) {
  return fail(ErrorCode::kInvalidArgument, std::string(what) + ": " + why);
}

// Strict base64 (RFC 4648 §4) of a PEM body, whitespace removed; every copy is wiped.
Result<SecretBytes> decode_body(std::string_view body, std::string_view what) {
  SecretBytes clean(body.size());
  std::size_t n = 0;
  for (const char c : body) {
    if (!is_space(c)) clean.data()[n++] = static_cast<std::uint8_t>(c);
  }
  clean.truncate(n);
  if (n == 0 || n % 4 != 0) return invalid(what, "PEM body is not valid base64 (length)");
  SecretBytes out(n / 4 * 3);
  const int decoded = EVP_DecodeBlock(out.data(), clean.data(), static_cast<int>(n));
  if (decoded < 0) return invalid(what, "PEM body is not valid base64");
  // EVP_DecodeBlock counts padding as zero bytes; drop them.
  std::size_t pad = 0;
  if (clean.data()[n - 1] == '=') ++pad;
  if (clean.data()[n - 2] == '=') ++pad;
  out.truncate(static_cast<std::size_t>(decoded) - pad);
  return out;
}

Result<KeyFormat> format_of(std::string_view label, std::string_view what) {
  if (label == "RSA PRIVATE KEY") return KeyFormat::kPkcs1;
  if (label == "EC PRIVATE KEY") return KeyFormat::kSec1;
  if (label == "PRIVATE KEY") return KeyFormat::kPkcs8;
  if (label == "ENCRYPTED PRIVATE KEY") {
    return invalid(what,
                   "the key is encrypted (PEM 'ENCRYPTED PRIVATE KEY'); signet imports only "
                   "unencrypted keys as kubeadm writes them and never asks for a passphrase");
  }
  return invalid(what, "PEM label '" + printable(label) +
                           "' is not a private key; expected RSA PRIVATE KEY (PKCS#1), EC "
                           "PRIVATE KEY (SEC1) or PRIVATE KEY (PKCS#8)");
}

// The one private-key block of the file. EC PARAMETERS blocks (which `openssl ecparam -genkey`
// writes before the key) are skipped; anything else outside the blocks is refused.
Result<KeyBlock> read_key_block(std::string_view text, std::string_view what) {
  constexpr std::string_view kBegin = "-----BEGIN ";
  constexpr std::string_view kDashes = "-----";
  std::optional<KeyBlock> found;
  std::size_t pos = 0;
  for (;;) {
    while (pos < text.size() && is_space(text[pos])) ++pos;
    if (pos == text.size()) break;
    if (text.substr(pos, kBegin.size()) != kBegin) {
      return invalid(what, found ? "data after the PEM block (exactly one key expected)"
                                 : "not a PEM private key (no -----BEGIN line)");
    }
    const std::size_t label_at = pos + kBegin.size();
    const std::size_t label_end = text.find(kDashes, label_at);
    const std::size_t eol = text.find('\n', label_at);
    if (label_end == std::string_view::npos || (eol != std::string_view::npos && eol < label_end)) {
      return invalid(what, "malformed PEM BEGIN line");
    }
    const std::string_view label = text.substr(label_at, label_end - label_at);
    const std::string end_line = "-----END " + std::string(label) + "-----";
    const std::size_t body_at = label_end + kDashes.size();
    const std::size_t end_at = text.find(end_line, body_at);
    if (end_at == std::string_view::npos) {
      return invalid(what, "PEM block '" + printable(label) + "' has no END line");
    }
    const std::string_view body = text.substr(body_at, end_at - body_at);
    pos = end_at + end_line.size();
    if (label == "EC PARAMETERS" && !found) continue;
    SIGNET_ASSIGN_OR_RETURN(const KeyFormat format, format_of(label, what));
    if (found) return invalid(what, "more than one private key in the file");
    // RFC 1421 headers: the legacy OpenSSL encryption ("Proc-Type: 4,ENCRYPTED", "DEK-Info").
    if (body.find(':') != std::string_view::npos) {
      if (body.find("ENCRYPTED") != std::string_view::npos) {
        return invalid(what,
                       "the key is encrypted (PEM header 'Proc-Type: 4,ENCRYPTED'); signet "
                       "imports only unencrypted keys and never asks for a passphrase");
      }
      return invalid(what, "PEM headers are not accepted");
    }
    SIGNET_ASSIGN_OR_RETURN(SecretBytes der, decode_body(body, what));
    found = KeyBlock{format, std::move(der)};
  }
  if (!found) return invalid(what, "no private key found");
  return std::move(*found);
}

// The outer structure must be what the label says: RSAPrivateKey starts with two INTEGERs
// (version, modulus; RFC 8017 §A.1.2), ECPrivateKey with INTEGER 1 and an OCTET STRING
// (RFC 5915 §3), PrivateKeyInfo with INTEGER and an AlgorithmIdentifier SEQUENCE (RFC 5208 §5).
Status check_structure(const KeyBlock& block, std::string_view what) {
  auto outer = der::parse_single(block.der.view(), der::kSequence, "private key");
  if (!outer) return invalid(what, "the PEM body is not a DER private key structure");
  der::Reader fields(outer->content);
  if (!fields.expect(der::kInteger, "version")) {
    return invalid(what, "the PEM body is not a DER private key structure");
  }
  const std::uint8_t second = fields.peek_tag();
  switch (block.format) {
    case KeyFormat::kPkcs1:
      if (second != der::kInteger) {
        return invalid(what, "labelled RSA PRIVATE KEY but not a PKCS#1 RSAPrivateKey");
      }
      break;
    case KeyFormat::kSec1:
      if (second != der::kOctetString) {
        return invalid(what, "labelled EC PRIVATE KEY but not a SEC1 ECPrivateKey");
      }
      break;
    case KeyFormat::kPkcs8:
      if (second != der::kSequence) {
        return invalid(what, "labelled PRIVATE KEY but not a PKCS#8 PrivateKeyInfo");
      }
      break;
  }
  return {};
}

Result<SecretBytes> bn_param(const EVP_PKEY* key, const char* name, std::size_t pad_to = 0) {
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(key, name, &raw) != 1 || raw == nullptr) {
    ossl::drain_errors();
    return fail(ErrorCode::kInvalidArgument, std::string("the key has no ") + name);
  }
  const ossl::SecretBignumPtr bn(raw);
  const auto size = static_cast<std::size_t>(BN_num_bytes(bn.get()));
  if (pad_to != 0 && size > pad_to) {
    return fail(ErrorCode::kInvalidArgument, std::string("key part ") + name + " is too long");
  }
  SecretBytes out(pad_to != 0 ? pad_to : size);
  if (BN_bn2binpad(bn.get(), out.data(), static_cast<int>(out.size())) < 0) {
    return fail(ErrorCode::kInternal, "BN_bn2binpad: " + ossl::drain_errors());
  }
  return out;
}

Bytes public_copy(const SecretBytes& s) {
  return {s.data(), s.data() + s.size()};
}

Status rsa_parts(const EVP_PKEY* key, PrivateKeyParts& parts) {
  BIGNUM* third = nullptr;
  if (EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_FACTOR3, &third) == 1) {
    BN_clear_free(third);
    return fail(ErrorCode::kInvalidArgument,
                "multi-prime RSA keys (RFC 8017 §3.2, more than two primes) are not supported");
  }
  ossl::drain_errors();
  SIGNET_ASSIGN_OR_RETURN(const SecretBytes n, bn_param(key, OSSL_PKEY_PARAM_RSA_N));
  SIGNET_ASSIGN_OR_RETURN(const SecretBytes e, bn_param(key, OSSL_PKEY_PARAM_RSA_E));
  parts.modulus = public_copy(n);
  parts.public_exponent = public_copy(e);
  SIGNET_ASSIGN_OR_RETURN(parts.private_exponent, bn_param(key, OSSL_PKEY_PARAM_RSA_D));
  SIGNET_ASSIGN_OR_RETURN(parts.prime1, bn_param(key, OSSL_PKEY_PARAM_RSA_FACTOR1));
  SIGNET_ASSIGN_OR_RETURN(parts.prime2, bn_param(key, OSSL_PKEY_PARAM_RSA_FACTOR2));
  SIGNET_ASSIGN_OR_RETURN(parts.exponent1, bn_param(key, OSSL_PKEY_PARAM_RSA_EXPONENT1));
  SIGNET_ASSIGN_OR_RETURN(parts.exponent2, bn_param(key, OSSL_PKEY_PARAM_RSA_EXPONENT2));
  SIGNET_ASSIGN_OR_RETURN(parts.coefficient, bn_param(key, OSSL_PKEY_PARAM_RSA_COEFFICIENT1));
  SIGNET_ASSIGN_OR_RETURN(parts.public_key_der,
                          rsa_public_key_info(parts.modulus, parts.public_exponent));
  return {};
}

Status ec_parts(const EVP_PKEY* key, PrivateKeyParts& parts) {
  std::array<char, 64> group{};
  std::size_t len = 0;
  if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group.data(), group.size(),
                                     &len) != 1) {
    ossl::drain_errors();
    return fail(ErrorCode::kInvalidArgument,
                "EC key without a named curve (explicit parameters are not supported)");
  }
  const std::string_view name(group.data(), len);
  KeyType type = KeyType::kEcP256;
  std::size_t field = 32;
  if (name == "prime256v1" || name == "P-256") {
    type = KeyType::kEcP256;
  } else if (name == "secp384r1" || name == "P-384") {
    type = KeyType::kEcP384;
    field = 48;
  } else {
    return fail(ErrorCode::kInvalidArgument,
                "EC curve '" + printable(name) + "' is not supported (P-256 or P-384)");
  }
  parts.ec_params = named_curve_params(type);
  SIGNET_ASSIGN_OR_RETURN(parts.ec_private_value, bn_param(key, OSSL_PKEY_PARAM_PRIV_KEY, field));
  // The uncompressed point (SEC1 §2.3.3) from its coordinates, whatever form the file used.
  SIGNET_ASSIGN_OR_RETURN(const SecretBytes x, bn_param(key, OSSL_PKEY_PARAM_EC_PUB_X, field));
  SIGNET_ASSIGN_OR_RETURN(const SecretBytes y, bn_param(key, OSSL_PKEY_PARAM_EC_PUB_Y, field));
  parts.ec_point = {0x04};
  parts.ec_point.insert(parts.ec_point.end(), x.data(), x.data() + x.size());
  parts.ec_point.insert(parts.ec_point.end(), y.data(), y.data() + y.size());
  SIGNET_ASSIGN_OR_RETURN(parts.public_key_der,
                          ec_public_key_info(parts.ec_params, parts.ec_point));
  return {};
}

}  // namespace

Result<PrivateKeyParts> parse_private_key_file(ByteView content, std::string_view what) {
  if (content.size() > kMaxKeyFileBytes) {
    return invalid(what, "larger than " + std::to_string(kMaxKeyFileBytes) + " bytes");
  }
  SIGNET_ASSIGN_OR_RETURN(const KeyBlock block, read_key_block(as_text(content), what));
  SIGNET_RETURN_IF_ERROR(check_structure(block, what));
  const unsigned char* p = block.der.data();
  ossl::EvpPkeyPtr key(d2i_AutoPrivateKey(nullptr, &p, static_cast<long>(block.der.size())));
  if (!key || p != block.der.data() + block.der.size()) {
    ossl::drain_errors();
    return invalid(what, "the private key does not decode");
  }
  const int id = EVP_PKEY_get_base_id(key.get());
  const bool rsa = id == EVP_PKEY_RSA;
  if ((block.format == KeyFormat::kPkcs1 && !rsa) ||
      (block.format == KeyFormat::kSec1 && id != EVP_PKEY_EC)) {
    return invalid(what, "the key type does not match its PEM label");
  }
  if (!rsa && id != EVP_PKEY_EC) {
    const char* type = EVP_PKEY_get0_type_name(key.get());
    return invalid(what, std::string("key type ") + (type != nullptr ? type : "unknown") +
                             " is not supported (RSA, EC P-256, EC P-384)");
  }
  // The private half must produce the public half (n = p*q and d*e = 1 mod lcm(p-1, q-1) for
  // RSA; Q = d*G for EC): a damaged file is caught before it reaches a token.
  const ossl::EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr));
  if (!ctx || EVP_PKEY_pairwise_check(ctx.get()) != 1) {
    ossl::drain_errors();
    return invalid(what,
                   "the private key is inconsistent (its private and public parts do not "
                   "belong together)");
  }
  PrivateKeyParts parts;
  auto extracted = rsa ? rsa_parts(key.get(), parts) : ec_parts(key.get(), parts);
  if (!extracted) return fail(extracted.error().context(what));
  auto info = inspect_public_key(parts.public_key_der);
  if (!info) return fail(info.error().context(what));
  parts.key = *info;
  if (parts.key.type == KeyType::kRsa && parts.key.bits < 2048) {
    return invalid(what, "RSA key of " + std::to_string(parts.key.bits) +
                             " bits; a CA key needs 2048 bits or more");
  }
  return parts;
}

}  // namespace signet
