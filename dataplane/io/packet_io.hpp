// The packet I/O interface a worker runs over, with two implementations:
// kernel UDP sockets (socket_io.hpp: the default, and what the embedded
// configuration uses) and DPDK (dpdk_io.hpp: the production path). The same
// worker code drives both; calls are per burst, never per packet.
//
// Ownership: each backend instance belongs to one worker thread. open_port()
// and close_port() are called by that worker when it executes a control
// command; rx/tx run in its loop.
#pragma once

#include <cstddef>
#include <cstdint>

#include "common/status.hpp"
#include "dataplane/packet.hpp"

namespace sb::dataplane {

class PacketIo {
 public:
  virtual ~PacketIo() = default;

  // Receives up to `max` packets into `pkts`.
  virtual std::size_t rx_burst(Packet* pkts, std::size_t max) noexcept = 0;
  // Sends `n` packets (dst and local_port set). Every packet is consumed,
  // sent or not; returns how many were sent.
  virtual std::size_t tx_burst(Packet* pkts, std::size_t n) noexcept = 0;
  // Gives buffers back without sending (dropped packets).
  virtual void release(Packet* pkts, std::size_t n) noexcept = 0;
  // A buffer for a packet the worker generates (RTCP reports, later prompts);
  // false when the pool is empty.
  virtual bool alloc(Packet& out) noexcept = 0;

  // Media ports this worker owns. Errors: the OS's or the device's reason.
  virtual Status open_port(std::uint16_t port) = 0;
  virtual void close_port(std::uint16_t port) noexcept = 0;

  // Nothing arrived: wait up to `max_ns` for traffic (sockets block in
  // epoll; DPDK pauses briefly). Busy-polling workers pass 0.
  virtual void idle(std::int64_t max_ns) noexcept = 0;

  // The worker is about to end: release what only its thread can release
  // (an io_uring ring's requests hold the ports' sockets).
  virtual void shutdown() noexcept {}
};

}  // namespace sb::dataplane
