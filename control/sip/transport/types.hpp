// Vocabulary shared by the SIP transport and its protection layer:
// transports, endpoints, listen addresses, drop reasons and the counters a
// transport exposes.
//
// Drop reasons are one X-macro table so that the enum, the metric label
// and the snapshot stay in step when a reason is added.
#pragma once

#include <boost/asio/ip/address.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.hpp"

namespace sb::sip {

enum class Transport : std::uint8_t { kUdp = 0, kTcp = 1 };
inline constexpr std::size_t kTransportCount = 2;

std::string_view transport_name(Transport t) noexcept;  // "udp", "tcp"

// An IP address and a port, independent of Asio's per-protocol endpoint
// types so that UDP and TCP sources can be compared and stored alike.
struct Endpoint {
  boost::asio::ip::address address;
  std::uint16_t port = 0;

  // "127.0.0.1:5060", "[::1]:5060"
  std::string to_string() const;
  friend bool operator==(const Endpoint&, const Endpoint&) = default;
};

// Parses "127.0.0.1:5060" or "[::1]:5060" (the port is required).
Result<Endpoint> parse_endpoint(std::string_view text);

// One socket to listen on, as the daemon's [sip] listen list writes it:
// "udp:127.0.0.1:5060", "tcp:[::1]:5060". Port 0 binds an ephemeral port
// (tests); SipTransport::local_endpoints tells which.
struct ListenAddress {
  Transport transport = Transport::kUdp;
  Endpoint endpoint;
};
Result<ListenAddress> parse_listen_address(std::string_view text);

// Why a message, a datagram or a connection was not handed on.
#define SB_SIP_DROP_REASONS(X)                                                                        \
  X(kMalformed, "malformed")           /* did not parse, or its top Via is unreadable */                \
  X(kTooLarge, "too_large")            /* over max_message_bytes or the connection buffer cap */        \
  X(kNoContentLength, "no_content_length") /* a stream message without Content-Length (RFC 3261 §18.3) */ \
  X(kAclDenied, "acl_denied")          /* source outside every allowed CIDR */                           \
  X(kRateLimited, "rate_limited")      /* over the per-source request rate */                            \
  X(kBanned, "banned")                 /* source is serving a temporary ban */                           \
  X(kScanner, "scanner")               /* User-Agent of a known scanner */                               \
  X(kConnectionLimit, "connection_limit") /* a TCP connection over max_tcp_connections */               \
  X(kSendFailed, "send_failed")        /* an outgoing message the socket refused or could not queue */

enum class DropReason : std::uint8_t {
#define SB_X(name, label) name,
  SB_SIP_DROP_REASONS(SB_X)
#undef SB_X
};
inline constexpr std::size_t kDropReasonCount = 0
#define SB_X(name, label) +1
    SB_SIP_DROP_REASONS(SB_X)
#undef SB_X
    ;

// The metric label ("malformed", "too_large", ...).
std::string_view drop_reason_label(DropReason r) noexcept;

// What one transport (UDP or TCP) has done since start, read as a
// snapshot; the values are totals and only grow, except connections_open.
struct TransportCounters {
  std::uint64_t messages_received = 0;  // handed to the handler
  std::uint64_t messages_sent = 0;
  std::uint64_t bad_request_sent = 0;   // 400s the transport answered itself
  std::uint64_t keepalives = 0;         // CRLFCRLF pings (TCP, answered) and CRLF datagrams (UDP)
  std::uint64_t connections_accepted = 0;
  std::uint64_t connections_opened = 0;  // outbound
  std::uint64_t connections_idle_closed = 0;
  std::uint64_t connections_open = 0;
  std::array<std::uint64_t, kDropReasonCount> drops{};

  std::uint64_t dropped(DropReason r) const noexcept { return drops[static_cast<std::size_t>(r)]; }
};

struct TransportCountersSnapshot {
  std::array<TransportCounters, kTransportCount> by_transport{};
  const TransportCounters& operator[](Transport t) const noexcept { return by_transport[static_cast<std::size_t>(t)]; }
};

}  // namespace sb::sip
