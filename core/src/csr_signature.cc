#include "csr_signature.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>

#include "signet/core/der.h"

namespace signet {
namespace {

using Oid = ByteView;

// Signature algorithm OIDs (content octets): RFC 8017 Appendix C / RFC 4055 §5 (PKCS#1),
// RFC 5758 §3.2 and RFC 3279 §2.2.3 (ECDSA), RFC 8410 §3 (Ed25519), RFC 3279 §2.2.2 (DSA).
constexpr std::array<std::uint8_t, 8> kPkcs1Arc = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01};
constexpr std::array<std::uint8_t, 6> kEcdsaSigArc = {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04};
constexpr std::array<std::uint8_t, 3> kEd25519 = {0x2b, 0x65, 0x70};
constexpr std::array<std::uint8_t, 7> kDsaWithSha1 = {0x2a, 0x86, 0x48, 0xce, 0x38, 0x04, 0x03};
// Hash OIDs (RFC 5754 §2, RFC 3279 §2.2.1) and MGF1 (RFC 8017 Appendix B.2.1).
constexpr std::array<std::uint8_t, 8> kNistHashArc = {0x60, 0x86, 0x48, 0x01,
                                                      0x65, 0x03, 0x04, 0x02};
constexpr std::array<std::uint8_t, 5> kSha1 = {0x2b, 0x0e, 0x03, 0x02, 0x1a};
constexpr std::array<std::uint8_t, 8> kMd5 = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x02, 0x05};
constexpr std::uint8_t kMgf1Last = 0x08;

bool has_prefix(Oid oid, ByteView arc, std::size_t extra) {
  return oid.size() == arc.size() + extra && std::equal(arc.begin(), arc.end(), oid.begin());
}

bool equals(ByteView a, ByteView b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end());
}

std::string dotted(Oid oid) {
  const auto text = der::oid_to_string(oid);
  return text ? *text : "<malformed OID>";
}

tl::unexpected<Error> weak(std::string_view name, Oid oid) {
  return fail(ErrorCode::kInvalidArgument,
              "CSR is signed with " + std::string(name) + " (" + dotted(oid) +
                  "); SHA-1 and MD5 signatures are refused (collisions are practical, "
                  "RFC 6194; Go ignores them since 1.18)");
}

enum class Hash { kSha256, kSha384, kSha512 };

// A hash AlgorithmIdentifier inside PSS parameters: the OID with NULL or absent parameters
// (RFC 4055 §2.1 allows both).
Result<Hash> read_hash(ByteView alg_id_tlv, std::string_view what) {
  SIGNET_ASSIGN_OR_RETURN(const der::Tlv alg, der::parse_single(alg_id_tlv, der::kSequence, what));
  der::Reader fields(alg.content);
  SIGNET_ASSIGN_OR_RETURN(const der::Tlv oid, fields.expect(der::kOid, what));
  if (!fields.empty()) {
    SIGNET_ASSIGN_OR_RETURN(const der::Tlv params, fields.expect(der::kNull, what));
    if (!params.content.empty() || !fields.empty()) {
      return fail(ErrorCode::kInvalidArgument,
                  std::string(what) + ": hash parameters must be NULL or absent");
    }
  }
  if (equals(oid.content, kSha1) || equals(oid.content, kMd5)) {
    return fail(ErrorCode::kInvalidArgument,
                "CSR is signed with RSASSA-PSS over " +
                    std::string(equals(oid.content, kSha1) ? "SHA-1" : "MD5") +
                    "; SHA-1 and MD5 signatures are refused (RFC 6194)");
  }
  if (has_prefix(oid.content, kNistHashArc, 1)) {
    switch (oid.content.back()) {
      case 0x01:
        return Hash::kSha256;
      case 0x02:
        return Hash::kSha384;
      case 0x03:
        return Hash::kSha512;
      default:
        break;
    }
  }
  return fail(ErrorCode::kInvalidArgument, std::string(what) + ": hash " + dotted(oid.content) +
                                               " is not supported (SHA-256, SHA-384, SHA-512)");
}

