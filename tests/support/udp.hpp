// UDP peers for tests: a socket on loopback that sends and receives RTP.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace sb::test {

class UdpPeer {
 public:
  // Binds to 127.0.0.1:port (0: any free port).
  explicit UdpPeer(std::uint16_t port = 0);
  ~UdpPeer();
  UdpPeer(const UdpPeer&) = delete;
  UdpPeer& operator=(const UdpPeer&) = delete;

  std::uint16_t port() const { return port_; }
  bool send_to(std::uint16_t port, const std::vector<std::uint8_t>& bytes, std::uint32_t ip = 0x7f000001);
  struct Datagram {
    std::vector<std::uint8_t> bytes;
    std::uint32_t from_ip;
    std::uint16_t from_port;
  };
  std::optional<Datagram> receive(std::chrono::milliseconds timeout);
  // Everything that arrives within `quiet` of the previous datagram.
  std::vector<Datagram> drain(std::chrono::milliseconds quiet);

 private:
  int fd_ = -1;
  std::uint16_t port_ = 0;
};

// A UDP port that was free a moment ago (for a program the test starts).
std::uint16_t free_udp_port();

// True once a UDP socket is bound to `port` on this host (reads /proc/net/udp),
// to start a sender only after an external receiver is listening.
bool wait_udp_bound(std::uint16_t port, std::chrono::milliseconds timeout);

}  // namespace sb::test
