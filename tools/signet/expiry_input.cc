#include "expiry_input.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

namespace signet::cli::expiry {

namespace {

// Closes the descriptor on every path out of read_regular_file.
class InputFd {
 public:
  explicit InputFd(int fd) noexcept : fd_(fd) {}
  InputFd(const InputFd&) = delete;
  InputFd& operator=(const InputFd&) = delete;
  ~InputFd() {
    if (fd_ >= 0) ::close(fd_);
  }
  [[nodiscard]] int get() const noexcept { return fd_; }

 private:
  int fd_;
};

std::string input_errno_text(int err) {
  return std::error_code(err, std::generic_category()).message();
}

// "-----BEGIN " anywhere marks PEM: RFC 7468 §5.2 lets explanatory text precede the first block.
bool looks_like_pem(ByteView data) {
  constexpr std::string_view kBegin = "-----BEGIN ";
  return as_text(data).find(kBegin) != std::string_view::npos;
}

Result<ossl::X509Ptr> der_certificate(ByteView der, std::string_view what, std::string_view where) {
  const unsigned char* p = der.data();
  ossl::X509Ptr cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  if (!cert) {
    return fail(ErrorCode::kInvalidArgument, std::string(what) + ": " + std::string(where) +
                                                 " is not a DER X.509 certificate (" +
                                                 ossl::drain_errors() + ")");
  }
  // X.690 §8.1.1: one TLV; bytes after it would be silently ignored by d2i_X509.
  if (p != der.data() + der.size()) {
    return fail(ErrorCode::kInvalidArgument, std::string(what) + ": " + std::string(where) +
                                                 " has " +
                                                 std::to_string(der.data() + der.size() - p) +
                                                 " bytes after the DER certificate");
  }
  return cert;
}

Result<std::vector<ossl::X509Ptr>> pem_certificates(ByteView data, std::string_view what,
                                                    PemPolicy policy) {
  ossl::BioPtr bio(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
  if (!bio) return fail(ErrorCode::kResourceExhausted, "BIO_new_mem_buf failed");
  std::vector<ossl::X509Ptr> certs;
  for (std::size_t index = 0;; ++index) {
    char* name_raw = nullptr;
    char* header_raw = nullptr;
    unsigned char* body_raw = nullptr;
    long length = 0;
    const int ok = PEM_read_bio(bio.get(), &name_raw, &header_raw, &body_raw, &length);
    const ossl::StringPtr name(name_raw);
    const ossl::StringPtr header(header_raw);
    const ossl::BufferPtr body(body_raw);
    if (ok != 1) {
      // PEM_R_NO_START_LINE at the end is the normal way out; anything else is a broken block.
      const unsigned long err = ERR_peek_last_error();
      const bool clean_end = ERR_GET_LIB(err) == ERR_LIB_PEM &&
                             ERR_GET_REASON(err) == PEM_R_NO_START_LINE && index > 0;
      if (clean_end && !certs.empty()) {
        ossl::drain_errors();
        break;
      }
      if (clean_end) {
        ossl::drain_errors();
        return fail(ErrorCode::kInvalidArgument,
                    std::string(what) + " holds no CERTIFICATE block (RFC 7468 §5)");
      }
      return fail(ErrorCode::kInvalidArgument,
                  std::string(what) + ": PEM block " + std::to_string(index + 1) +
                      " is malformed (RFC 7468): " + ossl::drain_errors());
    }
    const std::string label = name ? name.get() : "";
    if (label != "CERTIFICATE") {
      // Another label may be a private key: wipe it before it is freed.
      if (body_raw != nullptr && length > 0) OPENSSL_cleanse(body_raw, static_cast<size_t>(length));
      if (policy == PemPolicy::kSkipOtherBlocks) continue;
      return fail(ErrorCode::kInvalidArgument,
                  std::string(what) + ": PEM block " + std::to_string(index + 1) + " is '" +
                      label.substr(0, 64) + "', expected 'CERTIFICATE' (RFC 7468 §5)");
    }
    if (certs.size() == kMaxCertificatesPerInput) {
      return fail(ErrorCode::kInvalidArgument, std::string(what) + " holds more than " +
                                                   std::to_string(kMaxCertificatesPerInput) +
                                                   " certificates");
    }
    SIGNET_ASSIGN_OR_RETURN(
        auto cert, der_certificate(ByteView(body_raw, static_cast<std::size_t>(length)), what,
                                   "PEM block " + std::to_string(index + 1)));
    certs.push_back(std::move(cert));
  }
  return certs;
}

}  // namespace

Result<std::string> read_regular_file(const std::filesystem::path& path, std::string_view what,
                                      std::size_t limit) {
  const std::string who = std::string(what) + " " + path.string();
  // O_NONBLOCK: opening a FIFO for reading blocks until a writer appears; with it the open
  // returns and fstat below refuses the FIFO. O_NOCTTY: a terminal device must not become ours.
  InputFd fd(::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY));  // NOLINT
  if (fd.get() < 0) {
    const int err = errno;
    if (err == ENOENT) return fail(ErrorCode::kNotFound, who + " does not exist");
    if (err == ELOOP) {
      return fail(ErrorCode::kInvalidArgument, who + " is a symlink loop (too many levels)");
    }
    return fail(ErrorCode::kInvalidArgument, "cannot open " + who + ": " + input_errno_text(err));
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) {
    return fail(ErrorCode::kInvalidArgument, "cannot stat " + who + ": " + input_errno_text(errno));
  }
  if (!S_ISREG(st.st_mode)) {  // NOLINT(hicpp-signed-bitwise)
    return fail(ErrorCode::kInvalidArgument,
                who + " is not a regular file (FIFOs, devices and directories are refused)");
  }
  if (static_cast<std::uintmax_t>(st.st_size) > limit) {
    return fail(ErrorCode::kInvalidArgument, who + " is " + std::to_string(st.st_size) +
                                                 " bytes, more than the limit of " +
                                                 std::to_string(limit));
  }
  // Read at most limit + 1 bytes: the file may grow between fstat and read.
  std::string data(limit + 1, '\0');
  std::size_t got = 0;
  while (got < data.size()) {
    const ssize_t n = ::read(fd.get(), data.data() + got, data.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      return fail(ErrorCode::kInvalidArgument,
                  "cannot read " + who + ": " + input_errno_text(errno));
    }
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  if (got > limit) {
    return fail(ErrorCode::kInvalidArgument,
                who + " is larger than the limit of " + std::to_string(limit) + " bytes");
  }
  data.resize(got);
  return data;
}

Result<std::vector<ossl::X509Ptr>> parse_certificates(ByteView data, std::string_view what,
                                                      PemPolicy policy) {
  if (data.empty()) {
    return fail(ErrorCode::kInvalidArgument, std::string(what) + " is empty");
  }
  if (data.size() > kMaxInputBytes) {
    return fail(ErrorCode::kInvalidArgument,
                std::string(what) + " is larger than " + std::to_string(kMaxInputBytes) + " bytes");
  }
  if (looks_like_pem(data)) return pem_certificates(data, what, policy);
  // DER starts with a SEQUENCE tag (X.690 §8.9); anything else is neither form.
  if (data[0] != 0x30) {
    return fail(ErrorCode::kInvalidArgument,
                std::string(what) +
                    " is neither PEM (no '-----BEGIN ' line) nor DER (does not "
                    "start with a SEQUENCE)");
  }
  SIGNET_ASSIGN_OR_RETURN(auto cert, der_certificate(data, what, "the DER input"));
  std::vector<ossl::X509Ptr> certs;
  certs.push_back(std::move(cert));
  return certs;
}

}  // namespace signet::cli::expiry