// RSASSA-PSS-params (RFC 4055 §3.1). Every field has a SHA-1 default, so a request that omits the
// hash is a SHA-1 request.
Result<CsrSignatureScheme> read_pss(der::Reader& alg_fields) {
  const std::string what = "CSR RSASSA-PSS parameters";
  if (alg_fields.empty()) {
    return fail(ErrorCode::kInvalidArgument,
                "CSR is signed with RSASSA-PSS without parameters (the default hash is SHA-1); "
                "SHA-1 and MD5 signatures are refused (RFC 6194)");
  }
  SIGNET_ASSIGN_OR_RETURN(const der::Tlv params, alg_fields.expect(der::kSequence, what));
  if (!alg_fields.empty()) {
    return fail(ErrorCode::kInvalidArgument, what + ": trailing data after the parameters");
  }
  der::Reader f(params.content);
  if (f.peek_tag() != der::context_constructed(0)) {
    return fail(ErrorCode::kInvalidArgument,
                "CSR is signed with RSASSA-PSS with the default hash SHA-1; SHA-1 and MD5 "
                "signatures are refused (RFC 6194)");
  }
  SIGNET_ASSIGN_OR_RETURN(const der::Tlv hash_tlv, f.next());
  SIGNET_ASSIGN_OR_RETURN(const Hash hash, read_hash(hash_tlv.content, what + " hashAlgorithm"));
  if (f.peek_tag() != der::context_constructed(1)) {
    return fail(ErrorCode::kInvalidArgument,
                what + ": maskGenAlgorithm must be given (its default is MGF1 with SHA-1)");
  }
  SIGNET_ASSIGN_OR_RETURN(const der::Tlv mgf_tlv, f.next());
  SIGNET_ASSIGN_OR_RETURN(const der::Tlv mgf,
                          der::parse_single(mgf_tlv.content, der::kSequence, what + " MGF"));
  der::Reader mgf_fields(mgf.content);
  SIGNET_ASSIGN_OR_RETURN(const der::Tlv mgf_oid, mgf_fields.expect(der::kOid, what + " MGF"));
  if (!has_prefix(mgf_oid.content, kPkcs1Arc, 1) || mgf_oid.content.back() != kMgf1Last) {
    return fail(ErrorCode::kInvalidArgument,
                what + ": mask generation " + dotted(mgf_oid.content) + " is not MGF1");
  }
  SIGNET_ASSIGN_OR_RETURN(const der::Tlv mgf_hash_tlv, mgf_fields.next());
  SIGNET_ASSIGN_OR_RETURN(const Hash mgf_hash, read_hash(mgf_hash_tlv.whole, what + " MGF1"));
  if (!mgf_fields.empty() || mgf_hash != hash) {
    return fail(ErrorCode::kInvalidArgument,
                what + ": the MGF1 hash must be the message hash (RFC 8017 §9.1)");
  }
  CsrSignatureScheme scheme;
  scheme.algorithm = hash == Hash::kSha256   ? CsrSignatureAlgorithm::kRsaPssSha256
                     : hash == Hash::kSha384 ? CsrSignatureAlgorithm::kRsaPssSha384
                                             : CsrSignatureAlgorithm::kRsaPssSha512;
  scheme.pss_salt_length = 20;  // RFC 4055 §3.1 default
  if (f.peek_tag() == der::context_constructed(2)) {
    SIGNET_ASSIGN_OR_RETURN(const der::Tlv salt_tlv, f.next());
    SIGNET_ASSIGN_OR_RETURN(const der::Tlv salt,
                            der::parse_single(salt_tlv.content, der::kInteger, what + " salt"));
    SIGNET_ASSIGN_OR_RETURN(const ByteView magnitude, der::unsigned_integer(salt, what + " salt"));
    if (magnitude.size() > 2) {
      return fail(ErrorCode::kInvalidArgument, what + ": salt length is implausibly large");
    }
    std::size_t length = 0;
    for (const std::uint8_t b : magnitude) length = (length << 8U) | b;
    scheme.pss_salt_length = length;
  }
  if (f.peek_tag() == der::context_constructed(3)) {
    SIGNET_ASSIGN_OR_RETURN(const der::Tlv trailer_tlv, f.next());
    SIGNET_ASSIGN_OR_RETURN(const der::Tlv trailer,
                            der::parse_single(trailer_tlv.content, der::kInteger, what));
    if (trailer.content.size() != 1 || trailer.content[0] != 1) {
      return fail(ErrorCode::kInvalidArgument, what + ": trailerField must be 1 (RFC 4055 §3.1)");
    }
  }
  if (!f.empty()) return fail(ErrorCode::kInvalidArgument, what + ": unexpected field");
  return scheme;
}

}  // namespace

