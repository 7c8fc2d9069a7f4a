#include "signet/core/ca.h"

#include <algorithm>
#include <string>

#include <openssl/asn1.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "signet/core/duration.h"
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
  SIGNET_ASSIGN_OR_RETURN(ca.issuer_der_, ossl::name_der(X509_get_issuer_name(cert.get())));
  if (const ASN1_OCTET_STRING* aki = X509_get0_authority_key_id(cert.get()); aki != nullptr) {
    ca.aki_.assign(ASN1_STRING_get0_data(aki),
                   ASN1_STRING_get0_data(aki) + ASN1_STRING_length(aki));
  }
  if (const long path_length = X509_get_pathlen(cert.get()); path_length >= 0) {
    ca.path_length_ = path_length;
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
                                    SystemTime now, Signer& signer,
                                    const CaExtensions& extensions) {
  CertificateFields f;
  SIGNET_ASSIGN_OR_RETURN(f.serial, random_serial());
  SIGNET_ASSIGN_OR_RETURN(f.subject_der, encode_name(subject));
  f.issuer_der = f.subject_der;
  const ByteView spki = signer.public_key_der();
  f.public_key_der.assign(spki.begin(), spki.end());
  f.not_before = std::chrono::time_point_cast<std::chrono::seconds>(now) - kBackdate;
  f.not_after = std::chrono::time_point_cast<std::chrono::seconds>(now) + validity;
  f.is_ca = true;
  f.key_usage = static_cast<std::uint16_t>(extensions.key_usage | kKeyCertSign);
  f.subject_alt_names = extensions.subject_alt_names;
  return sign_certificate(f, signer);
}

Status check_valid_at(const CaCertificate& ca, SystemTime now) {
  if (now >= ca.not_after()) {
    return fail(ErrorCode::kFailedPrecondition, "CA certificate '" + ca.subject_text() +
                                                    "' expired at " + format_time(ca.not_after()));
  }
  if (now < ca.not_before()) {
    return fail(ErrorCode::kFailedPrecondition, "CA certificate '" + ca.subject_text() +
                                                    "' is not valid before " +
                                                    format_time(ca.not_before()));
  }
  return {};
}

Result<Bytes> create_intermediate_ca(const DistinguishedName& subject,
                                     std::chrono::seconds validity, SystemTime now,
                                     const CaCertificate& parent, Signer& parent_signer,
                                     ByteView subject_public_key_der,
                                     const CaExtensions& extensions) {
  SIGNET_RETURN_IF_ERROR(check_signer_matches(parent, parent_signer));
  const SystemTime at = std::chrono::time_point_cast<std::chrono::seconds>(now);
  if (auto valid = check_valid_at(parent, at); !valid) {
    return fail(valid.error().context("parent CA"));
  }
  if (parent.path_length() == 0) {
    return fail(ErrorCode::kFailedPrecondition,
                "parent CA '" + parent.subject_text() +
                    "' has pathLenConstraint 0 and may not sign CA certificates (RFC 5280 "
                    "§4.2.1.9)");
  }
  CertificateFields f;
  SIGNET_ASSIGN_OR_RETURN(f.serial, random_serial());
  SIGNET_ASSIGN_OR_RETURN(f.subject_der, encode_name(subject));
  if (f.subject_der.size() == parent.subject_der().size() &&
      std::equal(f.subject_der.begin(), f.subject_der.end(), parent.subject_der().begin())) {
    // Same issuer and subject would make the intermediate look self-issued (RFC 5280 §3.2).
    return fail(ErrorCode::kInvalidArgument, "the intermediate's subject '" + format_name(subject) +
                                                 "' must differ from its parent's");
  }
  const ByteView parent_key = parent.public_key_der();
  if (std::equal(subject_public_key_der.begin(), subject_public_key_der.end(), parent_key.begin(),
                 parent_key.end())) {
    return fail(ErrorCode::kInvalidArgument,
                "the intermediate's key is the parent's key; give the intermediate its own key");
  }
  f.issuer_der.assign(parent.subject_der().begin(), parent.subject_der().end());
  f.public_key_der.assign(subject_public_key_der.begin(), subject_public_key_der.end());
  f.not_before = at - kBackdate;
  // An intermediate never outlives its parent (a validator would reject the tail anyway).
  f.not_after = std::min(at + validity, parent.not_after());
  f.is_ca = true;
  f.key_usage = static_cast<std::uint16_t>(extensions.key_usage | kKeyCertSign);
  f.subject_alt_names = extensions.subject_alt_names;
  f.authority_key_id.assign(parent.subject_key_id().begin(), parent.subject_key_id().end());
  return sign_certificate(f, parent_signer);
}

