#include "signet/core/csr.h"

#include <array>
#include <string>

#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "signet/core/ossl.h"
#include "signet/core/pem.h"

#include "ossl_der.h"

namespace signet {
namespace {

// The foundation parses CSRs with OpenSSL's object path; the core issue replaces this with a DER
// walker (d2i_X509_REQ costs ≈160 µs and serialises on OpenSSL 3.0, performance-notes.md).

Result<NameAttributeType> attribute_type(int nid) {
  switch (nid) {
    case NID_commonName:
      return NameAttributeType::kCommonName;
    case NID_organizationName:
      return NameAttributeType::kOrganization;
    case NID_organizationalUnitName:
      return NameAttributeType::kOrganizationalUnit;
    case NID_countryName:
      return NameAttributeType::kCountry;
    case NID_stateOrProvinceName:
      return NameAttributeType::kState;
    case NID_localityName:
      return NameAttributeType::kLocality;
    default:
      break;
  }
  std::array<char, 80> oid{};
  OBJ_obj2txt(oid.data(), static_cast<int>(oid.size()), OBJ_nid2obj(nid), 1);
  return fail(ErrorCode::kInvalidArgument, std::string("CSR subject attribute ") + oid.data() +
                                               " is not supported (CN, O, OU, C, ST, L)");
}

Result<DistinguishedName> read_subject(const X509_NAME* name) {
  DistinguishedName dn;
  const int count = X509_NAME_entry_count(name);
  for (int i = 0; i < count; ++i) {
    const X509_NAME_ENTRY* entry = X509_NAME_get_entry(name, i);
    SIGNET_ASSIGN_OR_RETURN(const NameAttributeType type,
                            attribute_type(OBJ_obj2nid(X509_NAME_ENTRY_get_object(entry))));
    unsigned char* raw = nullptr;
    const int len = ASN1_STRING_to_UTF8(&raw, X509_NAME_ENTRY_get_data(entry));
    const ossl::BufferPtr utf8(raw);
    if (len < 0) {
      ossl::drain_errors();
      return fail(ErrorCode::kInvalidArgument,
                  "CSR subject " + std::string(short_name(type)) + " is not a valid string");
    }
    std::string value(reinterpret_cast<const char*>(utf8.get()),  // NOLINT
                      static_cast<std::size_t>(len));
    if (value.find('\0') != std::string::npos) {
      return fail(ErrorCode::kInvalidArgument,
                  "CSR subject " + std::string(short_name(type)) + " contains a NUL character");
    }
    dn.push_back({type, std::move(value)});
  }
  return dn;
}

std::string asn1_text(const ASN1_STRING* s) {
  return {reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),  // NOLINT
          static_cast<std::size_t>(ASN1_STRING_length(s))};
}

std::string ip_text(const ASN1_OCTET_STRING* ip) {
  const unsigned char* p = ASN1_STRING_get0_data(ip);
  const int len = ASN1_STRING_length(ip);
  std::string out;
  if (len == 4) {
    for (int i = 0; i < 4; ++i) out += (i ? "." : "") + std::to_string(p[i]);  // NOLINT
  } else {
    out = "hex:" + to_hex(ByteView(p, static_cast<std::size_t>(len)));
  }
  return out;
}

void read_names(const GENERAL_NAMES* names, RequestedNames& out) {
  for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* gn = sk_GENERAL_NAME_value(names, i);
    switch (gn->type) {
      case GEN_DNS:
        out.dns.push_back(asn1_text(gn->d.dNSName));
        break;
      case GEN_IPADD:
        out.ip.push_back(ip_text(gn->d.iPAddress));
        break;
      case GEN_EMAIL:
        out.email.push_back(asn1_text(gn->d.rfc822Name));
        break;
      case GEN_URI:
        out.uri.push_back(asn1_text(gn->d.uniformResourceIdentifier));
        break;
      default:
        out.uri.push_back("<unsupported general name type " + std::to_string(gn->type) + ">");
    }
  }
}

}  // namespace

