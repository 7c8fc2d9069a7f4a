#include "signet/core/ca.h"

#include <algorithm>
#include <string>

#include <openssl/asn1.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "signet/core/issuer.h"
#include "signet/core/ossl.h"
#include "signet/core/pem.h"

#include "ossl_der.h"

namespace signet {
namespace {

Result<SystemTime> to_system_time(const ASN1_TIME* t) {
  std::tm tm{};
  if (ASN1_TIME_to_tm(t, &tm) != 1) {
    return fail(ErrorCode::kInvalidArgument, "CA certificate has an invalid validity time");
  }
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

}  // namespace

Result<CaCertificate> CaCertificate::parse(ByteView pem_or_der_bytes) {
  if (pem_or_der_bytes.size() > kMaxBytes) {
    return fail(ErrorCode::kInvalidArgument, "CA certificate file is larger than 256 KiB");
  }
  SIGNET_ASSIGN_OR_RETURN(Bytes der, pem_or_der(pem_or_der_bytes, "CERTIFICATE", "CA certificate"));
  const unsigned char* p = der.data();
  ossl::X509Ptr cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())));  // NOLINT
  if (!cert || p != der.data() + der.size()) {
    return fail(ErrorCode::kInvalidArgument,
                "CA certificate is not one valid X.509 certificate: " + ossl::drain_errors());
  }
  // X509_check_ca caches the extensions; 0 means not a CA.
  if (X509_check_ca(cert.get()) == 0 || (X509_get_extension_flags(cert.get()) & EXFLAG_CA) == 0) {
    return fail(ErrorCode::kFailedPrecondition,
                "certificate is not a CA (basicConstraints CA:TRUE is required)");
  }
  if ((X509_get_extension_flags(cert.get()) & EXFLAG_KUSAGE) != 0 &&
      (X509_get_key_usage(cert.get()) & KU_KEY_CERT_SIGN) == 0) {
    return fail(ErrorCode::kFailedPrecondition, "CA certificate keyUsage lacks keyCertSign");
  }

  CaCertificate ca;
  SIGNET_ASSIGN_OR_RETURN(ca.subject_der_, ossl::name_der(X509_get_subject_name(cert.get())));
  SIGNET_ASSIGN_OR_RETURN(ca.spki_, ossl::public_key_der(X509_get_X509_PUBKEY(cert.get())));
  SIGNET_ASSIGN_OR_RETURN(ca.key_, inspect_public_key(ca.spki_));
  if (const ASN1_OCTET_STRING* ski = X509_get0_subject_key_id(cert.get()); ski != nullptr) {
    ca.ski_.assign(ASN1_STRING_get0_data(ski),
                   ASN1_STRING_get0_data(ski) + ASN1_STRING_length(ski));
  } else {
    // A CA without SKI (RFC 5280 §4.2.1.2 says MUST): derive one the same way signet does.
    SIGNET_ASSIGN_OR_RETURN(ca.ski_, ::signet::subject_key_id(ca.spki_));
  }
  SIGNET_ASSIGN_OR_RETURN(ca.not_before_, to_system_time(X509_get0_notBefore(cert.get())));
  SIGNET_ASSIGN_OR_RETURN(ca.not_after_, to_system_time(X509_get0_notAfter(cert.get())));
  const ossl::StringPtr subject(X509_NAME_oneline(X509_get_subject_name(cert.get()), nullptr, 0));
  ca.subject_text_ = subject ? subject.get() : "";
  const ASN1_INTEGER* serial = X509_get0_serialNumber(cert.get());
  ca.serial_hex_ = to_hex(ByteView(ASN1_STRING_get0_data(serial),
                                   static_cast<std::size_t>(ASN1_STRING_length(serial))));
  ca.der_ = std::move(der);
  ossl::drain_errors();
  return ca;
}

Result<Bytes> create_self_signed_ca(const DistinguishedName& subject, std::chrono::seconds validity,
                                    SystemTime now, Signer& signer) {
  CertificateFields f;
  SIGNET_ASSIGN_OR_RETURN(f.serial, random_serial());
  SIGNET_ASSIGN_OR_RETURN(f.subject_der, encode_name(subject));
  f.issuer_der = f.subject_der;
  const ByteView spki = signer.public_key_der();
  f.public_key_der.assign(spki.begin(), spki.end());
  f.not_before = std::chrono::time_point_cast<std::chrono::seconds>(now) - kBackdate;
  f.not_after = std::chrono::time_point_cast<std::chrono::seconds>(now) + validity;
  f.is_ca = true;
  f.key_usage = kKeyCertSign | kCrlSign;
  return sign_certificate(f, signer);
}

Status check_signer_matches(const CaCertificate& ca, const Signer& signer) {
  const ByteView a = ca.public_key_der();
  const ByteView b = signer.public_key_der();
  if (!std::equal(a.begin(), a.end(), b.begin(), b.end())) {
    return fail(ErrorCode::kFailedPrecondition, "the key " + signer.describe() +
                                                    " is not the key of CA '" + ca.subject_text() +
                                                    "' (public keys differ)");
  }
  return {};
}

}  // namespace signet
