#include "dataplane/io/udp_tx.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <sys/socket.h>

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>

namespace sb::dataplane {

namespace {
constexpr std::size_t kMaxBatch = 64;
}  // namespace

Result<int> open_media_socket(std::uint32_t ip, std::uint16_t port, int receive_buffer_bytes) {
  const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return io_error(std::string("socket: ") + std::strerror(errno));
  ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &receive_buffer_bytes, sizeof(int));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(ip);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    const int e = errno;
    ::close(fd);
    return io_error("bind to port " + std::to_string(port) + ": " + std::strerror(e));
  }
  return fd;
}

int open_raw_udp_tx_socket() noexcept {
  // IPPROTO_RAW implies IP_HDRINCL; without CAP_NET_RAW this fails and the
  // per-port sockets send instead.
  const int fd = ::socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
  if (fd >= 0) {
    int big = 4 << 20;
    ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &big, sizeof big);
  }
  return fd;
}

// The kernel fills in the IPv4 checksum and identification; the UDP
// checksum is ours.
std::size_t send_raw_burst(int raw_fd, std::uint32_t src_ip, Packet* pkts, std::size_t n,
                           std::uint64_t& errors) noexcept {
  mmsghdr msgs[kMaxBatch];
  iovec iov[kMaxBatch];
  sockaddr_in to[kMaxBatch];
  std::size_t sent = 0;
  for (std::size_t base = 0; base < n; base += kMaxBatch) {
    const std::size_t k = std::min(kMaxBatch, n - base);
    for (std::size_t i = 0; i < k; ++i) {
      Packet& p = pkts[base + i];
      auto* ip = reinterpret_cast<iphdr*>(p.data - sizeof(iphdr) - sizeof(udphdr));
      auto* udp = reinterpret_cast<udphdr*>(p.data - sizeof(udphdr));
      const std::uint16_t udp_len = static_cast<std::uint16_t>(sizeof(udphdr) + p.len);
      ip->version = 4;
      ip->ihl = 5;
      ip->tos = 46 << 2;  // DSCP EF, as voice is marked
      ip->tot_len = htons(static_cast<std::uint16_t>(sizeof(iphdr) + udp_len));
      ip->id = 0;
      ip->frag_off = htons(IP_DF);
      ip->ttl = 64;
      ip->protocol = IPPROTO_UDP;
      ip->check = 0;
      ip->saddr = htonl(src_ip);
      ip->daddr = htonl(p.dst.ip);
      udp->source = htons(p.local_port);
      udp->dest = htons(p.dst.port);
      udp->len = htons(udp_len);
      udp->check = 0;
      std::uint32_t sum = csum_add(0, reinterpret_cast<const std::uint8_t*>(&ip->saddr), 8);
      sum += IPPROTO_UDP + udp_len;
      sum = csum_add(sum, reinterpret_cast<const std::uint8_t*>(udp), udp_len);
      const std::uint16_t c = csum_fold(sum);
      udp->check = htons(c == 0 ? 0xffff : c);
      iov[i] = {ip, sizeof(iphdr) + udp_len};
      to[i] = {};
      to[i].sin_family = AF_INET;
      to[i].sin_addr.s_addr = ip->daddr;
      msgs[i] = {};
      msgs[i].msg_hdr.msg_iov = &iov[i];
      msgs[i].msg_hdr.msg_iovlen = 1;
      msgs[i].msg_hdr.msg_name = &to[i];
      msgs[i].msg_hdr.msg_namelen = sizeof(sockaddr_in);
    }
    std::size_t done = 0;
    while (done < k) {
      const int r = ::sendmmsg(raw_fd, msgs + done, static_cast<unsigned>(k - done), MSG_DONTWAIT);
      if (r <= 0) break;
      done += static_cast<std::size_t>(r);
    }
    sent += done;
    errors += k - done;
  }
  return sent;
}

std::size_t send_per_port_burst(const std::vector<int>& port_fd, Packet* pkts, std::size_t n,
                                std::uint64_t& errors) noexcept {
  std::size_t sent = 0;
  mmsghdr msgs[kMaxBatch];
  iovec iov[kMaxBatch];
  sockaddr_in to[kMaxBatch];
  std::size_t i = 0;
  while (i < n) {
    // A run of packets leaving from the same port goes in one sendmmsg.
    const std::uint16_t port = pkts[i].local_port;
    std::size_t run = 0;
    while (i + run < n && run < kMaxBatch && pkts[i + run].local_port == port) {
      Packet& p = pkts[i + run];
      iov[run] = {p.data, p.len};
      to[run] = {};
      to[run].sin_family = AF_INET;
      to[run].sin_port = htons(p.dst.port);
      to[run].sin_addr.s_addr = htonl(p.dst.ip);
      msgs[run] = {};
      msgs[run].msg_hdr.msg_iov = &iov[run];
      msgs[run].msg_hdr.msg_iovlen = 1;
      msgs[run].msg_hdr.msg_name = &to[run];
      msgs[run].msg_hdr.msg_namelen = sizeof(sockaddr_in);
      ++run;
    }
    const int fd = port_fd[port];
    std::size_t done = 0;
    while (fd >= 0 && done < run) {
      const int k = ::sendmmsg(fd, msgs + done, static_cast<unsigned>(run - done), MSG_DONTWAIT);
      if (k <= 0) break;  // EAGAIN (socket buffer full) or an error: the rest is dropped
      done += static_cast<std::size_t>(k);
    }
    sent += done;
    errors += run - done;
    i += run;
  }
  return sent;
}

}  // namespace sb::dataplane
