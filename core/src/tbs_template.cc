#include "tbs_template.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <string>

#include <openssl/evp.h>

#include "signet/core/der.h"
#include "signet/core/ossl.h"

namespace signet {
namespace {

// DER length octets (X.690 §8.1.3.5: definite, minimal): how many, then written.
constexpr std::size_t length_size(std::size_t n) noexcept {
  std::size_t size = 1;
  if (n >= 0x80) {
    for (std::size_t v = n; v != 0; v >>= 8U) ++size;
  }
  return size;
}
constexpr std::size_t tlv_size(std::size_t content) noexcept {
  return 1 + length_size(content) + content;
}

// A cursor over a buffer sized exactly in advance; every write was counted first, so a
// mismatch between the two passes is a bug that the final size check catches.
class Out {
 public:
  explicit Out(Bytes& buffer) : p_(buffer.data()) {}
  void header(std::uint8_t tag, std::size_t length) noexcept {
    *p_++ = tag;
    if (length < 0x80) {
      *p_++ = static_cast<std::uint8_t>(length);
      return;
    }
    const std::size_t n = length_size(length) - 1;
    *p_++ = static_cast<std::uint8_t>(0x80U | n);
    for (std::size_t i = n; i > 0; --i) {
      *p_++ = static_cast<std::uint8_t>(length >> (8U * (i - 1)));
    }
  }
  void raw(ByteView bytes) noexcept {
    if (!bytes.empty()) std::memcpy(p_, bytes.data(), bytes.size());
    p_ += bytes.size();
  }
  void tlv(std::uint8_t tag, ByteView content) noexcept {
    header(tag, content.size());
    raw(content);
  }
  void byte(std::uint8_t b) noexcept { *p_++ = b; }
  [[nodiscard]] const std::uint8_t* position() const noexcept { return p_; }
  std::uint8_t* take(std::size_t n) noexcept {
    std::uint8_t* at = p_;
    p_ += n;
    return at;
  }

