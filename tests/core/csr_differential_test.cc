// Differential test of the CSR DER walker against OpenSSL's object path (d2i_X509_REQ +
// X509_REQ_verify), signet issue 4 item 5: thousands of requests generated with OpenSSL's API
// (RSA-2048, P-256, P-384, Ed25519 keys; random subjects, SAN sets, extra extensions, digests,
// RSA-PSS) must parse identically; then random mutations of them must never be accepted by
// signet when OpenSSL refuses them. Where signet is stricter, the refusal must be one of the
// documented rules in kStricterRules.
#include <arpa/inet.h>

#include <algorithm>
#include <map>
#include <random>
#include <string>

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "signet/core/csr.h"
#include "signet/core/der.h"
#include "signet/core/issuer.h"
#include "signet/core/lint.h"
#include "signet/core/ossl.h"
#include "signet/core/software_signer.h"

#include "csr_builder.h"
#include "test_csr.h"

namespace signet {
namespace {

constexpr int kRequests = 2000;
constexpr int kMutations = 3000;

struct Keys {
  std::vector<ossl::EvpPkeyPtr> rsa, p256, p384, ed25519;
};

// A few keys of each type, generated once: key generation would dominate the run otherwise.
const Keys& keys() {
  static const Keys* k = [] {
    auto* out = new Keys;  // NOLINT(cppcoreguidelines-owning-memory): lives for the process
    for (int i = 0; i < 3; ++i) {
      out->rsa.emplace_back(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", std::size_t{2048}));
      out->p256.emplace_back(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
      out->p384.emplace_back(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384"));
      out->ed25519.emplace_back(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
    }
    return out;
  }();
  return *k;
}

class Generator {
 public:
  explicit Generator(std::uint32_t seed) : rng_(seed) {}

  int pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }

  std::string text(bool ascii_only) {
    static const std::vector<std::string> kPieces = {
        "a", "Z", "0", "9", " ", "-", ".", ":", "node", "system", "x", "'", "(",
        ")", "+", ",", "=", "/", "?", "é", "ß", "中",   "🔑",     "_", "@", "*"};
    std::string out;
    const int n = 1 + pick(12);
    for (int i = 0; i < n; ++i) {
      const std::string& p = kPieces[static_cast<std::size_t>(
          pick(static_cast<int>(ascii_only ? 19 : kPieces.size())))];
      out += p;
    }
    // Leading/trailing blanks are legal but make the comparison noisy for no gain.
    if (out.front() == ' ') out.front() = 'a';
    if (out.back() == ' ') out.back() = 'z';
    return out;
  }

  std::string dns() {
    std::string out;
    const int labels = 1 + pick(4);
    for (int i = 0; i < labels; ++i) {
      if (i) out += '.';
      out += "n" + std::to_string(pick(100000));
    }
    return out;
  }

  std::string ip() {
    if (pick(3) == 0) {
      return "2001:db8::" + std::to_string(1 + pick(9000));
    }
    return std::to_string(pick(256)) + "." + std::to_string(pick(256)) + "." +
           std::to_string(pick(256)) + "." + std::to_string(pick(256));
  }

  std::mt19937& rng() { return rng_; }

 private:
  std::mt19937 rng_;
};

struct Generated {
  Bytes der;
  std::string key_kind;
  EVP_PKEY* key = nullptr;  // borrowed from keys()
};

void add_ext(STACK_OF(X509_EXTENSION) * exts, int nid, const std::string& value) {
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, nullptr, nid, value.c_str());
  ASSERT_NE(ext, nullptr) << value;
  sk_X509_EXTENSION_push(exts, ext);
}

Generated generate(Generator& g) {
  Generated out;
  const Keys& k = keys();
  EVP_PKEY* key = nullptr;
  const int kind = g.pick(4);
  switch (kind) {
    case 0:
      key = k.rsa[static_cast<std::size_t>(g.pick(3))].get();
      out.key_kind = "rsa";
      break;
    case 1:
      key = k.p256[static_cast<std::size_t>(g.pick(3))].get();
      out.key_kind = "p256";
      break;
    case 2:
      key = k.p384[static_cast<std::size_t>(g.pick(3))].get();
      out.key_kind = "p384";
      break;
    default:
      key = k.ed25519[static_cast<std::size_t>(g.pick(3))].get();
      out.key_kind = "ed25519";
  }
  out.key = key;
  ossl::X509ReqPtr req(X509_REQ_new());
  X509_NAME* name = X509_REQ_get_subject_name(req.get());
  static const std::vector<std::string> kTypes = {"CN", "O", "OU", "C", "ST", "L"};
  const int attrs = g.pick(6);
  for (int i = 0; i < attrs; ++i) {
    const std::string& type = kTypes[static_cast<std::size_t>(g.pick(6))];
    std::string value = type == "C" ? std::string{static_cast<char>('A' + g.pick(26)),
                                                  static_cast<char>('A' + g.pick(26))}
                                    : g.text(g.pick(2) == 0);
    X509_NAME_add_entry_by_txt(name, type.c_str(), MBSTRING_UTF8,
                               reinterpret_cast<const unsigned char*>(value.c_str()),  // NOLINT
                               -1, -1, 0);
  }
  X509_REQ_set_pubkey(req.get(), key);
  if (g.pick(4) != 0) {
    STACK_OF(X509_EXTENSION)* exts = sk_X509_EXTENSION_new_null();
    std::string san;
    const int names = g.pick(5);
    for (int i = 0; i < names; ++i) {
      if (!san.empty()) san += ",";
      switch (g.pick(4)) {
        case 0:
          san += "IP:" + g.ip();
          break;
        case 1:
          san += "email:u" + std::to_string(g.pick(99)) + "@" + g.dns();
          break;
        case 2:
          san += "URI:https://" + g.dns() + "/p";
          break;
        default:
          san += "DNS:" + g.dns();
      }
    }
    if (!san.empty()) add_ext(exts, NID_subject_alt_name, san);
    if (g.pick(2)) add_ext(exts, NID_key_usage, "critical,digitalSignature,keyEncipherment");
    if (g.pick(2)) add_ext(exts, NID_ext_key_usage, "clientAuth,serverAuth");
    if (g.pick(3) == 0) add_ext(exts, NID_basic_constraints, "critical,CA:FALSE");
    if (g.pick(4) == 0) add_ext(exts, NID_subject_key_identifier, "0102030405");
    if (sk_X509_EXTENSION_num(exts) > 0) X509_REQ_add_extensions(req.get(), exts);
    sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
  }
  if (g.pick(8) == 0) {
    X509_REQ_add1_attr_by_NID(req.get(), NID_pkcs9_challengePassword, MBSTRING_ASC,
                              reinterpret_cast<const unsigned char*>("secret"), -1);  // NOLINT
  }
  static const std::vector<std::string> kDigests = {"SHA256", "SHA384", "SHA512"};
  const std::string digest = kDigests[static_cast<std::size_t>(g.pick(3))];
  const ossl::EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;
  const bool ed = out.key_kind == "ed25519";
  EVP_DigestSignInit_ex(ctx.get(), &pctx, ed ? nullptr : digest.c_str(), nullptr, nullptr, key,
                        nullptr);
  if (out.key_kind == "rsa" && g.pick(3) == 0) {
    EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING);
    EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, g.pick(2) ? RSA_PSS_SALTLEN_DIGEST : 20);
  }
  EXPECT_GT(X509_REQ_sign_ctx(req.get(), ctx.get()), 0);
  unsigned char* der = nullptr;
  const int len = i2d_X509_REQ(req.get(), &der);
  out.der.assign(der, der + len);
  OPENSSL_free(der);
  return out;
}

std::string ip_text(const ASN1_OCTET_STRING* s) {
  std::array<char, INET6_ADDRSTRLEN> buf{};
  const int len = ASN1_STRING_length(s);
  if (len != 4 && len != 16) return "<bad>";
  inet_ntop(len == 4 ? AF_INET : AF_INET6, ASN1_STRING_get0_data(s), buf.data(),
            static_cast<socklen_t>(buf.size()));
  return buf.data();
}

std::string asn1_text(const ASN1_STRING* s) {
  return {reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),  // NOLINT
          static_cast<std::size_t>(ASN1_STRING_length(s))};
}

// What OpenSSL reads from `der`, in the same shape as Csr; nullopt when it refuses the request
// or its signature.
struct OpenSslView {
  std::vector<std::pair<std::string, std::string>> subject;  // short name, UTF-8
  RequestedNames names;
  Bytes spki;
  std::vector<std::string> extensions;
};

std::optional<OpenSslView> openssl_parse(ByteView der) {
  const unsigned char* p = der.data();
  ossl::X509ReqPtr req(d2i_X509_REQ(nullptr, &p, static_cast<long>(der.size())));
  if (!req || p != der.data() + der.size()) return std::nullopt;
  ossl::EvpPkeyPtr key(X509_REQ_get_pubkey(req.get()));
  if (!key || X509_REQ_verify(req.get(), key.get()) != 1) {
    ossl::drain_errors();
    return std::nullopt;
  }
  OpenSslView v;
  const X509_NAME* name = X509_REQ_get_subject_name(req.get());
  for (int i = 0; i < X509_NAME_entry_count(name); ++i) {
    const X509_NAME_ENTRY* e = X509_NAME_get_entry(name, i);
    unsigned char* utf8 = nullptr;
    const int n = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(e));
    const ossl::BufferPtr owned(utf8);
    v.subject.emplace_back(OBJ_nid2sn(OBJ_obj2nid(X509_NAME_ENTRY_get_object(e))),
                           n < 0 ? "<bad>"
                                 : std::string(reinterpret_cast<char*>(utf8),  // NOLINT
                                               static_cast<std::size_t>(n)));
  }
  unsigned char* spki = nullptr;
  const int spki_len = i2d_X509_PUBKEY(X509_REQ_get_X509_PUBKEY(req.get()), &spki);
  v.spki.assign(spki, spki + spki_len);
  OPENSSL_free(spki);
  const ossl::ExtensionStackPtr exts(X509_REQ_get_extensions(req.get()));
  for (int i = 0; i < sk_X509_EXTENSION_num(exts.get()); ++i) {
    X509_EXTENSION* ext = sk_X509_EXTENSION_value(exts.get(), i);
    std::array<char, 80> oid{};
    OBJ_obj2txt(oid.data(), static_cast<int>(oid.size()), X509_EXTENSION_get_object(ext), 1);
    v.extensions.emplace_back(oid.data());
    if (OBJ_obj2nid(X509_EXTENSION_get_object(ext)) != NID_subject_alt_name) continue;
    const ossl::GeneralNamesPtr names(static_cast<GENERAL_NAMES*>(X509V3_EXT_d2i(ext)));
    for (int j = 0; names && j < sk_GENERAL_NAME_num(names.get()); ++j) {
      const GENERAL_NAME* gn = sk_GENERAL_NAME_value(names.get(), j);
      if (gn->type == GEN_DNS) v.names.dns.push_back(asn1_text(gn->d.dNSName));
      if (gn->type == GEN_IPADD) v.names.ip.push_back(ip_text(gn->d.iPAddress));
      if (gn->type == GEN_EMAIL) v.names.email.push_back(asn1_text(gn->d.rfc822Name));
      if (gn->type == GEN_URI) v.names.uri.push_back(asn1_text(gn->d.uniformResourceIdentifier));
    }
  }
  ossl::drain_errors();
  return v;
}

