// Packet-ring receive path of the socket backend; see packet_ring_io.hpp.
#include "dataplane/io/packet_ring_io.hpp"

#include <arpa/inet.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <utility>

#include "common/compiler.hpp"
#include "dataplane/io/udp_tx.hpp"

namespace sb::dataplane {

namespace {

// Handles: a ring frame's index, or kSpareTag | a private buffer's index.
constexpr std::uintptr_t kSpareTag = std::uintptr_t{1} << 31;
// Status we give a frame while the worker holds its packet: not the
// kernel's (so it does not write there) and without TP_STATUS_USER (so the
// reader never hands it out twice). Only we read it.
constexpr std::uint32_t kHeldByWorker = 1u << 1;
constexpr std::size_t kIpv4Min = 20;
constexpr std::size_t kUdpHeader = 8;

std::uint16_t be16(const std::uint8_t* p) noexcept { return static_cast<std::uint16_t>(p[0] << 8 | p[1]); }
std::uint32_t be32(const std::uint8_t* p) noexcept {
  return static_cast<std::uint32_t>(p[0]) << 24 | static_cast<std::uint32_t>(p[1]) << 16 |
         static_cast<std::uint32_t>(p[2]) << 8 | p[3];
}

// The frame's status is the hand-over point with the kernel: it fills the
// frame, then (after a write barrier) sets TP_STATUS_USER. Acquire here
// makes the frame's bytes visible before we read them.
std::uint32_t frame_status(const tpacket2_hdr* h) noexcept { return __atomic_load_n(&h->tp_status, __ATOMIC_ACQUIRE); }
// Release: our reads of the frame (and the send that copied it out) are
// done before the kernel may overwrite it.
void set_frame_status(tpacket2_hdr* h, std::uint32_t s) noexcept { __atomic_store_n(&h->tp_status, s, __ATOMIC_RELEASE); }

// Accept unfragmented IPv4/UDP to `ip` (any when 0) and a port in
// [port_min, port_max] with port_owner(port, workers) == index. Offsets are
// from the IPv4 header (SOCK_DGRAM packet socket).
std::vector<sock_filter> media_filter(const SocketIoConfig& c) {
  std::vector<sock_filter> f;
  std::vector<std::size_t> to_drop_if_false, to_drop_if_true;
  auto jump_false_drops = [&](std::uint16_t code, std::uint32_t k) {
    to_drop_if_false.push_back(f.size());
    f.push_back(BPF_JUMP(code, k, 0, 0));
  };
  f.push_back(BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 0));
  f.push_back(BPF_STMT(BPF_ALU | BPF_AND | BPF_K, 0xf0));
  jump_false_drops(BPF_JMP | BPF_JEQ | BPF_K, 0x40);
  f.push_back(BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 9));
  jump_false_drops(BPF_JMP | BPF_JEQ | BPF_K, IPPROTO_UDP);
  if (c.bind_ip != 0) {
    f.push_back(BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 16));
    jump_false_drops(BPF_JMP | BPF_JEQ | BPF_K, c.bind_ip);
  }
  f.push_back(BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 6));
  to_drop_if_true.push_back(f.size());
  f.push_back(BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 0x3fff, 0, 0));  // MF or an offset: a fragment
  f.push_back(BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, 0));               // X = IPv4 header length
  f.push_back(BPF_STMT(BPF_LD | BPF_H | BPF_IND, 2));                // A = UDP destination port
  jump_false_drops(BPF_JMP | BPF_JGE | BPF_K, c.port_min);
  to_drop_if_true.push_back(f.size());
  f.push_back(BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, c.port_max, 0, 0));
  if (c.workers > 1) {
    f.push_back(BPF_STMT(BPF_ALU | BPF_RSH | BPF_K, 1));
    f.push_back(BPF_STMT(BPF_ALU | BPF_MOD | BPF_K, c.workers));
    jump_false_drops(BPF_JMP | BPF_JEQ | BPF_K, c.worker_index);
  }
  f.push_back(BPF_STMT(BPF_RET | BPF_K, 0xffff));  // the whole datagram (the frame size bounds the copy)
  const std::size_t drop = f.size();
  f.push_back(BPF_STMT(BPF_RET | BPF_K, 0));
  for (std::size_t i : to_drop_if_false) f[i].jf = static_cast<std::uint8_t>(drop - i - 1);
  for (std::size_t i : to_drop_if_true) f[i].jt = static_cast<std::uint8_t>(drop - i - 1);
  return f;
}

bool attach_filter(int fd, std::vector<sock_filter>& f) noexcept {
  sock_fprog prog{static_cast<unsigned short>(f.size()), f.data()};
  return ::setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof prog) == 0;
}

}  // namespace

PacketRingIo::PacketRingIo(const SocketIoConfig& cfg)
    : cfg_(cfg), spare_storage_(new std::uint8_t[kSpareBuffers * kFrameSize]), port_fd_(65536, -1) {
  spare_free_.reserve(kSpareBuffers);
  for (std::size_t i = kSpareBuffers; i > 0; --i) spare_free_.push_back(static_cast<std::uint32_t>(i - 1));
}

