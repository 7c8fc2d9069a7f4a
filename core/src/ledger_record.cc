// record_from_certificate: the ledger record of a certificate signet just issued, read back from
// its DER: with signet's DER reader (ledger_record_der.cc), or with OpenSSL when that reader
// declines (unusual forms, and every malformed input, so messages come from one place).
#include <arpa/inet.h>

#include <array>
#include <ctime>
#include <string>

#include <openssl/asn1.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "signet/core/ledger.h"
#include "signet/core/name.h"
#include "signet/core/ossl.h"

#include "fetched_digest.h"
#include "ledger_record_der.h"
#include "ossl_der.h"
#include "tbs_template.h"

namespace signet::ledger {
namespace {

tl::unexpected<Error> invalid(std::string message) {
  return fail(ErrorCode::kInvalidArgument, "ledger record: " + std::move(message));
}

Result<std::int64_t> unix_seconds(const ASN1_TIME* t, std::string_view what) {
  std::tm tm{};
  if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) {
    return invalid("certificate " + std::string(what) + " is not a valid time");
  }
  const std::int64_t seconds = timegm(&tm);  // time_t is 64-bit on every target
  return seconds;
}

std::string ia5(const ASN1_IA5STRING* s) {
  return {reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),  // NOLINT
          static_cast<std::size_t>(ASN1_STRING_length(s))};
}

// "DNS:x", "IP:10.0.0.7" (RFC 5952 text for IPv6), "email:x", "URI:x" — the forms signet's
// requests may carry (core/src/requested_names.h).
Result<std::vector<std::string>> san_strings(X509* cert) {
  std::vector<std::string> out;
  int critical = 0;
  const ossl::GeneralNamesPtr names(static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(cert, NID_subject_alt_name, &critical, nullptr)));
  if (!names) {
    if (critical == -1) return out;  // no SAN extension
    return invalid("certificate subjectAltName is malformed or repeated");
  }
  for (int i = 0; i < sk_GENERAL_NAME_num(names.get()); ++i) {
    const GENERAL_NAME* n = sk_GENERAL_NAME_value(names.get(), i);
    switch (n->type) {
      case GEN_DNS:
        out.push_back("DNS:" + ia5(n->d.dNSName));
        break;
      case GEN_EMAIL:
        out.push_back("email:" + ia5(n->d.rfc822Name));
        break;
      case GEN_URI:
        out.push_back("URI:" + ia5(n->d.uniformResourceIdentifier));
        break;
      case GEN_IPADD: {
        const int len = ASN1_STRING_length(n->d.iPAddress);
        std::array<char, INET6_ADDRSTRLEN> buf{};
        const int family = len == 4 ? AF_INET : AF_INET6;
        if ((len != 4 && len != 16) || inet_ntop(family, ASN1_STRING_get0_data(n->d.iPAddress),
                                                 buf.data(), buf.size()) == nullptr) {
          return invalid("certificate iPAddress SAN is " + std::to_string(len) +
                         " octets (RFC 5280 §4.2.1.6: 4 or 16)");
        }
        out.push_back(std::string("IP:") + buf.data());
        break;
      }
      default:
        out.push_back("other:" + std::to_string(n->type));
    }
  }
  return out;
}

}  // namespace

Status read_record_fields_openssl(ByteView der, CertificateRecord& r) {
  const unsigned char* p = der.data();
  const ossl::X509Ptr cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())));  // NOLINT
  if (!cert || p != der.data() + der.size()) {
    return invalid("not one DER X.509 certificate: " + ossl::drain_errors());
  }
  const ASN1_INTEGER* serial = X509_get0_serialNumber(cert.get());
  if (ASN1_STRING_type(serial) != V_ASN1_INTEGER) {
    return invalid("certificate serial is negative (RFC 5280 §4.1.2.2: positive)");
  }
  const auto* serial_bytes = ASN1_STRING_get0_data(serial);
  r.serial.assign(serial_bytes,
                  serial_bytes + static_cast<std::size_t>(ASN1_STRING_length(serial)));  // NOLINT

  SIGNET_ASSIGN_OR_RETURN(r.not_before, unix_seconds(X509_get0_notBefore(cert.get()), "notBefore"));
  SIGNET_ASSIGN_OR_RETURN(r.not_after, unix_seconds(X509_get0_notAfter(cert.get()), "notAfter"));

  // The subject as signet prints it everywhere; a name outside signet's attribute set (an
  // imported certificate) falls back to OpenSSL's one-line form.
  SIGNET_ASSIGN_OR_RETURN(const Bytes subject_der,
                          ossl::name_der(X509_get_subject_name(cert.get())));
  if (auto dn = decode_name(subject_der, "certificate subject")) {
    r.subject = format_name(*dn);
  } else {
    const ossl::StringPtr line(X509_NAME_oneline(X509_get_subject_name(cert.get()), nullptr, 0));
    r.subject = line ? line.get() : "";
  }
  SIGNET_ASSIGN_OR_RETURN(r.sans, san_strings(cert.get()));

  SIGNET_ASSIGN_OR_RETURN(const Bytes spki, ossl::public_key_der(X509_get_X509_PUBKEY(cert.get())));
  r.spki_sha256.resize(32);
  SIGNET_RETURN_IF_ERROR(
      thread_digest(fetched_digest(DigestAlgorithm::kSha256), spki, r.spki_sha256.data()));
  ossl::drain_errors();
  return {};
}

Result<CertificateRecord> record_from_certificate(ByteView der, const IssuanceContext& context) {
  if (der.empty() || der.size() > kMaxDerBytes) {
    return invalid("certificate DER must be 1.." + std::to_string(kMaxDerBytes) + " bytes, got " +
                   std::to_string(der.size()));
  }
  CertificateRecord r;
  r.issuer = context.issuer;
  r.ca_generation = context.ca_generation;
  r.profile = context.profile;
  r.requester = context.requester;
  r.request_id = context.request_id;
  r.issued_at = context.issued_at;
  r.der.assign(der.begin(), der.end());
  if (!read_record_fields(der, r)) SIGNET_RETURN_IF_ERROR(read_record_fields_openssl(der, r));
  SIGNET_RETURN_IF_ERROR(check_record(r));
  return r;
}

}  // namespace signet::ledger
