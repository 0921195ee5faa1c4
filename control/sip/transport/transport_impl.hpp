// Internal to the SIP transport: the state behind SipTransport and the TCP
// connection object. Everything here lives on the transport thread, except
// the counters (atomics, read by counters() from any thread) and what
// start()/stop() touch before the thread starts or after it has ended.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <array>
#include <atomic>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "control/sip/transport/sip_transport.hpp"

namespace sb::sip {

namespace net = boost::asio;
using net::ip::tcp;
using net::ip::udp;

// Counters are statistics: each is an independent total, nothing else is
// published through them, so relaxed increments and loads are enough.
struct AtomicTransportCounters {
  std::atomic<std::uint64_t> messages_received{0};
  std::atomic<std::uint64_t> messages_sent{0};
  std::atomic<std::uint64_t> bad_request_sent{0};
  std::atomic<std::uint64_t> keepalives{0};
  std::atomic<std::uint64_t> connections_accepted{0};
  std::atomic<std::uint64_t> connections_opened{0};
  std::atomic<std::uint64_t> connections_idle_closed{0};
  std::atomic<std::uint64_t> connections_open{0};
  std::array<std::atomic<std::uint64_t>, kDropReasonCount> drops{};
};

inline void bump(std::atomic<std::uint64_t>& c) noexcept { c.fetch_add(1, std::memory_order_relaxed); }

Endpoint to_endpoint(const udp::endpoint& e);
Endpoint to_endpoint(const tcp::endpoint& e);
// True when the bytes (after any leading CRLFs) start a status line: the
// protection layer and the 400 logic treat responses differently, and this
// is known before parsing.
bool looks_like_response(std::string_view bytes) noexcept;

struct UdpListener {
  std::size_t index = 0;
  udp::socket socket;
  Endpoint local;
  std::vector<char> buffer;  // max_message_bytes + 1: one byte more tells "too large"
  udp::endpoint sender;
  explicit UdpListener(net::io_context& ioc) : socket(ioc) {}
};

struct TcpListener {
  std::size_t index = 0;
  tcp::acceptor acceptor;
  Endpoint local;
  explicit TcpListener(net::io_context& ioc) : acceptor(ioc) {}
};

class TcpConnection : public std::enable_shared_from_this<TcpConnection> {
 public:
  TcpConnection(SipTransport::Impl& impl, tcp::socket socket, ConnectionId id, std::size_t listener);

  ConnectionId id() const noexcept { return id_; }
  const Endpoint& remote() const noexcept { return remote_; }
  bool connected() const noexcept { return connected_; }
  Nanos last_activity() const noexcept { return last_activity_; }
  Nanos created() const noexcept { return created_; }

  // An accepted connection: start reading.
  void start_inbound();
  // An outbound one: connect, then read and flush what was queued.
  void start_outbound(const Endpoint& to);
  // Queues one message (or a pong, `is_message` false).
  void send(std::shared_ptr<const std::string> bytes, SendCallback done, bool is_message = true);
  // Closes now; queued sends fail with `why` (unless the transport is
  // stopping). Idempotent.
  void close(const Status& why);

 private:
  struct Outgoing {
    std::shared_ptr<const std::string> bytes;
    SendCallback done;
    bool is_message = true;
  };

  void read();
  void on_read(const boost::system::error_code& ec, std::size_t n);
  void process_pending();
  void on_framed(std::string_view bytes);
  // Answer 400 to the header section when it is a request that allows one,
  // then close once it is written (framing is lost).
  void fail_framing(std::string_view header_section, DropReason reason, std::string_view why);
  void write_next();
  AtomicTransportCounters& counters() noexcept;

  SipTransport::Impl& impl_;
  tcp::socket socket_;
  ConnectionId id_;
  std::size_t listener_;
  Endpoint remote_;
  Endpoint local_;
  bool connected_ = false;
  bool closed_ = false;
  bool close_after_flush_ = false;
  bool writing_ = false;
  std::string pending_;  // received bytes not yet framed
  std::array<char, 16 * 1024> chunk_{};
  std::deque<Outgoing> out_;
  std::size_t out_bytes_ = 0;
  Nanos created_{0};
  Nanos last_activity_{0};
};

struct SipTransport::Impl {
  Impl(SipTransportOptions opts, MessageHandler h, const Clock& c);

  AtomicTransportCounters& counters_of(Transport t) noexcept { return counters[static_cast<std::size_t>(t)]; }
  void count_drop(Transport t, DropReason r) noexcept { bump(counters_of(t).drops[static_cast<std::size_t>(r)]); }

  Status bind_all();
  void close_all();
  void receive_udp(UdpListener& l);
  void on_datagram(UdpListener& l, std::size_t n);
  void accept_tcp(TcpListener& l);
  void on_accept(TcpListener& l, const boost::system::error_code& ec, tcp::socket socket);
  void arm_housekeeping();
  void housekeeping();

  // A message that passed the pre-parse checks: parse, answer 400 or drop
  // when it does not parse, scanner check, Via correction, hand over.
  void process_message(std::shared_ptr<std::string> raw, MessageContext ctx, const ParseLimits& limits);
  // A reply the transport makes itself (400, pong) where `ctx` says.
  void answer(const MessageContext& ctx, std::string bytes);

  // Transport-thread halves of the public send functions.
  void do_send(Transport t, const Endpoint& to, std::shared_ptr<const std::string> bytes, SendCallback done);
  void do_send_on(ConnectionId id, std::shared_ptr<const std::string> bytes, SendCallback done);
  void do_send_udp(UdpListener& l, const Endpoint& to, std::shared_ptr<const std::string> bytes, SendCallback done);
  void forget(TcpConnection& c);
  ConnectionId register_connection(std::shared_ptr<TcpConnection> c);

  SipTransportOptions options;
  MessageHandler handler;
  const Clock& clock;
  ParseLimits datagram_limits;
  ParseLimits stream_limits;
  std::array<AtomicTransportCounters, kTransportCount> counters;

  // Declared before every socket so that it is destroyed after them.
  net::io_context ioc;
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work;
  std::thread thread;
  net::steady_timer housekeeping_timer{ioc};

  std::optional<SourceProtection> protection;
  std::vector<std::unique_ptr<UdpListener>> udp_listeners;
  std::vector<std::unique_ptr<TcpListener>> tcp_listeners;
  std::vector<ListenAddress> bound;  // set by start() before the thread runs
  std::map<ConnectionId, std::shared_ptr<TcpConnection>> connections;
  std::map<std::pair<net::ip::address, std::uint16_t>, ConnectionId> by_remote;
  ConnectionId next_connection_id = 1;
  bool stopping = false;  // transport thread
  bool started = false;   // caller of start/stop
  bool stopped = false;
};

}  // namespace sb::sip
