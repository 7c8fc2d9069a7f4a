#include "ledger_record_der.h"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <ctime>
#include <string>

#include "signet/core/der.h"
#include "signet/core/name.h"

#include "fetched_digest.h"
#include "tbs_template.h"

namespace signet::ledger {
namespace {

constexpr std::size_t kMaxDepth = 16;         // as RecertifyRequest::kMaxDepth: a leaf nests 6 deep
constexpr std::uint8_t kSubjectAltName = 17;  // id-ce 17 (RFC 5280 §4.2.1.6)

bool digits(std::string_view s) {
  return std::ranges::all_of(s, [](char c) { return c >= '0' && c <= '9'; });
}

int two(std::string_view s, std::size_t at) {
  return (s[at] - '0') * 10 + (s[at + 1] - '0');
}

// UTCTime YYMMDDHHMMSSZ (RFC 5280 §4.1.2.5.1: YY < 50 is 20YY) or GeneralizedTime
// YYYYMMDDHHMMSSZ (§4.1.2.5.2), the only forms RFC 5280 allows and the ones signet writes.
std::optional<std::int64_t> read_time(const der::Tlv& t) {
  const std::string_view s(reinterpret_cast<const char*>(t.content.data()),  // NOLINT
                           t.content.size());
  std::tm tm{};
  std::size_t at = 0;
  if (t.tag == der::kUtcTime && s.size() == 13 && s.back() == 'Z' && digits(s.substr(0, 12))) {
    const int yy = two(s, 0);
    tm.tm_year = (yy < 50 ? 2000 + yy : 1900 + yy) - 1900;
    at = 2;
  } else if (t.tag == der::kGeneralizedTime && s.size() == 15 && s.back() == 'Z' &&
             digits(s.substr(0, 14))) {
    tm.tm_year = two(s, 0) * 100 + two(s, 2) - 1900;
    at = 4;
  } else {
    return std::nullopt;
  }
  tm.tm_mon = two(s, at) - 1;
  tm.tm_mday = two(s, at + 2);
  tm.tm_hour = two(s, at + 4);
  tm.tm_min = two(s, at + 6);
  tm.tm_sec = two(s, at + 8);
  if (tm.tm_mon < 0 || tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 ||
      tm.tm_min > 59 || tm.tm_sec > 59) {
    return std::nullopt;
  }
  const std::tm asked = tm;
  const std::int64_t seconds = timegm(&tm);
  if (tm.tm_mday != asked.tm_mday) return std::nullopt;  // 31 February and the like
  return seconds;
}

std::string text(ByteView v) {
  return {reinterpret_cast<const char*>(v.data()), v.size()};  // NOLINT
}

// GeneralNames in order, as the OpenSSL path prints them.
bool read_sans(ByteView extn_value, std::vector<std::string>& out) {
  auto names = der::parse_single(extn_value, der::kSequence, "subjectAltName");
  if (!names) return false;
  der::Reader reader(names->content);
  while (!reader.empty()) {
    auto n = reader.next();
    if (!n) return false;
    switch (n->tag) {
      case der::context_primitive(1):
        out.push_back("email:" + text(n->content));
        break;
      case der::context_primitive(2):
        out.push_back("DNS:" + text(n->content));
        break;
      case der::context_primitive(6):
        out.push_back("URI:" + text(n->content));
        break;
      case der::context_primitive(7): {
        std::array<char, INET6_ADDRSTRLEN> buf{};
        const std::size_t len = n->content.size();
        if ((len != 4 && len != 16) || inet_ntop(len == 4 ? AF_INET : AF_INET6, n->content.data(),
                                                 buf.data(), buf.size()) == nullptr) {
          return false;
        }
        out.push_back(std::string("IP:") + buf.data());
        break;
      }
      default:
        return false;  // other forms: the OpenSSL path names them
    }
  }
  return true;
}

bool is_san(ByteView oid) {
  static constexpr std::array<std::uint8_t, 3> kSan = {0x55, 0x1d, kSubjectAltName};
  return oid.size() == kSan.size() && std::equal(kSan.begin(), kSan.end(), oid.begin());
}

bool read_extensions(ByteView explicit_content, std::vector<std::string>& sans) {
  auto exts = der::parse_single(explicit_content, der::kSequence, "extensions");
  if (!exts) return false;
  der::Reader reader(exts->content);
  bool seen_san = false;
  while (!reader.empty()) {
    auto ext = reader.expect(der::kSequence, "extension");
    if (!ext) return false;
    der::Reader f(ext->content);
    auto oid = f.expect(der::kOid, "extension");
    if (!oid) return false;
    if (f.peek_tag() == der::kBoolean && !f.next()) return false;
    auto value = f.expect(der::kOctetString, "extension");
    if (!value || !f.empty()) return false;
    if (is_san(oid->content)) {
      if (seen_san) return false;  // repeated: the OpenSSL path refuses it by name
      seen_san = true;
      if (!read_sans(value->content, sans)) return false;
    }
  }
  return true;
}

}  // namespace

bool read_record_fields(ByteView der, CertificateRecord& r) {
  if (!der::check_structure(der, kMaxDepth)) return false;
  auto cert = der::parse_single(der, der::kSequence, "certificate");
  if (!cert) return false;
  der::Reader outer(cert->content);
  auto tbs = outer.expect(der::kSequence, "tbsCertificate");
  if (!tbs || !outer.expect(der::kSequence, "signatureAlgorithm") ||
      !outer.expect(der::kBitString, "signature") || !outer.empty()) {
    return false;
  }
  der::Reader t(tbs->content);
  if (t.peek_tag() == der::context_constructed(0) && !t.next()) return false;  // version
  auto serial = t.expect(der::kInteger, "serialNumber");
  if (!serial || serial->content.empty() || (serial->content[0] & 0x80) != 0) return false;
  ByteView magnitude = serial->content;
  if (magnitude.size() > 1 && magnitude[0] == 0) magnitude = magnitude.subspan(1);
  if (magnitude.size() == 1 && magnitude[0] == 0) return false;  // zero: let OpenSSL decide
  r.serial.assign(magnitude.begin(), magnitude.end());
  if (!t.expect(der::kSequence, "signature") || !t.expect(der::kSequence, "issuer")) return false;
  auto validity = t.expect(der::kSequence, "validity");
  if (!validity) return false;
  der::Reader v(validity->content);
  auto nb = v.next();
  auto na = nb ? v.next() : nb;
  if (!nb || !na || !v.empty()) return false;
  const auto not_before = read_time(*nb);
  const auto not_after = read_time(*na);
  if (!not_before || !not_after) return false;
  r.not_before = *not_before;
  r.not_after = *not_after;
  auto subject = t.expect(der::kSequence, "subject");
  if (!subject) return false;
  auto dn = decode_name(subject->whole, "certificate subject");
  if (!dn) return false;
  r.subject = format_name(*dn);
  auto spki = t.expect(der::kSequence, "subjectPublicKeyInfo");
  if (!spki) return false;
  r.sans.clear();
  while (!t.empty()) {
    auto field = t.next();
    if (!field) return false;
    if (field->tag == der::context_constructed(3)) {
      if (!read_extensions(field->content, r.sans) || !t.empty()) return false;
    } else if (field->tag != der::context_primitive(1) && field->tag != der::context_primitive(2)) {
      return false;  // only issuerUniqueID, subjectUniqueID, extensions may follow
    }
  }
  r.spki_sha256.resize(32);
  return static_cast<bool>(
      thread_digest(fetched_digest(DigestAlgorithm::kSha256), spki->whole, r.spki_sha256.data()));
}

}  // namespace signet::ledger
