// The packet-ring receive path (AF_PACKET ring, packet_ring_io.hpp) over
// real sockets on loopback: the kernel filter hands a worker only its own
// media ports, datagrams the IP layer would refuse are counted and
// dropped, and without CAP_NET_RAW a dataplane asked for the ring receives
// with epoll. Needs CAP_NET_RAW: skipped otherwise.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <linux/capability.h>
#include <netinet/udp.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <chrono>
#include <optional>
#include <set>
#include <thread>
#include <vector>

#include "dataplane/io/packet_ring_io.hpp"
#include "dataplane/media_sessions.hpp"
#include "tests/support/udp.hpp"

namespace sb::dataplane {
namespace {

using namespace std::chrono_literals;

constexpr std::uint16_t kPortMin = 16000;
constexpr std::uint16_t kPortMax = 16099;

std::unique_ptr<PacketRingIo> make_ring(std::uint32_t index, std::uint32_t workers,
                                        DataplaneCounters* counters = nullptr) {
  SocketIoConfig cfg;
  cfg.counters = counters;
  cfg.port_min = kPortMin;
  cfg.port_max = kPortMax;
  cfg.worker_index = index;
  cfg.workers = workers;
  auto ring = PacketRingIo::create(cfg);
  return ring ? std::move(*ring) : nullptr;
}

// Packets the ring hands over within `wait` (polling as the worker does).
std::vector<std::vector<std::uint8_t>> receive(PacketRingIo& io, std::chrono::milliseconds wait,
                                               std::vector<Packet>* meta = nullptr) {
  std::vector<std::vector<std::uint8_t>> got;
  const auto deadline = std::chrono::steady_clock::now() + wait;
  Packet pkts[32];
  while (std::chrono::steady_clock::now() < deadline) {
    const std::size_t n = io.rx_burst(pkts, 32);
    for (std::size_t i = 0; i < n; ++i) {
      got.emplace_back(pkts[i].data, pkts[i].data + pkts[i].len);
      if (meta) meta->push_back(pkts[i]);
    }
    io.release(pkts, n);
    if (n == 0) io.idle(5'000'000);
  }
  return got;
}

// Sends a hand-made IPv4/UDP datagram to 127.0.0.1:port through a raw
// socket (the kernel fills in the IPv4 length and checksum only).
void send_crafted(std::uint16_t port, const std::vector<std::uint8_t>& payload, std::uint16_t udp_len,
                  std::uint16_t udp_checksum) {
  const int fd = ::socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
  ASSERT_GE(fd, 0);
  std::vector<std::uint8_t> b(sizeof(iphdr) + sizeof(udphdr) + payload.size());
  auto* ip = reinterpret_cast<iphdr*>(b.data());
  auto* udp = reinterpret_cast<udphdr*>(b.data() + sizeof(iphdr));
  ip->version = 4;
  ip->ihl = 5;
  ip->ttl = 64;
  ip->protocol = IPPROTO_UDP;
  ip->saddr = htonl(0x7f000001);
  ip->daddr = htonl(0x7f000001);
  udp->source = htons(40000);
  udp->dest = htons(port);
  udp->len = htons(udp_len);
  udp->check = htons(udp_checksum);
  std::copy(payload.begin(), payload.end(), b.begin() + sizeof(iphdr) + sizeof(udphdr));
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_addr.s_addr = htonl(0x7f000001);
  EXPECT_EQ(::sendto(fd, b.data(), b.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to),
            static_cast<ssize_t>(b.size()));
  ::close(fd);
}

class PacketRing : public ::testing::Test {
 protected:
  void SetUp() override {
    auto probe = make_ring(0, 1);
    if (!probe) GTEST_SKIP() << "packet-ring receive needs CAP_NET_RAW (run as root): "
                             << PacketRingIo::create(SocketIoConfig{}).status().to_string();
  }
};

TEST_F(PacketRing, EachWorkerGetsOnlyItsOwnMediaPorts) {
  // Two workers: pairs go round them, so 16000/16001 are worker 0's and
  // 16002/16003 worker 1's.
  auto w0 = make_ring(0, 2);
  auto w1 = make_ring(1, 2);
  ASSERT_TRUE(w0 && w1);
  ASSERT_TRUE(w0->open_port(16000).is_ok());
  ASSERT_TRUE(w1->open_port(16002).is_ok());
  test::UdpPeer sender, outside_range;  // outside_range: an ordinary (non-media) port
  const std::vector<std::uint8_t> to0(40, 0x10), to1(41, 0x11), to_other(42, 0x12);
  ASSERT_TRUE(sender.send_to(16000, to0));
  ASSERT_TRUE(sender.send_to(16002, to1));
  ASSERT_TRUE(sender.send_to(outside_range.port(), to_other));

  std::vector<Packet> meta0;
  const auto got0 = receive(*w0, 300ms, &meta0);
  const auto got1 = receive(*w1, 100ms);
  ASSERT_EQ(got0.size(), 1u);
  EXPECT_EQ(got0[0], to0);
  EXPECT_EQ(meta0[0].local_port, 16000);
  EXPECT_EQ(meta0[0].src, (Endpoint{0x7f000001, sender.port()}));
  ASSERT_EQ(got1.size(), 1u);
  EXPECT_EQ(got1[0], to1);
  // The filter kept the other worker's port and the non-media port out of
  // each ring: nothing reached the software checks.
  EXPECT_EQ(w0->rx_counters().not_ours, 0u);
  EXPECT_EQ(w1->rx_counters().not_ours, 0u);
  // The ordinary socket still gets its datagram; the media ports' own
  // sockets queue nothing (their drop-all filter), so only the ring saw it.
  auto d = outside_range.receive(1s);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->bytes, to_other);

