// A packet as the worker sees it, whichever backend received it: the UDP
// payload, where it came from, which local port it arrived on; and, for
// transmission, where it goes and from which local port.
#pragma once

#include <cstdint>
#include <string>

namespace sb::dataplane {

// IPv4 address (host byte order) and UDP port.
struct Endpoint {
  std::uint32_t ip = 0;
  std::uint16_t port = 0;
  bool operator==(const Endpoint&) const = default;
  bool valid() const noexcept { return ip != 0 && port != 0; }
};

// "a.b.c.d:port", for logs, events and API answers (never the packet path).
inline std::string to_string(const Endpoint& e) {
  return std::to_string(e.ip >> 24) + "." + std::to_string((e.ip >> 16) & 255) + "." + std::to_string((e.ip >> 8) & 255) +
         "." + std::to_string(e.ip & 255) + ":" + std::to_string(e.port);
}

struct Packet {
  std::uint8_t* data = nullptr;   // UDP payload
  std::uint16_t len = 0;
  std::uint16_t capacity = 0;     // writable bytes from `data`
  Endpoint src;                   // the sender (RX)
  std::uint16_t local_port = 0;   // arrived on (RX) / send from (TX)
  Endpoint dst;                   // destination (TX)
  void* handle = nullptr;         // the backend's buffer (mbuf, pool slot)
  // What the worker changed in the payload, so a backend that must keep a
  // UDP checksum can update it incrementally instead of re-reading it all.
  enum Dirty : std::uint8_t { kUnchanged = 0, kRtpHeaderOnly = 1, kAnything = 2 };
  Dirty dirty = kAnything;
};

}  // namespace sb::dataplane