void expect_same(const Csr& ours, const OpenSslView& theirs, const std::string& where) {
  std::vector<std::pair<std::string, std::string>> subject;
  for (const auto& a : ours.subject()) subject.emplace_back(short_name(a.type), a.value);
  EXPECT_EQ(subject, theirs.subject) << where;
  EXPECT_EQ(ours.requested_names().dns, theirs.names.dns) << where;
  EXPECT_EQ(ours.requested_names().ip, theirs.names.ip) << where;
  EXPECT_EQ(ours.requested_names().email, theirs.names.email) << where;
  EXPECT_EQ(ours.requested_names().uri, theirs.names.uri) << where;
  EXPECT_EQ(Bytes(ours.public_key_der().begin(), ours.public_key_der().end()), theirs.spki)
      << where;
  EXPECT_EQ(ours.requested_extensions(), theirs.extensions) << where;
}

// Where signet refuses what OpenSSL 3.0 accepts, on purpose (each documented in csr.h / README):
const std::vector<std::string> kStricterRules = {
    "DER: ",                           // strict DER (X.690 §10): OpenSSL reads some BER forms
    "CSR version must be 0",           // RFC 2986 §4.1: OpenSSL ignores the version
    "is encoded as",                   // subject string types beyond UTF8/Printable/IA5
    "PrintableString with character",  // X.680 §41.4 character set
    "not valid UTF-8",                 // subject text
    "contains a NUL byte",             // names
    "is not IA5",                      // SAN text
    "is empty",                        // empty names
    "is not supported (CN, O, OU, C, ST, L)",  // subject attributes signet does not read
    "multi-valued RDN",
    "OBJECT IDENTIFIER",          // X.690 §8.19 minimal subidentifiers
    "critical FALSE explicitly",  // X.690 §11.5
    "BOOLEAN must be",            // X.690 §11.1
    "iPAddress",                  // 4/16 octets, no IPv4-mapped
    "subjectAltName contains",    // GeneralName forms signet does not issue
    "requests extension",         // duplicate extensions
    "extensionRequest",           // malformed or repeated extensionRequest
    "CSR attribute",              // malformed attributes (OpenSSL skips some)
    "CSR extension",              // malformed extensions (OpenSSL defers their parsing)
    "subjectAltName",             // malformed SAN (OpenSSL defers its parsing)
    "basicConstraints",
    "public key",          // SPKI rules (unused bits, RSA exponent)
    "RSA",                 // RSAPublicKey / PSS parameter rules
    "signatureAlgorithm",  // RFC 4055 / RFC 5758 parameter rules
    "SHA-1 and MD5",       // a mutated OID can land on one
    "expected DER tag",
    "trailing",
    "unexpected field",
};