  // A closed port: the filter passes it (it is in this worker's range), the
  // port check drops it.
  w0->close_port(16000);
  ASSERT_TRUE(w0->open_port(16004).is_ok());  // (16004 / 2) % 2 == 0: worker 0's
  ASSERT_TRUE(sender.send_to(16004, to0));
  test::UdpPeer port_16000_again(16000);      // the port is free again for anyone
  ASSERT_TRUE(sender.send_to(16000, to1));
  EXPECT_EQ(receive(*w0, 300ms).size(), 1u);
  EXPECT_EQ(w0->rx_counters().not_ours, 1u);
  auto again = port_16000_again.receive(1s);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->bytes, to1);
}

TEST_F(PacketRing, MalformedAndCorruptDatagramsAreCountedAndDropped) {
  DataplaneCounters dataplane_counters(1);
  auto io = make_ring(0, 1, &dataplane_counters);
  ASSERT_TRUE(io);
  ASSERT_TRUE(io->open_port(16010).is_ok());
  const std::vector<std::uint8_t> payload(20, 0xab);
  const auto full = static_cast<std::uint16_t>(sizeof(udphdr) + payload.size());
  send_crafted(16010, payload, static_cast<std::uint16_t>(full + 10), 0);  // UDP length beyond the datagram
  send_crafted(16010, payload, 4, 0);                                      // UDP length shorter than its header
  send_crafted(16010, payload, full, 0x1234);                              // wrong UDP checksum
  send_crafted(16010, payload, full, 0);                                   // no checksum: fine
  const auto got = receive(*io, 300ms);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0], payload);
  EXPECT_EQ(io->rx_counters().malformed, 2u);
  EXPECT_EQ(io->rx_counters().bad_checksum, 1u);
  // The same drops under the dataplane's reasons (what the metrics show).
  EXPECT_EQ(dataplane_counters.sum(drop_index(DropReason::kNotIpv4Udp)), 2u);
  EXPECT_EQ(dataplane_counters.sum(drop_index(DropReason::kBadChecksum)), 1u);
}

TEST_F(PacketRing, SendsFromTheFrameAndFramesReturnToTheKernel) {
  // More datagrams than the ring has frames, relayed back out in bursts:
  // every frame is handed back, so the ring never stalls.
  auto io = make_ring(0, 1);
  ASSERT_TRUE(io);
  ASSERT_TRUE(io->open_port(16020).is_ok());
  test::UdpPeer peer;
  const std::size_t total = PacketRingIo::kBlockSize / PacketRingIo::kFrameSize * PacketRingIo::kBlocks + 500;
  std::size_t sent = 0, relayed = 0, echoed = 0;
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  Packet pkts[64];
  while (echoed < total && std::chrono::steady_clock::now() < deadline) {
    for (int i = 0; i < 32 && sent < total; ++i, ++sent)
      ASSERT_TRUE(peer.send_to(16020, std::vector<std::uint8_t>(100, static_cast<std::uint8_t>(sent))));
    const std::size_t n = io->rx_burst(pkts, 64);
    for (std::size_t i = 0; i < n; ++i) pkts[i].dst = {0x7f000001, peer.port()};
    relayed += io->tx_burst(pkts, n);
    while (peer.receive(0ms)) ++echoed;
    if (n == 0 && sent == total) std::this_thread::sleep_for(1ms);
  }
  EXPECT_EQ(relayed, total);
  EXPECT_EQ(echoed, total);
  EXPECT_EQ(io->send_errors(), 0u);
}

