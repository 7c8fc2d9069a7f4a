#include "signet/core/pem.h"

#include <string>

#include <openssl/evp.h>

namespace signet {
namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

// Strict base64 (RFC 4648 §4) of `text` with whitespace removed.
Result<Bytes> decode_base64(std::string_view text, std::string_view what) {
  std::string clean;
  clean.reserve(text.size());
  for (const char c : text) {
    if (!is_space(c)) clean.push_back(c);
  }
  if (clean.empty() || clean.size() % 4 != 0) {
    return fail(ErrorCode::kInvalidArgument,
                std::string(what) + ": PEM body is not valid base64 (length)");
  }
  Bytes out(clean.size() / 4 * 3);
  const int n = EVP_DecodeBlock(out.data(), as_bytes(clean).data(), static_cast<int>(clean.size()));
  if (n < 0) {
    return fail(ErrorCode::kInvalidArgument, std::string(what) + ": PEM body is not valid base64");
  }
  // EVP_DecodeBlock counts padding as zero bytes; drop them.
  std::size_t pad = 0;
  if (clean.back() == '=') ++pad;
  if (clean.size() >= 2 && clean[clean.size() - 2] == '=') ++pad;
  out.resize(static_cast<std::size_t>(n) - pad);
  return out;
}

}  // namespace

Result<Bytes> pem_or_der(ByteView input, std::string_view label, std::string_view what) {
  const std::string_view text = as_text(input);
  std::size_t start = 0;
  while (start < text.size() && is_space(text[start])) ++start;
  if (text.substr(start, 10) != "-----BEGIN") {
    if (input.empty()) return fail(ErrorCode::kInvalidArgument, std::string(what) + ": empty");
    return Bytes(input.begin(), input.end());
  }
  const std::string begin = "-----BEGIN " + std::string(label) + "-----";
  const std::string end = "-----END " + std::string(label) + "-----";
  if (text.substr(start, begin.size()) != begin) {
    const auto eol = text.find('\n', start);
    return fail(ErrorCode::kInvalidArgument,
                std::string(what) + ": expected a PEM '" + std::string(label) + "' block, found '" +
                    std::string(text.substr(start, std::min<std::size_t>(eol - start, 64))) + "'");
  }
  const std::size_t body = start + begin.size();
  const std::size_t end_at = text.find(end, body);
  if (end_at == std::string_view::npos) {
    return fail(ErrorCode::kInvalidArgument, std::string(what) + ": PEM block has no END line");
  }
  for (std::size_t i = end_at + end.size(); i < text.size(); ++i) {
    if (!is_space(text[i])) {
      return fail(ErrorCode::kInvalidArgument,
                  std::string(what) + ": data after the PEM block (exactly one block expected)");
    }
  }
  const std::string_view b64 = text.substr(body, end_at - body);
  if (b64.find(':') != std::string_view::npos) {
    return fail(ErrorCode::kInvalidArgument,
                std::string(what) + ": PEM headers (encrypted PEM) are not accepted");
  }
  return decode_base64(b64, what);
}

std::string pem_encode(std::string_view label, ByteView der) {
  std::string b64(4 * ((der.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(b64.data()),  // NOLINT
                                der.data(), static_cast<int>(der.size()));
  b64.resize(static_cast<std::size_t>(n));
  std::string out = "-----BEGIN " + std::string(label) + "-----\n";
  for (std::size_t i = 0; i < b64.size(); i += 64) {
    out.append(b64, i, 64);
    out += '\n';
  }
  out += "-----END " + std::string(label) + "-----\n";
  return out;
}

}  // namespace signet