 private:
  std::uint8_t* p_;
};

// Extension OIDs, id-ce (RFC 5280 §4.2.1), content octets.
constexpr std::array<std::uint8_t, 3> kOidSubjectKeyId = {0x55, 0x1d, 0x0e};
constexpr std::array<std::uint8_t, 3> kOidKeyUsage = {0x55, 0x1d, 0x0f};
constexpr std::array<std::uint8_t, 3> kOidBasicConstraints = {0x55, 0x1d, 0x13};
constexpr std::array<std::uint8_t, 3> kOidExtKeyUsage = {0x55, 0x1d, 0x25};
constexpr std::array<std::uint8_t, 3> kOidAuthorityKeyId = {0x55, 0x1d, 0x23};
constexpr std::array<std::uint8_t, 3> kOidSubjectAltName = {0x55, 0x1d, 0x11};
// [0] EXPLICIT Version v3 (RFC 5280 §4.1.2.1): A0 03 02 01 02.
constexpr std::array<std::uint8_t, 5> kVersion3 = {0xa0, 0x03, 0x02, 0x01, 0x02};
constexpr std::array<std::uint8_t, 3> kCriticalTrue = {0x01, 0x01, 0xff};  // DER TRUE, X.690 §11.1

// extKeyUsage purpose OIDs (RFC 5280 §4.2.1.12, and the vendor SGC OIDs), content octets.
ByteView eku_oid(ExtendedKeyUsage usage) noexcept {
  static constexpr std::array<std::array<std::uint8_t, 8>, 9> kIdKp = {{
      {0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 1},
      {0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 2},
      {0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 3},
      {0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 4},
      {0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 5},
      {0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 6},
      {0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 7},
      {0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 8},
      {0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 9},
  }};
  static constexpr std::array<std::uint8_t, 4> kAny = {0x55, 0x1d, 0x25, 0x00};
  static constexpr std::array<std::uint8_t, 10> kMicrosoftSgc = {0x2b, 0x06, 0x01, 0x04, 0x01,
                                                                 0x82, 0x37, 0x0a, 0x03, 0x03};
  static constexpr std::array<std::uint8_t, 9> kNetscapeSgc = {0x60, 0x86, 0x48, 0x01, 0x86,
                                                               0xf8, 0x42, 0x04, 0x01};
  switch (usage) {
    case ExtendedKeyUsage::kAny:
      return kAny;
    case ExtendedKeyUsage::kMicrosoftSgc:
      return kMicrosoftSgc;
    case ExtendedKeyUsage::kNetscapeSgc:
      return kNetscapeSgc;
    default:
      break;
  }
  const auto n =
      static_cast<std::size_t>(usage) - static_cast<std::size_t>(ExtendedKeyUsage::kServerAuth);
  return n < kIdKp.size() ? ByteView(kIdKp[n]) : ByteView();
}

// keyUsage BIT STRING content: unused-bits octet, then the named bits with trailing zero bits
// removed (X.690 §11.2.2). Returns the content length (1 to 3).
std::size_t key_usage_content(std::uint16_t bits, std::array<std::uint8_t, 3>& content) noexcept {
  std::array<std::uint8_t, 2> octets{};
  for (unsigned bit = 0; bit < 9; ++bit) {
    if ((bits & (1U << bit)) != 0) {
      octets[bit / 8] = static_cast<std::uint8_t>(octets[bit / 8] | (0x80U >> (bit % 8)));
    }
  }
  const std::size_t used = octets[1] != 0 ? 2 : (octets[0] != 0 ? 1 : 0);
  std::uint8_t unused = 0;
  if (used > 0) {
    for (std::uint8_t last = octets[used - 1]; (last & 1U) == 0; last >>= 1U) ++unused;
  }
  content = {unused, octets[0], octets[1]};
  return 1 + used;
}

// RFC 5280 §4.1.2.5: UTCTime (YYMMDDHHMMSSZ) through 2049, GeneralizedTime (YYYYMMDDHHMMSSZ) from
// 2050. Civil date from days since 1970 (Howard Hinnant's days_from_civil inverse), so no
// gmtime_r/strftime per certificate. Years outside 1950–9999 are refused as build_tbs did.
struct EncodedTime {
  std::array<std::uint8_t, 15> text{};
  std::uint8_t length = 0;
  std::uint8_t tag = 0;
};

Result<EncodedTime> encode_time(SystemTime t) {
  const std::int64_t secs = std::chrono::system_clock::to_time_t(t);
  std::int64_t days = secs / 86400;
  std::int64_t rem = secs % 86400;
  if (rem < 0) {
    rem += 86400;
    --days;
  }
  const std::int64_t z = days + 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const std::int64_t doe = z - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  const std::int64_t day = doy - (153 * mp + 2) / 5 + 1;
  const std::int64_t month = mp < 10 ? mp + 3 : mp - 9;
  const std::int64_t year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  if (year < 1950 || year > 9999) {
    return fail(ErrorCode::kInvalidArgument, "certificate time out of range (1950-9999)");
  }
  EncodedTime e;
  std::size_t i = 0;
  const auto two = [&](std::int64_t v) {
    e.text[i++] = static_cast<std::uint8_t>('0' + v / 10);
    e.text[i++] = static_cast<std::uint8_t>('0' + v % 10);
  };
  const bool utc = year < 2050;
  if (utc) {
    two(year % 100);
  } else {
    two(year / 100);
    two(year % 100);
  }
  two(month);
  two(day);
  two(rem / 3600);
  two(rem / 60 % 60);
  two(rem % 60);
  e.text[i++] = 'Z';
  e.length = static_cast<std::uint8_t>(i);
  e.tag = utc ? der::kUtcTime : der::kGeneralizedTime;
  return e;
}

// An Extension's size and header (RFC 5280 §4.1: SEQUENCE { extnID, critical, OCTET STRING }),
// for an extnValue of `value` octets; critical is written only when true (X.690 §11.5).
constexpr std::size_t extension_size(bool critical, std::size_t value) noexcept {
  return tlv_size(5 + (critical ? 3 : 0) + tlv_size(value));
}
void extension_header(Out& out, ByteView oid, bool critical, std::size_t value) noexcept {
  out.header(der::kSequence, 5 + (critical ? 3 : 0) + tlv_size(value));
  out.tlv(der::kOid, oid);
  if (critical) out.raw(kCriticalTrue);
  out.header(der::kOctetString, value);
}

bool is_ia5_dns(const std::string& dns) noexcept {
  return !dns.empty() && std::all_of(dns.begin(), dns.end(), [](char c) {
    return static_cast<unsigned char>(c) > 0x20 && static_cast<unsigned char>(c) < 0x7f;
  });
}

// SKI method (1), RFC 5280 §4.2.1.2: SHA-1 of the subjectPublicKey BIT STRING value, with the
// same SPKI checks and messages as subject_key_id().
Status ski_of(ByteView spki_der, std::uint8_t* out) {
  SIGNET_ASSIGN_OR_RETURN(const der::Tlv spki,
                          der::parse_single(spki_der, der::kSequence, "SubjectPublicKeyInfo"));
  der::Reader fields(spki.content);
  SIGNET_RETURN_IF_ERROR(fields.expect(der::kSequence, "key algorithm"));
  SIGNET_ASSIGN_OR_RETURN(const der::Tlv key, fields.expect(der::kBitString, "public key"));
  if (key.content.empty()) return fail(ErrorCode::kInvalidArgument, "public key is empty");
  static const ossl::EvpMdPtr kSha1(EVP_MD_fetch(nullptr, "SHA1", nullptr));
  if (!kSha1) return fail(ErrorCode::kInternal, "SHA-1 for SKI: " + ossl::drain_errors());
  return thread_digest(kSha1.get(), key.content.subspan(1), out);
}

}  // namespace

Status thread_digest(const EVP_MD* md, ByteView data, std::uint8_t* out) {
  // One context per thread, reset by each init: EVP_Digest would allocate and free one per call.
  thread_local ossl::EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  unsigned int len = 0;
  if (!ctx || EVP_DigestInit_ex2(ctx.get(), md, nullptr) != 1 ||
      EVP_DigestUpdate(ctx.get(), data.data(), data.size()) != 1 ||
      EVP_DigestFinal_ex(ctx.get(), out, &len) != 1) {
    return fail(ErrorCode::kInternal,
                std::string("digest ") + EVP_MD_get0_name(md) + ": " + ossl::drain_errors());
  }
  return {};
}

TbsParts tbs_parts(const CertificateFields& f) {
  TbsParts p;
  p.serial = f.serial;
  p.issuer_der = f.issuer_der;
  p.subject_der = f.subject_der;
  p.public_key_der = f.public_key_der;
  p.not_before = f.not_before;
  p.not_after = f.not_after;
  p.is_ca = f.is_ca;
  p.key_usage = f.key_usage;
  p.extended_key_usage = f.extended_key_usage;
  p.authority_key_id = f.authority_key_id;
  p.subject_alt_names = &f.subject_alt_names;
  return p;
}

Result<Bytes> write_tbs(const TbsParts& parts, SignatureAlgorithm alg) {
  const TbsParts& f = parts;
  if (f.serial.empty() || f.serial.size() > 20 || (f.serial[0] & 0x80U) != 0) {
    return fail(ErrorCode::kInternal, "serial must be positive and at most 20 octets");
  }
  if (f.not_after <= f.not_before) {
    return fail(ErrorCode::kFailedPrecondition, "notAfter must be later than notBefore");
  }
  // INTEGER content: minimal, positive (X.690 §8.3.2), as der::Writer::put_unsigned writes it.
  std::size_t skip = 0;
  while (skip + 1 < f.serial.size() && f.serial[skip] == 0) ++skip;
  const ByteView serial = f.serial.subspan(skip);
  const bool serial_pad = (serial[0] & 0x80U) != 0;
  const std::size_t serial_len = serial.size() + (serial_pad ? 1 : 0);

  SIGNET_ASSIGN_OR_RETURN(const EncodedTime nb, encode_time(f.not_before));
  SIGNET_ASSIGN_OR_RETURN(const EncodedTime na, encode_time(f.not_after));
  const std::size_t validity_len = std::size_t{4} + nb.length + na.length;

  // Extensions, in the reference order: BC, KU, EKU, SAN, SKI, AKI.
  const std::size_t bc_value = f.is_ca ? 5 : 2;  // SEQUENCE { cA TRUE } or SEQUENCE {}
  std::size_t ext_len = extension_size(true, bc_value);
  std::array<std::uint8_t, 3> ku{};
  const std::size_t ku_content = key_usage_content(f.key_usage, ku);
  ext_len += extension_size(true, tlv_size(ku_content));
  std::size_t eku_list = 0;
  for (const auto usage : f.extended_key_usage) eku_list += tlv_size(eku_oid(usage).size());
  if (!f.extended_key_usage.empty()) ext_len += extension_size(false, tlv_size(eku_list));
  const bool has_san = f.subject_alt_names != nullptr && !f.subject_alt_names->empty();
  std::size_t san_list = 0;
  // An empty subject Name is the 2-octet SEQUENCE 30 00; then the SAN must be critical
  // (RFC 5280 §4.2.1.6).
  const bool san_critical = f.subject_der.size() == 2;
  if (has_san) {
    for (const auto& dns : f.subject_alt_names->dns) {
      if (!is_ia5_dns(dns)) {
        return fail(ErrorCode::kInvalidArgument,
                    "subjectAltName dNSName must be non-empty printable ASCII (IA5String)");
      }
      san_list += tlv_size(dns.size());
    }
    for (const auto& ip : f.subject_alt_names->ip) {
      if (ip.size() != 4 && ip.size() != 16) {
        return fail(
            ErrorCode::kInvalidArgument,
            "subjectAltName iPAddress must be 4 or 16 octets, got " + std::to_string(ip.size()));
      }
      san_list += tlv_size(ip.size());
    }
    ext_len += extension_size(san_critical, tlv_size(san_list));
  }
  std::array<std::uint8_t, 20> ski{};
  SIGNET_RETURN_IF_ERROR(ski_of(f.public_key_der, ski.data()));
  ext_len += extension_size(false, tlv_size(ski.size()));
  const std::size_t aki_seq = tlv_size(f.authority_key_id.size());
  if (!f.authority_key_id.empty()) ext_len += extension_size(false, tlv_size(aki_seq));
  const std::size_t ext_seq = tlv_size(ext_len);

  const ByteView alg_id = algorithm_identifier_der(alg);
  const std::size_t body = kVersion3.size() + tlv_size(serial_len) + alg_id.size() +
                           f.issuer_der.size() + tlv_size(validity_len) + f.subject_der.size() +
                           f.public_key_der.size() + tlv_size(ext_seq);
  Bytes tbs(tlv_size(body));
  if (tbs.data() == nullptr) return fail(ErrorCode::kInternal, "TBS writer: no buffer");
  Out out(tbs);
  out.header(der::kSequence, body);
  out.raw(kVersion3);
  out.header(der::kInteger, serial_len);
  if (serial_pad) out.byte(0);
  out.raw(serial);
  out.raw(alg_id);
  out.raw(f.issuer_der);
  out.header(der::kSequence, validity_len);
  out.tlv(nb.tag, ByteView(nb.text.data(), nb.length));
  out.tlv(na.tag, ByteView(na.text.data(), na.length));
  out.raw(f.subject_der);
  out.raw(f.public_key_der);
  out.header(der::context_constructed(3), ext_seq);
  out.header(der::kSequence, ext_len);

  // basicConstraints, critical in every certificate (spec §7 item 6; RFC 5280 §4.2.1.9).
  extension_header(out, kOidBasicConstraints, true, bc_value);
  out.header(der::kSequence, bc_value - 2);
  if (f.is_ca) out.raw(kCriticalTrue);  // cA TRUE (same octets as the critical flag)
  // keyUsage, critical (RFC 5280 §4.2.1.3 SHOULD; Go and kubeadm mark it so).
  extension_header(out, kOidKeyUsage, true, tlv_size(ku_content));
  out.tlv(der::kBitString, ByteView(ku.data(), ku_content));
  if (!f.extended_key_usage.empty()) {
    extension_header(out, kOidExtKeyUsage, false, tlv_size(eku_list));
    out.header(der::kSequence, eku_list);
    for (const auto usage : f.extended_key_usage) out.tlv(der::kOid, eku_oid(usage));
  }
  if (has_san) {
    // GeneralNames: dNSName [2] IMPLICIT IA5String, iPAddress [7] IMPLICIT OCTET STRING.
    extension_header(out, kOidSubjectAltName, san_critical, tlv_size(san_list));
    out.header(der::kSequence, san_list);
    for (const auto& dns : f.subject_alt_names->dns) {
      out.tlv(der::context_primitive(2), as_bytes(dns));
    }
    for (const auto& ip : f.subject_alt_names->ip) out.tlv(der::context_primitive(7), ip);
  }
  extension_header(out, kOidSubjectKeyId, false, tlv_size(ski.size()));
  out.tlv(der::kOctetString, ski);
  if (!f.authority_key_id.empty()) {
    // AuthorityKeyIdentifier ::= SEQUENCE { keyIdentifier [0] IMPLICIT ... } (§4.2.1.1).
    extension_header(out, kOidAuthorityKeyId, false, tlv_size(aki_seq));
    out.header(der::kSequence, aki_seq);
    out.tlv(der::context_primitive(0), f.authority_key_id);
  }
  if (out.position() != tbs.data() + tbs.size()) {
    return fail(ErrorCode::kInternal, "TBS writer: size pass and write pass disagree");
  }
  return tbs;
}

}  // namespace signet
