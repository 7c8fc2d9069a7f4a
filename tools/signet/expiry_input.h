// Reading the certificates `signet certs check-expiration` reports on, from files an operator
// names or a PKI directory holds. Every reader is bounded: a size cap per file, no blocking on
// FIFOs or devices, no following of symlink loops, and a message naming the file and the rule.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "signet/core/bytes.h"
#include "signet/core/ossl.h"
#include "signet/core/result.h"

namespace signet::cli::expiry {

// At most this many bytes per certificate or kubeconfig file (the largest real bundle, a full
// distribution trust store, is ~200 KiB).
inline constexpr std::size_t kMaxInputBytes = std::size_t{1024} * 1024;
// At most this many certificates in one PEM bundle or one served TLS chain.
inline constexpr std::size_t kMaxCertificatesPerInput = 256;

// Reads a regular file whole. Opens with O_NONBLOCK (a FIFO without a writer must not hang the
// open) and checks the type with fstat on the opened descriptor (no stat-then-open race); a
// symlink loop fails in open with ELOOP. A missing file is kNotFound (callers that scan a PKI
// directory report it as missing); everything else that is not a readable regular file of at
// most `limit` bytes is kInvalidArgument. `what` names the file's role in messages.
[[nodiscard]] Result<std::string> read_regular_file(const std::filesystem::path& path,
                                                    std::string_view what,
                                                    std::size_t limit = kMaxInputBytes);

// What a PEM input may hold besides certificates.
enum class PemPolicy {
  kCertificatesOnly,  // any other block is refused (named in the message)
  kSkipOtherBlocks,   // other blocks are wiped and skipped: a kubelet's
                      // kubelet-client-current.pem holds its certificate and its key
};

// The certificates in `data`: a PEM bundle (RFC 7468 §5: one or more CERTIFICATE blocks,
// explanatory text between them allowed) or one DER certificate (X.690). Refuses PEM blocks with
// another label (a private key in a certificate file is an operator error worth naming), DER
// with trailing bytes, more than kMaxCertificatesPerInput certificates, and input with none.
[[nodiscard]] Result<std::vector<ossl::X509Ptr>> parse_certificates(
    ByteView data, std::string_view what, PemPolicy policy = PemPolicy::kCertificatesOnly);

}  // namespace signet::cli::expiry