TEST(CsrDifferentialTest, GeneratedRequestsParseAsInOpenSsl) {
  Generator g(20261201);
  std::map<std::string, int> kinds;
  for (int i = 0; i < kRequests; ++i) {
    const Generated req = generate(g);
    const auto theirs = openssl_parse(req.der);
    ASSERT_TRUE(theirs) << "OpenSSL refused a request it generated (#" << i << ")";
    const auto ours = Csr::parse(req.der);
    ASSERT_TRUE(ours) << "#" << i << " (" << req.key_kind << "): " << ours.error().message();
    expect_same(*ours, *theirs, "request #" + std::to_string(i) + " " + req.key_kind);
    ++kinds[req.key_kind + "/" + std::string(to_string(ours->signature_algorithm()))];
    if (HasFailure()) return;
  }
  // Every key type and every digest showed up.
  EXPECT_GE(kinds.size(), 10U);
  for (const auto& [kind, n] : kinds) std::printf("  %-36s %d\n", kind.c_str(), n);  // NOLINT
}

void mutate(Generator& g, Bytes& der) {
  const auto at = static_cast<std::size_t>(g.pick(static_cast<int>(der.size())));
  switch (g.pick(5)) {
    case 0:
      der[at] ^= static_cast<std::uint8_t>(1U << static_cast<unsigned>(g.pick(8)));
      break;
    case 1:
      der[at] = static_cast<std::uint8_t>(g.pick(256));
      break;
    case 2:
      der.insert(der.begin() + static_cast<std::ptrdiff_t>(at),
                 static_cast<std::uint8_t>(g.pick(256)));
      break;
    case 3:
      der.erase(der.begin() + static_cast<std::ptrdiff_t>(at));
      break;
    default:
      der.resize(at);
  }
}

