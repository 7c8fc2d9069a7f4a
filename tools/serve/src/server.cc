// The server: io_context with Limits::io_threads threads, one accept loop per listener, a
// signing pool for handlers, and the drain on stop()/SIGTERM/SIGINT.
#include "signet/serve/server.h"

#include <iostream>
#include <mutex>
#include <thread>
#include <unordered_map>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>

#include "metrics.h"
#include "rate_limiter.h"
#include "service.h"
#include "session.h"
#include "tls_context.h"

namespace signet::serve {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

struct Server::Impl final : SessionHost {
  explicit Impl(ServerParts p)
      : parts(std::move(p)),
        ioc(static_cast<int>(parts.config.limits.io_threads)),
        strand(asio::make_strand(ioc)),
        pool(parts.config.limits.sign_threads),
        signals(strand, SIGTERM, SIGINT),
        drain_timer(strand),
        metrics(granted_pairs(parts.config)),
        limiter(parts.config),
        svc{parts.config,  parts.profiles, parts.cas, *parts.recorder,
            draining_flag, metrics,        limiter} {}
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;
  Impl(Impl&&) = delete;
  Impl& operator=(Impl&&) = delete;
  ~Impl() override = default;

  struct Listener {
    std::unique_ptr<tcp::acceptor> acceptor;
    bool plain = false;
  };

  // SessionHost
  const Service& service() const override { return svc; }
  const Limits& limits() const override { return parts.config.limits; }
  asio::thread_pool& sign_pool() override { return pool; }
  bool draining() const override { return draining_flag.load(); }
  void opened(const std::shared_ptr<Session>& s) override {
    const std::lock_guard lock(mutex);
    sessions.emplace(s.get(), s);
  }
  void closed(Session* s) override {
    bool last = false;
    {
      const std::lock_guard lock(mutex);
      sessions.erase(s);
      last = sessions.empty();
    }
    if (last && draining_flag.load()) {
      asio::post(strand, [this] { drain_timer.cancel(); });
    }
  }

  void accept(Listener& l) {
    l.acceptor->async_accept(asio::make_strand(ioc),
                             [this, &l](boost::system::error_code ec, tcp::socket socket) {
                               if (ec == asio::error::operation_aborted || !l.acceptor->is_open())
                                 return;
                               if (!ec) {
                                 if (l.plain) {
                                   start_plain_session(std::move(socket), *this);
                                 } else {
                                   start_tls_session(std::move(socket), *tls, *this);
                                 }
                               }
                               accept(l);
                             });
  }

  // On the strand: stop accepting, close idle connections, let the busy ones answer.
  void begin_drain() {
    if (draining_flag.exchange(true)) return;
    boost::system::error_code ignored;
    signals.cancel(ignored);
    for (auto& l : listeners) l.acceptor->close(ignored);
    std::vector<std::weak_ptr<Session>> open;
    {
      const std::lock_guard lock(mutex);
      for (const auto& [p, w] : sessions) open.push_back(w);
    }
    if (open.empty()) return;
    drain_timer.expires_after(parts.config.limits.drain_timeout);
    drain_timer.async_wait([this](boost::system::error_code ec) {
      if (ec) return;  // cancelled: the last connection closed in time
      drain_timed_out = true;
      ioc.stop();
    });
    for (auto& w : open) {
      if (auto s = w.lock()) s->drain();
    }
  }

  // Every (CA, profile) a grant allows: the signet_signatures_total series.
  static std::vector<std::pair<std::string, std::string>> granted_pairs(const ServerConfig& c) {
    std::vector<std::pair<std::string, std::string>> out;
    const auto add = [&](const Grant& g) {
      for (const auto& p : g.profiles) out.emplace_back(g.ca, p);
    };
    for (const auto& r : c.clients) add(r.grant);
    for (const auto& k : c.hmac_keys) add(k.grant);
    return out;
  }

