#include "signet/core/recertify.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "signet/core/der.h"
#include "signet/core/pem.h"

#include "csr_signature.h"
#include "proof_of_possession.h"
#include "requested_names.h"

namespace signet {
namespace {

// A DER walk of Certificate (RFC 5280 §4.1) with signet's strict reader, like Csr::parse: the
// OpenSSL object path (d2i_X509) costs more than the whole TBS write and takes decoder locks on
// OpenSSL 3.0 (performance-notes.md). OpenSSL only checks the signature.

// id-ce extensions (RFC 5280 §4.2.1): 2.5.29.n.
constexpr std::uint8_t kKeyUsage = 15;
constexpr std::uint8_t kSubjectAltName = 17;
constexpr std::uint8_t kBasicConstraints = 19;
constexpr std::uint8_t kAuthorityKeyId = 35;
constexpr std::size_t kMaxExtensions = 64;

tl::unexpected<Error> invalid(std::string message) {
  return fail(ErrorCode::kInvalidArgument, std::move(message));
}

// "CN=..., O=..." of a Name from the input, for messages.
std::string name_text(ByteView name_der) {
  const auto name = decode_name(name_der, "name");
  return name ? format_name(*name) : std::string("<unreadable name>");
}

tl::unexpected<Error> not_from_old(const CaCertificate& old_ca, const std::string& why) {
  return invalid("certificate was not issued by the --from-ca CA '" +
                 name_text(old_ca.subject_der()) + "': " + why);
}

bool equal(ByteView a, ByteView b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end());
}

bool is_id_ce(ByteView oid, std::uint8_t last) {
  return oid.size() == 3 && oid[0] == 0x55 && oid[1] == 0x1d && oid[2] == last;
}

// AuthorityKeyIdentifier ::= SEQUENCE { keyIdentifier [0] IMPLICIT OCTET STRING OPTIONAL, ... }
// (RFC 5280 §4.2.1.1). Empty when only the issuer/serial form is present.
Result<ByteView> read_aki(ByteView extn_value) {
  SIGNET_ASSIGN_OR_RETURN(
      const der::Tlv aki,
      der::parse_single(extn_value, der::kSequence, "certificate authorityKeyIdentifier"));
  der::Reader f(aki.content);
  if (f.peek_tag() != der::context_primitive(0)) return ByteView{};
  SIGNET_ASSIGN_OR_RETURN(const der::Tlv id, f.next());
  return id.content;
}

// basicConstraints cA TRUE (RFC 5280 §4.2.1.9): recertify re-signs leaves only.
Result<bool> is_ca(ByteView extn_value) {
  SIGNET_ASSIGN_OR_RETURN(const der::Tlv bc, der::parse_single(extn_value, der::kSequence,
                                                               "certificate basicConstraints"));
  der::Reader f(bc.content);
  if (f.peek_tag() != der::kBoolean) return false;
  SIGNET_ASSIGN_OR_RETURN(const der::Tlv ca_tlv, f.next());
  return der::read_bool(ca_tlv, "certificate basicConstraints cA");
}

// keyUsage keyCertSign (RFC 5280 §4.2.1.3: KeyUsage ::= BIT STRING, keyCertSign is bit 5, the
// third-lowest bit of the first octet after the unused-bits octet).
Result<bool> asserts_key_cert_sign(ByteView extn_value) {
  SIGNET_ASSIGN_OR_RETURN(const der::Tlv ku,
                          der::parse_single(extn_value, der::kBitString, "certificate keyUsage"));
  if (ku.content.empty()) return invalid("certificate keyUsage BIT STRING is empty");
  return ku.content.size() > 1 && (ku.content[1] & 0x04U) != 0;
}

struct CertExtensions {
  RequestedNames names;
  ByteView authority_key_id;
  bool has_aki = false;
  bool is_ca = false;
  bool key_cert_sign = false;
};

// extensions [3] EXPLICIT SEQUENCE SIZE (1..MAX) OF Extension (RFC 5280 §4.1.2.9). Only SAN,
// AKI and basicConstraints are read; no extension is ever copied to the new certificate.
Status read_extensions(ByteView explicit_content, CertExtensions& out) {
  SIGNET_ASSIGN_OR_RETURN(const der::Tlv exts, der::parse_single(explicit_content, der::kSequence,
                                                                 "certificate extensions"));
  der::Reader reader(exts.content);
  std::vector<ByteView> seen;
  while (!reader.empty()) {
    if (seen.size() >= kMaxExtensions) {
      return invalid("certificate has more than " + std::to_string(kMaxExtensions) + " extensions");
    }
    SIGNET_ASSIGN_OR_RETURN(const der::Tlv ext,
                            reader.expect(der::kSequence, "certificate extension"));
    der::Reader f(ext.content);
    SIGNET_ASSIGN_OR_RETURN(const der::Tlv oid, f.expect(der::kOid, "certificate extension"));
    SIGNET_ASSIGN_OR_RETURN(const std::string dotted, der::oid_to_string(oid.content));
    if (f.peek_tag() == der::kBoolean) {
      SIGNET_ASSIGN_OR_RETURN(const der::Tlv critical, f.next());
      SIGNET_RETURN_IF_ERROR(der::read_bool(critical, "certificate extension " + dotted));
    }
    SIGNET_ASSIGN_OR_RETURN(const der::Tlv value,
                            f.expect(der::kOctetString, "certificate extension " + dotted));
    if (!f.empty()) return invalid("certificate extension " + dotted + " has trailing fields");
    for (const ByteView earlier : seen) {
      if (equal(earlier, oid.content)) {
        return invalid("certificate has extension " + dotted +
                       " twice (RFC 5280 §4.2: at most one instance)");
      }
    }
    seen.push_back(oid.content);
    if (is_id_ce(oid.content, kSubjectAltName)) {
      SIGNET_RETURN_IF_ERROR(read_requested_names("certificate", value.content, out.names));
    } else if (is_id_ce(oid.content, kAuthorityKeyId)) {
      SIGNET_ASSIGN_OR_RETURN(out.authority_key_id, read_aki(value.content));
      out.has_aki = !out.authority_key_id.empty();
    } else if (is_id_ce(oid.content, kBasicConstraints)) {
      SIGNET_ASSIGN_OR_RETURN(out.is_ca, is_ca(value.content));
    } else if (is_id_ce(oid.content, kKeyUsage)) {
      SIGNET_ASSIGN_OR_RETURN(out.key_cert_sign, asserts_key_cert_sign(value.content));
    }
  }
  return {};
}

}  // namespace