// Sends RTP from `from` to `port` until `to` hears it relayed (the worker
// opens the ports when it runs the create command); what `to` got.
std::optional<test::UdpPeer::Datagram> relay_once(test::UdpPeer& from, std::uint16_t port, test::UdpPeer& to) {
  std::vector<std::uint8_t> rtp(172, 0);
  rtp[0] = 0x80;
  for (int i = 0; i < 100; ++i) {
    rtp[3] = static_cast<std::uint8_t>(i);
    if (!from.send_to(port, rtp)) return std::nullopt;
    if (auto d = to.receive(20ms)) return d;
  }
  return std::nullopt;
}

TEST_F(PacketRing, TwoWorkersEachRelayTheirOwnCalls) {
  DataplaneConfig cfg;
  cfg.port_min = 16200;
  cfg.port_max = 16299;
  cfg.workers = 2;
  cfg.socket_rx = DataplaneConfig::SocketRx::kPacketRing;
  auto dp = Dataplane::start(cfg, SteadyClock::instance());
  ASSERT_TRUE(dp) << dp.status().to_string();
  std::set<std::uint32_t> workers;
  for (int call = 0; call < 4; ++call) {
    test::UdpPeer a, b;
    LegRequest la, lb;
    la.remote = {0x7f000001, a.port()};
    lb.remote = {0x7f000001, b.port()};
    auto s = (*dp)->sessions().create(la, lb);
    ASSERT_TRUE(s) << s.status().to_string();
    workers.insert(s->worker);
    auto at_b = relay_once(a, s->local_port[0], b);
    auto at_a = relay_once(b, s->local_port[1], a);
    ASSERT_TRUE(at_b && at_a) << "call " << call << " on worker " << s->worker << " was not relayed both ways";
    EXPECT_EQ(at_b->from_port, s->local_port[1]);
    EXPECT_EQ(at_a->from_port, s->local_port[0]);
  }
  EXPECT_EQ(workers.size(), 2u);
  // Each worker's ring got only its own ports: none was taken and refused.
  EXPECT_EQ((*dp)->counters().sum(drop_index(DropReason::kUnknownPort)), 0u);
}

// Clears CAP_NET_RAW from this thread's effective set (capabilities are
// per thread; the permitted set keeps it, so the destructor raises it
// again). Sockets made by this thread meanwhile are checked without it.
class WithoutNetRaw {
 public:
  WithoutNetRaw() {
    hdr_.version = _LINUX_CAPABILITY_VERSION_3;
    ok_ = ::syscall(SYS_capget, &hdr_, saved_) == 0;
    __user_cap_data_struct lowered[2] = {saved_[0], saved_[1]};
    lowered[CAP_TO_INDEX(CAP_NET_RAW)].effective &= ~CAP_TO_MASK(CAP_NET_RAW);
    ok_ = ok_ && ::syscall(SYS_capset, &hdr_, lowered) == 0;
  }
  ~WithoutNetRaw() {
    if (ok_) ::syscall(SYS_capset, &hdr_, saved_);
  }
  bool ok() const { return ok_; }

 private:
  __user_cap_header_struct hdr_{};
  __user_cap_data_struct saved_[2]{};
  bool ok_ = false;
};

TEST_F(PacketRing, WithoutCapNetRawTheDataplaneFallsBackToEpollAndStillRelays) {
  std::unique_ptr<Dataplane> dp;
  {
    WithoutNetRaw lowered;
    ASSERT_TRUE(lowered.ok());
    ASSERT_FALSE(make_ring(0, 1)) << "the ring opened without CAP_NET_RAW";
    DataplaneConfig cfg;
    cfg.port_min = 16100;
    cfg.port_max = 16199;
    cfg.socket_rx = DataplaneConfig::SocketRx::kPacketRing;
    auto started = Dataplane::start(cfg, SteadyClock::instance());
    ASSERT_TRUE(started) << started.status().to_string();
    dp = std::move(*started);
  }
  test::UdpPeer a, b;
  LegRequest la, lb;
  la.remote = {0x7f000001, a.port()};
  lb.remote = {0x7f000001, b.port()};
  auto s = dp->sessions().create(la, lb);
  ASSERT_TRUE(s) << s.status().to_string();
  auto at_b = relay_once(a, s->local_port[0], b);
  auto at_a = relay_once(b, s->local_port[1], a);
  ASSERT_TRUE(at_b && at_a) << "no relay in one direction after fallback";
  EXPECT_EQ(at_b->from_port, s->local_port[1]);
  EXPECT_EQ(at_a->from_port, s->local_port[0]);
}

}  // namespace
}  // namespace sb::dataplane
