// The server: io_context with Limits::io_threads threads, one accept loop per listener, a
// signing pool for handlers, and the drain on stop()/SIGTERM/SIGINT.
#include "signet/serve/server.h"

#include <algorithm>
#include <iostream>
#include <mutex>
#include <optional>
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

// One config generation: what a request is handled under from start to end (SIGHUP makes a
// new one; requests in flight keep theirs through the shared_ptr).
struct Generation {
  Generation(ServerConfig c, ProfileSet p, const std::vector<ServedCa>& cas,
             IssuanceRecorder& recorder, const std::atomic<bool>& draining, Metrics& metrics)
      : config(std::move(c)),
        profiles(std::move(p)),
        limiter(config),
        svc{config, profiles, cas, recorder, draining, metrics, limiter} {}
  ServerConfig config;
  ProfileSet profiles;
  RateLimiter limiter;  // thread-safe; its buckets start full in each generation
  Service svc;
};

struct Server::Impl final : SessionHost {
  explicit Impl(ServerParts p)
      : parts(std::move(p)),
        started_limits(parts.config.limits),
        listener_configs(parts.config.listeners),
        tls_config(parts.config.tls),
        ioc(static_cast<int>(started_limits.io_threads)),
        strand(asio::make_strand(ioc)),
        pool(started_limits.sign_threads),
        signals(strand, SIGTERM, SIGINT),
        hangups(strand, SIGHUP),
        drain_timer(strand),
        metrics(granted_pairs(parts.config)),
        current(std::make_shared<Generation>(std::move(parts.config), std::move(parts.profiles),
                                             parts.cas, *parts.recorder, draining_flag, metrics)) {}
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
  std::shared_ptr<const Service> service() const override {
    const std::lock_guard lock(generation_mutex);
    return {current, &current->svc};
  }
  const Limits& limits() const override { return started_limits; }
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
    hangups.cancel(ignored);
    for (auto& l : listeners) l.acceptor->close(ignored);
    std::vector<std::weak_ptr<Session>> open;
    {
      const std::lock_guard lock(mutex);
      for (const auto& [p, w] : sessions) open.push_back(w);
    }
    if (open.empty()) return;
    drain_timer.expires_after(started_limits.drain_timeout);
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

  void wait_for_hangup() {
    hangups.async_wait([this](boost::system::error_code ec, int) {
      if (ec) return;  // cancelled: draining
      std::cerr << reload() << '\n' << std::flush;
      wait_for_hangup();
    });
  }

  std::string reload();