Result<std::unique_ptr<PacketRingIo>> PacketRingIo::create(const SocketIoConfig& cfg) {
  std::unique_ptr<PacketRingIo> io(new PacketRingIo(cfg));
  SB_RETURN_IF_ERROR(io->init());
  if (cfg.raw_tx) io->raw_fd_ = open_raw_udp_tx_socket();
  return io;
}

Status PacketRingIo::init() {
  auto fail = [](const char* what) { return unavailable(std::string("packet ring: ") + what + ": " + std::strerror(errno)); };
  // Protocol 0 until bind: nothing is queued before the filter and the ring exist.
  ring_fd_ = ::socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (ring_fd_ < 0) return fail("socket(AF_PACKET)");
  auto filter = media_filter(cfg_);
  if (!attach_filter(ring_fd_, filter)) return fail("SO_ATTACH_FILTER");
  int version = TPACKET_V2;
  if (::setsockopt(ring_fd_, SOL_PACKET, PACKET_VERSION, &version, sizeof version) != 0) return fail("PACKET_VERSION");
  int one = 1;
  if (::setsockopt(ring_fd_, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof one) != 0)
    return fail("PACKET_IGNORE_OUTGOING");
  frames_ = kBlockSize / kFrameSize * kBlocks;
  tpacket_req req{kBlockSize, kBlocks, kFrameSize, frames_};
  if (::setsockopt(ring_fd_, SOL_PACKET, PACKET_RX_RING, &req, sizeof req) != 0) return fail("PACKET_RX_RING");
  ring_bytes_ = static_cast<std::size_t>(kBlockSize) * kBlocks;
  void* mem = ::mmap(nullptr, ring_bytes_, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, ring_fd_, 0);
  if (mem == MAP_FAILED) return fail("mmap");
  ring_ = static_cast<std::uint8_t*>(mem);
  sockaddr_ll addr{};
  addr.sll_family = AF_PACKET;
  addr.sll_protocol = htons(ETH_P_IP);
  addr.sll_ifindex = 0;  // every interface: local senders reach even a NIC's address over lo
  if (::bind(ring_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return fail("bind");
  return Status::ok();
}

PacketRingIo::~PacketRingIo() {
  for (int fd : port_fd_)
    if (fd >= 0) ::close(fd);
  if (ring_) ::munmap(ring_, ring_bytes_);
  if (ring_fd_ >= 0) ::close(ring_fd_);
  if (raw_fd_ >= 0) ::close(raw_fd_);
}

tpacket2_hdr* PacketRingIo::frame(std::uint32_t i) const noexcept {
  return reinterpret_cast<tpacket2_hdr*>(ring_ + static_cast<std::size_t>(i) * kFrameSize);
}

Status PacketRingIo::open_port(std::uint16_t port) {
  if (port_fd_[port] >= 0) return already_exists("port " + std::to_string(port) + " is already open");
  // A small receive buffer: the socket only holds the port (nothing queues).
  auto bound = open_media_socket(cfg_.bind_ip, port, 4096);
  if (!bound) return bound.status();
  std::vector<sock_filter> drop_all{BPF_STMT(BPF_RET | BPF_K, 0)};
  if (!attach_filter(*bound, drop_all)) {
    const int e = errno;
    ::close(*bound);
    return io_error("port " + std::to_string(port) + ": SO_ATTACH_FILTER: " + std::strerror(e));
  }
  port_fd_[port] = *bound;
  return Status::ok();
}

void PacketRingIo::close_port(std::uint16_t port) noexcept {
  if (port_fd_[port] < 0) return;
  ::close(port_fd_[port]);
  port_fd_[port] = -1;
  // Frames already in the ring for this port are dropped as not_ours.
}

bool PacketRingIo::take(tpacket2_hdr* h, std::uint32_t index, Packet& p) noexcept {
  auto* base = reinterpret_cast<std::uint8_t*>(h);
  const auto* sll = reinterpret_cast<const sockaddr_ll*>(base + TPACKET_ALIGN(sizeof(tpacket2_hdr)));
  if (SB_UNLIKELY(sll->sll_pkttype != PACKET_HOST)) {
    ++counters_.not_ours;
    return false;
  }
  if (SB_UNLIKELY(h->tp_snaplen < h->tp_len)) {
    ++counters_.truncated;
    return false;
  }
  std::uint8_t* ip = base + h->tp_net;
  const std::size_t len = h->tp_snaplen;
  const std::size_t ihl = static_cast<std::size_t>(ip[0] & 0x0f) * 4;
  const std::size_t total = len >= kIpv4Min ? be16(ip + 2) : 0;
  if (SB_UNLIKELY(len < kIpv4Min || (ip[0] >> 4) != 4 || ihl < kIpv4Min || total < ihl + kUdpHeader || total > len ||
                  ip[9] != IPPROTO_UDP || (be16(ip + 6) & 0x3fff) != 0)) {
    ++counters_.malformed;
    return false;
  }
  if (SB_UNLIKELY(csum_fold(csum_add(0, ip, ihl)) != 0)) {
    ++counters_.bad_checksum;
    return false;
  }
  std::uint8_t* udp = ip + ihl;
  const std::size_t udp_len = be16(udp + 4);
  if (SB_UNLIKELY(udp_len < kUdpHeader || udp_len > total - ihl)) {
    ++counters_.malformed;
    return false;
  }
  const std::uint16_t port = be16(udp + 2);
  if (SB_UNLIKELY(port_fd_[port] < 0)) {
    ++counters_.not_ours;
    return false;
  }
  // Partial (made on this host, not summed yet) or checked by the device or
  // the kernel: nothing to do. Otherwise, unless the sender sent none.
  if (!(h->tp_status & (TP_STATUS_CSUMNOTREADY | TP_STATUS_CSUM_VALID)) && be16(udp + 6) != 0) {
    std::uint32_t sum = csum_add(0, ip + 12, 8) + IPPROTO_UDP + static_cast<std::uint32_t>(udp_len);
    if (SB_UNLIKELY(csum_fold(csum_add(sum, udp, udp_len)) != 0)) {
      ++counters_.bad_checksum;
      return false;
    }
  }
  p.data = udp + kUdpHeader;
  p.len = static_cast<std::uint16_t>(udp_len - kUdpHeader);
  p.capacity = static_cast<std::uint16_t>(base + kFrameSize - p.data);
  p.src = {be32(ip + 12), be16(udp)};
  p.local_port = port;
  p.dst = {};
  p.handle = reinterpret_cast<void*>(static_cast<std::uintptr_t>(index));
  p.dirty = Packet::kAnything;
  return true;
}

std::size_t PacketRingIo::rx_burst(Packet* pkts, std::size_t max) noexcept {
  const RxCounters before = counters_;
  std::size_t got = 0;
  while (got < max) {
    tpacket2_hdr* h = frame(next_);
    if (!(frame_status(h) & TP_STATUS_USER)) break;
    const std::uint32_t index = next_;
    next_ = next_ + 1 == frames_ ? 0 : next_ + 1;
    if (take(h, index, pkts[got])) {
      h->tp_status = kHeldByWorker;  // only we read it while held; the kernel only tests for TP_STATUS_KERNEL
      ++got;
    } else {
      set_frame_status(h, TP_STATUS_KERNEL);
    }
  }
  if (cfg_.counters) publish_drops(before);
  return got;
}

// Once per burst: what this burst dropped, under the dataplane's reasons.
void PacketRingIo::publish_drops(const RxCounters& before) noexcept {
  const std::pair<std::uint64_t, DropReason> drops[] = {
      {counters_.malformed - before.malformed, DropReason::kNotIpv4Udp},
      {counters_.bad_checksum - before.bad_checksum, DropReason::kBadChecksum},
      {counters_.truncated - before.truncated, DropReason::kTruncated},
      {counters_.not_ours - before.not_ours, DropReason::kUnknownPort},
  };
  for (const auto& [n, reason] : drops)
    if (n) cfg_.counters->add(cfg_.worker_index, drop_index(reason), n);
}

void PacketRingIo::give_back(const Packet& p) noexcept {
  const auto h = reinterpret_cast<std::uintptr_t>(p.handle);
  if (h & kSpareTag) spare_free_.push_back(static_cast<std::uint32_t>(h & ~kSpareTag));
  else set_frame_status(frame(static_cast<std::uint32_t>(h)), TP_STATUS_KERNEL);
}

void PacketRingIo::release(Packet* pkts, std::size_t n) noexcept {
  for (std::size_t i = 0; i < n; ++i) give_back(pkts[i]);
}

bool PacketRingIo::alloc(Packet& out) noexcept {
  if (spare_free_.empty()) return false;
  const std::uint32_t i = spare_free_.back();
  spare_free_.pop_back();
  out = {};
  out.data = spare(i) + kUdpTxHeadroom;
  out.capacity = static_cast<std::uint16_t>(kFrameSize - kUdpTxHeadroom);
  out.handle = reinterpret_cast<void*>(kSpareTag | i);
  return true;
}

std::size_t PacketRingIo::tx_burst(Packet* pkts, std::size_t n) noexcept {
  const std::size_t sent = raw_fd_ >= 0 ? send_raw_burst(raw_fd_, cfg_.bind_ip, pkts, n, send_errors_)
                                        : send_per_port_burst(port_fd_, pkts, n, send_errors_);
  release(pkts, n);
  return sent;
}

void PacketRingIo::idle(std::int64_t max_ns) noexcept {
  if (max_ns <= 0 || (frame_status(frame(next_)) & TP_STATUS_USER)) return;
  // A frame filled after the check above makes poll return at once.
  pollfd pfd{ring_fd_, POLLIN, 0};
  ::poll(&pfd, 1, static_cast<int>((max_ns + 999'999) / 1'000'000));
}

}  // namespace sb::dataplane
