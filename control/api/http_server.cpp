#include "control/api/http_server.hpp"

#include <spdlog/spdlog.h>

#include "common/log.hpp"
#include "control/api/server_impl.hpp"

namespace sb::api {

void HttpServer::Impl::count_rejected(const char* reason) const {
  if (metrics && metrics->rejected) metrics->rejected->with({reason}).inc();
}

void HttpServer::Impl::accept() {
  // Each connection gets its own strand: its handlers never run
  // concurrently, so a session needs no locks of its own.
  acceptor->async_accept(net::make_strand(ioc),
                         [this](beast::error_code ec, tcp::socket socket) { on_accept(ec, std::move(socket)); });
}

void HttpServer::Impl::on_accept(beast::error_code ec, tcp::socket socket) {
  if (!accepting.load(std::memory_order_acquire) || ec == net::error::operation_aborted) return;
  if (ec) {
    // EMFILE and friends: log, keep accepting (the condition may pass).
    SB_LOG_RATELIMITED(std::chrono::seconds(10), spdlog::level::warn, "{}: accept failed: {}", options.name,
                       ec.message());
  } else if (connections.load(std::memory_order_relaxed) >= limits.load()->max_connections) {
    reject(std::move(socket));
  } else {
    auto session = std::make_shared<HttpSession>(std::move(socket), *this);
    register_http(session);
    session->run();
  }
  accept();
}

// Over the connection limit: a fixed 503 and close, without reading.
void HttpServer::Impl::reject(tcp::socket socket) {
  count_rejected("limit");
  static const std::string kResponse = [] {
    const std::string body =
        "{\"error\":{\"status\":503,\"code\":\"too_many_connections\",\"message\":\"connection limit reached\"}}\n";
    return "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nConnection: close\r\n"
           "Content-Length: " +
           std::to_string(body.size()) + "\r\n\r\n" + body;
  }();
  auto s = std::make_shared<tcp::socket>(std::move(socket));
  net::async_write(*s, net::buffer(kResponse), [s](beast::error_code, std::size_t) {
    beast::error_code ignored;
    s->shutdown(tcp::socket::shutdown_both, ignored);
    s->close(ignored);
  });
}

namespace {
// Prunes expired entries now and then, so the lists stay as long as the
// number of live connections, not the number ever accepted.
template <typename T>
void remember(std::vector<std::weak_ptr<T>>& list, const std::shared_ptr<T>& s) {
  if (list.size() >= 64 && (list.size() & (list.size() - 1)) == 0)
    std::erase_if(list, [](const std::weak_ptr<T>& w) { return w.expired(); });
  list.push_back(s);
}
}  // namespace

void HttpServer::Impl::register_ws(const std::shared_ptr<WsSession>& s) {
  std::lock_guard lock(sessions_mu);
  remember(ws_sessions, s);
}

void HttpServer::Impl::register_http(const std::shared_ptr<HttpSession>& s) {
  std::lock_guard lock(sessions_mu);
  remember(http_sessions, s);
}

HttpServer::HttpServer(ServerOptions options, const Router& router, EventHub* hub, const ApiMetrics* metrics)
    : impl_(std::make_shared<Impl>(std::move(options), router, hub, metrics)) {}

HttpServer::~HttpServer() { stop(); }

Status HttpServer::start() {
  Impl& im = *impl_;
  if (im.acceptor) return failed_precondition("the server is already started");
  beast::error_code ec;
  const auto address = net::ip::make_address(im.options.bind, ec);
  if (ec) return invalid_argument("bad bind address " + im.options.bind);
  const tcp::endpoint ep(address, im.options.port);
  im.acceptor.emplace(im.ioc);
  const std::string where = im.options.bind + ":" + std::to_string(im.options.port);
  if (im.acceptor->open(ep.protocol(), ec); ec) return unavailable("cannot open a socket for " + where + ": " + ec.message());
  if (im.acceptor->set_option(net::socket_base::reuse_address(true), ec); ec)
    return unavailable("cannot set SO_REUSEADDR: " + ec.message());
  if (im.acceptor->bind(ep, ec); ec) return unavailable("cannot bind " + where + ": " + ec.message());
  if (im.acceptor->listen(net::socket_base::max_listen_connections, ec); ec)
    return unavailable("cannot listen on " + where + ": " + ec.message());
  im.bound_port = im.acceptor->local_endpoint().port();
  im.accepting.store(true, std::memory_order_release);
  im.work.emplace(im.ioc.get_executor());
  im.accept();
  for (int i = 0; i < std::max(1, im.options.threads); ++i) im.threads.emplace_back([&im] { im.ioc.run(); });
  return Status::ok();
}

std::uint16_t HttpServer::port() const noexcept { return impl_->bound_port; }

std::string HttpServer::endpoint() const {
  const bool v6 = impl_->options.bind.find(':') != std::string::npos;
  return (v6 ? "[" + impl_->options.bind + "]" : impl_->options.bind) + ":" + std::to_string(impl_->bound_port);
}

void HttpServer::set_limits(const ServerLimits& limits) {
  impl_->limits.store(std::make_shared<const ServerLimits>(limits));
}

void HttpServer::set_tokens(std::shared_ptr<const TokenSet> tokens) {
  if (tokens) impl_->tokens.store(std::move(tokens));
}

void HttpServer::stop_accepting() {
  Impl& im = *impl_;
  if (!im.accepting.exchange(false, std::memory_order_acq_rel) || !im.acceptor) return;
  net::post(im.ioc, [&im] {
    beast::error_code ignored;
    im.acceptor->close(ignored);
  });
}

std::uint64_t HttpServer::in_flight() const noexcept { return impl_->in_flight.load(std::memory_order_relaxed); }

std::uint32_t HttpServer::connections() const noexcept {
  return impl_->connections.load(std::memory_order_relaxed);
}

void HttpServer::stop() {
  Impl& im = *impl_;
  if (im.stopped || !im.acceptor) return;
  im.stopped = true;
  stop_accepting();
  // Event-stream clients first: tell them we are going away, and take them
  // off the hub so it never posts to this context again.
  std::vector<std::shared_ptr<WsSession>> clients;
  std::vector<std::shared_ptr<HttpSession>> plain;
  {
    std::lock_guard lock(im.sessions_mu);
    for (auto& w : im.ws_sessions)
      if (auto s = w.lock()) clients.push_back(std::move(s));
    for (auto& w : im.http_sessions)
      if (auto s = w.lock()) plain.push_back(std::move(s));
    im.ws_sessions.clear();
    im.http_sessions.clear();
  }
  for (auto& c : clients) {
    if (im.hub) im.hub->unsubscribe(c.get());
    c->shut_down();
  }
  auto wait_for = [&](auto&& done, std::chrono::milliseconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done() && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
  };
  wait_for([&] { return im.ws_clients.load(std::memory_order_relaxed) == 0; }, std::chrono::seconds(1));
  // Whoever is left (idle keep-alive connections, clients that did not
  // answer the close) is cut off, so nothing stays half-open.
  for (auto& c : clients) c->force_close();
  for (auto& p : plain) p->force_close();
  clients.clear();
  plain.clear();
  wait_for([&] { return im.connections.load(std::memory_order_relaxed) == 0; }, std::chrono::seconds(1));
  im.work.reset();
  im.ioc.stop();
  for (auto& t : im.threads) t.join();
  im.threads.clear();
}

}  // namespace sb::api