  ServerParts parts;  // its config and profiles moved into the first generation
  // As started: a reload does not change these.
  Limits started_limits;
  std::vector<ListenerConfig> listener_configs;
  std::optional<TlsConfig> tls_config;
  asio::io_context ioc;
  asio::strand<asio::io_context::executor_type> strand;
  asio::thread_pool pool;
  asio::signal_set signals;
  asio::signal_set hangups;
  asio::steady_timer drain_timer;
  std::atomic<bool> draining_flag{false};
  Metrics metrics;
  mutable std::mutex generation_mutex;
  std::shared_ptr<Generation> current;
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
  const bool any_tls = std::any_of(impl->listener_configs.begin(), impl->listener_configs.end(),
                                   [](const ListenerConfig& l) { return !l.plain_http; });
  if (any_tls) {
    if (!impl->tls_config || !impl->parts.tls_identity) {
      return fail(ErrorCode::kInvalidArgument, "serve: a TLS listener needs \"tls\" and a key");
    }
    SIGNET_ASSIGN_OR_RETURN(impl->tls,
                            make_tls_context(*impl->tls_config, *impl->parts.tls_identity));
  }
  for (const auto& lc : impl->listener_configs) {
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
  s.wait_for_hangup();
  for (unsigned i = 1; i < s.started_limits.io_threads; ++i) {
    threads.emplace_back([&s] { s.ioc.run(); });
  }
  s.ioc.run();
  for (auto& t : threads) t.join();
  s.pool.join();
  if (s.drain_timed_out) {
    return fail(ErrorCode::kDeadlineExceeded,
                "serve: requests still in flight after the drain timeout (" +
                    format_duration(s.started_limits.drain_timeout) + ") were cut off");
  }
  return {};
}

namespace {

// What a reload leaves as started, by name (empty: nothing).
std::string needs_restart(const ServerConfig& next, const std::vector<ListenerConfig>& ls,
                          const std::optional<TlsConfig>& tls, const Limits& limits) {
  std::vector<std::string> changed;
  bool same_listeners = ls.size() == next.listeners.size();
  for (std::size_t i = 0; same_listeners && i < ls.size(); ++i) {
    same_listeners = ls[i].address.text() == next.listeners[i].address.text() &&
                     ls[i].plain_http == next.listeners[i].plain_http;
  }
  if (!same_listeners) changed.emplace_back("listeners");
  const auto& t = next.tls;
  const bool same_tls = tls.has_value() == t.has_value() &&
                        (!tls || (tls->certificate == t->certificate && tls->key == t->key &&
                                  tls->client_cas == t->client_cas &&
                                  tls->client_certificates == t->client_certificates));
  if (!same_tls) changed.emplace_back("tls");
  const Limits& l = next.limits;
  if (l.max_header_bytes != limits.max_header_bytes || l.max_body_bytes != limits.max_body_bytes ||
      l.header_timeout != limits.header_timeout || l.body_timeout != limits.body_timeout ||
      l.idle_timeout != limits.idle_timeout || l.drain_timeout != limits.drain_timeout ||
      l.io_threads != limits.io_threads || l.sign_threads != limits.sign_threads) {
    changed.emplace_back("limits");
  }
  std::string out;
  for (const auto& c : changed) out += (out.empty() ? "" : ", ") + c;
  return out;
}

}  // namespace

std::string Server::Impl::reload() {
  if (!parts.reload) return "signet serve: SIGHUP ignored (no config to reload)";
  auto next = parts.reload();
  if (!next) {
    return "signet serve: reload refused, still serving the previous config: " +
           next.error().message();
  }
  if (auto checked = next->config.check_against(next->profiles); !checked) {
    return "signet serve: reload refused, still serving the previous config: " +
           checked.error().message();
  }
  for (const auto& name : next->config.cas) {
    const bool loaded = std::any_of(parts.cas.begin(), parts.cas.end(),
                                    [&](const ServedCa& c) { return c.name == name; });
    if (!loaded) {
      return "signet serve: reload refused, still serving the previous config: CA '" + name +
             "' is not loaded (a new CA needs a restart)";
    }
  }
  std::string restart = needs_restart(next->config, listener_configs, tls_config, started_limits);
  for (const auto& ca : parts.cas) {
    if (std::find(next->config.cas.begin(), next->config.cas.end(), ca.name) ==
        next->config.cas.end()) {
      // Its grants go with the new config, but its chain and info are still served.
      restart += (restart.empty() ? "" : ", ") + std::string("cas (") + ca.name + " dropped)";
      break;
    }
  }
  const std::size_t clients = next->config.clients.size();
  const std::size_t keys = next->config.hmac_keys.size();
  const std::size_t profiles = next->profiles.profiles().size();
  auto generation =
      std::make_shared<Generation>(std::move(next->config), std::move(next->profiles), parts.cas,
                                   *parts.recorder, draining_flag, metrics);
  {
    const std::lock_guard lock(generation_mutex);
    current = std::move(generation);
  }
  return "signet serve: reloaded: " + std::to_string(clients) + " clients, " +
         std::to_string(keys) + " HMAC keys, " + std::to_string(profiles) + " profiles" +
         (restart.empty() ? "" : "; kept as started (restart to change): " + restart);
}

void Server::stop() {
  asio::post(impl_->strand, [impl = impl_.get()] { impl->begin_drain(); });
}

}  // namespace signet::serve
