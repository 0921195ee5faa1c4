// Kernel UDP socket backend that receives through io_uring: one socket per
// media port as in socket_io.hpp, but every socket has a multishot recvmsg
// armed on one ring, drawing buffers from a provided-buffer ring. Packets
// from all ports then arrive as completions in shared memory, and one
// io_uring_enter per loop (which also runs the deferred receive work)
// replaces the epoll_wait plus one recvmmsg per ready socket of the epoll
// path. Sending is the same burst as the epoll path (udp_tx.hpp).
//
// Why: with thousands of calls each socket holds one or two packets per
// loop, so the epoll path pays about one system call per received packet;
// here the system calls per loop are two (enter and the send), whatever the
// number of ready sockets. Measured on loopback (bench/relay_load --target
// all), the CPU per relayed packet is the same as epoll's within noise: the
// kernel's UDP, routing and loopback-delivery work dominates, not the
// system calls. So it is an option (DataplaneConfig::socket_rx), not the
// default.
//
// Buffers: `ring_buffers` 2 KiB buffers are owned by the kernel's buffer
// ring until a completion hands one to us; released or sent packets go back
// to the ring. A few extra buffers serve alloc() for packets the worker
// makes itself. When the ring runs dry a socket's multishot receive ends
// (ENOBUFS) and is re-armed once buffers are back; the socket keeps queueing
// meanwhile, so nothing is lost unless its own receive buffer overflows.
//
// Requires a kernel with multishot recvmsg and provided buffer rings (6.0
// or later) and io_uring not disabled by sysctl; create() says why when not,
// and the caller falls back to the epoll path.
#pragma once

#include <liburing.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "dataplane/io/packet_io.hpp"
#include "dataplane/io/socket_io.hpp"

namespace sb::dataplane {

class UringIo final : public PacketIo {
 public:
  static constexpr std::size_t kBufferSize = 2048;
  static constexpr unsigned kRingBuffers = 4096;   // power of two (kernel rule)
  static constexpr unsigned kSpareBuffers = 256;   // for alloc()

  // Errors: unavailable, with the kernel's reason, when io_uring or one of
  // the features above is missing.
  static Result<std::unique_ptr<UringIo>> create(const SocketIoConfig& cfg);
  ~UringIo() override;

  std::size_t rx_burst(Packet* pkts, std::size_t max) noexcept override;
  std::size_t tx_burst(Packet* pkts, std::size_t n) noexcept override;
  void release(Packet* pkts, std::size_t n) noexcept override;
  bool alloc(Packet& out) noexcept override;
  Status open_port(std::uint16_t port) override;
  void close_port(std::uint16_t port) noexcept override;
  void idle(std::int64_t max_ns) noexcept override;
  // Cancels every armed receive and waits for their last completions, then
  // closes the sockets: a ring torn down later (or by another thread) would
  // keep the ports bound until the kernel's deferred clean-up ran.
  void shutdown() noexcept override;

  bool raw_tx() const noexcept { return raw_fd_ >= 0; }
  std::uint64_t truncated() const noexcept { return truncated_; }
  std::uint64_t send_errors() const noexcept { return send_errors_; }
  std::uint64_t rearms() const noexcept { return rearms_; }

 private:
  explicit UringIo(const SocketIoConfig& cfg);
  // Makes the ring on first use, on the calling (worker) thread.
  bool ready() noexcept;
  Status init();
  std::uint8_t* buffer(std::uint32_t i) noexcept { return storage_.get() + static_cast<std::size_t>(i) * kBufferSize; }
  void give_back(std::uint32_t buffer_id) noexcept;
  bool arm(std::uint16_t port) noexcept;
  void rearm_starved() noexcept;
  std::size_t harvest(Packet* pkts, std::size_t max) noexcept;

  SocketIoConfig cfg_;
  io_uring ring_{};
  bool ring_ready_ = false;
  bool init_failed_ = false;
  io_uring_buf_ring* buf_ring_ = nullptr;
  std::size_t buf_ring_bytes_ = 0;
  unsigned returned_ = 0;                  // buffers added to the ring since the last advance
  std::unique_ptr<std::uint8_t[]> storage_;
  std::vector<std::uint32_t> spare_;       // free ids >= kRingBuffers
  std::vector<int> port_fd_;               // port -> socket, -1 if closed
  std::vector<std::uint16_t> generation_;  // port -> generation, so stale completions are ignored
  std::vector<std::uint16_t> starved_;     // ports whose multishot ended for lack of buffers
  msghdr recv_template_{};                 // what multishot recvmsg fills per packet: the sender's address
  int raw_fd_ = -1;
  std::uint64_t truncated_ = 0;
  std::uint64_t send_errors_ = 0;
  std::uint64_t rearms_ = 0;
  std::size_t armed_ = 0;                  // receives in the kernel (ended ones post a CQE without F_MORE)
};

}  // namespace sb::dataplane