// Half the mutations hit the request as it is (the signature catches most of them); the other
// half change certificationRequestInfo and sign it again with the request's key (EC or RSA), so
// the parsers' structural rules meet and the signature no longer hides the difference.
TEST(CsrDifferentialTest, MutatedRequestsAreNeverAcceptedWhenOpenSslRefuses) {
  Generator g(7);
  std::vector<Generated> seeds;
  while (seeds.size() < 80) {
    Generated s = generate(g);
    if (s.key_kind != "ed25519") seeds.push_back(std::move(s));
  }
  std::map<std::string, int> stricter;
  int both_accept = 0;
  int both_refuse = 0;
  for (int i = 0; i < kMutations; ++i) {
    const Generated& seed = seeds[static_cast<std::size_t>(g.pick(static_cast<int>(seeds.size())))];
    Bytes der = seed.der;
    if (i % 2 == 0) {
      mutate(g, der);
    } else {
      const auto request = der::parse_single(der, der::kSequence, "request");
      ASSERT_TRUE(request);
      der::Reader fields(request->content);
      const auto info = fields.next();
      ASSERT_TRUE(info);
      Bytes info_der(info->whole.begin(), info->whole.end());
      mutate(g, info_der);
      der = testing::sign_request(seed.key, info_der);
    }
    const auto theirs = openssl_parse(der);
    const auto ours = Csr::parse(der);
    if (ours) {
      ASSERT_TRUE(theirs) << "signet accepted a request OpenSSL refuses: " << to_hex(der);
      expect_same(*ours, *theirs, "mutation #" + std::to_string(i));
      ++both_accept;
    } else if (theirs) {
      const std::string& message = ours.error().message();
      const bool documented =
          std::any_of(kStricterRules.begin(), kStricterRules.end(),
                      [&](const std::string& r) { return message.find(r) != std::string::npos; });
      EXPECT_TRUE(documented) << "undocumented stricter refusal: " << message << "\n"
                              << to_hex(der);
      ++stricter[message.substr(0, 90)];
    } else {
      ++both_refuse;
    }
  }
  std::printf("  both accept %d, both refuse %d, signet stricter %d\n", both_accept,  // NOLINT
              both_refuse, kMutations - both_accept - both_refuse);
  for (const auto& [m, n] : stricter) std::printf("    %4d  %s\n", n, m.c_str());  // NOLINT
  EXPECT_GT(both_refuse, kMutations / 4);
  EXPECT_GT(both_accept, 0);
}

