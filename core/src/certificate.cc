#include "signet/core/certificate.h"

#include <pthread.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <ctime>
#include <string>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "signet/core/der.h"
#include "signet/core/ossl.h"

#include "tbs_template.h"

namespace signet {
namespace {

// Bumped in every fork() child (random_serial's pools are per process).
std::atomic<unsigned> g_fork_generation{0};

// Extension OIDs, id-ce (RFC 5280 §4.2.1), content octets.
constexpr std::array<std::uint8_t, 3> kOidSubjectKeyId = {0x55, 0x1d, 0x0e};
constexpr std::array<std::uint8_t, 3> kOidKeyUsage = {0x55, 0x1d, 0x0f};
constexpr std::array<std::uint8_t, 3> kOidBasicConstraints = {0x55, 0x1d, 0x13};
constexpr std::array<std::uint8_t, 3> kOidExtKeyUsage = {0x55, 0x1d, 0x25};
constexpr std::array<std::uint8_t, 3> kOidAuthorityKeyId = {0x55, 0x1d, 0x23};
constexpr std::array<std::uint8_t, 3> kOidSubjectAltName = {0x55, 0x1d, 0x11};

// The OID content octets of an extKeyUsage purpose: id-kp-* is 1.3.6.1.5.5.7.3.n (RFC 5280
// §4.2.1.12), anyExtendedKeyUsage 2.5.29.37.0, and the two server-gated-crypto vendor OIDs.
Bytes eku_oid(ExtendedKeyUsage usage) {
  const auto id_kp = [](std::uint8_t n) {
    return Bytes{0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, n};
  };
  switch (usage) {
    case ExtendedKeyUsage::kAny:
      return {0x55, 0x1d, 0x25, 0x00};
    case ExtendedKeyUsage::kServerAuth:
      return id_kp(1);
    case ExtendedKeyUsage::kClientAuth:
      return id_kp(2);
    case ExtendedKeyUsage::kCodeSigning:
      return id_kp(3);
    case ExtendedKeyUsage::kEmailProtection:
      return id_kp(4);
    case ExtendedKeyUsage::kIpsecEndSystem:
      return id_kp(5);
    case ExtendedKeyUsage::kIpsecTunnel:
      return id_kp(6);
    case ExtendedKeyUsage::kIpsecUser:
      return id_kp(7);
    case ExtendedKeyUsage::kTimeStamping:
      return id_kp(8);
    case ExtendedKeyUsage::kOcspSigning:
      return id_kp(9);
    case ExtendedKeyUsage::kMicrosoftSgc:
      return {0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x0a, 0x03, 0x03};
    case ExtendedKeyUsage::kNetscapeSgc:
      return {0x60, 0x86, 0x48, 0x01, 0x86, 0xf8, 0x42, 0x04, 0x01};
  }
  return {};
}

// GeneralNames for subjectAltName: dNSName [2] IMPLICIT IA5String, iPAddress [7] IMPLICIT
// OCTET STRING (RFC 5280 §4.2.1.6).
Status put_subject_alt_names(der::Writer& w, const SubjectAltNames& names) {
  const auto seq = w.open(der::kSequence);
  for (const auto& dns : names.dns) {
    const bool ia5 = !dns.empty() && std::all_of(dns.begin(), dns.end(), [](char c) {
      return static_cast<unsigned char>(c) > 0x20 && static_cast<unsigned char>(c) < 0x7f;
    });
    if (!ia5) {
      return fail(ErrorCode::kInvalidArgument,
                  "subjectAltName dNSName must be non-empty printable ASCII (IA5String)");
    }
    w.put(der::context_primitive(2), as_bytes(dns));
  }
  for (const auto& ip : names.ip) {
    if (ip.size() != 4 && ip.size() != 16) {
      return fail(
          ErrorCode::kInvalidArgument,
          "subjectAltName iPAddress must be 4 or 16 octets, got " + std::to_string(ip.size()));
    }
    w.put(der::context_primitive(7), ip);
  }
  w.close(seq);
  return {};
}

// RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050; always Z, with seconds.
Status put_time(der::Writer& w, SystemTime t) {
  const std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  if (gmtime_r(&secs, &tm) == nullptr) {
    return fail(ErrorCode::kInvalidArgument, "certificate time out of range");
  }
  const int year = tm.tm_year + 1900;
  if (year < 1950 || year > 9999) {
    return fail(ErrorCode::kInvalidArgument, "certificate time out of range (1950-9999)");
  }
  char buf[20];  // NOLINT(modernize-avoid-c-arrays)
  const bool utc = year < 2050;
  const std::size_t n =
      std::strftime(buf, sizeof buf, utc ? "%y%m%d%H%M%SZ" : "%Y%m%d%H%M%SZ", &tm);
  w.put(utc ? der::kUtcTime : der::kGeneralizedTime, as_bytes(std::string_view(buf, n)));
  return {};
}

// Opens Extension ::= SEQUENCE { extnID, critical DEFAULT FALSE, extnValue OCTET STRING } and
// returns the markers; critical is written only when true (DER omits defaults, X.690 §11.5).
struct OpenExtension {
  std::size_t extension;
  std::size_t value;
};
OpenExtension open_extension(der::Writer& w, ByteView oid, bool critical) {
  const auto ext = w.open(der::kSequence);
  w.put(der::kOid, oid);
  if (critical) w.put_bool(true);
  return {ext, w.open(der::kOctetString)};
}
void close_extension(der::Writer& w, OpenExtension open) {
  w.close(open.value);
  w.close(open.extension);
}

// keyUsage as a DER named-bit BIT STRING: trailing zero bits removed (X.690 §11.2.2).
void put_key_usage(der::Writer& w, std::uint16_t bits) {
  std::array<std::uint8_t, 2> octets{};
  for (unsigned bit = 0; bit < 9; ++bit) {
    if ((bits & (1U << bit)) != 0) {
      octets[bit / 8] = static_cast<std::uint8_t>(octets[bit / 8] | (0x80U >> (bit % 8)));
    }
  }
  const std::size_t used = octets[1] != 0 ? 2 : (octets[0] != 0 ? 1 : 0);
  std::uint8_t unused = 0;
  if (used > 0) {
    for (std::uint8_t last = octets[used - 1]; (last & 1U) == 0; last >>= 1U) ++unused;
  }
  Bytes content{unused};
  content.insert(content.end(), octets.begin(), octets.begin() + static_cast<std::ptrdiff_t>(used));
  w.put(der::kBitString, content);
}

Status put_extensions(der::Writer& w, const CertificateFields& f) {
  const auto explicit3 = w.open(der::context_constructed(3));
  const auto list = w.open(der::kSequence);

  // basicConstraints, critical in every certificate (spec §7 item 6; RFC 5280 §4.2.1.9).
  auto bc = open_extension(w, kOidBasicConstraints, true);
  const auto bc_seq = w.open(der::kSequence);
  if (f.is_ca) w.put_bool(true);  // cA DEFAULT FALSE: omitted for leaves
  w.close(bc_seq);
  close_extension(w, bc);

  // keyUsage, critical (RFC 5280 §4.2.1.3 SHOULD; Go and kubeadm mark it so).
  auto ku = open_extension(w, kOidKeyUsage, true);
  put_key_usage(w, f.key_usage);
  close_extension(w, ku);

  if (!f.extended_key_usage.empty()) {
    auto eku = open_extension(w, kOidExtKeyUsage, false);
    const auto seq = w.open(der::kSequence);
    for (const auto usage : f.extended_key_usage) w.put(der::kOid, eku_oid(usage));
    w.close(seq);
    close_extension(w, eku);
  }

  if (!f.subject_alt_names.empty()) {
    // An empty subject Name is the 2-octet SEQUENCE 30 00; then the SAN must be critical.
    const bool empty_subject = f.subject_der.size() == 2;
    auto san = open_extension(w, kOidSubjectAltName, empty_subject);
    SIGNET_RETURN_IF_ERROR(put_subject_alt_names(w, f.subject_alt_names));
    close_extension(w, san);
  }

  SIGNET_ASSIGN_OR_RETURN(const Bytes ski, subject_key_id(f.public_key_der));
  auto ski_ext = open_extension(w, kOidSubjectKeyId, false);
  w.put(der::kOctetString, ski);
  close_extension(w, ski_ext);

  if (!f.authority_key_id.empty()) {
    // AuthorityKeyIdentifier ::= SEQUENCE { keyIdentifier [0] IMPLICIT ... } (§4.2.1.1).
    auto aki = open_extension(w, kOidAuthorityKeyId, false);
    const auto seq = w.open(der::kSequence);
    w.put(der::context_primitive(0), f.authority_key_id);
    w.close(seq);
    close_extension(w, aki);
  }

  w.close(list);
  w.close(explicit3);
  return {};
}

}  // namespace

Result<Bytes> random_serial() {
  // RAND_bytes costs ≈7k instructions per call on OpenSSL 3.0 (DRBG bookkeeping), more than
  // the rest of a serial's work: each thread draws a block and deals it out 16 octets at a time.
  // A fork() child must never hand out its parent's octets (two certificates with one serial),
  // so a generation counter bumped in the child by pthread_atfork discards the block.
  struct Pool {
    std::array<std::uint8_t, std::size_t{16} * 64> octets{};
    std::size_t next = 0;
    unsigned generation = 0;
    bool filled = false;
  };
  thread_local Pool pool;
  static const int kAtFork = pthread_atfork(nullptr, nullptr, [] { ++g_fork_generation; });
  (void)kAtFork;
  const unsigned generation = g_fork_generation.load(std::memory_order_relaxed);
  if (!pool.filled || pool.next == pool.octets.size() || pool.generation != generation) {
    if (RAND_bytes(pool.octets.data(), static_cast<int>(pool.octets.size())) != 1) {
      pool.filled = false;
      return fail(ErrorCode::kUnavailable, "RAND_bytes: " + ossl::drain_errors());
    }
    pool.next = 0;
    pool.generation = generation;
    pool.filled = true;
  }
  Bytes serial(pool.octets.begin() + static_cast<std::ptrdiff_t>(pool.next),
               pool.octets.begin() + static_cast<std::ptrdiff_t>(pool.next + 16));
  // Dealt-out octets are not kept: a later memory disclosure cannot predict nor replay them.
  OPENSSL_cleanse(pool.octets.data() + pool.next, 16);
  pool.next += 16;
  serial[0] = static_cast<std::uint8_t>((serial[0] & 0x3fU) | 0x40U);
  return serial;
}

Result<Bytes> subject_key_id(ByteView spki_der) {
  SIGNET_ASSIGN_OR_RETURN(const der::Tlv spki,
                          der::parse_single(spki_der, der::kSequence, "SubjectPublicKeyInfo"));
  der::Reader fields(spki.content);
  SIGNET_RETURN_IF_ERROR(fields.expect(der::kSequence, "key algorithm"));
  SIGNET_ASSIGN_OR_RETURN(const der::Tlv key, fields.expect(der::kBitString, "public key"));
  if (key.content.empty()) return fail(ErrorCode::kInvalidArgument, "public key is empty");
  // The key bits without the unused-bits octet.
  const ByteView bits = key.content.subspan(1);
  Bytes digest(20);
  static const ossl::EvpMdPtr kSha1(EVP_MD_fetch(nullptr, "SHA1", nullptr));
  if (!kSha1) return fail(ErrorCode::kInternal, "SHA-1 for SKI: " + ossl::drain_errors());
  SIGNET_RETURN_IF_ERROR(thread_digest(kSha1.get(), bits, digest.data()));
  return digest;
}

Result<Bytes> build_tbs(const CertificateFields& fields, SignatureAlgorithm alg) {
  return write_tbs(tbs_parts(fields), alg);
}

Result<Bytes> build_tbs_reference(const CertificateFields& f, SignatureAlgorithm alg) {
  if (f.serial.empty() || f.serial.size() > 20 || (f.serial[0] & 0x80U) != 0) {
    return fail(ErrorCode::kInternal, "serial must be positive and at most 20 octets");
  }
  if (f.not_after <= f.not_before) {
    return fail(ErrorCode::kFailedPrecondition, "notAfter must be later than notBefore");
  }
  der::Writer w;
  const auto tbs = w.open(der::kSequence);
  const auto version = w.open(der::context_constructed(0));
  w.put_small_unsigned(2);  // v3
  w.close(version);
  w.put_unsigned(f.serial);
  w.put_raw(algorithm_identifier_der(alg));
  w.put_raw(f.issuer_der);
  const auto validity = w.open(der::kSequence);
  SIGNET_RETURN_IF_ERROR(put_time(w, f.not_before));
  SIGNET_RETURN_IF_ERROR(put_time(w, f.not_after));
  w.close(validity);
  w.put_raw(f.subject_der);
  w.put_raw(f.public_key_der);
  SIGNET_RETURN_IF_ERROR(put_extensions(w, f));
  w.close(tbs);
  return std::move(w).take();
}

Bytes assemble_certificate(ByteView tbs, SignatureAlgorithm alg, ByteView signature) {
  der::Writer w;
  const auto cert = w.open(der::kSequence);
  w.put_raw(tbs);
  w.put_raw(algorithm_identifier_der(alg));
  w.put_bit_string(signature);
  w.close(cert);
  return std::move(w).take();
}

Result<Bytes> sign_certificate(const CertificateFields& fields, Signer& signer) {
  const SignatureAlgorithm alg = signer.algorithm();
  SIGNET_ASSIGN_OR_RETURN(const Bytes tbs, build_tbs(fields, alg));
  SIGNET_ASSIGN_OR_RETURN(const Bytes input, signing_input(alg, tbs));
  SIGNET_ASSIGN_OR_RETURN(const Bytes signature, signer.sign(input));
  return assemble_certificate(tbs, alg, signature);
}

}  // namespace signet