Result<RecertifyRequest> RecertifyRequest::from_certificate(ByteView pem_or_der,
                                                            const CaCertificate& old_ca) {
  return parse(pem_or_der, old_ca, /*check_signature=*/true);
}

Result<RecertifyRequest> RecertifyRequest::from_ledger_record(ByteView certificate_der,
                                                              const CaCertificate& old_ca) {
  return parse(certificate_der, old_ca, /*check_signature=*/false);
}

Result<RecertifyRequest> RecertifyRequest::parse(ByteView pem_or_der_bytes,
                                                 const CaCertificate& old_ca,
                                                 bool check_signature) {
  if (pem_or_der_bytes.size() > kMaxBytes) {
    return invalid("certificate is " + std::to_string(pem_or_der_bytes.size()) +
                   " bytes; the limit is " + std::to_string(kMaxBytes));
  }
  SIGNET_ASSIGN_OR_RETURN(const Bytes der,
                          pem_or_der(pem_or_der_bytes, "CERTIFICATE", "certificate"));
  const auto not_x509 = [](const Error& e) {
    return Error(e.code(), "certificate is not a valid X.509 certificate: " + e.message());
  };

  // The whole structure first: truncation, bad lengths and hostile nesting fail here.
  der::Reader outer(der);
  SIGNET_ASSIGN_OR_RETURN(const der::Tlv cert,
                          outer.expect(der::kSequence, "Certificate").map_error(not_x509));
  if (!outer.empty()) {
    return invalid("certificate has " + std::to_string(der.size() - cert.whole.size()) +
                   " bytes of trailing data after the DER certificate");
  }
  SIGNET_RETURN_IF_ERROR(der::check_structure(cert.content, kMaxDepth).map_error(not_x509));

  der::Reader fields(cert.content);
  SIGNET_ASSIGN_OR_RETURN(const der::Tlv tbs,
                          fields.expect(der::kSequence, "tbsCertificate").map_error(not_x509));
  SIGNET_ASSIGN_OR_RETURN(const der::Tlv sig_alg,
                          fields.expect(der::kSequence, "signatureAlgorithm").map_error(not_x509));
  SIGNET_ASSIGN_OR_RETURN(const der::Tlv signature,
                          fields.expect(der::kBitString, "signatureValue").map_error(not_x509));
  if (!fields.empty()) return invalid("certificate: unexpected field after the signature");

  der::Reader t(tbs.content);
  bool v3 = false;
  if (t.peek_tag() == der::context_constructed(0)) {
    SIGNET_ASSIGN_OR_RETURN(const der::Tlv version, t.next());
    SIGNET_ASSIGN_OR_RETURN(
        const der::Tlv number,
        der::parse_single(version.content, der::kInteger, "version").map_error(not_x509));
    // v3 = 2 (RFC 5280 §4.1.2.1); v1 is encoded by leaving the field out (DER DEFAULT).
    if (number.content.size() != 1 || number.content[0] != 2) {
      return invalid("certificate version must be v3 (2) or absent (v1), got 0x" +
                     to_hex(number.content));
    }
    v3 = true;
  }
  SIGNET_ASSIGN_OR_RETURN(const der::Tlv serial,
                          t.expect(der::kInteger, "serialNumber").map_error(not_x509));
  SIGNET_ASSIGN_OR_RETURN(const der::Tlv tbs_sig_alg,
                          t.expect(der::kSequence, "signature").map_error(not_x509));
  SIGNET_ASSIGN_OR_RETURN(const der::Tlv issuer,
                          t.expect(der::kSequence, "issuer").map_error(not_x509));
  SIGNET_RETURN_IF_ERROR(t.expect(der::kSequence, "validity").map_error(not_x509));
  SIGNET_ASSIGN_OR_RETURN(const der::Tlv subject,
                          t.expect(der::kSequence, "subject").map_error(not_x509));
  SIGNET_ASSIGN_OR_RETURN(const der::Tlv spki,
                          t.expect(der::kSequence, "subjectPublicKeyInfo").map_error(not_x509));
  // issuerUniqueID [1] / subjectUniqueID [2] (RFC 5280 §4.1.2.8): structurally checked, unused.
  while (t.peek_tag() == der::context_primitive(1) || t.peek_tag() == der::context_primitive(2)) {
    if (!v3) {
      return invalid(
          "certificate is v1 but carries a unique identifier (RFC 5280 §4.1.2.8: "
          "issuerUniqueID and subjectUniqueID appear only in v2 or v3)");
    }
    SIGNET_RETURN_IF_ERROR(t.next().map_error(not_x509));
  }
  CertExtensions extensions;
  if (t.peek_tag() == der::context_constructed(3)) {
    if (!v3) {
      return invalid(
          "certificate is v1 but carries extensions (RFC 5280 §4.1.2.9: extensions appear only "
          "in v3)");
    }
    SIGNET_ASSIGN_OR_RETURN(const der::Tlv exts, t.next());
    SIGNET_RETURN_IF_ERROR(read_extensions(exts.content, extensions));
  }
  if (!t.empty()) return invalid("certificate: unexpected field after the extensions");

  if (!equal(sig_alg.whole, tbs_sig_alg.whole)) {
    return invalid(
        "certificate signatureAlgorithm differs from the tbsCertificate signature field "
        "(RFC 5280 §4.1.1.2: they must be identical)");
  }
  SIGNET_ASSIGN_OR_RETURN(const CsrSignatureScheme scheme,
                          parse_csr_signature_algorithm(sig_alg.whole).map_error([](Error e) {
                            return std::move(e).context("certificate signatureAlgorithm");
                          }));
  if (signature.content.empty() || signature.content[0] != 0) {
    return invalid("certificate signature BIT STRING has unused bits");
  }
  if (equal(issuer.whole, subject.whole)) {
    return invalid("certificate is self-issued (issuer = subject '" + name_text(subject.whole) +
                   "'); only a certificate the --from-ca CA signed can be recertified without "
                   "the node");
  }
  if (extensions.is_ca) {
    return invalid(
        "certificate is a CA (basicConstraints CA:TRUE); recertify re-signs leaf certificates "
        "only (create CAs with `signet ca init`)");
  }
  if (extensions.key_cert_sign) {
    return invalid(
        "certificate asserts keyUsage keyCertSign without basicConstraints CA:TRUE (RFC 5280 "
        "§4.2.1.3 forbids that); recertify re-signs leaf certificates only");
  }

  // Issued by OLD: issuer Name, then AKI, then the signature (RFC 5280 §6.1.3 (a)(1), (a)(4)).
  if (!equal(issuer.whole, old_ca.subject_der())) {
    return not_from_old(old_ca, "its issuer is '" + name_text(issuer.whole) +
                                    "' (RFC 5280 §4.1.2.4: issuer must equal the CA's subject)");
  }
  if (extensions.has_aki && !old_ca.subject_key_id().empty() &&
      !equal(extensions.authority_key_id, old_ca.subject_key_id())) {
    return not_from_old(old_ca, "its authorityKeyIdentifier " +
                                    to_hex(extensions.authority_key_id) +
                                    " is not the CA's subjectKeyIdentifier " +
                                    to_hex(old_ca.subject_key_id()) + " (RFC 5280 §4.2.1.1)");
  }

  RecertifyRequest request;
  SIGNET_ASSIGN_OR_RETURN(request.key_, inspect_public_key(spki.whole).map_error([](Error e) {
    return std::move(e).context("certificate key");
  }));
  if (request.key_.type == KeyType::kRsa && request.key_.bits > 8192) {
    return invalid("certificate RSA key has " + std::to_string(request.key_.bits) +
                   " bits; the limit is 8192");
  }
  if (equal(spki.whole, old_ca.public_key_der())) {
    return invalid("certificate carries the --from-ca CA's own public key; it is not a leaf");
  }
  SIGNET_ASSIGN_OR_RETURN(request.subject_, decode_name(subject.whole, "certificate subject"));
  if (auto ok = check_csr_signature_key(scheme.algorithm, old_ca.key()); !ok) {
    return not_from_old(old_ca, "it is signed with " + std::string(to_string(scheme.algorithm)) +
                                    ", which the CA's key cannot make");
  }
  // The signature last: every cheaper refusal has named its own rule first. A ledger record is
  // trusted because signet wrote it when it issued the certificate (recertify.h).
  bool verifies = true;
  if (check_signature) {
    SIGNET_ASSIGN_OR_RETURN(
        verifies, signature_verifies(old_ca.public_key_der(), old_ca.key(), scheme, tbs.whole,
                                     signature.content.subspan(1)));
  }
  if (!verifies) {
    return not_from_old(old_ca, "its signature (" + std::string(to_string(scheme.algorithm)) +
                                    ") does not verify with the CA's public key (RFC 5280 "
                                    "§4.1.1.3)");
  }
  request.spki_.assign(spki.whole.begin(), spki.whole.end());
  request.names_ = std::move(extensions.names);
  request.old_serial_hex_ = to_hex(serial.content);
  return request;
}

Result<PreparedCertificate> prepare_recertified(const CaCertificate& new_ca,
                                                SignatureAlgorithm algorithm,
                                                const Profile& profile,
                                                const RecertifyRequest& request, SystemTime now,
                                                const RequestOptions& options) {
  if (equal(request.public_key_der(), new_ca.public_key_der())) {
    return fail(ErrorCode::kInvalidArgument,
                "certificate carries the new CA's own public key; it is not a leaf");
  }
  return prepare_certificate(new_ca, algorithm, profile, request.view(), now, options);
}

}  // namespace signet
