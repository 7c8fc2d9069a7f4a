#include "tls_chain.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <memory>
#include <system_error>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "expiry_input.h"

namespace signet::cli::expiry {

namespace {

using Clock = std::chrono::steady_clock;

struct SslFree {
  void operator()(SSL_CTX* p) const noexcept { SSL_CTX_free(p); }
  void operator()(SSL* p) const noexcept { SSL_free(p); }
  void operator()(addrinfo* p) const noexcept { freeaddrinfo(p); }
};
using SslCtxPtr = std::unique_ptr<SSL_CTX, SslFree>;
using SslPtr = std::unique_ptr<SSL, SslFree>;
using AddrInfoPtr = std::unique_ptr<addrinfo, SslFree>;

class Socket {
 public:
  explicit Socket(int fd) noexcept : fd_(fd) {}
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  Socket(Socket&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  Socket& operator=(Socket&&) = delete;
  ~Socket() {
    if (fd_ >= 0) ::close(fd_);
  }
  [[nodiscard]] int get() const noexcept { return fd_; }

 private:
  int fd_;
};

std::string tls_errno_text(int err) {
  return std::error_code(err, std::generic_category()).message();
}

bool is_ip_literal(const std::string& host) {
  in6_addr a6{};
  in_addr a4{};
  return inet_pton(AF_INET, host.c_str(), &a4) == 1 || inet_pton(AF_INET6, host.c_str(), &a6) == 1;
}

// Milliseconds left until `deadline`, at least 0, for poll().
int remaining_ms(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return left.count() > 0 ? static_cast<int>(left.count()) : 0;
}

// Waits for `events` on `fd` until `deadline`: true when ready, false on timeout.
Result<bool> wait_for(int fd, short events, Clock::time_point deadline) {
  for (;;) {
    pollfd p{fd, events, 0};
    const int n = ::poll(&p, 1, remaining_ms(deadline));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail(ErrorCode::kInternal, "poll: " + tls_errno_text(errno));
    return n > 0;
  }
}

// A non-blocking connect to one address, bounded by `deadline`.
Result<Socket> connect_one(const addrinfo& ai, Clock::time_point deadline, const std::string& who) {
  Socket sock(
      ::socket(ai.ai_family, ai.ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai.ai_protocol));
  if (sock.get() < 0) {
    return fail(ErrorCode::kUnavailable, who + ": socket: " + tls_errno_text(errno));
  }
  if (::connect(sock.get(), ai.ai_addr, ai.ai_addrlen) != 0) {
    if (errno != EINPROGRESS) {
      return fail(ErrorCode::kUnavailable, who + ": connect: " + tls_errno_text(errno));
    }
    SIGNET_ASSIGN_OR_RETURN(const bool ready, wait_for(sock.get(), POLLOUT, deadline));
    if (!ready) {
      return fail(ErrorCode::kDeadlineExceeded, who + ": connect timed out");
    }
    int err = 0;
    socklen_t len = sizeof err;
    if (::getsockopt(sock.get(), SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
    if (err != 0) return fail(ErrorCode::kUnavailable, who + ": connect: " + tls_errno_text(err));
  }
  return sock;
}

Result<Socket> connect_endpoint(const Endpoint& endpoint, std::chrono::milliseconds timeout) {
  const std::string who = "endpoint " + endpoint.text();
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* raw = nullptr;
  const int gai = ::getaddrinfo(endpoint.host.c_str(), endpoint.port.c_str(), &hints, &raw);
  const AddrInfoPtr list(raw);
  if (gai != 0) {
    const bool transient = gai == EAI_AGAIN;
    return fail(transient ? ErrorCode::kUnavailable : ErrorCode::kNotFound,
                who + ": cannot resolve '" + endpoint.host + "': " + gai_strerror(gai));
  }
  const auto deadline = Clock::now() + timeout;
  Error last(ErrorCode::kUnavailable, who + ": no address to connect to");
  for (const addrinfo* ai = list.get(); ai != nullptr; ai = ai->ai_next) {
    auto sock = connect_one(*ai, deadline, who);
    if (sock) return std::move(*sock);
    last = std::move(sock).error();
  }
  return fail(std::move(last));
}

}  // namespace

std::string Endpoint::text() const {
  return host.find(':') != std::string::npos ? "[" + host + "]:" + port : host + ":" + port;
}

Result<Endpoint> parse_endpoint(std::string_view text) {
  const std::string shown(text.substr(0, 300));
  const auto bad = [&](const std::string& why) {
    return fail(ErrorCode::kInvalidArgument,
                "--endpoint '" + shown + "' must be HOST:PORT or [IPv6]:PORT: " + why);
  };
  if (text.size() > 300) return bad("longer than 300 characters");
  Endpoint e;
  std::string_view port;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return bad("no ']:' after the IPv6 address");
    }
    e.host = std::string(text.substr(1, close - 1));
    port = text.substr(close + 2);
    if (!is_ip_literal(e.host) || e.host.find(':') == std::string::npos) {
      return bad("'" + e.host + "' is not an IPv6 address");
    }
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos) return bad("no port");
    e.host = std::string(text.substr(0, colon));
    port = text.substr(colon + 1);
    if (e.host.find(':') != std::string::npos) return bad("an IPv6 address needs brackets");
  }
  if (e.host.empty()) return bad("empty host");
  for (const char c : e.host) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '.' || c == ':' || c == '_';
    if (!ok) return bad("the host has a character outside [A-Za-z0-9.-_:]");
  }
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || ec != std::errc() || end != port.data() + port.size() || value == 0 ||
      value > 65535 || port.front() == '0') {
    return bad("the port must be 1-65535");
  }
  e.port = std::string(port);
  return e;
}