  ServerParts parts;
  asio::io_context ioc;
  asio::strand<asio::io_context::executor_type> strand;
  asio::thread_pool pool;
  asio::signal_set signals;
  asio::steady_timer drain_timer;
  std::atomic<bool> draining_flag{false};
  Metrics metrics;
  RateLimiter limiter;
  Service svc;
  std::unique_ptr<asio::ssl::context> tls;
  std::vector<Listener> listeners;
  std::vector<std::string> urls;
  std::mutex mutex;
  std::unordered_map<Session*, std::weak_ptr<Session>> sessions;
  bool drain_timed_out = false;
};

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Server::~Server() {
  if (impl_) impl_->pool.join();
}

Result<std::unique_ptr<Server>> Server::create(ServerParts parts) {
  const ServerConfig& config = parts.config;
  if (config.listeners.empty()) {
    return fail(ErrorCode::kInvalidArgument,
                "serve: no listener (give --listen ADDRESS or \"listeners\" in the config)");
  }
  if (!parts.recorder) {
    return fail(ErrorCode::kInvalidArgument, "serve: no issuance recorder");
  }
  SIGNET_RETURN_IF_ERROR(config.check_against(parts.profiles));
  for (const auto& name : config.cas) {
    const bool loaded = std::any_of(parts.cas.begin(), parts.cas.end(),
                                    [&](const ServedCa& c) { return c.name == name && c.signer; });
    if (!loaded) return fail(ErrorCode::kInvalidArgument, "serve: CA '" + name + "' not loaded");
  }
  for (const auto& ca : parts.cas)
    SIGNET_RETURN_IF_ERROR(check_signer_matches(ca.certificate, *ca.signer));

  auto impl = std::make_unique<Impl>(std::move(parts));
  const bool any_tls =
      std::any_of(impl->parts.config.listeners.begin(), impl->parts.config.listeners.end(),
                  [](const ListenerConfig& l) { return !l.plain_http; });
  if (any_tls) {
    if (!impl->parts.config.tls || !impl->parts.tls_identity) {
      return fail(ErrorCode::kInvalidArgument, "serve: a TLS listener needs \"tls\" and a key");
    }
    SIGNET_ASSIGN_OR_RETURN(impl->tls,
                            make_tls_context(*impl->parts.config.tls, *impl->parts.tls_identity));
  }
  for (const auto& lc : impl->parts.config.listeners) {
    if (lc.plain_http && !is_loopback(lc.address)) {  // ServerConfig::parse refused it already
      return fail(ErrorCode::kInvalidArgument,
                  "serve: plain HTTP only on loopback, got " + lc.address.text());
    }
    boost::system::error_code ec;
    const auto address = asio::ip::make_address(lc.address.host, ec);
    if (ec) return fail(ErrorCode::kInvalidArgument, "serve: bad address " + lc.address.text());
    auto acceptor = std::make_unique<tcp::acceptor>(impl->ioc);
    const tcp::endpoint endpoint(address, lc.address.port);
    acceptor->open(endpoint.protocol(), ec);
    if (!ec) acceptor->set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor->bind(endpoint, ec);
    if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      return fail(ErrorCode::kUnavailable,
                  "serve: cannot listen on " + lc.address.text() + ": " + ec.message());
    }
    const auto bound = acceptor->local_endpoint(ec);
    ListenAddress shown_address = lc.address;
    shown_address.port = bound.port();
    impl->urls.push_back((lc.plain_http ? "http://" : "https://") + shown_address.text());
    impl->listeners.push_back({std::move(acceptor), lc.plain_http});
  }
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

std::vector<std::string> Server::urls() const {
  return impl_->urls;
}

Status Server::run() {
  Impl& s = *impl_;
  s.signals.async_wait([&s](boost::system::error_code ec, int) {
    if (!ec) s.begin_drain();
  });
  for (auto& l : s.listeners) s.accept(l);
  std::vector<std::thread> threads;
  for (unsigned i = 1; i < s.parts.config.limits.io_threads; ++i) {
    threads.emplace_back([&s] { s.ioc.run(); });
  }
  s.ioc.run();
  for (auto& t : threads) t.join();
  s.pool.join();
  if (s.drain_timed_out) {
    return fail(ErrorCode::kDeadlineExceeded,
                "serve: requests still in flight after the drain timeout (" +
                    format_duration(s.parts.config.limits.drain_timeout) + ") were cut off");
  }
  return {};
}

void Server::stop() {
  asio::post(impl_->strand, [impl = impl_.get()] { impl->begin_drain(); });
}

}  // namespace signet::serve
