// One SIP-over-TCP connection, accepted or opened: reading and framing
// (stream_framer.hpp), keep-alive answers, the per-message protection
// checks, and a bounded queue of outgoing messages written one at a time.
#include <boost/asio/connect.hpp>
#include <boost/asio/write.hpp>

#include <exception>

#include "common/log.hpp"
#include "control/sip/builder.hpp"
#include "control/sip/transport/stream_framer.hpp"
#include "control/sip/transport/transport_impl.hpp"

namespace sb::sip {

TcpConnection::TcpConnection(SipTransport::Impl& impl, tcp::socket socket, ConnectionId id, std::size_t listener)
    : impl_(impl), socket_(std::move(socket)), id_(id), listener_(listener) {
  created_ = last_activity_ = impl_.clock.now();
  if (socket_.is_open()) {
    boost::system::error_code ignored;
    remote_ = to_endpoint(socket_.remote_endpoint(ignored));
    local_ = to_endpoint(socket_.local_endpoint(ignored));
  }
}

AtomicTransportCounters& TcpConnection::counters() noexcept { return impl_.counters_of(Transport::kTcp); }

void TcpConnection::start_inbound() {
  connected_ = true;
  boost::system::error_code ignored;
  // SIP messages are small and latency matters more than segment count.
  socket_.set_option(tcp::no_delay(true), ignored);
  read();
}

void TcpConnection::start_outbound(const Endpoint& to) {
  remote_ = to;
  socket_.async_connect(tcp::endpoint(to.address, to.port),
                        [self = shared_from_this()](const boost::system::error_code& ec) {
                          if (self->closed_ || self->impl_.stopping) return;
                          if (ec) {
                            self->close(unavailable("connect to " + self->remote_.to_string() + " failed: " + ec.message()));
                            return;
                          }
                          boost::system::error_code ignored;
                          self->local_ = to_endpoint(self->socket_.local_endpoint(ignored));
                          self->connected_ = true;
                          self->last_activity_ = self->impl_.clock.now();
                          self->socket_.set_option(tcp::no_delay(true), ignored);
                          self->read();
                          self->write_next();
                        });
}

void TcpConnection::close(const Status& why) {
  if (closed_) return;
  closed_ = true;
  boost::system::error_code ignored;
  socket_.shutdown(tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
  auto self = shared_from_this();  // the table may hold the last reference
  impl_.forget(*this);
  auto out = std::move(out_);
  out_.clear();
  out_bytes_ = 0;
  if (impl_.stopping) return;
  for (auto& o : out) {
    if (o.is_message) impl_.count_drop(Transport::kTcp, DropReason::kSendFailed);
    if (o.done) o.done(why);
  }
}

// --- reading ----------------------------------------------------------------

void TcpConnection::read() {
  socket_.async_read_some(net::buffer(chunk_), [self = shared_from_this()](const boost::system::error_code& ec,
                                                                          std::size_t n) { self->on_read(ec, n); });
}

void TcpConnection::on_read(const boost::system::error_code& ec, std::size_t n) {
  if (closed_ || impl_.stopping) return;
  if (ec) {
    // EOF or a reset: the peer is gone; anything half-received is lost.
    close(unavailable("connection closed by the peer: " + ec.message()));
    return;
  }
  last_activity_ = impl_.clock.now();
  try {
    pending_.append(chunk_.data(), n);
    process_pending();
  } catch (const std::exception& e) {
    SB_LOG_RATELIMITED(std::chrono::seconds(10), spdlog::level::err, "SIP tcp {}: input lost: {}",
                       remote_.to_string(), e.what());
    close(internal_error(e.what()));
    return;
  }
  if (!closed_ && !close_after_flush_) read();
}

void TcpConnection::process_pending() {
  auto self = shared_from_this();  // a handler may close this connection
  std::size_t consumed = 0;
  while (!closed_ && !close_after_flush_) {
    const std::string_view rest = std::string_view(pending_).substr(consumed);
    const StreamFrame f = frame_stream(rest, impl_.options.max_message_bytes);
    switch (f.kind) {
      case StreamFrame::kNeedMore:
        pending_.erase(0, consumed);
        return;
      case StreamFrame::kSkip:
        consumed += f.size;
        break;
      case StreamFrame::kPing: {
        // RFC 5626 §3.5.1: a CRLFCRLF ping gets a CRLF pong.
        consumed += f.size;
        bump(counters().keepalives);
        static const auto kPong = std::make_shared<const std::string>("\r\n");
        send(kPong, {}, /*is_message=*/false);
        break;
      }
      case StreamFrame::kMessage:
        consumed += f.size;
        on_framed(rest.substr(0, f.size));
        break;
      case StreamFrame::kNoContentLength:
        fail_framing(rest.substr(0, f.size), DropReason::kNoContentLength,
                     "Content-Length is required on a stream transport (RFC 3261 18.3)");
        break;
      case StreamFrame::kBadContentLength:
        fail_framing(rest.substr(0, f.size), DropReason::kMalformed, "Content-Length is repeated or not a number");
        break;
      case StreamFrame::kTooLarge:
        impl_.count_drop(Transport::kTcp, DropReason::kTooLarge);
        close(out_of_range("a message over the size limit"));
        break;
    }
  }
  pending_.clear();  // closing: nothing more will be framed
}

void TcpConnection::fail_framing(std::string_view header_section, DropReason reason, std::string_view why) {
  impl_.count_drop(Transport::kTcp, reason);
  std::optional<std::string> bad;
  if (!looks_like_response(header_section)) {
    auto r = salvage_bad_request_response(header_section, why, impl_.stream_limits);
    if (r) bad = std::move(*r);
  }
  if (!bad) {
    close(invalid_argument(std::string(why)));
    return;
  }
  bump(counters().bad_request_sent);
  close_after_flush_ = true;
  send(std::make_shared<const std::string>(std::move(*bad)), {});
}

void TcpConnection::on_framed(std::string_view bytes) {
  auto& protection = *impl_.protection;
  const Verdict v = looks_like_response(bytes) ? protection.admit_source(remote_.address)
                                               : protection.admit_request(remote_.address);
  if (auto reason = drop_reason(v)) {
    impl_.count_drop(Transport::kTcp, *reason);
    // A banned source does not keep its connection either; a rate-limited
    // one loses the message only (the stream stays framed).
    if (v == Verdict::kBanned || v == Verdict::kAclDenied) close(unavailable("source refused"));
    return;
  }
  MessageContext ctx;
  ctx.transport = Transport::kTcp;
  ctx.source = remote_;
  ctx.local = local_;
  ctx.listener = listener_;
  ctx.connection = id_;
  ctx.received_at = impl_.clock.now();
  impl_.process_message(std::make_shared<std::string>(bytes), std::move(ctx), impl_.stream_limits);
}

// --- writing ----------------------------------------------------------------

void TcpConnection::send(std::shared_ptr<const std::string> bytes, SendCallback done, bool is_message) {
  if (closed_) {
    if (is_message) impl_.count_drop(Transport::kTcp, DropReason::kSendFailed);
    if (done) done(unavailable("connection " + std::to_string(id_) + " is closed"));
    return;
  }
  if (out_bytes_ + bytes->size() > impl_.options.max_send_queue_bytes) {
    // The peer is not reading: refuse rather than buffer without bound.
    impl_.count_drop(Transport::kTcp, DropReason::kSendFailed);
    if (done) done(resource_exhausted("send queue of connection " + std::to_string(id_) + " is full"));
    return;
  }
  out_bytes_ += bytes->size();
  out_.push_back({std::move(bytes), std::move(done), is_message});
  write_next();
}

void TcpConnection::write_next() {
  if (writing_ || !connected_ || closed_) return;
  if (out_.empty()) {
    if (close_after_flush_) close(Status::ok());
    return;
  }
  writing_ = true;
  const std::string& front = *out_.front().bytes;
  net::async_write(socket_, net::buffer(front),
                   [self = shared_from_this()](const boost::system::error_code& ec, std::size_t) {
                     self->writing_ = false;
                     if (self->closed_ || self->impl_.stopping) return;
                     if (ec) {
                       self->close(unavailable("write to " + self->remote_.to_string() + " failed: " + ec.message()));
                       return;
                     }
                     self->last_activity_ = self->impl_.clock.now();
                     Outgoing o = std::move(self->out_.front());
                     self->out_.pop_front();
                     self->out_bytes_ -= o.bytes->size();
                     if (o.is_message) bump(self->counters().messages_sent);
                     if (o.done) o.done(Status::ok());
                     self->write_next();
                   });
}

}  // namespace sb::sip
