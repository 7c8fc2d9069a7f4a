#include "signet/core/csr.h"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>

#include "signet/core/der.h"
#include "signet/core/pem.h"

#include "csr_signature.h"
#include "proof_of_possession.h"
#include "requested_names.h"

namespace signet {
namespace {

// A DER walk of CertificationRequest (RFC 2986 §4) with signet's strict reader. OpenSSL's object
// path (d2i_X509_REQ ≈160 µs, serialised by decoder locks on OpenSSL 3.0, performance-notes.md)
// is not used; OpenSSL only does the cryptography of the proof of possession.

// PKCS#9 extensionRequest, 1.2.840.113549.1.9.14 (RFC 2985 §5.4.2).
constexpr std::array<std::uint8_t, 9> kExtensionRequest = {0x2a, 0x86, 0x48, 0x86, 0xf7,
                                                           0x0d, 0x01, 0x09, 0x0e};
// id-ce extensions (RFC 5280 §4.2.1): 2.5.29.n.
constexpr std::uint8_t kSubjectAltName = 17;
constexpr std::uint8_t kBasicConstraints = 19;
constexpr std::uint8_t kNameConstraints = 30;

// Largest number of extensions and SAN entries read from one request: a node asks for a handful.
constexpr std::size_t kMaxExtensions = 64;
constexpr std::size_t kMaxSanEntries = 256;

tl::unexpected<Error> invalid(std::string message) {
  return fail(ErrorCode::kInvalidArgument, std::move(message));
}

bool is_id_ce(ByteView oid, std::uint8_t last) {
  return oid.size() == 3 && oid[0] == 0x55 && oid[1] == 0x1d && oid[2] == last;
}

// A SAN string (IA5String, RFC 5280 §4.2.1.6): ASCII, no NUL, not empty.
Result<std::string> ia5_text(std::string_view source, ByteView content, std::string_view what) {
  if (content.empty())
    return invalid(std::string(source) + " subjectAltName " + std::string(what) + " is empty");
  for (const std::uint8_t c : content) {
    if (c == 0) {
      return invalid(std::string(source) + " subjectAltName " + std::string(what) +
                     " contains a NUL byte");
    }
    if (c >= 0x80) {
      return invalid(std::string(source) + " subjectAltName " + std::string(what) +
                     " is not IA5 (ASCII) text (RFC 5280 §4.2.1.6)");
    }
  }
  return std::string(as_text(content));
}

// iPAddress: 4 octets (IPv4) or 16 (IPv6), RFC 5280 §4.2.1.6. IPv4-mapped IPv6 (::ffff:a.b.c.d,
// RFC 4291 §2.5.5.2) is refused: current Go rejects it in certificates (spec §6.1), and the
// 4-octet form is the one to request.
Result<std::string> ip_text(std::string_view source, ByteView content) {
  std::array<char, INET6_ADDRSTRLEN> text{};
  if (content.size() == 4) {
    inet_ntop(AF_INET, content.data(), text.data(), static_cast<socklen_t>(text.size()));
    return std::string(text.data());
  }
  if (content.size() == 16) {
    inet_ntop(AF_INET6, content.data(), text.data(), static_cast<socklen_t>(text.size()));
    constexpr std::array<std::uint8_t, 12> kMapped = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (std::equal(kMapped.begin(), kMapped.end(), content.begin())) {
      return invalid(std::string(source) + " subjectAltName iPAddress " + std::string(text.data()) +
                     " is an IPv4-mapped IPv6 address; request the 4-octet IPv4 form");
    }
    return std::string(text.data());
  }
  return invalid(std::string(source) + " subjectAltName iPAddress has " +
                 std::to_string(content.size()) +
                 " octets; it must be 4 (IPv4) or 16 (IPv6) (RFC 5280 §4.2.1.6)");
}

std::string_view general_name_form(std::uint8_t tag) {
  switch (tag & 0x1fU) {
    case 0:
      return "otherName";
    case 3:
      return "x400Address";
    case 4:
      return "directoryName";
    case 5:
      return "ediPartyName";
    case 8:
      return "registeredID";
    default:
      return "an unknown GeneralName form";
  }
}

// GeneralNames (RFC 5280 §4.2.1.6), IMPLICIT tags: [1] rfc822Name, [2] dNSName,
// [6] uniformResourceIdentifier, [7] iPAddress.
}  // namespace

Status read_requested_names(std::string_view source, ByteView extn_value, RequestedNames& out) {
  SIGNET_ASSIGN_OR_RETURN(
      const der::Tlv names,
      der::parse_single(extn_value, der::kSequence, std::string(source) + " subjectAltName"));
  if (names.content.empty()) {
    return invalid(std::string(source) +
                   " subjectAltName is an empty sequence (RFC 5280: SIZE (1..MAX))");
  }
  der::Reader reader(names.content);
  std::size_t count = 0;
  while (!reader.empty()) {
    if (++count > kMaxSanEntries) {
      return invalid(std::string(source) + " subjectAltName has more than " +
                     std::to_string(kMaxSanEntries) + " entries");
    }
    SIGNET_ASSIGN_OR_RETURN(const der::Tlv name, reader.next());
    switch (name.tag) {
      case der::context_primitive(1): {
        SIGNET_ASSIGN_OR_RETURN(std::string text, ia5_text(source, name.content, "rfc822Name"));
        out.email.push_back(std::move(text));
        break;
      }
      case der::context_primitive(2): {
        SIGNET_ASSIGN_OR_RETURN(std::string text, ia5_text(source, name.content, "dNSName"));
        out.dns.push_back(std::move(text));
        break;
      }
      case der::context_primitive(6): {
        SIGNET_ASSIGN_OR_RETURN(std::string text, ia5_text(source, name.content, "URI"));
        out.uri.push_back(std::move(text));
        break;
      }
      case der::context_primitive(7): {
        SIGNET_ASSIGN_OR_RETURN(std::string text, ip_text(source, name.content));
        out.ip.push_back(std::move(text));
        break;
      }
      default:
        return invalid(std::string(source) + " subjectAltName contains " +
                       std::string(general_name_form(name.tag)) +
                       "; only dNSName, iPAddress, rfc822Name and URI are accepted");
    }
  }
  return {};
}

namespace {

// basicConstraints (RFC 5280 §4.2.1.9): a request for cA TRUE is refused outright, so no path
// can ever turn a node request into a CA.
Status check_basic_constraints(ByteView extn_value) {
  SIGNET_ASSIGN_OR_RETURN(const der::Tlv bc,
                          der::parse_single(extn_value, der::kSequence, "CSR basicConstraints"));
  der::Reader f(bc.content);
  if (f.peek_tag() == der::kBoolean) {
    SIGNET_ASSIGN_OR_RETURN(const der::Tlv ca_tlv, f.next());
    SIGNET_ASSIGN_OR_RETURN(const bool ca, der::read_bool(ca_tlv, "CSR basicConstraints cA"));
    if (ca) {
      return invalid(
          "CSR requests basicConstraints CA:TRUE; signet never issues a CA certificate from a "
          "request");
    }
  }
  return {};
}

struct Extensions {
  RequestedNames names;
  std::vector<std::string> oids;
};

// Extensions ::= SEQUENCE SIZE (1..MAX) OF Extension (RFC 5280 §4.1), inside extensionRequest.
Status read_extensions(ByteView extensions_der, Extensions& out) {
  SIGNET_ASSIGN_OR_RETURN(const der::Tlv exts, der::parse_single(extensions_der, der::kSequence,
                                                                 "CSR extensionRequest"));
  der::Reader reader(exts.content);
  std::vector<ByteView> seen;
  while (!reader.empty()) {
    if (seen.size() >= kMaxExtensions) {
      return invalid("CSR requests more than " + std::to_string(kMaxExtensions) + " extensions");
    }
    SIGNET_ASSIGN_OR_RETURN(const der::Tlv ext, reader.expect(der::kSequence, "CSR extension"));
    der::Reader f(ext.content);
    SIGNET_ASSIGN_OR_RETURN(const der::Tlv oid, f.expect(der::kOid, "CSR extension"));
    SIGNET_ASSIGN_OR_RETURN(std::string dotted, der::oid_to_string(oid.content));
    if (f.peek_tag() == der::kBoolean) {
      SIGNET_ASSIGN_OR_RETURN(const der::Tlv critical_tlv, f.next());
      SIGNET_ASSIGN_OR_RETURN(const bool critical,
                              der::read_bool(critical_tlv, "CSR extension " + dotted));
      // DER leaves DEFAULT values out (X.690 §11.5): an explicit FALSE is not DER.
      if (!critical) {
        return invalid("CSR extension " + dotted +
                       " encodes critical FALSE explicitly, which DER forbids (X.690 §11.5)");
      }
    }
    SIGNET_ASSIGN_OR_RETURN(const der::Tlv value,
                            f.expect(der::kOctetString, "CSR extension " + dotted));
    if (!f.empty()) return invalid("CSR extension " + dotted + " has trailing fields");
    for (const ByteView earlier : seen) {
      if (std::equal(earlier.begin(), earlier.end(), oid.content.begin(), oid.content.end())) {
        return invalid("CSR requests extension " + dotted +
                       " twice (RFC 5280 §4.2: at most one instance)");
      }
    }
    seen.push_back(oid.content);
    if (is_id_ce(oid.content, kSubjectAltName)) {
      SIGNET_RETURN_IF_ERROR(read_requested_names("CSR", value.content, out.names));
    } else if (is_id_ce(oid.content, kBasicConstraints)) {
      SIGNET_RETURN_IF_ERROR(check_basic_constraints(value.content));
    } else if (is_id_ce(oid.content, kNameConstraints)) {
      return invalid(
          "CSR requests nameConstraints (2.5.29.30); only a CA carries them and signet never "
          "issues one from a request");
    }
    out.oids.push_back(std::move(dotted));
  }
  return {};
}

// attributes [0] IMPLICIT SET OF Attribute (RFC 2986 §4.1). Only extensionRequest is read; other
// attributes (challengePassword, ...) are structurally checked and ignored.
Status read_attributes(ByteView attributes, Extensions& out) {
  der::Reader reader(attributes);
  bool have_extensions = false;
  while (!reader.empty()) {
    SIGNET_ASSIGN_OR_RETURN(const der::Tlv attr, reader.expect(der::kSequence, "CSR attribute"));
    der::Reader f(attr.content);
    SIGNET_ASSIGN_OR_RETURN(const der::Tlv type, f.expect(der::kOid, "CSR attribute type"));
    SIGNET_ASSIGN_OR_RETURN(const der::Tlv values, f.expect(der::kSet, "CSR attribute values"));
    if (!f.empty()) return invalid("CSR attribute has trailing fields");
    if (!std::equal(type.content.begin(), type.content.end(), kExtensionRequest.begin(),
                    kExtensionRequest.end())) {
      continue;
    }
    if (have_extensions) {
      return invalid("CSR has two extensionRequest attributes (RFC 2985 §5.4.2: single-valued)");
    }
    have_extensions = true;
    der::Reader value_reader(values.content);
    SIGNET_ASSIGN_OR_RETURN(const der::Tlv value, value_reader.next());
    if (!value_reader.empty()) {
      return invalid("CSR extensionRequest has more than one value (RFC 2985 §5.4.2)");
    }
    SIGNET_RETURN_IF_ERROR(read_extensions(value.whole, out));
  }
  return {};
}

}  // namespace

Result<Csr> Csr::parse(ByteView pem_or_der_bytes) {
  if (pem_or_der_bytes.size() > kMaxBytes) {
    return invalid("CSR is " + std::to_string(pem_or_der_bytes.size()) + " bytes; the limit is " +
                   std::to_string(kMaxBytes));
  }
  SIGNET_ASSIGN_OR_RETURN(const Bytes der,
                          pem_or_der(pem_or_der_bytes, "CERTIFICATE REQUEST", "CSR"));
  const auto not_pkcs10 = [](const Error& e) {
    return Error(e.code(), "CSR is not a valid PKCS#10 request: " + e.message());
  };

  // One pass over the whole structure first: truncation, indefinite or non-minimal lengths and
  // hostile nesting fail here with one message, wherever they hide.
  der::Reader outer(der);
  SIGNET_ASSIGN_OR_RETURN(
      const der::Tlv request,
      outer.expect(der::kSequence, "CertificationRequest").map_error(not_pkcs10));
  if (!outer.empty()) {
    return invalid("CSR has " + std::to_string(der.size() - request.whole.size()) +
                   " bytes of trailing data after the DER request");
  }
  SIGNET_RETURN_IF_ERROR(der::check_structure(request.content, kMaxDepth).map_error(not_pkcs10));

  der::Reader fields(request.content);
  SIGNET_ASSIGN_OR_RETURN(
      const der::Tlv info,
      fields.expect(der::kSequence, "certificationRequestInfo").map_error(not_pkcs10));
  SIGNET_ASSIGN_OR_RETURN(
      const der::Tlv sig_alg,
      fields.expect(der::kSequence, "signatureAlgorithm").map_error(not_pkcs10));
  SIGNET_ASSIGN_OR_RETURN(const der::Tlv signature,
                          fields.expect(der::kBitString, "signature").map_error(not_pkcs10));
  if (!fields.empty()) return invalid("CSR: unexpected field after the signature");

  der::Reader info_fields(info.content);
  SIGNET_ASSIGN_OR_RETURN(const der::Tlv version,
                          info_fields.expect(der::kInteger, "CSR version").map_error(not_pkcs10));
  if (version.content.size() != 1 || version.content[0] != 0) {
    return invalid("CSR version must be 0 (v1, RFC 2986 §4.1), got 0x" + to_hex(version.content));
  }
  SIGNET_ASSIGN_OR_RETURN(const der::Tlv subject,
                          info_fields.expect(der::kSequence, "CSR subject").map_error(not_pkcs10));
  SIGNET_ASSIGN_OR_RETURN(
      const der::Tlv spki,
      info_fields.expect(der::kSequence, "CSR subjectPKInfo").map_error(not_pkcs10));
  SIGNET_ASSIGN_OR_RETURN(
      const der::Tlv attributes,
      info_fields.expect(der::context_constructed(0), "CSR attributes").map_error(not_pkcs10));
  if (!info_fields.empty()) return invalid("CSR: unexpected field after the attributes");

  // Algorithm first: a SHA-1 request is refused for what it is, whatever else it holds.
  SIGNET_ASSIGN_OR_RETURN(const CsrSignatureScheme scheme,
                          parse_csr_signature_algorithm(sig_alg.whole));
  if (signature.content.empty() || signature.content[0] != 0) {
    return invalid("CSR signature BIT STRING has unused bits");
  }

  Csr csr;
  csr.signature_algorithm_ = scheme.algorithm;
  SIGNET_ASSIGN_OR_RETURN(csr.key_, inspect_public_key(spki.whole).map_error([](Error e) {
    return std::move(e).context("CSR key");
  }));
  if (csr.key_.type == KeyType::kRsa && csr.key_.bits > 8192) {
    return invalid("CSR RSA key has " + std::to_string(csr.key_.bits) + " bits; the limit is 8192");
  }
  SIGNET_RETURN_IF_ERROR(check_csr_signature_key(scheme.algorithm, csr.key_));
  SIGNET_ASSIGN_OR_RETURN(csr.subject_, decode_name(subject.whole, "CSR subject"));
  Extensions extensions;
  SIGNET_RETURN_IF_ERROR(read_attributes(attributes.content, extensions));
  // Proof of possession last (the one expensive step), over certificationRequestInfo exactly as
  // received (RFC 2986 §3): every cheaper refusal names its own rule first.
  SIGNET_RETURN_IF_ERROR(verify_proof_of_possession(spki.whole, csr.key_, scheme, info.whole,
                                                    signature.content.subspan(1)));
  csr.spki_.assign(spki.whole.begin(), spki.whole.end());
  csr.names_ = std::move(extensions.names);
  csr.extension_oids_ = std::move(extensions.oids);
  return csr;
}

}  // namespace signet