Status check_issued_by(const CaCertificate& child, const CaCertificate& parent) {
  const std::string child_name = "CA certificate '" + child.subject_text() + "'";
  const std::string parent_name = "parent '" + parent.subject_text() + "'";
  if (!std::equal(child.issuer_der().begin(), child.issuer_der().end(),
                  parent.subject_der().begin(), parent.subject_der().end())) {
    const ossl::X509NamePtr issuer = [&] {
      const unsigned char* p = child.issuer_der().data();
      return ossl::X509NamePtr(
          d2i_X509_NAME(nullptr, &p, static_cast<long>(child.issuer_der().size())));
    }();
    const ossl::StringPtr text(issuer ? X509_NAME_oneline(issuer.get(), nullptr, 0) : nullptr);
    return fail(ErrorCode::kFailedPrecondition, "CA certificate '" + child.subject_text() +
                                                    "' names issuer '" + (text ? text.get() : "?") +
                                                    "', not the parent's subject '" +
                                                    parent.subject_text() + "'");
  }
  if (!child.authority_key_id().empty() &&
      !std::equal(child.authority_key_id().begin(), child.authority_key_id().end(),
                  parent.subject_key_id().begin(), parent.subject_key_id().end())) {
    return fail(ErrorCode::kFailedPrecondition,
                "the authority key identifier " + to_hex(child.authority_key_id()) + " of " +
                    child_name + " is not the subject key identifier " +
                    to_hex(parent.subject_key_id()) + " of " + parent_name);
  }
  const unsigned char* c = child.der().data();
  const ossl::X509Ptr cert(d2i_X509(nullptr, &c, static_cast<long>(child.der().size())));
  const unsigned char* k = parent.public_key_der().data();
  const ossl::EvpPkeyPtr key(
      d2i_PUBKEY(nullptr, &k, static_cast<long>(parent.public_key_der().size())));
  if (!cert || !key) {
    return fail(ErrorCode::kInternal, "cannot decode " + child_name + ": " + ossl::drain_errors());
  }
  if (X509_verify(cert.get(), key.get()) != 1) {
    ossl::drain_errors();
    return fail(
        ErrorCode::kFailedPrecondition,
        "the signature of " + child_name + " does not verify with the key of " + parent_name);
  }
  if (parent.path_length() == 0) {
    return fail(ErrorCode::kFailedPrecondition,
                "parent CA '" + parent.subject_text() +
                    "' has pathLenConstraint 0 and may not sign CA certificates (RFC 5280 "
                    "§4.2.1.9)");
  }
  return {};
}

Result<std::vector<CaCertificate>> parse_ca_bundle(ByteView pem, std::string_view what) {
  constexpr std::size_t kMaxCertificates = 8;
  constexpr std::string_view kBegin = "-----BEGIN CERTIFICATE-----";
  constexpr std::string_view kEnd = "-----END CERTIFICATE-----";
  if (pem.size() > CaCertificate::kMaxBytes) {
    return fail(ErrorCode::kInvalidArgument, std::string(what) + " is larger than 256 KiB");
  }
  const std::string_view text = as_text(pem);
  std::vector<CaCertificate> out;
  std::size_t pos = 0;
  for (;;) {
    pos = text.find_first_not_of(" \t\r\n", pos);
    if (pos == std::string_view::npos) break;
    if (text.substr(pos, kBegin.size()) != kBegin) {
      return fail(ErrorCode::kInvalidArgument,
                  std::string(what) + ": expected PEM CERTIFICATE blocks only (RFC 7468 §5)");
    }
    const std::size_t end = text.find(kEnd, pos);
    if (end == std::string_view::npos) {
      return fail(ErrorCode::kInvalidArgument,
                  std::string(what) + ": a CERTIFICATE block has no END line");
    }
    if (out.size() == kMaxCertificates) {
      return fail(ErrorCode::kInvalidArgument,
                  std::string(what) + " holds more than 8 certificates");
    }
    auto ca = CaCertificate::parse(pem.subspan(pos, end + kEnd.size() - pos));
    if (!ca) {
      return fail(
          ca.error().context(std::string(what) + " certificate " + std::to_string(out.size() + 1)));
    }
    out.push_back(std::move(*ca));
    pos = end + kEnd.size();
  }
  if (out.empty()) {
    return fail(ErrorCode::kInvalidArgument, std::string(what) + " holds no certificate");
  }
  return out;
}

