#include "control/sip/transport/sip_transport.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/post.hpp>

#include <exception>

#include "common/log.hpp"
#include "control/sip/builder.hpp"
#include "control/sip/headers.hpp"
#include "control/sip/transport/transport_impl.hpp"

namespace sb::sip {

Endpoint to_endpoint(const udp::endpoint& e) { return {e.address(), e.port()}; }
Endpoint to_endpoint(const tcp::endpoint& e) { return {e.address(), e.port()}; }

bool looks_like_response(std::string_view bytes) noexcept {
  while (bytes.starts_with("\r\n")) bytes.remove_prefix(2);
  return bytes.starts_with("SIP/");
}

namespace {

bool only_line_ends(std::string_view bytes) noexcept {
  for (char c : bytes)
    if (c != '\r' && c != '\n' && c != ' ' && c != '\t') return false;
  return true;
}

std::chrono::steady_clock::duration to_steady(Nanos d) {
  return std::chrono::duration_cast<std::chrono::steady_clock::duration>(d);
}

}  // namespace

SipTransport::Impl::Impl(SipTransportOptions opts, MessageHandler h, const Clock& c)
    : options(std::move(opts)), handler(std::move(h)), clock(c) {
  datagram_limits.transport = ParseLimits::Transport::kDatagram;
  datagram_limits.max_message_bytes = options.max_message_bytes;
  datagram_limits.max_headers = options.max_headers;
  datagram_limits.max_line_bytes = options.max_line_bytes;
  stream_limits = datagram_limits;
  stream_limits.transport = ParseLimits::Transport::kStream;
}

// --- start, stop ----------------------------------------------------------

Status SipTransport::Impl::bind_all() {
  for (std::size_t i = 0; i < options.listen.size(); ++i) {
    const ListenAddress& la = options.listen[i];
    const std::string where = std::string(transport_name(la.transport)) + ":" + la.endpoint.to_string();
    boost::system::error_code ec;
    if (la.transport == Transport::kUdp) {
      auto l = std::make_unique<UdpListener>(ioc);
      l->index = i;
      const udp::endpoint ep(la.endpoint.address, la.endpoint.port);
      if (l->socket.open(ep.protocol(), ec); ec) return unavailable("cannot open a socket for " + where + ": " + ec.message());
      // An IPv6 wildcard must not take the IPv4 port too: IPv4 is its own listener.
      if (ep.address().is_v6()) l->socket.set_option(net::ip::v6_only(true), ec);
      if (l->socket.bind(ep, ec); ec) return unavailable("cannot bind " + where + ": " + ec.message());
      l->local = to_endpoint(l->socket.local_endpoint(ec));
      l->buffer.resize(options.max_message_bytes + 1);
      bound.push_back({Transport::kUdp, l->local});
      udp_listeners.push_back(std::move(l));
    } else {
      auto l = std::make_unique<TcpListener>(ioc);
      l->index = i;
      const tcp::endpoint ep(la.endpoint.address, la.endpoint.port);
      if (l->acceptor.open(ep.protocol(), ec); ec) return unavailable("cannot open a socket for " + where + ": " + ec.message());
      if (ep.address().is_v6()) l->acceptor.set_option(net::ip::v6_only(true), ec);
      if (l->acceptor.set_option(net::socket_base::reuse_address(true), ec); ec)
        return unavailable("cannot set SO_REUSEADDR on " + where + ": " + ec.message());
      if (l->acceptor.bind(ep, ec); ec) return unavailable("cannot bind " + where + ": " + ec.message());
      if (l->acceptor.listen(net::socket_base::max_listen_connections, ec); ec)
        return unavailable("cannot listen on " + where + ": " + ec.message());
      l->local = to_endpoint(l->acceptor.local_endpoint(ec));
      bound.push_back({Transport::kTcp, l->local});
      tcp_listeners.push_back(std::move(l));
    }
  }
  return Status::ok();
}

void SipTransport::Impl::close_all() {
  stopping = true;
  boost::system::error_code ignored;
  housekeeping_timer.cancel();
  for (auto& l : udp_listeners) l->socket.close(ignored);
  for (auto& l : tcp_listeners) l->acceptor.close(ignored);
  // close() erases from the table: iterate over a copy.
  auto all = connections;
  for (auto& [id, c] : all) c->close(unavailable("the transport is stopping"));
}

SipTransport::SipTransport(SipTransportOptions options, MessageHandler handler, const Clock& clock)
    : impl_(std::make_shared<Impl>(std::move(options), std::move(handler), clock)) {}

SipTransport::~SipTransport() { stop(); }

Status SipTransport::start() {
  Impl& im = *impl_;
  if (im.started) return failed_precondition("the SIP transport is already started");
  if (im.options.listen.empty()) return invalid_argument("the SIP transport has no listen address");
  if (im.options.max_message_bytes < 64) return invalid_argument("max_message_bytes is too small for any SIP message");
  if (im.options.max_tcp_connections == 0) return invalid_argument("max_tcp_connections must be at least 1");
  if (im.options.housekeeping_interval <= Nanos{0}) return invalid_argument("housekeeping_interval must be positive");
  auto protection = SourceProtection::create(im.options.protection, im.clock);
  if (!protection) return protection.status();
  im.protection.emplace(std::move(*protection));
  if (auto st = im.bind_all(); !st) {
    im.udp_listeners.clear();
    im.tcp_listeners.clear();
    im.bound.clear();
    return st;
  }
  im.started = true;
  for (auto& l : im.udp_listeners) im.receive_udp(*l);
  for (auto& l : im.tcp_listeners) im.accept_tcp(*l);
  im.arm_housekeeping();
  im.work.emplace(im.ioc.get_executor());
  im.thread = std::thread([&im] { im.ioc.run(); });
  return Status::ok();
}

void SipTransport::stop() {
  Impl& im = *impl_;
  if (!im.started || im.stopped) return;
  im.stopped = true;
  net::post(im.ioc, [&im] { im.close_all(); });
  im.work.reset();
  // Every socket is closed, so each outstanding operation completes with
  // operation_aborted, sees `stopping` and does not re-arm: run() returns.
  im.thread.join();
}

std::vector<ListenAddress> SipTransport::local_endpoints() const { return impl_->bound; }

TransportCountersSnapshot SipTransport::counters() const {
  TransportCountersSnapshot s;
  for (std::size_t t = 0; t < kTransportCount; ++t) {
    const auto& a = impl_->counters[t];
    auto& o = s.by_transport[t];
    constexpr auto r = std::memory_order_relaxed;  // see AtomicTransportCounters
    o.messages_received = a.messages_received.load(r);
    o.messages_sent = a.messages_sent.load(r);
    o.bad_request_sent = a.bad_request_sent.load(r);
    o.keepalives = a.keepalives.load(r);
    o.connections_accepted = a.connections_accepted.load(r);
    o.connections_opened = a.connections_opened.load(r);
    o.connections_idle_closed = a.connections_idle_closed.load(r);
    o.connections_open = a.connections_open.load(r);
    for (std::size_t d = 0; d < kDropReasonCount; ++d) o.drops[d] = a.drops[d].load(r);
  }
  return s;
}

// --- UDP ------------------------------------------------------------------

void SipTransport::Impl::receive_udp(UdpListener& l) {
  l.socket.async_receive_from(net::buffer(l.buffer), l.sender,
                              [this, &l](const boost::system::error_code& ec, std::size_t n) {
                                if (stopping || ec == net::error::operation_aborted) return;
                                if (ec) {
                                  SB_LOG_RATELIMITED(std::chrono::seconds(10), spdlog::level::warn,
                                                     "SIP udp:{}: receive failed: {}", l.local.to_string(),
                                                     ec.message());
                                } else {
                                  try {
                                    on_datagram(l, n);
                                  } catch (const std::exception& e) {
                                    // Allocation failure and the like: lose the datagram, not the thread.
                                    SB_LOG_RATELIMITED(std::chrono::seconds(10), spdlog::level::err,
                                                       "SIP udp:{}: datagram lost: {}", l.local.to_string(), e.what());
                                  }
                                }
                                receive_udp(l);
                              });
}

void SipTransport::Impl::on_datagram(UdpListener& l, std::size_t n) {
  if (n > options.max_message_bytes) {
    count_drop(Transport::kUdp, DropReason::kTooLarge);
    return;
  }
  const std::string_view bytes(l.buffer.data(), n);
  const Endpoint source = to_endpoint(l.sender);
  if (only_line_ends(bytes)) {
    // CRLF keep-alives some user agents send over UDP: no answer expected.
    bump(counters_of(Transport::kUdp).keepalives);
    return;
  }
  const Verdict v =
      looks_like_response(bytes) ? protection->admit_source(source.address) : protection->admit_request(source.address);
  if (auto reason = drop_reason(v)) {
    count_drop(Transport::kUdp, *reason);
    return;
  }
  MessageContext ctx;
  ctx.transport = Transport::kUdp;
  ctx.source = source;
  ctx.local = l.local;
  ctx.listener = l.index;
  ctx.received_at = clock.now();
  process_message(std::make_shared<std::string>(bytes), std::move(ctx), datagram_limits);
}

void SipTransport::Impl::do_send_udp(UdpListener& l, const Endpoint& to, std::shared_ptr<const std::string> bytes,
                                     SendCallback done) {
  const udp::endpoint ep(to.address, to.port);
  const auto* data = bytes.get();
  l.socket.async_send_to(net::buffer(*data), ep,
                         [this, bytes = std::move(bytes), done = std::move(done)](const boost::system::error_code& ec,
                                                                                  std::size_t) {
                           if (stopping) return;
                           if (ec) {
                             count_drop(Transport::kUdp, DropReason::kSendFailed);
                             if (done) done(unavailable("UDP send failed: " + ec.message()));
                             return;
                           }
                           bump(counters_of(Transport::kUdp).messages_sent);
                           if (done) done(Status::ok());
                         });
}

// --- the receive path shared by UDP and TCP --------------------------------

void SipTransport::Impl::answer(const MessageContext& ctx, std::string bytes) {
  bump(counters_of(ctx.transport).bad_request_sent);
  auto shared = std::make_shared<const std::string>(std::move(bytes));
  if (ctx.transport == Transport::kUdp) {
    // From the socket the request arrived on, to the packet's source: the
    // Via may be what was wrong, so it cannot be trusted to route this.
    for (auto& l : udp_listeners)
      if (l->index == ctx.listener) return do_send_udp(*l, ctx.source, std::move(shared), {});
    return;
  }
  do_send_on(ctx.connection, std::move(shared), {});
}

void SipTransport::Impl::process_message(std::shared_ptr<std::string> raw, MessageContext ctx,
                                         const ParseLimits& limits) {
  const Transport t = ctx.transport;
  auto parsed = parse_sip_message(*raw, limits);
  if (!parsed) {
    if (parsed.status().code() == StatusCode::kOutOfRange) {
      count_drop(t, DropReason::kTooLarge);
      return;
    }
    count_drop(t, DropReason::kMalformed);
    if (looks_like_response(*raw)) return;  // a response is never answered
    auto bad = salvage_bad_request_response(*raw, parsed.status().message(), limits);
    if (bad) answer(ctx, std::move(*bad));
    return;
  }
  SipMessage& m = *parsed;
  if (m.is_request()) {
    if (auto reason = drop_reason(protection->inspect(m))) {
      count_drop(t, *reason);
      return;
    }
    auto top = correct_top_via(m, *raw, ctx.source);
    std::optional<Via> top_via;
    if (top) {
      if (auto v = parse_via(top->corrected); v && v->size() == 1) top_via = v->front();
    }
    if (!top_via) {
      count_drop(t, DropReason::kMalformed);
      auto bad = make_bad_request_response(m, top ? "Via: cannot be corrected" : top.status().message());
      if (bad) answer(ctx, std::move(*bad));
      return;
    }
    ctx.response_target = response_target(*top_via, t, ctx.source, ctx.connection);
    if (top->changed && top->in_raw) {
      // Splice the corrected value into a copy of the bytes and parse that,
      // so the message's own top Via carries received/rport and a response
      // built from it (make_response copies Via rows) carries them too, as
      // RFC 3581 §4 needs. The body does not move relative to its headers,
      // so Content-Length stays right.
      const std::size_t at = static_cast<std::size_t>(top->written.data() - raw->data());
      auto rewritten = std::make_shared<std::string>();
      rewritten->reserve(raw->size() + top->corrected.size());
      rewritten->append(*raw, 0, at).append(top->corrected).append(*raw, at + top->written.size());
      ParseLimits wider = limits;
      wider.max_message_bytes += top->corrected.size();
      wider.max_line_bytes += top->corrected.size();
      if (auto again = parse_sip_message(*rewritten, wider)) {
        raw = std::move(rewritten);
        m = std::move(*again);
        ctx.via_rewritten = true;
      }
    }
    ctx.top_via = std::move(top->corrected);
  }
  bump(counters_of(t).messages_received);
  if (!handler) return;
  try {
    handler(ReceivedMessage{std::move(raw), std::move(m), std::move(ctx)});
  } catch (const std::exception& e) {
    SB_LOG_RATELIMITED(std::chrono::seconds(10), spdlog::level::err, "SIP message handler threw: {}", e.what());
  }
}

// --- TCP accept and the connection table ------------------------------------

void SipTransport::Impl::accept_tcp(TcpListener& l) {
  l.acceptor.async_accept([this, &l](const boost::system::error_code& ec, tcp::socket socket) {
    if (stopping || ec == net::error::operation_aborted) return;
    try {
      on_accept(l, ec, std::move(socket));
    } catch (const std::exception& e) {
      SB_LOG_RATELIMITED(std::chrono::seconds(10), spdlog::level::err, "SIP tcp:{}: accept failed: {}",
                         l.local.to_string(), e.what());
    }
    accept_tcp(l);
  });
}

void SipTransport::Impl::on_accept(TcpListener& l, const boost::system::error_code& ec, tcp::socket socket) {
  if (ec) {
    // EMFILE and friends: keep accepting, the condition may pass.
    SB_LOG_RATELIMITED(std::chrono::seconds(10), spdlog::level::warn, "SIP tcp:{}: accept failed: {}",
                       l.local.to_string(), ec.message());
    return;
  }
  boost::system::error_code ignored;
  const auto remote = socket.remote_endpoint(ignored);
  if (ignored) return;  // already gone
  if (auto reason = drop_reason(protection->admit_source(remote.address()))) {
    count_drop(Transport::kTcp, *reason);
    socket.close(ignored);
    return;
  }
  if (connections.size() >= options.max_tcp_connections) {
    count_drop(Transport::kTcp, DropReason::kConnectionLimit);
    socket.close(ignored);
    return;
  }
  bump(counters_of(Transport::kTcp).connections_accepted);
  auto c = std::make_shared<TcpConnection>(*this, std::move(socket), next_connection_id++, l.index);
  register_connection(c);
  c->start_inbound();
}

ConnectionId SipTransport::Impl::register_connection(std::shared_ptr<TcpConnection> c) {
  const ConnectionId id = c->id();
  by_remote[{c->remote().address, c->remote().port}] = id;
  connections.emplace(id, std::move(c));
  bump(counters_of(Transport::kTcp).connections_open);
  return id;
}

void SipTransport::Impl::forget(TcpConnection& c) {
  auto it = by_remote.find({c.remote().address, c.remote().port});
  if (it != by_remote.end() && it->second == c.id()) by_remote.erase(it);
  if (connections.erase(c.id()) > 0) {
    // Relaxed like every counter; the decrement matches the increment in
    // register_connection.
    counters_of(Transport::kTcp).connections_open.fetch_sub(1, std::memory_order_relaxed);
  }
}

void SipTransport::Impl::arm_housekeeping() {
  housekeeping_timer.expires_after(to_steady(options.housekeeping_interval));
  housekeeping_timer.async_wait([this](const boost::system::error_code& ec) {
    if (stopping || ec == net::error::operation_aborted) return;
    housekeeping();
    arm_housekeeping();
  });
}

void SipTransport::Impl::housekeeping() {
  const Nanos now = clock.now();
  std::vector<std::shared_ptr<TcpConnection>> idle;
  std::vector<std::shared_ptr<TcpConnection>> stuck;
  for (auto& [id, c] : connections) {
    if (c->connected() && now - c->last_activity() >= options.tcp_idle_timeout) idle.push_back(c);
    if (!c->connected() && now - c->created() >= options.tcp_connect_timeout) stuck.push_back(c);
  }
  for (auto& c : idle) {
    bump(counters_of(Transport::kTcp).connections_idle_closed);
    c->close(unavailable("the connection was idle"));
  }
  for (auto& c : stuck) c->close(unavailable("connect timed out"));
}

// --- sending ----------------------------------------------------------------

void SipTransport::Impl::do_send(Transport t, const Endpoint& to, std::shared_ptr<const std::string> bytes,
                                 SendCallback done) {
  if (t == Transport::kUdp) {
    for (auto& l : udp_listeners) {
      if (l->local.address.is_v4() == to.address.is_v4()) return do_send_udp(*l, to, std::move(bytes), std::move(done));
    }
    count_drop(t, DropReason::kSendFailed);
    if (done) done(invalid_argument("no UDP listener for " + to.to_string() + "'s address family"));
    return;
  }
  if (auto it = by_remote.find({to.address, to.port}); it != by_remote.end()) {
    return do_send_on(it->second, std::move(bytes), std::move(done));
  }
  if (connections.size() >= options.max_tcp_connections) {
    count_drop(t, DropReason::kConnectionLimit);
    if (done) done(resource_exhausted("TCP connection limit reached"));
    return;
  }
  bump(counters_of(Transport::kTcp).connections_opened);
  auto c = std::make_shared<TcpConnection>(*this, tcp::socket(ioc), next_connection_id++, MessageContext::kNoListener);
  c->start_outbound(to);
  register_connection(c);
  c->send(std::move(bytes), std::move(done));
}

void SipTransport::Impl::do_send_on(ConnectionId id, std::shared_ptr<const std::string> bytes, SendCallback done) {
  auto it = connections.find(id);
  if (it == connections.end()) {
    count_drop(Transport::kTcp, DropReason::kSendFailed);
    if (done) done(unavailable("connection " + std::to_string(id) + " is closed"));
    return;
  }
  it->second->send(std::move(bytes), std::move(done));
}

void SipTransport::send(Transport transport, const Endpoint& destination, std::string bytes, SendCallback done) {
  auto shared = std::make_shared<const std::string>(std::move(bytes));
  net::dispatch(impl_->ioc, [im = impl_, transport, destination, shared = std::move(shared),
                             done = std::move(done)]() mutable {
    if (!im->stopping) im->do_send(transport, destination, std::move(shared), std::move(done));
  });
}

void SipTransport::send_on(ConnectionId connection, std::string bytes, SendCallback done) {
  auto shared = std::make_shared<const std::string>(std::move(bytes));
  net::dispatch(impl_->ioc, [im = impl_, connection, shared = std::move(shared), done = std::move(done)]() mutable {
    if (!im->stopping) im->do_send_on(connection, std::move(shared), std::move(done));
  });
}

void SipTransport::reply(const MessageContext& context, std::string bytes, SendCallback done) {
  auto shared = std::make_shared<const std::string>(std::move(bytes));
  net::dispatch(impl_->ioc, [im = impl_, context, shared = std::move(shared), done = std::move(done)]() mutable {
    if (im->stopping) return;
    const ResponseTarget& rt = context.response_target;
    if (rt.transport == Transport::kUdp) {
      for (auto& l : im->udp_listeners)
        if (l->index == context.listener) return im->do_send_udp(*l, rt.endpoint, std::move(shared), std::move(done));
      return im->do_send(Transport::kUdp, rt.endpoint, std::move(shared), std::move(done));
    }
    // §18.2.2: the connection the request came on; if it has closed, a new
    // connection to the received address and sent-by port.
    if (im->connections.count(rt.connection) > 0) return im->do_send_on(rt.connection, std::move(shared), std::move(done));
    im->do_send(Transport::kTcp, rt.endpoint, std::move(shared), std::move(done));
  });
}

}  // namespace sb::sip
