#include "session.h"

#include <optional>
#include <string>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "tls_context.h"

namespace signet::serve {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

// How long a TLS close_notify exchange may take before the socket is simply closed.
constexpr std::chrono::seconds kShutdownTimeout{2};
constexpr std::size_t kReadChunk = 4096;

template <class Stream>
constexpr bool kIsTls = !std::is_same_v<Stream, beast::tcp_stream>;

template <class Stream>
class Connection final : public Session, public std::enable_shared_from_this<Connection<Stream>> {
 public:
  template <class... Args>
  Connection(SessionHost& host, Args&&... args)
      : host_(host), stream_(std::forward<Args>(args)...) {}
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  Connection(Connection&&) = delete;
  Connection& operator=(Connection&&) = delete;
  ~Connection() override { host_.closed(this); }

  void start() {
    host_.opened(this->shared_from_this());
    if constexpr (kIsTls<Stream>) {
      phase_ = Phase::kHandshake;
      lowest().expires_after(host_.limits().header_timeout);
      stream_.async_handshake(
          asio::ssl::stream_base::server,
          [self = this->shared_from_this()](beast::error_code ec) { self->on_handshake(ec); });
    } else {
      read_next();
    }
  }

  void drain() override {
    asio::dispatch(stream_.get_executor(), [self = this->shared_from_this()] {
      self->draining_ = true;
      if (self->phase_ == Phase::kIdle) self->lowest().cancel();
    });
  }

 private:
  enum class Phase { kHandshake, kIdle, kReading, kHandling, kWriting, kClosing };

  beast::tcp_stream& lowest() { return beast::get_lowest_layer(stream_); }

  void on_handshake(beast::error_code ec) {
    if (ec) return close();  // no or bad client certificate: OpenSSL has sent the alert
    if constexpr (kIsTls<Stream>) peer_ = peer_identity(stream_.native_handle());
    read_next();
  }

  void read_next() {
    if (draining_ || host_.draining()) return shutdown();
    phase_ = Phase::kIdle;
    if (buffer_.size() > 0) return read_header();  // a pipelined request is already here
    lowest().expires_after(host_.limits().idle_timeout);
    stream_.async_read_some(buffer_.prepare(kReadChunk),
                            [self = this->shared_from_this()](beast::error_code ec, std::size_t n) {
                              if (ec) return self->close();  // idle timeout, EOF, drain
                              self->buffer_.commit(n);
                              self->read_header();
                            });
  }

  void read_header() {
    phase_ = Phase::kReading;
    parser_ = std::make_unique<http::request_parser<http::string_body>>();
    parser_->header_limit(static_cast<std::uint32_t>(host_.limits().max_header_bytes));
    parser_->body_limit(host_.limits().max_body_bytes);
    // From the first byte, the whole head must arrive within header_timeout: a slow-loris
    // client dribbling header bytes is closed at that deadline.
    lowest().expires_after(host_.limits().header_timeout);
    http::async_read_header(stream_, buffer_, *parser_,
                            [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                              self->on_header(ec);
                            });
  }

  void on_header(beast::error_code ec) {
    if (ec) return refuse_read(ec);
    if (const auto length = parser_->content_length();
        length && *length > host_.limits().max_body_bytes) {
      return refuse_read(http::error::body_limit);  // refused before a byte of it is read
    }
    lowest().expires_after(host_.limits().body_timeout);
    http::async_read(
        stream_, buffer_, *parser_,
        [self = this->shared_from_this()](beast::error_code e, std::size_t) { self->on_body(e); });
  }

  void refuse_read(beast::error_code ec) {
    if (ec == http::error::header_limit) {
      return answer_and_close(431, "request header larger than " +
                                       std::to_string(host_.limits().max_header_bytes) + " bytes");
    }
    if (ec == http::error::body_limit) {
      return answer_and_close(413, "request body larger than " +
                                       std::to_string(host_.limits().max_body_bytes) + " bytes");
    }
    const bool http_syntax = ec.category() == make_error_code(http::error::bad_method).category() &&
                             ec != http::error::end_of_stream;
    if (!http_syntax) {
      return close();  // timed out (slow loris), gone, or a transport error: nothing to answer
    }
    return answer_and_close(400, "malformed HTTP request: " + ec.message());
  }

  void answer_and_close(unsigned status, const std::string& message) {
    draining_ = true;  // the connection ends after this answer
    write(Response{status, message + "\n", "text/plain; charset=utf-8", std::nullopt}, false);
  }

  void on_body(beast::error_code ec) {
    if (ec) return refuse_read(ec);
    auto& msg = parser_->get();
    Request request;
    request.method = std::string(msg.method_string());
    request.target = std::string(msg.target());
    request.body = std::move(msg.body());
    request.tls = kIsTls<Stream>;
    request.peer = peer_;
    const bool keep_alive = msg.keep_alive();
    phase_ = Phase::kHandling;
    lowest().expires_never();
    // The handler may block on the token: it runs on the signing pool. The work guard keeps the
    // I/O threads' run() alive until the answer is back on this connection's strand.
    asio::post(host_.sign_pool(),
               [self = this->shared_from_this(), request = std::move(request), keep_alive,
                guard = asio::make_work_guard(stream_.get_executor())]() mutable {
                 const std::shared_ptr<const Service> service = self->host_.service();
                 Response response = route(*service, request);
                 asio::post(self->stream_.get_executor(),
                            [self, response = std::move(response), keep_alive]() mutable {
                              self->write(std::move(response), keep_alive);
                            });
               });
  }

  void write(Response response, bool keep_alive) {
    phase_ = Phase::kWriting;
    response_ = {};
    response_.version(11);
    response_.result(response.status);
    response_.set(http::field::server, "signet");
    response_.set(http::field::content_type, response.content_type);
    if (response.retry_after) {
      response_.set(http::field::retry_after, std::to_string(*response.retry_after));
    }
    response_.body() = std::move(response.body);
    response_.keep_alive(keep_alive && !draining_ && !host_.draining());
    response_.prepare_payload();
    lowest().expires_after(host_.limits().body_timeout);
    http::async_write(stream_, response_,
                      [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                        if (ec) return self->close();
                        if (!self->response_.keep_alive()) return self->shutdown();
                        self->read_next();
                      });
  }

  void shutdown() {
    phase_ = Phase::kClosing;
    if constexpr (kIsTls<Stream>) {
      lowest().expires_after(kShutdownTimeout);
      stream_.async_shutdown(
          [self = this->shared_from_this()](beast::error_code) { self->close(); });
    } else {
      close();
    }
  }

  void close() {
    phase_ = Phase::kClosing;
    beast::error_code ignored;
    lowest().socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    lowest().close();
  }

  SessionHost& host_;
  Stream stream_;
  beast::flat_buffer buffer_;
  // A fresh parser per request (Beast parsers are single-use).
  std::unique_ptr<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> response_;
  std::optional<PeerIdentity> peer_;
  Phase phase_ = Phase::kIdle;
  bool draining_ = false;
};

}  // namespace

void start_tls_session(asio::ip::tcp::socket socket, asio::ssl::context& tls, SessionHost& host) {
  auto c = std::make_shared<Connection<beast::ssl_stream<beast::tcp_stream>>>(
      host, std::move(socket), tls);
  c->start();
}

void start_plain_session(asio::ip::tcp::socket socket, SessionHost& host) {
  auto c = std::make_shared<Connection<beast::tcp_stream>>(host, std::move(socket));
  c->start();
}

}  // namespace signet::serve
