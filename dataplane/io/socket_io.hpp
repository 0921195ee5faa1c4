// Kernel UDP socket backend: one non-blocking socket per media port, all of
// a worker's sockets in one epoll set; packets read with recvmmsg and sent
// with sendmmsg in bursts, into and out of a fixed pool of 2 KiB buffers
// owned by the worker.
//
// This is the path for machines without a DPDK-bound NIC and the one the
// embedded default configuration uses. The kernel costs a system call per
// ready socket per burst (recvmmsg drains all that is queued on it), and a
// sendmmsg per run of packets leaving from the same port — or, where the
// process may open a raw socket (CAP_NET_RAW), one sendmmsg per burst on a
// single raw IPv4 socket, with the UDP header (source port included) built
// in the buffer's headroom. That halves the system calls a relayed packet
// costs (see docs/performance.md for the measured effect).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "dataplane/counters.hpp"
#include "dataplane/io/packet_io.hpp"

namespace sb::dataplane {

struct SocketIoConfig {
  std::uint32_t bind_ip = 0x7f000001;  // host byte order; 127.0.0.1
  std::size_t pool_buffers = 4096;
  int receive_buffer_bytes = 1 << 20;  // SO_RCVBUF per socket
  bool raw_tx = true;                  // use a raw socket for TX when permitted
  // Which media ports this backend serves: the packet-ring receive path
  // (packet_ring_io.hpp) filters in the kernel by these, the others only
  // see the ports opened on them.
  std::uint16_t port_min = 1;
  std::uint16_t port_max = 65535;
  std::uint32_t worker_index = 0;      // port_owner(port, workers) == worker_index
  std::uint32_t workers = 1;
  // Where the packet-ring path also counts its drops (by DropReason, under
  // worker_index); none when null.
  DataplaneCounters* counters = nullptr;
};

class SocketIo final : public PacketIo {
 public:
  static constexpr std::size_t kBufferSize = 2048;
  // Room in front of the payload for an IPv4 and a UDP header (raw TX).
  static constexpr std::size_t kHeadroom = 32;

  // Errors: io-error when epoll cannot be created.
  static Result<std::unique_ptr<SocketIo>> create(const SocketIoConfig& cfg);
  ~SocketIo() override;

  std::size_t rx_burst(Packet* pkts, std::size_t max) noexcept override;
  std::size_t tx_burst(Packet* pkts, std::size_t n) noexcept override;
  void release(Packet* pkts, std::size_t n) noexcept override;
  bool alloc(Packet& out) noexcept override;
  Status open_port(std::uint16_t port) override;
  void close_port(std::uint16_t port) noexcept override;
  void idle(std::int64_t max_ns) noexcept override;

  bool raw_tx() const noexcept { return raw_fd_ >= 0; }
  std::uint64_t truncated() const noexcept { return truncated_; }
  std::uint64_t send_errors() const noexcept { return send_errors_; }
  std::size_t free_buffers() const noexcept { return free_.size(); }

 private:
  explicit SocketIo(const SocketIoConfig& cfg);
  std::uint8_t* buffer(std::uint32_t i) noexcept { return storage_.get() + static_cast<std::size_t>(i) * kBufferSize; }

  SocketIoConfig cfg_;

  int epoll_fd_ = -1;
  int raw_fd_ = -1;
  std::unique_ptr<std::uint8_t[]> storage_;
  std::vector<std::uint32_t> free_;       // stack of free buffer indices
  std::vector<int> port_fd_;              // port -> socket, -1 if closed
  // Sockets epoll reported ready that may still hold packets.
  std::vector<std::uint16_t> ready_;
  std::size_t ready_pos_ = 0;
  std::uint64_t truncated_ = 0;
  std::uint64_t send_errors_ = 0;
};

}  // namespace sb::dataplane