Result<CsrSignatureScheme> parse_csr_signature_algorithm(ByteView algorithm_identifier) {
  const std::string what = "CSR signatureAlgorithm";
  SIGNET_ASSIGN_OR_RETURN(const der::Tlv alg,
                          der::parse_single(algorithm_identifier, der::kSequence, what));
  der::Reader fields(alg.content);
  SIGNET_ASSIGN_OR_RETURN(const der::Tlv oid_tlv, fields.expect(der::kOid, what));
  const Oid oid = oid_tlv.content;
  CsrSignatureScheme scheme;
  if (has_prefix(oid, kPkcs1Arc, 1)) {
    switch (oid.back()) {
      case 0x02:
        return weak("md2WithRSAEncryption", oid);
      case 0x04:
        return weak("md5WithRSAEncryption", oid);
      case 0x05:
        return weak("sha1WithRSAEncryption", oid);
      case 0x0a:
        return read_pss(fields);
      case 0x0b:
        scheme.algorithm = CsrSignatureAlgorithm::kRsaPkcs1Sha256;
        break;
      case 0x0c:
        scheme.algorithm = CsrSignatureAlgorithm::kRsaPkcs1Sha384;
        break;
      case 0x0d:
        scheme.algorithm = CsrSignatureAlgorithm::kRsaPkcs1Sha512;
        break;
      default:
        return fail(ErrorCode::kInvalidArgument,
                    what + " " + dotted(oid) +
                        " is not supported (sha256/384/512WithRSAEncryption, "
                        "RSASSA-PSS, ecdsa-with-SHA256/384/512, Ed25519)");
    }
    // RFC 4055 §5: the parameters MUST be NULL.
    SIGNET_ASSIGN_OR_RETURN(const der::Tlv params, fields.expect(der::kNull, what + " parameters"));
    if (!params.content.empty() || !fields.empty()) {
      return fail(ErrorCode::kInvalidArgument,
                  what + ": RSA PKCS#1 v1.5 parameters must be NULL (RFC 4055 §5)");
    }
    return scheme;
  }
  if (equals(oid, std::array<std::uint8_t, 7>{0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x01})) {
    return weak("ecdsa-with-SHA1", oid);
  }
  if (equals(oid, kDsaWithSha1)) return weak("dsa-with-sha1", oid);
  bool known = false;
  if (has_prefix(oid, kEcdsaSigArc, 2) && oid[6] == 0x03) {
    known = true;
    switch (oid.back()) {
      case 0x02:
        scheme.algorithm = CsrSignatureAlgorithm::kEcdsaSha256;
        break;
      case 0x03:
        scheme.algorithm = CsrSignatureAlgorithm::kEcdsaSha384;
        break;
      case 0x04:
        scheme.algorithm = CsrSignatureAlgorithm::kEcdsaSha512;
        break;
      default:
        known = false;
    }
  } else if (equals(oid, kEd25519)) {
    known = true;
    scheme.algorithm = CsrSignatureAlgorithm::kEd25519;
  }
  if (!known) {
    return fail(ErrorCode::kInvalidArgument,
                what + " " + dotted(oid) +
                    " is not supported (sha256/384/512WithRSAEncryption, "
                    "RSASSA-PSS, ecdsa-with-SHA256/384/512, Ed25519)");
  }
  if (!fields.empty()) {
    return fail(ErrorCode::kInvalidArgument,
                what + ": " + std::string(to_string(scheme.algorithm)) +
                    " must have no parameters (RFC 5758 §3.2, RFC 8410 §3)");
  }
  return scheme;
}

Status check_csr_signature_key(CsrSignatureAlgorithm alg, const KeyInfo& key) {
  KeyType needed = KeyType::kRsa;
  switch (alg) {
    case CsrSignatureAlgorithm::kRsaPkcs1Sha256:
    case CsrSignatureAlgorithm::kRsaPkcs1Sha384:
    case CsrSignatureAlgorithm::kRsaPkcs1Sha512:
    case CsrSignatureAlgorithm::kRsaPssSha256:
    case CsrSignatureAlgorithm::kRsaPssSha384:
    case CsrSignatureAlgorithm::kRsaPssSha512:
      needed = KeyType::kRsa;
      break;
    case CsrSignatureAlgorithm::kEcdsaSha256:
    case CsrSignatureAlgorithm::kEcdsaSha384:
    case CsrSignatureAlgorithm::kEcdsaSha512:
      if (key.type == KeyType::kEcP256 || key.type == KeyType::kEcP384) return {};
      needed = KeyType::kEcP256;
      break;
    case CsrSignatureAlgorithm::kEd25519:
      needed = KeyType::kEd25519;
      break;
  }
  if (key.type == needed) return {};
  return fail(ErrorCode::kInvalidArgument,
              "CSR signature algorithm " + std::string(to_string(alg)) + " does not match its " +
                  key_spec_name(key) + " key");
}

std::string_view to_string(CsrSignatureAlgorithm alg) noexcept {
  switch (alg) {
    case CsrSignatureAlgorithm::kRsaPkcs1Sha256:
      return "sha256WithRSAEncryption";
    case CsrSignatureAlgorithm::kRsaPkcs1Sha384:
      return "sha384WithRSAEncryption";
    case CsrSignatureAlgorithm::kRsaPkcs1Sha512:
      return "sha512WithRSAEncryption";
    case CsrSignatureAlgorithm::kRsaPssSha256:
      return "RSASSA-PSS-SHA256";
    case CsrSignatureAlgorithm::kRsaPssSha384:
      return "RSASSA-PSS-SHA384";
    case CsrSignatureAlgorithm::kRsaPssSha512:
      return "RSASSA-PSS-SHA512";
    case CsrSignatureAlgorithm::kEcdsaSha256:
      return "ecdsa-with-SHA256";
    case CsrSignatureAlgorithm::kEcdsaSha384:
      return "ecdsa-with-SHA384";
    case CsrSignatureAlgorithm::kEcdsaSha512:
      return "ecdsa-with-SHA512";
    case CsrSignatureAlgorithm::kEd25519:
      return "Ed25519";
  }
  return "unknown";
}

}  // namespace signet