Result<std::vector<ossl::X509Ptr>> fetch_served_chain(const Endpoint& endpoint,
                                                      std::chrono::milliseconds timeout) {
  const std::string who = "endpoint " + endpoint.text();
  SIGNET_ASSIGN_OR_RETURN(const Socket sock, connect_endpoint(endpoint, timeout));

  SslCtxPtr ctx(SSL_CTX_new(TLS_client_method()));
  if (!ctx) return fail(ErrorCode::kInternal, "SSL_CTX_new: " + ossl::drain_errors());
  // Reporting, not trusting: the chain is read without verification (SSL_VERIFY_NONE) and
  // checked afterwards against the CAs the operator gave. TLS 1.2 is the floor Kubernetes keeps.
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_NONE, nullptr);
  SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION);
  SslPtr ssl(SSL_new(ctx.get()));
  if (!ssl || SSL_set_fd(ssl.get(), sock.get()) != 1) {
    return fail(ErrorCode::kInternal, "SSL_new: " + ossl::drain_errors());
  }
  // SSL_set_tlsext_host_name spelled out: the macro's C cast trips -Wold-style-cast. OpenSSL
  // copies the name (ssl/s3_lib.c), so the string need not outlive the call.
  if (!is_ip_literal(endpoint.host) &&
      SSL_ctrl(ssl.get(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
               const_cast<char*>(endpoint.host.c_str())) != 1) {  // NOLINT(*-const-cast)
    return fail(ErrorCode::kInvalidArgument,
                who + ": host is not a valid SNI name: " + ossl::drain_errors());
  }
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    const int rc = SSL_connect(ssl.get());
    if (rc == 1) break;
    const int err = SSL_get_error(ssl.get(), rc);
    if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
      SIGNET_ASSIGN_OR_RETURN(
          const bool ready,
          wait_for(sock.get(), err == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, deadline));
      if (!ready) {
        ossl::drain_errors();
        return fail(ErrorCode::kDeadlineExceeded, who + ": TLS handshake timed out after " +
                                                      std::to_string(timeout.count()) + " ms");
      }
      continue;
    }
    if (err == SSL_ERROR_SYSCALL && ERR_peek_error() == 0) {
      return fail(ErrorCode::kUnavailable,
                  who + ": the server closed the connection during the TLS handshake");
    }
    return fail(ErrorCode::kFailedPrecondition,
                who + ": TLS handshake failed (is it a TLS server?): " + ossl::drain_errors());
  }
  // On a client, SSL_get_peer_cert_chain includes the leaf (SSL_get_peer_cert_chain(3)).
  STACK_OF(X509)* chain = SSL_get_peer_cert_chain(ssl.get());
  const int count = chain == nullptr ? 0 : sk_X509_num(chain);
  if (count <= 0) {
    return fail(ErrorCode::kFailedPrecondition, who + ": the server sent no certificate");
  }
  if (static_cast<std::size_t>(count) > kMaxCertificatesPerInput) {
    return fail(ErrorCode::kFailedPrecondition, who + ": the server sent " + std::to_string(count) +
                                                    " certificates, more than " +
                                                    std::to_string(kMaxCertificatesPerInput));
  }
  std::vector<ossl::X509Ptr> out;
  for (int i = 0; i < count; ++i) {
    X509* cert = sk_X509_value(chain, i);
    X509_up_ref(cert);
    out.emplace_back(cert);
  }
  // A best-effort close_notify (RFC 8446 §6.1); the socket is non-blocking, so this never waits.
  SSL_shutdown(ssl.get());
  ossl::drain_errors();
  return out;
}

}  // namespace signet::cli::expiry
