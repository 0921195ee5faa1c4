// The SIP transport layer (RFC 3261 §18): UDP and TCP sockets on the
// configured listen addresses, message framing, limits, the protection
// layer (protection.hpp), and sending. Everything above it (transactions,
// the TU) sees whole parsed messages with the context needed to answer.
//
//   SipTransport transport(options, [&](ReceivedMessage m) {
//     // On the transport's thread: hand over, do not block.
//     if (m.message.is_request()) transactions.on_request(std::move(m));
//   });
//   if (auto st = transport.start(); !st) return st;
//   transport.reply(m.context, *make_response(m.message, 200, "OK"));
//   transport.send(Transport::kUdp, *parse_endpoint("192.0.2.4:5060"), invite_bytes);
//
// Threading: the transport owns an io_context and one thread that runs
// it; every socket, the connection table and the protection state live on
// that thread, so none of them needs a lock. The handler is called there
// and must not block (post heavy work elsewhere). send/send_on/reply may
// be called from any thread: they are posted to the transport thread (run
// inline when already on it). A dedicated thread rather than a shared
// io_context keeps SIP intake independent of the HTTP API's load, and
// gives the transport one place to stop.
//
// Receiving: a datagram or framed stream message passes the protection
// checks, is parsed (ParseLimits from the options; datagram or stream
// rules), and, for requests, gets its top Via corrected (received/rport,
// via_correction.hpp). A request that does not parse is answered 400 when
// the fields a response needs are readable, and dropped otherwise;
// responses are never answered. Every drop is counted (counters()).
//
// TCP framing (stream_framer.hpp): Content-Length is mandatory; without it
// the connection gets a 400 (when possible) and is closed. CRLFCRLF
// keep-alives are answered with CRLF. Idle connections are closed after
// `tcp_idle_timeout` of injected-clock time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/clock.hpp"
#include "common/status.hpp"
#include "control/sip/message.hpp"
#include "control/sip/transport/protection.hpp"
#include "control/sip/transport/types.hpp"
#include "control/sip/transport/via_correction.hpp"

namespace sb::sip {

struct SipTransportOptions {
  std::vector<ListenAddress> listen;
  // Parser bounds; max_message_bytes also bounds a stream message and the
  // unconsumed bytes a connection may hold.
  std::size_t max_message_bytes = 64 * 1024;
  std::size_t max_headers = 128;
  std::size_t max_line_bytes = 4096;
  // Bytes queued for sending on one connection before sends fail.
  std::size_t max_send_queue_bytes = 1024 * 1024;
  std::size_t max_tcp_connections = 1024;  // inbound and outbound together
  Nanos tcp_idle_timeout = std::chrono::minutes(5);
  Nanos tcp_connect_timeout = std::chrono::seconds(10);
  // How often idle and stuck connections are looked for (real time); the
  // timeouts themselves are measured on the injected clock.
  Nanos housekeeping_interval = std::chrono::seconds(1);
  ProtectionOptions protection;
};

// Where a message came from and how to answer it.
struct MessageContext {
  Transport transport = Transport::kUdp;
  Endpoint source;
  Endpoint local;  // the address it arrived on (the listener's, or the connection's local end)
  // Index into options.listen of the listener it arrived on; for a message
  // on an outbound connection, the index is kNoListener.
  static constexpr std::size_t kNoListener = static_cast<std::size_t>(-1);
  std::size_t listener = kNoListener;
  ConnectionId connection = 0;  // TCP; 0 for UDP
  Nanos received_at{0};         // injected clock
  // Requests only: the top Via as corrected (received/rport; the message's
  // own top Via row already carries it when `via_rewritten`), and where the
  // responses go (RFC 3261 §18.2.2).
  std::string top_via;
  bool via_rewritten = false;
  ResponseTarget response_target;
};

// A parsed message and the bytes it views. The bytes are on the heap and
// shared, so moving this struct keeps the views valid.
struct ReceivedMessage {
  std::shared_ptr<const std::string> raw;
  SipMessage message;
  MessageContext context;
};

using MessageHandler = std::function<void(ReceivedMessage)>;
// The outcome of a send, on the transport thread: OK once the bytes were
// handed to the kernel; unavailable (no such connection, connect failed,
// socket error), resource-exhausted (connection limit, send queue full),
// invalid-argument (no listener of that transport and address family).
using SendCallback = std::function<void(const Status&)>;

class SipTransport {
 public:
  SipTransport(SipTransportOptions options, MessageHandler handler, const Clock& clock = SteadyClock::instance());
  ~SipTransport();  // stop()
  SipTransport(const SipTransport&) = delete;
  SipTransport& operator=(const SipTransport&) = delete;

  // Validates the options, binds every listener and starts the thread.
  // Errors: invalid-argument (bad protection options, no listener),
  // unavailable (an address cannot be bound), failed-precondition (already
  // started). On error nothing is left bound.
  Status start();
  // Closes every socket and joins the thread. Idempotent; pending sends
  // are abandoned (their callbacks are not called). Not from the handler
  // or a send callback: it would join its own thread.
  void stop();

  // The bound addresses, in options.listen order (ports resolved when 0
  // was asked for). Empty before start().
  std::vector<ListenAddress> local_endpoints() const;

  // Sends `bytes` (one whole message) to `destination`. UDP goes out of the
  // first UDP listener of the destination's address family. TCP reuses a
  // connection to that address and port when one is open, else connects.
  void send(Transport transport, const Endpoint& destination, std::string bytes, SendCallback done = {});
  // On an existing TCP connection (a response to a request that came on it).
  void send_on(ConnectionId connection, std::string bytes, SendCallback done = {});
  // A response to the request `context` describes, per its response_target:
  // UDP from the listener it arrived on; TCP on its connection, or, when
  // that has closed, on a new one to response_target.endpoint.
  void reply(const MessageContext& context, std::string bytes, SendCallback done = {});

  TransportCountersSnapshot counters() const;

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace sb::sip
