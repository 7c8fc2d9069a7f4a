#include "signet/core/der.h"

#include <algorithm>
#include <string>
#include <vector>

namespace signet::der {
namespace {

// Appends the DER length octets for `length` (X.690 §8.1.3, definite form, minimal).
void append_length(Bytes& out, std::size_t length) {
  if (length < 0x80) {
    out.push_back(static_cast<std::uint8_t>(length));
    return;
  }
  std::uint8_t octets[sizeof(std::size_t)];  // NOLINT(modernize-avoid-c-arrays)
  std::size_t n = 0;
  for (std::size_t v = length; v != 0; v >>= 8U) octets[n++] = static_cast<std::uint8_t>(v);
  out.push_back(static_cast<std::uint8_t>(0x80U | n));
  while (n > 0) out.push_back(octets[--n]);
}

Bytes length_octets(std::size_t length) {
  Bytes out;
  append_length(out, length);
  return out;
}

}  // namespace

std::size_t Writer::open(std::uint8_t tag) {
  out_.push_back(tag);
  out_.push_back(0);  // placeholder; close() writes the real length
  return out_.size();
}

void Writer::close(std::size_t marker) {
  const std::size_t length = out_.size() - marker;
  const Bytes octets = length_octets(length);
  out_[marker - 1] = octets[0];
  if (octets.size() > 1) {
    out_.insert(out_.begin() + static_cast<std::ptrdiff_t>(marker), octets.begin() + 1,
                octets.end());
  }
}

void Writer::put(std::uint8_t tag, ByteView content) {
  out_.push_back(tag);
  append_length(out_, content.size());
  out_.insert(out_.end(), content.begin(), content.end());
}

void Writer::put_raw(ByteView der) {
  out_.insert(out_.end(), der.begin(), der.end());
}

void Writer::put_bool(bool value) {
  const std::uint8_t v = value ? 0xff : 0x00;  // DER: TRUE is 0xFF (X.690 §11.1)
  put(kBoolean, ByteView(&v, 1));
}

void Writer::put_unsigned(ByteView magnitude) {
  std::size_t skip = 0;
  while (skip + 1 < magnitude.size() && magnitude[skip] == 0) ++skip;
  const ByteView m = magnitude.subspan(skip);
  Bytes content;
  content.reserve(m.size() + 1);
  if (m.empty() || (m[0] & 0x80U) != 0) content.push_back(0);
  content.insert(content.end(), m.begin(), m.end());
  put(kInteger, content);
}

void Writer::put_small_unsigned(std::uint64_t value) {
  Bytes be;
  for (int shift = 56; shift >= 0; shift -= 8) {
    be.push_back(static_cast<std::uint8_t>(value >> static_cast<unsigned>(shift)));
  }
  put_unsigned(be);
}

void Writer::put_bit_string(ByteView bits) {
  Bytes content;
  content.reserve(bits.size() + 1);
  content.push_back(0);  // no unused bits
  content.insert(content.end(), bits.begin(), bits.end());
  put(kBitString, content);
}

Result<Tlv> Reader::next() {
  if (rest_.empty()) return fail(ErrorCode::kInvalidArgument, "DER: unexpected end of data");
  const std::uint8_t tag = rest_[0];
  if ((tag & 0x1fU) == 0x1fU) {
    return fail(ErrorCode::kInvalidArgument, "DER: multi-byte tags are not supported");
  }
  if (rest_.size() < 2) return fail(ErrorCode::kInvalidArgument, "DER: truncated length");
  const std::uint8_t first = rest_[1];
  std::size_t header = 2;
  std::size_t length = 0;
  if (first < 0x80) {
    length = first;
  } else if (first == 0x80) {
    return fail(ErrorCode::kInvalidArgument, "DER: indefinite length is not allowed (X.690 §10.1)");
  } else {
    const std::size_t n = first & 0x7fU;
    if (n > 4) return fail(ErrorCode::kInvalidArgument, "DER: length of more than 4 octets");
    if (rest_.size() < 2 + n) return fail(ErrorCode::kInvalidArgument, "DER: truncated length");
    if (rest_[2] == 0) {
      return fail(ErrorCode::kInvalidArgument, "DER: length has a leading zero (X.690 §10.1)");
    }
    for (std::size_t i = 0; i < n; ++i) length = (length << 8U) | rest_[2 + i];
    if (length < 0x80) {
      return fail(ErrorCode::kInvalidArgument, "DER: long form used for a short length");
    }
    header += n;
  }
  if (length > rest_.size() - header) {
    return fail(ErrorCode::kInvalidArgument,
                "DER: value of " + std::to_string(length) + " octets runs past the end of data");
  }
  Tlv tlv{tag, rest_.subspan(header, length), rest_.subspan(0, header + length)};
  rest_ = rest_.subspan(header + length);
  return tlv;
}

Result<Tlv> Reader::expect(std::uint8_t tag, std::string_view what) {
  auto tlv = next();
  if (!tlv) return fail(tlv.error().context(what));
  if (tlv->tag != tag) {
    return fail(ErrorCode::kInvalidArgument, std::string(what) + ": expected DER tag 0x" +
                                                 to_hex(ByteView(&tag, 1)) + ", got 0x" +
                                                 to_hex(ByteView(&tlv->tag, 1)));
  }
  return tlv;
}

Result<Tlv> parse_single(ByteView input, std::uint8_t tag, std::string_view what) {
  Reader reader(input);
  SIGNET_ASSIGN_OR_RETURN(Tlv tlv, reader.expect(tag, what));
  if (!reader.empty()) {
    return fail(ErrorCode::kInvalidArgument, std::string(what) + ": trailing data after DER value");
  }
  return tlv;
}

Status check_structure(ByteView input, std::size_t max_depth) {
  // Iterative walk: one reader per open constructed value, so hostile depth costs no stack.
  std::vector<Reader> stack;
  stack.emplace_back(input);
  while (!stack.empty()) {
    if (stack.back().empty()) {
      stack.pop_back();
      continue;
    }
    SIGNET_ASSIGN_OR_RETURN(const Tlv tlv, stack.back().next());
    if ((tlv.tag & 0x20U) != 0) {
      if (stack.size() >= max_depth) {
        return fail(ErrorCode::kInvalidArgument,
                    "DER: values nested deeper than " + std::to_string(max_depth) + " levels");
      }
      stack.emplace_back(tlv.content);
    }
  }
  return {};
}

Result<std::string> oid_to_string(ByteView content) {
  if (content.empty()) return fail(ErrorCode::kInvalidArgument, "DER: empty OBJECT IDENTIFIER");
  std::string out;
  std::uint64_t value = 0;
  bool first = true;
  bool start = true;
  for (const std::uint8_t octet : content) {
    if (start && octet == 0x80) {
      return fail(ErrorCode::kInvalidArgument,
                  "DER: OBJECT IDENTIFIER subidentifier has a leading 0x80 (X.690 §8.19.2)");
    }
    if (value > (std::uint64_t{1} << 56U)) {
      return fail(ErrorCode::kInvalidArgument, "DER: OBJECT IDENTIFIER subidentifier too large");
    }
    value = (value << 7U) | (octet & 0x7fU);
    start = (octet & 0x80U) == 0;
    if (!start) continue;
    if (first) {
      // The first subidentifier packs the first two arcs (X.690 §8.19.4).
      const std::uint64_t arc1 = value < 40 ? 0 : value < 80 ? 1 : 2;
      out = std::to_string(arc1) + "." + std::to_string(value - arc1 * 40);
      first = false;
    } else {
      out += "." + std::to_string(value);
    }
    value = 0;
  }
  if (!start) return fail(ErrorCode::kInvalidArgument, "DER: OBJECT IDENTIFIER is truncated");
  return out;
}

Result<bool> read_bool(const Tlv& tlv, std::string_view what) {
  if (tlv.tag != kBoolean || tlv.content.size() != 1 ||
      (tlv.content[0] != 0x00 && tlv.content[0] != 0xff)) {
    return fail(ErrorCode::kInvalidArgument,
                std::string(what) + ": BOOLEAN must be one octet 0x00 or 0xFF (X.690 §11.1)");
  }
  return tlv.content[0] == 0xff;
}

Result<ByteView> unsigned_integer(const Tlv& tlv, std::string_view what) {
  const ByteView c = tlv.content;
  if (tlv.tag != kInteger || c.empty()) {
    return fail(ErrorCode::kInvalidArgument, std::string(what) + ": not an INTEGER");
  }
  if ((c[0] & 0x80U) != 0) {
    return fail(ErrorCode::kInvalidArgument, std::string(what) + ": INTEGER is negative");
  }
  if (c.size() > 1 && c[0] == 0 && (c[1] & 0x80U) == 0) {
    return fail(ErrorCode::kInvalidArgument,
                std::string(what) + ": INTEGER is not minimally encoded (X.690 §8.3.2)");
  }
  return c[0] == 0 && c.size() > 1 ? c.subspan(1) : c;
}

Result<Bytes> ecdsa_raw_to_der(ByteView raw) {
  if (raw.empty() || raw.size() % 2 != 0 || raw.size() > 132) {
    return fail(ErrorCode::kInternal,
                "ECDSA signature from the signer has odd length " + std::to_string(raw.size()));
  }
  const std::size_t half = raw.size() / 2;
  Writer w;
  const auto seq = w.open(kSequence);
  w.put_unsigned(raw.subspan(0, half));
  w.put_unsigned(raw.subspan(half));
  w.close(seq);
  return std::move(w).take();
}

}  // namespace signet::der
