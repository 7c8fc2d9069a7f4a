// A small DER (X.690) writer and reader for the structures signet builds and inspects itself:
// TBSCertificate, extensions, SubjectPublicKeyInfo, ECDSA signatures. Strict by design: the
// reader refuses indefinite lengths, non-minimal lengths and truncation (X.690 §10.1).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "signet/core/bytes.h"
#include "signet/core/result.h"

namespace signet::der {

// Universal tags used by signet (X.690 §8, X.680 §8.4).
inline constexpr std::uint8_t kBoolean = 0x01;
inline constexpr std::uint8_t kInteger = 0x02;
inline constexpr std::uint8_t kBitString = 0x03;
inline constexpr std::uint8_t kOctetString = 0x04;
inline constexpr std::uint8_t kNull = 0x05;
inline constexpr std::uint8_t kOid = 0x06;
inline constexpr std::uint8_t kUtf8String = 0x0c;
inline constexpr std::uint8_t kPrintableString = 0x13;
inline constexpr std::uint8_t kIa5String = 0x16;
inline constexpr std::uint8_t kUtcTime = 0x17;
inline constexpr std::uint8_t kGeneralizedTime = 0x18;
inline constexpr std::uint8_t kSequence = 0x30;
inline constexpr std::uint8_t kSet = 0x31;

// Context-specific tags: [n] constructed (EXPLICIT) and [n] primitive (IMPLICIT).
[[nodiscard]] constexpr std::uint8_t context_constructed(std::uint8_t n) {
  return 0xa0 | n;
}
[[nodiscard]] constexpr std::uint8_t context_primitive(std::uint8_t n) {
  return 0x80 | n;
}

// Appends DER to one buffer. Constructed values are opened, filled and closed; the length is
// patched in at close(), so nothing is copied twice.
class Writer {
 public:
  // Starts a constructed value; returns a marker for close().
  [[nodiscard]] std::size_t open(std::uint8_t tag);
  void close(std::size_t marker);

  void put(std::uint8_t tag, ByteView content);
  void put_raw(ByteView der);  // an already-encoded TLV, copied verbatim
  void put_bool(bool value);
  // An INTEGER from unsigned big-endian magnitude bytes (leading zeros dropped, 0x00 added when
  // the top bit is set so the value stays positive, X.690 §8.3).
  void put_unsigned(ByteView magnitude);
  void put_small_unsigned(std::uint64_t value);
  // A BIT STRING whose content has no unused bits.
  void put_bit_string(ByteView bits);

  [[nodiscard]] const Bytes& bytes() const& noexcept { return out_; }
  [[nodiscard]] Bytes take() && noexcept { return std::move(out_); }

 private:
  Bytes out_;
};

// One parsed TLV. `content` and `whole` borrow from the reader's input.
struct Tlv {
  std::uint8_t tag = 0;
  ByteView content;
  ByteView whole;
};

// Reads consecutive TLVs from a buffer. Only single-byte tags (all signet needs).
class Reader {
 public:
  explicit Reader(ByteView input) noexcept : rest_(input) {}

  [[nodiscard]] bool empty() const noexcept { return rest_.empty(); }
  [[nodiscard]] Result<Tlv> next();
  // next(), and fails unless the tag is `tag`; `what` names the field for the message.
  [[nodiscard]] Result<Tlv> expect(std::uint8_t tag, std::string_view what);
  // Peeks at the next tag without consuming (0 when empty).
  [[nodiscard]] std::uint8_t peek_tag() const noexcept { return rest_.empty() ? 0 : rest_[0]; }

 private:
  ByteView rest_;
};

// Parses exactly one TLV that must span all of `input`.
[[nodiscard]] Result<Tlv> parse_single(ByteView input, std::uint8_t tag, std::string_view what);

// Checks that `input` is a sequence of well-formed TLVs, descending into every constructed value
// (tag bit 0x20, X.690 §8.1.2.5), at most `max_depth` levels deep. Hostile input (10,000 nested
// SEQUENCEs, indefinite lengths hidden in an ANY) is refused before any field is read.
[[nodiscard]] Status check_structure(ByteView input, std::size_t max_depth);

// Dotted text ("2.5.29.17") of OBJECT IDENTIFIER content octets; refuses an empty OID, a
// truncated or non-minimal subidentifier (X.690 §8.19.2) and subidentifiers above 2^63.
[[nodiscard]] Result<std::string> oid_to_string(ByteView content);

// A DER BOOLEAN's value: the content must be one octet, 0x00 or 0xFF (X.690 §11.1).
[[nodiscard]] Result<bool> read_bool(const Tlv& tlv, std::string_view what);

// The content of a minimally encoded non-negative INTEGER (X.690 §8.3.2), without the leading
// 0x00 that keeps it positive; refuses negative and non-minimal encodings.
[[nodiscard]] Result<ByteView> unsigned_integer(const Tlv& tlv, std::string_view what);

// ECDSA: PKCS#11 returns r‖s (PKCS#11 v2.40 §2.3.1); X.509 carries Ecdsa-Sig-Value
// SEQUENCE { r INTEGER, s INTEGER } (RFC 5480 §2.2, RFC 3279 §2.2.3).
[[nodiscard]] Result<Bytes> ecdsa_raw_to_der(ByteView raw);

}  // namespace signet::der
