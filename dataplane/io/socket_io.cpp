#include "dataplane/io/socket_io.hpp"

#include "dataplane/io/udp_tx.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <algorithm>
#include <cstring>

namespace sb::dataplane {

namespace {
constexpr int kMaxBatch = 64;
constexpr int kMaxEvents = 256;
}  // namespace

SocketIo::SocketIo(const SocketIoConfig& cfg)
    : cfg_(cfg), storage_(new std::uint8_t[cfg.pool_buffers * kBufferSize]), port_fd_(65536, -1) {
  free_.reserve(cfg.pool_buffers);
  for (std::size_t i = cfg.pool_buffers; i > 0; --i) free_.push_back(static_cast<std::uint32_t>(i - 1));
  ready_.reserve(kMaxEvents);
}

Result<std::unique_ptr<SocketIo>> SocketIo::create(const SocketIoConfig& cfg) {
  std::unique_ptr<SocketIo> io(new SocketIo(cfg));
  io->epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
  if (io->epoll_fd_ < 0) return io_error(std::string("epoll_create1: ") + std::strerror(errno));
  if (cfg.raw_tx) io->raw_fd_ = open_raw_udp_tx_socket();
  return io;
}

SocketIo::~SocketIo() {
  for (int fd : port_fd_)
    if (fd >= 0) ::close(fd);
  if (epoll_fd_ >= 0) ::close(epoll_fd_);
  if (raw_fd_ >= 0) ::close(raw_fd_);
}

Status SocketIo::open_port(std::uint16_t port) {
  if (port_fd_[port] >= 0) return already_exists("port " + std::to_string(port) + " is already open");
  auto bound = open_media_socket(cfg_.bind_ip, port, cfg_.receive_buffer_bytes);
  if (!bound) return bound.status();
  const int fd = *bound;
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u32 = port;
  if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) != 0) {
    const int e = errno;
    ::close(fd);
    return io_error(std::string("epoll_ctl: ") + std::strerror(e));
  }
  port_fd_[port] = fd;
  return Status::ok();
}

void SocketIo::close_port(std::uint16_t port) noexcept {
  const int fd = port_fd_[port];
  if (fd < 0) return;
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
  ::close(fd);
  port_fd_[port] = -1;
  // A stale entry in ready_ for this port is skipped (port_fd_ is -1).
}

bool SocketIo::alloc(Packet& out) noexcept {
  if (free_.empty()) return false;
  const std::uint32_t i = free_.back();
  free_.pop_back();
  out = {};
  out.data = buffer(i) + kHeadroom;
  out.capacity = kBufferSize - kHeadroom;
  out.handle = reinterpret_cast<void*>(static_cast<std::uintptr_t>(i));
  return true;
}

void SocketIo::release(Packet* pkts, std::size_t n) noexcept {
  for (std::size_t i = 0; i < n; ++i)
    free_.push_back(static_cast<std::uint32_t>(reinterpret_cast<std::uintptr_t>(pkts[i].handle)));
}

std::size_t SocketIo::rx_burst(Packet* pkts, std::size_t max) noexcept {
  if (ready_pos_ >= ready_.size()) {
    ready_.clear();
    ready_pos_ = 0;
    epoll_event events[kMaxEvents];
    const int n = ::epoll_wait(epoll_fd_, events, kMaxEvents, 0);
    for (int i = 0; i < n; ++i) ready_.push_back(static_cast<std::uint16_t>(events[i].data.u32));
  }
  std::size_t got = 0;
  mmsghdr msgs[kMaxBatch];
  iovec iov[kMaxBatch];
  sockaddr_in from[kMaxBatch];
  std::uint32_t slots[kMaxBatch];
  while (got < max && ready_pos_ < ready_.size()) {
    const std::uint16_t port = ready_[ready_pos_];
    const int fd = port_fd_[port];
    if (fd < 0) {
      ++ready_pos_;
      continue;
    }
    std::size_t want = std::min<std::size_t>({max - got, static_cast<std::size_t>(kMaxBatch), free_.size()});
    if (want == 0) break;  // pool empty: leave the data in the kernel
    for (std::size_t i = 0; i < want; ++i) {
      slots[i] = free_[free_.size() - 1 - i];
      iov[i] = {buffer(slots[i]) + kHeadroom, kBufferSize - kHeadroom};
      msgs[i] = {};
      msgs[i].msg_hdr.msg_iov = &iov[i];
      msgs[i].msg_hdr.msg_iovlen = 1;
      msgs[i].msg_hdr.msg_name = &from[i];
      msgs[i].msg_hdr.msg_namelen = sizeof(sockaddr_in);
    }
    const int n = ::recvmmsg(fd, msgs, static_cast<unsigned>(want), MSG_DONTWAIT, nullptr);
    if (n <= 0) {
      ++ready_pos_;  // drained (EAGAIN) or an error on this socket
      continue;
    }
    free_.resize(free_.size() - static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) {
      Packet& p = pkts[got];
      if (msgs[i].msg_hdr.msg_flags & MSG_TRUNC) {
        ++truncated_;
        free_.push_back(slots[i]);
        continue;
      }
      p.data = buffer(slots[i]) + kHeadroom;
      p.len = static_cast<std::uint16_t>(msgs[i].msg_len);
      p.capacity = kBufferSize - kHeadroom;
      p.src = {ntohl(from[i].sin_addr.s_addr), ntohs(from[i].sin_port)};
      p.local_port = port;
      p.dst = {};
      p.handle = reinterpret_cast<void*>(static_cast<std::uintptr_t>(slots[i]));
      ++got;
    }
    if (static_cast<std::size_t>(n) < want) ++ready_pos_;  // the socket is empty now
  }
  return got;
}

std::size_t SocketIo::tx_burst(Packet* pkts, std::size_t n) noexcept {
  const std::size_t sent = raw_fd_ >= 0 ? send_raw_burst(raw_fd_, cfg_.bind_ip, pkts, n, send_errors_)
                                        : send_per_port_burst(port_fd_, pkts, n, send_errors_);
  release(pkts, n);
  return sent;
}

void SocketIo::idle(std::int64_t max_ns) noexcept {
  if (ready_pos_ < ready_.size() || max_ns <= 0) return;
  epoll_event events[kMaxEvents];
  const int timeout_ms = static_cast<int>((max_ns + 999'999) / 1'000'000);
  const int n = ::epoll_wait(epoll_fd_, events, kMaxEvents, timeout_ms);
  ready_.clear();
  ready_pos_ = 0;
  for (int i = 0; i < n; ++i) ready_.push_back(static_cast<std::uint16_t>(events[i].data.u32));
}

}  // namespace sb::dataplane