Result<Csr> Csr::parse(ByteView pem_or_der_bytes) {
  if (pem_or_der_bytes.size() > kMaxBytes) {
    return fail(ErrorCode::kInvalidArgument, "CSR is " + std::to_string(pem_or_der_bytes.size()) +
                                                 " bytes; the limit is " +
                                                 std::to_string(kMaxBytes));
  }
  SIGNET_ASSIGN_OR_RETURN(const Bytes der,
                          pem_or_der(pem_or_der_bytes, "CERTIFICATE REQUEST", "CSR"));
  const unsigned char* p = der.data();
  ossl::X509ReqPtr req(d2i_X509_REQ(nullptr, &p, static_cast<long>(der.size())));  // NOLINT
  if (!req) {
    return fail(ErrorCode::kInvalidArgument,
                "CSR is not a valid PKCS#10 request: " + ossl::drain_errors());
  }
  if (p != der.data() + der.size()) {
    return fail(ErrorCode::kInvalidArgument, "CSR has trailing data after the DER request");
  }

  // Proof of possession: the request is signed by the key it carries (RFC 2986 §3).
  ossl::EvpPkeyPtr key(X509_REQ_get_pubkey(req.get()));
  if (!key) {
    return fail(ErrorCode::kInvalidArgument,
                "CSR public key cannot be read: " + ossl::drain_errors());
  }
  int md_nid = NID_undef;
  int pk_nid = NID_undef;
  if (OBJ_find_sigid_algs(X509_REQ_get_signature_nid(req.get()), &md_nid, &pk_nid) == 1 &&
      (md_nid == NID_sha1 || md_nid == NID_md5)) {
    return fail(ErrorCode::kInvalidArgument, std::string("CSR is signed with ") +
                                                 OBJ_nid2sn(md_nid) +
                                                 "; SHA-1 and MD5 signatures are refused");
  }
  if (X509_REQ_verify(req.get(), key.get()) != 1) {
    ossl::drain_errors();
    return fail(ErrorCode::kInvalidArgument,
                "CSR signature does not verify with its own public key (no proof of possession)");
  }

  Csr csr;
  SIGNET_ASSIGN_OR_RETURN(csr.spki_, ossl::public_key_der(X509_REQ_get_X509_PUBKEY(req.get())));
  SIGNET_ASSIGN_OR_RETURN(csr.key_, inspect_public_key(csr.spki_).map_error(
                                        [](Error e) { return std::move(e).context("CSR key"); }));
  SIGNET_ASSIGN_OR_RETURN(csr.subject_, read_subject(X509_REQ_get_subject_name(req.get())));

  const ossl::ExtensionStackPtr exts(X509_REQ_get_extensions(req.get()));
  // A present but unparsable extensionRequest reads as "no extensions": refuse it instead.
  if (!exts && X509_REQ_get_attr_by_NID(req.get(), NID_ext_req, -1) >= 0) {
    ossl::drain_errors();
    return fail(ErrorCode::kInvalidArgument, "CSR extensionRequest attribute is malformed");
  }
  for (int i = 0; i < sk_X509_EXTENSION_num(exts.get()); ++i) {
    X509_EXTENSION* ext = sk_X509_EXTENSION_value(exts.get(), i);
    const ASN1_OBJECT* obj = X509_EXTENSION_get_object(ext);
    std::array<char, 80> oid{};
    OBJ_obj2txt(oid.data(), static_cast<int>(oid.size()), obj, 1);
    csr.extension_oids_.emplace_back(oid.data());
    if (OBJ_obj2nid(obj) == NID_subject_alt_name) {
      const ossl::GeneralNamesPtr names(static_cast<GENERAL_NAMES*>(X509V3_EXT_d2i(ext)));
      if (!names) {
        ossl::drain_errors();
        return fail(ErrorCode::kInvalidArgument, "CSR subjectAltName extension is malformed");
      }
      read_names(names.get(), csr.names_);
    }
  }
  ossl::drain_errors();
  return csr;
}

}  // namespace signet
