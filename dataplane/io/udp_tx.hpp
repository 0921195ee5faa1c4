// The kernel-socket backends' shared socket work: opening a media port's
// socket, and sending a burst of UDP packets: either
// one sendmmsg on a raw IPv4 socket (IPv4 and UDP headers written into the
// headroom in front of each payload), or one sendmmsg per run of packets
// leaving from the same port's socket. Shared by the epoll and io_uring
// receive paths (socket_io.hpp, uring_io.hpp), which differ only in how
// packets come in.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "common/status.hpp"
#include "dataplane/packet.hpp"

namespace sb::dataplane {

// Room the raw path needs in front of each payload.
inline constexpr std::size_t kUdpTxHeadroom = 28;  // IPv4 (20) + UDP (8)

// Internet checksum: adds 16-bit big-endian words of `p` to `sum`; fold
// gives the complemented 16-bit result (0 over data that includes a correct
// checksum).
inline std::uint32_t csum_add(std::uint32_t sum, const std::uint8_t* p, std::size_t len) noexcept {
  for (; len > 1; len -= 2, p += 2) sum += static_cast<std::uint32_t>(p[0] << 8 | p[1]);
  if (len) sum += static_cast<std::uint32_t>(p[0] << 8);
  return sum;
}
inline std::uint16_t csum_fold(std::uint32_t sum) noexcept {
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<std::uint16_t>(~sum);
}

// A media port's non-blocking UDP socket, bound to ip:port (host order).
// Errors: io-error with the OS's reason.
Result<int> open_media_socket(std::uint32_t ip, std::uint16_t port, int receive_buffer_bytes);

// Opens the raw socket; -1 when the process lacks CAP_NET_RAW.
int open_raw_udp_tx_socket() noexcept;

// Both return how many were handed to the kernel; the rest count in
// `errors`. Neither releases the buffers.
std::size_t send_raw_burst(int raw_fd, std::uint32_t src_ip, Packet* pkts, std::size_t n,
                           std::uint64_t& errors) noexcept;
std::size_t send_per_port_burst(const std::vector<int>& port_fd, Packet* pkts, std::size_t n,
                                std::uint64_t& errors) noexcept;

}  // namespace sb::dataplane
