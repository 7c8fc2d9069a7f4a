#include "signet/core/lint.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include "signet/core/der.h"
#include "signet/core/text.h"

namespace signet {
namespace {

// Rules (LintFinding::rule), with their source:
//   der, trailing-data                      §6.1 (cryptobyte strict DER, "x509: trailing data")
//   version                                 §6.1, RFC 5280 §4.1.2.1 (v3 when extensions exist)
//   serial-negative, serial-zero, serial-not-minimal, serial-too-long, serial-low-entropy
//                                           §7 item 1, RFC 5280 §4.1.2.2
//   signature-mismatch, signature-params, signature-weak, signature-unknown
//                                           §6.1, §7 item 4, RFC 5280 §4.1.1.2
//   name-string-type, name-value            §6.1, §7 item 2 (UTF8String / PrintableString)
//   validity-encoding, validity-order       §6.1, §7 item 3, RFC 5280 §4.1.2.5
//   spki-rsa-params, spki-ec                §6.1, §7 item 5 (NULL params; namedCurve, 0x04 point)
//   extension-duplicate, extension-critical, extension-unknown-critical, extension-malformed
//                                           §6.1, §6.2, §7 item 6
//   bc-missing, bc-pathlen-negative         §7 item 6 (CA:TRUE for CAs, CA:FALSE leaves)
//   ca-eku, ca-key-cert-sign                §7 item 6, RFC 5280 §4.2.1.3
//   leaf-key-cert-sign, ec-key-encipherment §7 item 7 (KE only with RSA keys)
//   ku-missing                              §6.2 (non-Go verifiers need keyUsage)
//   san-ia5, san-ip-length, san-ipv4-mapped §6.1
//   aki-missing                             §6.4 (AKI on every certificate not self-issued)

using Findings = std::vector<LintFinding>;

void add(Findings& out, std::string rule, std::string message) {
  out.push_back({std::move(rule), std::move(message)});
}

bool equals(ByteView a, ByteView b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end());
}

std::string dotted(ByteView oid) {
  const auto text = der::oid_to_string(oid);
  return text ? *text : "<malformed OID " + to_hex(oid) + ">";
}

// id-ce arcs (RFC 5280 §4.2.1): 2.5.29.n.
constexpr std::uint8_t kSki = 14;
constexpr std::uint8_t kKeyUsage = 15;
constexpr std::uint8_t kSan = 17;
constexpr std::uint8_t kBasicConstraints = 19;
constexpr std::uint8_t kNameConstraints = 30;
constexpr std::uint8_t kAki = 35;
constexpr std::uint8_t kEku = 37;

std::optional<std::uint8_t> id_ce(ByteView oid) {
  if (oid.size() == 3 && oid[0] == 0x55 && oid[1] == 0x1d) return oid[2];
  return std::nullopt;
}

constexpr std::array<std::uint8_t, 9> kRsaEncryption = {0x2a, 0x86, 0x48, 0x86, 0xf7,
                                                        0x0d, 0x01, 0x01, 0x01};
constexpr std::array<std::uint8_t, 7> kEcPublicKey = {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01};
constexpr std::array<std::uint8_t, 3> kEd25519 = {0x2b, 0x65, 0x70};

// Signature AlgorithmIdentifier (RFC 5280 §4.1.1.2): sha256/384/512WithRSAEncryption with NULL,
// RSASSA-PSS with parameters, ecdsa-with-SHA256/384/512 and Ed25519 without.
void lint_signature_algorithm(ByteView alg_der, Findings& out) {
  auto alg = der::parse_single(alg_der, der::kSequence, "signature");
  if (!alg) return add(out, "signature-unknown", alg.error().message());
  der::Reader f(alg->content);
  auto oid = f.expect(der::kOid, "signature algorithm");
  if (!oid) return add(out, "signature-unknown", oid.error().message());
  const ByteView o = oid->content;
  const std::string name = dotted(o);
  const bool pkcs1 =
      o.size() == 9 && std::equal(kRsaEncryption.begin(), kRsaEncryption.end() - 1, o.begin());
  const bool ecdsa = o.size() == 8 && o[0] == 0x2a && o[4] == 0x3d && o[5] == 0x04 && o[6] == 0x03;
  if ((pkcs1 && (o[8] == 0x04 || o[8] == 0x05)) ||
      (o.size() == 7 && o[4] == 0x3d && o[5] == 0x04 && o[6] == 0x01)) {
    return add(out, "signature-weak",
               "signature algorithm " + name + " uses MD5 or SHA-1 (Go refuses it for chains)");
  }
  if (pkcs1 && o[8] >= 0x0b && o[8] <= 0x0d) {
    auto params = f.next();
    if (!params || params->tag != der::kNull || !params->content.empty() || !f.empty()) {
      add(out, "signature-params",
          "signature algorithm " + name + " must carry NULL parameters (RFC 4055 §5)");
    }
    return;
  }
  if (pkcs1 && o[8] == 0x0a) {
    if (f.empty()) add(out, "signature-params", "RSASSA-PSS without parameters means SHA-1");
    return;
  }
  if ((ecdsa && o[7] >= 0x02 && o[7] <= 0x04) || equals(o, kEd25519)) {
    if (!f.empty()) {
      add(out, "signature-params",
          "signature algorithm " + name + " must have no parameters (RFC 5758 §3.2, RFC 8410 §3)");
    }
    return;
  }
  add(out, "signature-unknown", "signature algorithm " + name + " is not one signet issues with");
}

void lint_serial(const der::Tlv& serial, Findings& out) {
  const ByteView c = serial.content;
  if (c.empty()) return add(out, "serial-zero", "serial is an empty INTEGER");
  if ((c[0] & 0x80U) != 0) {
    add(out, "serial-negative",
        "serial 0x" + to_hex(c) +
            " is negative; RFC 5280 §4.1.2.2 requires a positive integer (Go 1.19 still accepts "
            "it, Go 1.23+ refuses it)");
  }
  if (c.size() > 1 && ((c[0] == 0 && (c[1] & 0x80U) == 0) || (c[0] == 0xff && (c[1] & 0x80U)))) {
    add(out, "serial-not-minimal", "serial 0x" + to_hex(c) + " is not minimally encoded");
  }
  if (c.size() > 20) {
    add(out, "serial-too-long",
        "serial is " + std::to_string(c.size()) + " octets; RFC 5280 §4.1.2.2 allows at most 20");
  }
  if (std::all_of(c.begin(), c.end(), [](std::uint8_t b) { return b == 0; })) {
    add(out, "serial-zero", "serial is zero (RFC 5280 §4.1.2.2: positive)");
    return;
  }
  // ≥ 64 CSPRNG bits (spec §7 item 1) need at least 8 octets of magnitude.
  const std::size_t magnitude = c[0] == 0 ? c.size() - 1 : c.size();
  if (magnitude < 8) {
    add(out, "serial-low-entropy",
        "serial 0x" + to_hex(c) + " has fewer than 64 bits; it cannot hold 64 random bits");
  }
}

// A Name's attribute values must be UTF8String or PrintableString (spec §7 item 2).
void lint_name(ByteView name_der, std::string_view which, Findings& out) {
  auto name = der::parse_single(name_der, der::kSequence, which);
  if (!name) return add(out, "der", name.error().message());
  der::Reader rdns(name->content);
  while (!rdns.empty()) {
    auto rdn = rdns.expect(der::kSet, which);
    if (!rdn) return add(out, "der", rdn.error().message());
    der::Reader atvs(rdn->content);
    while (!atvs.empty()) {
      auto atv = atvs.expect(der::kSequence, which);
      if (!atv) return add(out, "der", atv.error().message());
      der::Reader f(atv->content);
      auto type = f.expect(der::kOid, which);
      auto value = f.next();
      if (!type || !value) return add(out, "der", std::string(which) + ": malformed attribute");
      const std::string attr = std::string(which) + " attribute " + dotted(type->content);
      if (value->tag != der::kUtf8String && value->tag != der::kPrintableString) {
        add(out, "name-string-type",
            attr + " is tag 0x" + to_hex(ByteView(&value->tag, 1)) +
                "; only UTF8String and PrintableString are emitted (spec §7 item 2)");
        continue;
      }
      const std::string_view text = as_text(value->content);
      if (value->tag == der::kUtf8String && !printable_utf8_length(text)) {
        add(out, "name-value", attr + " is not valid UTF-8 or holds a control character");
      }
      if (value->tag == der::kPrintableString) {
        const bool ok = std::all_of(text.begin(), text.end(), [](char ch) {
          const auto u = static_cast<unsigned char>(ch);
          return std::isalnum(u) != 0 ||
                 std::string_view(" '()+,-./:=?").find(ch) != std::string_view::npos;
        });
        if (!ok) add(out, "name-value", attr + " has characters outside PrintableString");
      }
    }
  }
}

bool all_digits(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// RFC 5280 §4.1.2.5: UTCTime YYMMDDHHMMSSZ for 1950–2049, GeneralizedTime YYYYMMDDHHMMSSZ from
// 2050; Z, seconds, no fractions. Returns the time as a comparable YYYYMMDDHHMMSS string.
std::optional<std::string> lint_time(const der::Tlv& t, std::string_view which, Findings& out) {
  const std::string_view s = as_text(t.content);
  if (t.tag == der::kUtcTime) {
    if (s.size() != 13 || s.back() != 'Z' || !all_digits(s.substr(0, 12))) {
      add(out, "validity-encoding",
          std::string(which) + " UTCTime '" + std::string(s.substr(0, 32)) +
              "' is not YYMMDDHHMMSSZ (RFC 5280 §4.1.2.5.1)");
      return std::nullopt;
    }
    const int yy = (s[0] - '0') * 10 + (s[1] - '0');
    return std::string(yy >= 50 ? "19" : "20") + std::string(s.substr(0, 12));
  }
  if (t.tag == der::kGeneralizedTime) {
    if (s.size() != 15 || s.back() != 'Z' || !all_digits(s.substr(0, 14))) {
      add(out, "validity-encoding",
          std::string(which) + " GeneralizedTime '" + std::string(s.substr(0, 32)) +
              "' is not YYYYMMDDHHMMSSZ (RFC 5280 §4.1.2.5.2)");
      return std::nullopt;
    }
    if (s.substr(0, 4) < "2050") {
      add(out, "validity-encoding",
          std::string(which) + " " + std::string(s) +
              " is a GeneralizedTime before 2050; RFC 5280 §4.1.2.5 requires UTCTime");
    }
    return std::string(s.substr(0, 14));
  }
  add(out, "validity-encoding", std::string(which) + " is neither UTCTime nor GeneralizedTime");
  return std::nullopt;
}

// SubjectPublicKeyInfo (spec §7 item 5). Returns whether the key is EC (for the KU rule).
bool lint_spki(ByteView spki_der, Findings& out) {
  auto spki = der::parse_single(spki_der, der::kSequence, "subjectPublicKeyInfo");
  if (!spki) return add(out, "der", spki.error().message()), false;
  der::Reader f(spki->content);
  auto alg = f.expect(der::kSequence, "subjectPublicKeyInfo algorithm");
  auto key = f.expect(der::kBitString, "subjectPublicKey");
  if (!alg || !key) return add(out, "der", "subjectPublicKeyInfo is malformed"), false;
  der::Reader a(alg->content);
  auto oid = a.expect(der::kOid, "key algorithm");
  if (!oid) return add(out, "der", oid.error().message()), false;
  if (equals(oid->content, kRsaEncryption)) {
    auto params = a.next();
    if (!params || params->tag != der::kNull || !params->content.empty() || !a.empty()) {
      add(out, "spki-rsa-params",
          "RSA subjectPublicKeyInfo must carry NULL parameters (Go: RSA key missing NULL "
          "parameters)");
    }
    return false;
  }
  if (equals(oid->content, kEcPublicKey)) {
    auto curve = a.next();
    if (!curve || curve->tag != der::kOid || !a.empty()) {
      add(out, "spki-ec", "EC subjectPublicKeyInfo must name its curve (namedCurve OID only)");
    }
    if (key->content.size() < 2 || key->content[0] != 0 || key->content[1] != 0x04) {
      add(out, "spki-ec", "EC public key must be an uncompressed point (0x04, RFC 5480 §2.2)");
    }
    return true;
  }
  if (equals(oid->content, kEd25519) && !a.empty()) {
    add(out, "spki-ec", "Ed25519 subjectPublicKeyInfo must have no parameters (RFC 8410 §3)");
  }
  return false;
}

struct ExtensionFacts {
  bool has_bc = false;
  bool is_ca = false;
  bool has_ku = false;
  std::uint16_t ku = 0;  // bit 0 = digitalSignature (RFC 5280 §4.2.1.3), as BIT STRING order
  bool has_eku = false;
  bool has_aki = false;
  bool san_critical = false;
};

// KeyUsage BIT STRING → bits, digitalSignature = 1 << 0 … decipherOnly = 1 << 8.
std::uint16_t key_usage_bits(ByteView bit_string) {
  std::uint16_t bits = 0;
  for (std::size_t i = 1; i < bit_string.size() && i < 3; ++i) {
    for (unsigned b = 0; b < 8; ++b) {
      if ((bit_string[i] & (0x80U >> b)) != 0)
        bits |= static_cast<std::uint16_t>(1U << ((i - 1) * 8 + b));
    }
  }
  return bits;
}
constexpr std::uint16_t kKuDigitalSignature = 1U << 0U;
constexpr std::uint16_t kKuKeyEncipherment = 1U << 2U;
constexpr std::uint16_t kKuKeyCertSign = 1U << 5U;

void lint_general_names(ByteView value, Findings& out) {
  auto names = der::parse_single(value, der::kSequence, "subjectAltName");
  if (!names) return add(out, "extension-malformed", names.error().message());
  der::Reader r(names->content);
  while (!r.empty()) {
    auto gn = r.next();
    if (!gn) return add(out, "extension-malformed", gn.error().message());
    const auto tag = gn->tag;
    if (tag == 0x81 || tag == 0x82 || tag == 0x86) {
      const bool ascii = std::all_of(gn->content.begin(), gn->content.end(),
                                     [](std::uint8_t c) { return c != 0 && c < 0x80; });
      if (!ascii) add(out, "san-ia5", "subjectAltName entry is not IA5 text without NUL");
    } else if (tag == 0x87) {
      const ByteView ip = gn->content;
      if (ip.size() != 4 && ip.size() != 16) {
        add(out, "san-ip-length",
            "subjectAltName iPAddress has " + std::to_string(ip.size()) +
                " octets; it must be 4 or 16");
      } else if (ip.size() == 16 &&
                 std::all_of(ip.begin(), ip.begin() + 10, [](std::uint8_t c) { return c == 0; }) &&
                 ip[10] == 0xff && ip[11] == 0xff) {
        add(out, "san-ipv4-mapped",
            "subjectAltName iPAddress is IPv4-mapped IPv6; current Go refuses it (spec §6.1)");
      }
    }
  }
}

void lint_extension(std::uint8_t id, bool critical, ByteView value, ExtensionFacts& facts,
                    Findings& out) {
  const auto must_be = [&](bool want, std::string_view name, std::string_view why) {
    if (critical != want) {
      add(out, "extension-critical",
          std::string(name) + (want ? " must be critical (" : " must not be critical (") +
              std::string(why) + ")");
    }
  };
  switch (id) {
    case kBasicConstraints: {
      facts.has_bc = true;
      must_be(true, "basicConstraints", "spec §7 item 6");
      auto bc = der::parse_single(value, der::kSequence, "basicConstraints");
      if (!bc) return add(out, "extension-malformed", bc.error().message());
      der::Reader f(bc->content);
      if (f.peek_tag() == der::kBoolean) {
        auto ca = f.next();
        auto flag = ca ? der::read_bool(*ca, "basicConstraints cA") : tl::unexpected(ca.error());
        if (!flag) return add(out, "extension-malformed", flag.error().message());
        if (!*flag) add(out, "extension-malformed", "basicConstraints encodes cA FALSE (not DER)");
        facts.is_ca = *flag;
      }
      if (f.peek_tag() == der::kInteger) {
        auto len = f.next();
        if (len && !len->content.empty() && (len->content[0] & 0x80U) != 0) {
          add(out, "bc-pathlen-negative", "basicConstraints pathLenConstraint is negative");
        }
      }
      return;
    }
    case kKeyUsage: {
      facts.has_ku = true;
      must_be(true, "keyUsage", "RFC 5280 §4.2.1.3, spec §7 item 6");
      auto ku = der::parse_single(value, der::kBitString, "keyUsage");
      if (!ku || ku->content.size() < 2) {
        return add(out, "extension-malformed", "keyUsage is not a non-empty BIT STRING");
      }
      facts.ku = key_usage_bits(ku->content);
      return;
    }
    case kEku:
      facts.has_eku = true;
      return must_be(false, "extKeyUsage", "spec §7 item 6");
    case kSki:
      return must_be(false, "subjectKeyIdentifier", "RFC 5280 §4.2.1.2; Go refuses it critical");
    case kAki:
      facts.has_aki = true;
      return must_be(false, "authorityKeyIdentifier", "RFC 5280 §4.2.1.1; Go refuses it critical");
    case kSan:
      facts.san_critical = critical;
      return lint_general_names(value, out);
    case kNameConstraints:
      return;
    default:
      break;
  }
  if (critical) {
    add(out, "extension-unknown-critical",
        "critical extension 2.5.29." + std::to_string(id) +
            " is not one Go handles (UnhandledCriticalExtension, spec §6.2)");
  }
}

}  // namespace

std::vector<LintFinding> lint_certificate(ByteView cert_der) {
  Findings out;
  // Structure first: strict DER everywhere, or nothing else can be judged.
  der::Reader outer(cert_der);
  auto cert = outer.expect(der::kSequence, "Certificate");
  if (!cert) return {{"der", cert.error().message()}};
  if (!outer.empty()) {
    add(out, "trailing-data",
        std::to_string(outer.empty() ? 0 : cert_der.size() - cert->whole.size()) +
            " bytes after the certificate (Go: x509: trailing data)");
  }
  if (auto ok = der::check_structure(cert->content, 32); !ok) {
    return {{"der", ok.error().message()}};
  }
  der::Reader top(cert->content);
  auto tbs = top.expect(der::kSequence, "tbsCertificate");
  auto outer_alg = top.expect(der::kSequence, "signatureAlgorithm");
  auto sig = top.expect(der::kBitString, "signatureValue");
  if (!tbs || !outer_alg || !sig || !top.empty()) {
    return {{"der",
             "Certificate is not SEQUENCE { tbsCertificate, signatureAlgorithm, "
             "signatureValue } (RFC 5280 §4.1)"}};
  }
  der::Reader f(tbs->content);
  // version [0] EXPLICIT INTEGER: must be present and 2 (v3; the certificate has extensions).
  if (f.peek_tag() != der::context_constructed(0)) {
    add(out, "version", "version is absent (v1); signet issues v3 (RFC 5280 §4.1.2.1)");
  } else {
    auto v = f.next();
    auto n =
        v ? der::parse_single(v->content, der::kInteger, "version") : tl::unexpected(v.error());
    if (!n || n->content.size() != 1 || n->content[0] != 2) {
      add(out, "version", "version is not v3 (INTEGER 2, RFC 5280 §4.1.2.1)");
    }
  }
  auto serial = f.expect(der::kInteger, "serialNumber");
  auto inner_alg = f.expect(der::kSequence, "signature");
  auto issuer = f.expect(der::kSequence, "issuer");
  auto validity = f.expect(der::kSequence, "validity");
  auto subject = f.expect(der::kSequence, "subject");
  auto spki = f.expect(der::kSequence, "subjectPublicKeyInfo");
  if (!serial || !inner_alg || !issuer || !validity || !subject || !spki) {
    return {{"der", "tbsCertificate fields are missing or out of order (RFC 5280 §4.1)"}};
  }
  lint_serial(*serial, out);
  if (!equals(inner_alg->whole, outer_alg->whole)) {
    add(out, "signature-mismatch",
        "tbsCertificate.signature " + to_hex(inner_alg->whole) +
            " differs from signatureAlgorithm " + to_hex(outer_alg->whole) +
            " (RFC 5280 §4.1.1.2; Go refuses it)");
  }
  lint_signature_algorithm(outer_alg->whole, out);
  lint_name(issuer->whole, "issuer", out);
  lint_name(subject->whole, "subject", out);
  {
    der::Reader v(validity->content);
    auto nb = v.next();
    auto na = v.next();
    if (!nb || !na || !v.empty()) {
      add(out, "validity-encoding", "validity is not SEQUENCE { notBefore, notAfter }");
    } else {
      const auto b = lint_time(*nb, "notBefore", out);
      const auto a = lint_time(*na, "notAfter", out);
      if (b && a && *b > *a) add(out, "validity-order", "notBefore is after notAfter");
    }
  }
  const bool ec_key = lint_spki(spki->whole, out);

  ExtensionFacts facts;
  // issuerUniqueID [1] / subjectUniqueID [2] are not expected; skip them if present.
  while (f.peek_tag() == der::context_primitive(1) || f.peek_tag() == der::context_primitive(2)) {
    static_cast<void>(f.next());
  }
  bool subject_empty = subject->content.empty();
  if (f.peek_tag() == der::context_constructed(3)) {
    auto wrapper = f.next();
    auto exts = der::parse_single(wrapper->content, der::kSequence, "extensions");
    if (!exts) return add(out, "der", exts.error().message()), out;
    der::Reader r(exts->content);
    std::vector<ByteView> seen;
    while (!r.empty()) {
      auto ext = r.expect(der::kSequence, "extension");
      if (!ext) return add(out, "der", ext.error().message()), out;
      der::Reader e(ext->content);
      auto oid = e.expect(der::kOid, "extnID");
      if (!oid) return add(out, "der", oid.error().message()), out;
      bool critical = false;
      if (e.peek_tag() == der::kBoolean) {
        auto b = e.next();
        auto flag = der::read_bool(*b, "critical");
        if (!flag || !*flag) {
          add(out, "extension-malformed",
              "extension " + dotted(oid->content) + " encodes critical FALSE or a bad BOOLEAN");
        }
        critical = flag && *flag;
      }
      auto value = e.expect(der::kOctetString, "extnValue");
      if (!value || !e.empty()) {
        add(out, "extension-malformed", "extension " + dotted(oid->content) + " is malformed");
        continue;
      }
      if (std::any_of(seen.begin(), seen.end(),
                      [&](ByteView s) { return equals(s, oid->content); })) {
        add(out, "extension-duplicate",
            "extension " + dotted(oid->content) +
                " appears twice (Go: certificate contains duplicate extensions)");
        continue;
      }
      seen.push_back(oid->content);
      if (const auto id = id_ce(oid->content)) {
        lint_extension(*id, critical, value->content, facts, out);
      } else if (critical) {
        add(out, "extension-unknown-critical",
            "critical extension " + dotted(oid->content) +
                " is not one Go handles (UnhandledCriticalExtension, spec §6.2)");
      }
    }
  } else {
    add(out, "bc-missing", "the certificate has no extensions (spec §7 item 6)");
  }
  if (!f.empty()) add(out, "der", "tbsCertificate has fields after the extensions");

  if (facts.san_critical && !subject_empty) {
    add(out, "extension-critical",
        "subjectAltName must not be critical when the subject is not empty (RFC 5280 §4.2.1.6)");
  }
  if (!facts.has_bc) add(out, "bc-missing", "basicConstraints is absent (spec §7 item 6)");
  if (!facts.has_ku) add(out, "ku-missing", "keyUsage is absent (spec §6.2, RFC 5280 §4.2.1.3)");
  if (facts.is_ca) {
    if (facts.has_eku) {
      add(out, "ca-eku",
          "a CA certificate carries extKeyUsage; it restricts every leaf below "
          "it in Go (spec §6.2, §7 item 6)");
    }
    if (!facts.has_ku || (facts.ku & kKuKeyCertSign) == 0) {
      add(out, "ca-key-cert-sign", "a CA certificate must allow keyCertSign (RFC 5280 §4.2.1.3)");
    }
  } else {
    if ((facts.ku & kKuKeyCertSign) != 0) {
      add(out, "leaf-key-cert-sign", "a leaf (CA:FALSE) must not allow keyCertSign");
    }
    if (ec_key && (facts.ku & kKuKeyEncipherment) != 0) {
      add(out, "ec-key-encipherment",
          "an EC key cannot encipher keys; keyEncipherment is for RSA only (spec §7 item 7)");
    }
    if (facts.has_ku && (facts.ku & kKuDigitalSignature) == 0) {
      add(out, "ku-missing", "a leaf must allow digitalSignature (spec §7 item 7)");
    }
  }
  if (!facts.has_aki && !equals(issuer->whole, subject->whole)) {
    add(out, "aki-missing",
        "authorityKeyIdentifier is absent on a certificate that is not self-issued (spec §6.4)");
  }
  return out;
}

std::string format_findings(const std::vector<LintFinding>& findings) {
  std::string out;
  for (const auto& f : findings) {
    if (!out.empty()) out += "; ";
    out += f.rule + ": " + f.message;
  }
  return out;
}

}  // namespace signet