// The output side (issue 4 item 5): certificates issued from generated node requests of every
// key type parse in OpenSSL, re-encode to the same bytes (nothing OpenSSL would normalise),
// carry the request's SPKI byte for byte, verify with the CA key and lint clean.
TEST(CsrDifferentialTest, IssuedCertificatesParseIdenticallyInOpenSsl) {
  auto signer = SoftwareSigner::generate({KeyType::kEcP256, 0});
  ASSERT_TRUE(signer);
  const auto now = std::chrono::system_clock::now();
  const auto ca_der = create_self_signed_ca({{NameAttributeType::kCommonName, "kubernetes"}},
                                            std::chrono::hours(87600), now, **signer);
  ASSERT_TRUE(ca_der);
  const auto ca = CaCertificate::parse(*ca_der);
  ASSERT_TRUE(ca);
  Generator g(99);
  const Keys& k = keys();
  for (int i = 0; i < 200; ++i) {
    const std::vector<ossl::EvpPkeyPtr>* family[] = {&k.rsa, &k.p256, &k.p384, &k.ed25519};
    EVP_PKEY* key = (*family[i % 4])[static_cast<std::size_t>(g.pick(3))].get();
    const std::string node = "system:node:" + g.dns();
    const Bytes info =
        testing::request_info(testing::seq({testing::rdn(0x0a, der::kUtf8String, "system:nodes"),
                                            testing::rdn(0x03, der::kUtf8String, node)}),
                              testing::spki_of(key), {});
    Bytes csr_der;
    if (i % 4 == 3) {
      // Ed25519: the builder signs with a digest; sign the request with OpenSSL's X509_REQ.
      ossl::X509ReqPtr req(X509_REQ_new());
      X509_NAME* name = X509_REQ_get_subject_name(req.get());
      X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8, as_bytes("system:nodes").data(), -1, -1,
                                 0);
      X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, as_bytes(node).data(),
                                 static_cast<int>(node.size()), -1, 0);
      X509_REQ_set_pubkey(req.get(), key);
      X509_REQ_sign(req.get(), key, nullptr);
      unsigned char* der = nullptr;
      const int len = i2d_X509_REQ(req.get(), &der);
      csr_der.assign(der, der + len);
      OPENSSL_free(der);
    } else {
      csr_der = testing::sign_request(key, info);
    }
    const auto csr = Csr::parse(csr_der);
    ASSERT_TRUE(csr) << csr.error().message();
    const auto issued =
        issue_certificate(*ca, **signer, *find_profile("kubelet-client"), *csr, now);
    ASSERT_TRUE(issued) << issued.error().message();
    const unsigned char* p = issued->der.data();
    ossl::X509Ptr x(d2i_X509(nullptr, &p, static_cast<long>(issued->der.size())));
    ASSERT_TRUE(x);
    EXPECT_EQ(p, issued->der.data() + issued->der.size());
    unsigned char* again = nullptr;
    const int len = i2d_X509(x.get(), &again);
    const ossl::BufferPtr owned(again);
    EXPECT_EQ(Bytes(again, again + len), issued->der) << "#" << i;
    unsigned char* spki = nullptr;
    const int spki_len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x.get()), &spki);
    const ossl::BufferPtr owned_spki(spki);
    EXPECT_EQ(Bytes(spki, spki + spki_len),
              Bytes(csr->public_key_der().begin(), csr->public_key_der().end()));
    EXPECT_TRUE(testing::openssl_verifies(issued->der, ca->public_key_der()));
    EXPECT_EQ(format_findings(lint_certificate(issued->der)), "") << "#" << i;
    if (HasFailure()) return;
  }
}

}  // namespace
}  // namespace signet