Result<std::vector<CaCertificate>> verify_chain_to_root(const CaCertificate& ca,
                                                        const std::vector<CaCertificate>& chain,
                                                        SystemTime now) {
  auto decode = [](const CaCertificate& c) {
    const unsigned char* p = c.der().data();
    return ossl::X509Ptr(d2i_X509(nullptr, &p, static_cast<long>(c.der().size())));
  };
  const ossl::X509StorePtr store(X509_STORE_new());
  const ossl::X509StackPtr untrusted(sk_X509_new_null());
  const ossl::X509Ptr target = decode(ca);
  if (!store || !untrusted || !target) {
    return fail(ErrorCode::kInternal, "chain check: " + ossl::drain_errors());
  }
  bool has_root = false;
  for (const auto& c : chain) {
    ossl::X509Ptr x = decode(c);
    if (!x) return fail(ErrorCode::kInternal, "chain check: " + ossl::drain_errors());
    // The self-signed certificates of the bundle are its trust anchors; the rest are untrusted
    // intermediates that must chain to one of them.
    if (c.self_issued()) {
      has_root = true;
      if (X509_STORE_add_cert(store.get(), x.get()) != 1) {
        return fail(ErrorCode::kInternal, "X509_STORE_add_cert: " + ossl::drain_errors());
      }
    } else {
      if (sk_X509_push(untrusted.get(), x.get()) == 0) {
        return fail(ErrorCode::kResourceExhausted, "sk_X509_push failed");
      }
      static_cast<void>(x.release());  // owned by the stack now
    }
  }
  if (!has_root) {
    return fail(ErrorCode::kInvalidArgument,
                "the chain holds no self-signed root certificate to end the path at");
  }
  const ossl::X509StoreCtxPtr ctx(X509_STORE_CTX_new());
  if (!ctx || X509_STORE_CTX_init(ctx.get(), store.get(), target.get(), untrusted.get()) != 1) {
    return fail(ErrorCode::kInternal, "X509_STORE_CTX_init: " + ossl::drain_errors());
  }
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx.get());
  X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_X509_STRICT);
  X509_VERIFY_PARAM_set_time(param, std::chrono::system_clock::to_time_t(now));
  if (X509_verify_cert(ctx.get()) != 1) {
    const int err = X509_STORE_CTX_get_error(ctx.get());
    const int depth = X509_STORE_CTX_get_error_depth(ctx.get());
    ossl::drain_errors();
    return fail(ErrorCode::kFailedPrecondition, "CA certificate '" + ca.subject_text() +
                                                    "' does not chain to a root of the chain: " +
                                                    X509_verify_cert_error_string(err) +
                                                    " (at depth " + std::to_string(depth) + ")");
  }
  std::vector<CaCertificate> path;
  STACK_OF(X509)* verified = X509_STORE_CTX_get0_chain(ctx.get());
  for (int i = 1; i < sk_X509_num(verified); ++i) {  // 0 is `ca` itself
    unsigned char* der = nullptr;
    const int n = i2d_X509(sk_X509_value(verified, i), &der);
    const ossl::BufferPtr owned(der);
    if (n <= 0) return fail(ErrorCode::kInternal, "i2d_X509: " + ossl::drain_errors());
    SIGNET_ASSIGN_OR_RETURN(CaCertificate c,
                            CaCertificate::parse(ByteView(der, static_cast<std::size_t>(n))));
    path.push_back(std::move(c));
  }
  return path;
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
