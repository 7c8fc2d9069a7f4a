// One client connection: TLS handshake (or plain TCP on a loopback HMAC listener), then HTTP/1.1
// requests with keep-alive, each bounded in size (header, body) and time (idle, header, body).
// Handlers run on the signing pool, never on the I/O threads (a token's C_Sign blocks).
#pragma once

#include <memory>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/thread_pool.hpp>

#include "signet/serve/config.h"

#include "service.h"

namespace signet::serve {

class Session {
 public:
  Session() = default;
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;
  Session(Session&&) = delete;
  Session& operator=(Session&&) = delete;
  virtual ~Session() = default;
  // Graceful shutdown: an idle connection closes now; one with a request in flight answers it
  // (with Connection: close) and then closes. Thread-safe.
  virtual void drain() = 0;
};

// What a session needs from the server; the server outlives every session.
class SessionHost {
 public:
  SessionHost() = default;
  SessionHost(const SessionHost&) = delete;
  SessionHost& operator=(const SessionHost&) = delete;
  SessionHost(SessionHost&&) = delete;
  SessionHost& operator=(SessionHost&&) = delete;
  virtual ~SessionHost() = default;

  // The current config generation's service (SIGHUP swaps it; a request keeps the one it
  // started with).
  [[nodiscard]] virtual std::shared_ptr<const Service> service() const = 0;
  [[nodiscard]] virtual const Limits& limits() const = 0;
  [[nodiscard]] virtual boost::asio::thread_pool& sign_pool() = 0;
  [[nodiscard]] virtual bool draining() const = 0;
  virtual void opened(const std::shared_ptr<Session>& session) = 0;
  virtual void closed(Session* session) = 0;
};

// `socket` must be bound to a strand of its own (the accept loop makes one per connection).
void start_tls_session(boost::asio::ip::tcp::socket socket, boost::asio::ssl::context& tls,
                       SessionHost& host);
void start_plain_session(boost::asio::ip::tcp::socket socket, SessionHost& host);

}  // namespace signet::serve
