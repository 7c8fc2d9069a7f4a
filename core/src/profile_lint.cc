#include "profile_lint.h"

#include <array>
#include <set>
#include <string>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "signet/core/issuer.h"
#include "signet/core/lint.h"
#include "signet/core/ossl.h"

#include "tbs_template.h"

namespace signet {
namespace {

constexpr std::array<KeyType, 4> kCaKeyTypes = {KeyType::kEcP256, KeyType::kEcP384, KeyType::kRsa,
                                                KeyType::kEd25519};

// A sample SubjectPublicKeyInfo per key type, made once: EC and Ed25519 from fresh keys (fast),
// RSA-2048 from a synthetic odd modulus (the lint reads the encoding, not primes).
Result<Bytes> sample_spki(KeyType type) {
  if (type == KeyType::kRsa) {
    Bytes modulus(256, 0x5a);
    modulus[0] = 0xc3;
    modulus.back() = 0x01;
    return rsa_public_key_info(modulus, Bytes{0x01, 0x00, 0x01});
  }
  const ossl::EvpPkeyPtr key(type == KeyType::kEd25519
                                 ? EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519")
                                 : EVP_PKEY_Q_keygen(nullptr, nullptr, "EC",
                                                     type == KeyType::kEcP256 ? "P-256" : "P-384"));
  unsigned char* der = nullptr;
  const int len = key ? i2d_PUBKEY(key.get(), &der) : 0;
  if (len <= 0) return fail(ErrorCode::kInternal, "sample key: " + ossl::drain_errors());
  Bytes out(der, der + len);
  OPENSSL_free(der);
  return out;
}

const Result<Bytes>& cached_spki(KeyType type) {
  static const std::array<Result<Bytes>, 4> kSpkis = {
      sample_spki(KeyType::kRsa), sample_spki(KeyType::kEcP256), sample_spki(KeyType::kEcP384),
      sample_spki(KeyType::kEd25519)};
  return kSpkis[static_cast<std::size_t>(type)];
}

// A signature of the shape `alg` produces (the lint reads the encoding, not the value).
Bytes sample_signature(SignatureAlgorithm alg) {
  switch (key_type_of(alg)) {
    case KeyType::kRsa: {
      Bytes rsa(256, 0x5a);  // a 2048-bit RSA signature's length
      return rsa;
    }
    case KeyType::kEd25519: {
      Bytes ed(64, 0x5a);  // RFC 8032 §5.1.6: 64 octets
      return ed;
    }
    default:
      return {0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01};  // ECDSA-Sig-Value (1, 1)
  }
}

bool accepts(const ProfileSpec& s, KeyType type) {
  const AllowedKey bit = type == KeyType::kRsa      ? AllowedKey::kRsa
                         : type == KeyType::kEcP256 ? AllowedKey::kEcP256
                         : type == KeyType::kEcP384 ? AllowedKey::kEcP384
                                                    : AllowedKey::kEd25519;
  return (s.key_types & static_cast<unsigned>(bit)) != 0;
}

// The subject a request that satisfies the profile's rules gets (profile_policy.cc).
DistinguishedName sample_subject(const ProfileSpec& s) {
  DistinguishedName dn;
  if (s.organization_rule == OrganizationRule::kExact) {
    for (const auto& o : s.organizations) dn.push_back({NameAttributeType::kOrganization, o});
  }
  switch (s.cn_rule) {
    case CnRule::kFixed:
      dn.push_back({NameAttributeType::kCommonName, s.common_name});
      break;
    case CnRule::kNodeName:
      dn.push_back({NameAttributeType::kCommonName, "system:node:sample"});
      break;
    case CnRule::kFromRequest:
      dn.push_back({NameAttributeType::kCommonName, "sample"});
      break;
  }
  return dn;
}

// keyUsage and extKeyUsage of `usages` as check_usages() in profile_policy.cc makes them:
// keyEncipherment only for RSA subject keys, digitalSignature always (spec §1.2, §7 item 7).
void apply_usages(const std::vector<std::string>& usages, KeyType subject_key,
                  std::uint16_t& key_usage, std::vector<ExtendedKeyUsage>& ekus) {
  std::set<ExtendedKeyUsage> sorted;
  key_usage = 0;
  for (const auto& u : usages) {
    const auto m = map_usage(u);
    if (!m) continue;  // Profile::create refused unknown usages already
    key_usage = static_cast<std::uint16_t>(key_usage | m->key_usage);
    if (m->extended_key_usage) sorted.insert(*m->extended_key_usage);
  }
  if (subject_key != KeyType::kRsa) {
    key_usage = static_cast<std::uint16_t>(key_usage & ~kKeyEncipherment);
  }
  key_usage = static_cast<std::uint16_t>(key_usage | kDigitalSignature);
  ekus.assign(sorted.begin(), sorted.end());
}

}  // namespace

Status lint_profile_samples(const Profile& profile) {
  return lint_profile_spec(profile.spec());
}

Status lint_profile_spec(const ProfileSpec& s) {
  if (s.kind != ProfileKind::kLeaf) return {};
  const auto refuse = [&](const std::string& what) {
    return fail(ErrorCode::kInvalidArgument, "profile '" + s.name + "': " + what);
  };
  const auto subject = encode_name(sample_subject(s));
  if (!subject) return refuse("its subject cannot be encoded: " + subject.error().message());
  const auto issuer = encode_name({{NameAttributeType::kCommonName, "signet-lint-sample-ca"}});
  if (!issuer) return fail(issuer.error());
  SubjectAltNames san;
  if (s.san_rule != SanRule::kNone) {
    san.dns = {"sample.example"};
    san.ip = {Bytes{10, 0, 0, 1}};
  }
  const Bytes serial = {0x40, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
                        0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff};
  const Bytes aki(20, 0xa5);
  const auto now =
      std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
  // The defaults (what a plain PKCS#10 request gets) and the widest set a request may ask for.
  std::vector<std::string> widest_usages = s.required_usages;
  widest_usages.insert(widest_usages.end(), s.allowed_usages.begin(), s.allowed_usages.end());
  const std::vector<std::string>& widest = widest_usages;
  for (const KeyType subject_key : kCaKeyTypes) {
    if (!accepts(s, subject_key)) continue;
    const auto& spki = cached_spki(subject_key);
    if (!spki) return fail(spki.error());
    for (const auto* usages : {&s.default_usages, &widest}) {
      std::uint16_t key_usage = 0;
      std::vector<ExtendedKeyUsage> ekus;
      apply_usages(*usages, subject_key, key_usage, ekus);
      for (const KeyType ca_key : kCaKeyTypes) {
        const SignatureAlgorithm alg = default_signature_algorithm(ca_key);
        TbsParts parts;
        parts.serial = serial;
        parts.issuer_der = *issuer;
        parts.subject_der = *subject;
        parts.public_key_der = *spki;
        parts.not_before = now - kBackdate;
        parts.not_after = now + s.validity;
        parts.key_usage = key_usage;
        parts.extended_key_usage = ekus;
        parts.authority_key_id = aki;
        parts.subject_alt_names = &san;
        const std::string pairing = std::string(to_string(subject_key)) + " subject key, " +
                                    std::string(to_string(ca_key)) + " CA key";
        const auto tbs = write_tbs(parts, alg);
        if (!tbs)
          return refuse("its certificate (" + pairing +
                        ") cannot be written: " + tbs.error().message());
        const auto findings =
            lint_certificate(assemble_certificate(*tbs, alg, sample_signature(alg)));
        if (!findings.empty()) {
          return refuse("its certificate (" + pairing +
                        ") fails signet's lint: " + format_findings(findings));
        }
      }
    }
  }
  return {};
}

}  // namespace signet
