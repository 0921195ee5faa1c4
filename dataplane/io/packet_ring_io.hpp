// Kernel-socket backend that receives every media packet of a worker from
// one AF_PACKET receive ring (TPACKET_V2, memory shared with the kernel)
// instead of one UDP socket per port: the kernel copies each IPv4/UDP
// packet for this worker's ports into the next free frame and flags it; the
// worker reads frames in place, with no system call while frames are ready,
// and polls the packet socket only when the ring is empty. Sending is the
// same burst as the other socket paths (udp_tx.hpp), straight from the
// frame: the received IPv4 and UDP headers in front of the payload are the
// headroom the raw send rewrites.
//
// Why: with thousands of calls each port's socket holds about one packet
// per loop, so the epoll path pays a recvmmsg (and the skb dequeue, copy and
// free behind it) per received packet. Here the copy into the ring happens
// where the packet is delivered (the sender's CPU on loopback, the NIC's
// receive softirq otherwise), and the worker only reads shared memory.
//
// What the kernel is told, per worker:
//   - a packet socket for ETH_P_IP on every interface (the media address is
//     reached over `lo` from local senders even when it lives on a NIC),
//     ignoring our own outgoing packets;
//   - a classic BPF filter that accepts only unfragmented IPv4/UDP to the
//     media address (any, when bound to 0.0.0.0) and to a port in the media
//     range owned by this worker (port_owner), so other workers' and
//     non-media traffic is never copied;
//   - every media port still gets its UDP socket, bound as before, so the
//     port stays ours and the kernel sends no ICMP port-unreachable; those
//     sockets carry a drop-everything filter so nothing is queued twice (the
//     kernel counts these as UDP receive errors: `InErrors` in
//     /proc/net/snmp grows by one per media packet).
//
// Frames: TPACKET_V2 hands each frame over on its own (no block-retire
// delay as with V3). Packets point into the frame until released or sent;
// the frame then goes back to the kernel. Frames may come back in any
// order; the kernel only stalls (and drops, counted by it) if it wraps onto
// a frame still held. Packets the worker makes itself (alloc) come from a
// small private pool.
//
// Checks (the kernel's IP layer sees the packet after us, so we check as it
// would): version, header length and checksum, lengths, UDP checksum
// (skipped when the kernel flags it partial, i.e. generated on this host, or
// already verified), and that the port is open on this worker. Failures are
// counted (rx_counters(), and once per burst in the dataplane's drop
// counters: not_ipv4_udp, bad_checksum, truncated, unknown_port) and
// dropped.
//
// Needs CAP_NET_RAW; create() says why when it cannot open the ring, and the
// caller falls back to the epoll path.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "dataplane/io/packet_io.hpp"
#include "dataplane/io/socket_io.hpp"

struct tpacket2_hdr;

namespace sb::dataplane {

class PacketRingIo final : public PacketIo {
 public:
  static constexpr unsigned kFrameSize = 2048;
  static constexpr unsigned kBlockSize = 1u << 16;   // frames per block: 32
  static constexpr unsigned kBlocks = 128;           // 4096 frames, 8 MiB per worker
  static constexpr std::size_t kSpareBuffers = 256;  // for alloc()

  struct RxCounters {
    std::uint64_t malformed = 0;      // not a well-formed IPv4/UDP datagram
    std::uint64_t bad_checksum = 0;   // IPv4 header or UDP checksum wrong
    std::uint64_t truncated = 0;      // larger than a frame
    std::uint64_t not_ours = 0;       // passed the filter but the port is not open here
  };

  // Errors: unavailable with the OS's reason (no CAP_NET_RAW, no AF_PACKET).
  static Result<std::unique_ptr<PacketRingIo>> create(const SocketIoConfig& cfg);
  ~PacketRingIo() override;

  std::size_t rx_burst(Packet* pkts, std::size_t max) noexcept override;
  std::size_t tx_burst(Packet* pkts, std::size_t n) noexcept override;
  void release(Packet* pkts, std::size_t n) noexcept override;
  bool alloc(Packet& out) noexcept override;
  Status open_port(std::uint16_t port) override;
  void close_port(std::uint16_t port) noexcept override;
  void idle(std::int64_t max_ns) noexcept override;

  const RxCounters& rx_counters() const noexcept { return counters_; }
  std::uint64_t send_errors() const noexcept { return send_errors_; }

 private:
  explicit PacketRingIo(const SocketIoConfig& cfg);
  Status init();
  tpacket2_hdr* frame(std::uint32_t i) const noexcept;
  // Validates frame `i`'s datagram; true with `p` filled when it is ours.
  bool take(tpacket2_hdr* hdr, std::uint32_t i, Packet& p) noexcept;
  void give_back(const Packet& p) noexcept;
  void publish_drops(const RxCounters& before) noexcept;
  std::uint8_t* spare(std::uint32_t i) noexcept { return spare_storage_.get() + static_cast<std::size_t>(i) * kFrameSize; }

  SocketIoConfig cfg_;
  int ring_fd_ = -1;
  int raw_fd_ = -1;
  std::uint8_t* ring_ = nullptr;
  std::size_t ring_bytes_ = 0;
  std::uint32_t frames_ = 0;
  std::uint32_t next_ = 0;                  // next frame to read
  std::unique_ptr<std::uint8_t[]> spare_storage_;
  std::vector<std::uint32_t> spare_free_;
  std::vector<int> port_fd_;                // port -> socket, -1 if closed
  RxCounters counters_;
  std::uint64_t send_errors_ = 0;
};

}  // namespace sb::dataplane
