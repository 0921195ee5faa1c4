// The DPDK backend in one process: EAL with --no-huge, a port built from
// rte_rings (the net_ring PMD), frames injected into its RX ring and read
// back from its TX ring. Exercises IPv4/UDP parsing and building, checksums,
// ARP and ICMP answers, drop reasons, neighbour learning and the software
// hand-off between two workers sharing one RX queue.
#include <gtest/gtest.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <rte_arp.h>
#include <rte_dev.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include <rte_udp.h>

#include <cstring>
#include <thread>

#include "dataplane/io/dpdk_io.hpp"
#include "dataplane/media_sessions.hpp"
#include "dataplane/rtp/rtp.hpp"
#include "tests/support/process.hpp"
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

namespace sb::dataplane {
namespace {

using namespace std::chrono_literals;

constexpr std::uint32_t kMediaIp = 0x0a000001;  // 10.0.0.1
constexpr std::uint32_t kIpA = 0x0a000002, kIpB = 0x0a000003;
const rte_ether_addr kMacA = {{0x02, 0, 0, 0, 0, 0xa}}, kMacB = {{0x02, 0, 0, 0, 0, 0xb}};

struct Env {
  bool ok = false;
  std::string why;
  rte_mempool* pool = nullptr;
};

Env& env() {
  static Env e = [] {
    Env x;
    const Status s = dpdk_init({"--no-huge", "--no-pci", "--no-shconf", "-m", "512", "-l", "0", "--log-level=error"});
    if (!s.is_ok()) {
      x.why = s.message();
      return x;
    }
    x.pool = rte_pktmbuf_pool_create("test_pool", 8191, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
    x.ok = x.pool != nullptr;
    if (!x.ok) x.why = "cannot create the test mempool";
    return x;
  }();
  return e;
}

// A port over rings: frames enqueued on rx[] are received, frames the port
// sends appear on tx[].
struct RingPort {
  std::uint16_t id = 0;
  rte_ring* rx = nullptr;
  std::vector<rte_ring*> tx;
  static RingPort make(const std::string& name, unsigned tx_queues) {
    RingPort p;
    p.rx = rte_ring_create((name + "_rx").c_str(), 4096, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
    for (unsigned q = 0; q < tx_queues; ++q)
      p.tx.push_back(rte_ring_create((name + "_tx" + std::to_string(q)).c_str(), 4096, 0, RING_F_SP_ENQ | RING_F_SC_DEQ));
    const int id = rte_eth_from_rings(name.c_str(), &p.rx, 1, p.tx.data(), tx_queues, 0);
    EXPECT_GE(id, 0);
    p.id = static_cast<std::uint16_t>(id);
    return p;
  }
  std::vector<rte_mbuf*> take(std::chrono::milliseconds wait = 300ms) {
    std::vector<rte_mbuf*> out;
    const auto deadline = std::chrono::steady_clock::now() + wait;
    while (std::chrono::steady_clock::now() < deadline) {
      void* m;
      bool any = false;
      for (auto* r : tx)
        while (rte_ring_dequeue(r, &m) == 0) {
          out.push_back(static_cast<rte_mbuf*>(m));
          any = true;
        }
      if (!any) std::this_thread::sleep_for(5ms);
    }
    return out;
  }
};

rte_mbuf* udp_frame(const rte_ether_addr& src_mac, std::uint32_t src_ip, std::uint16_t src_port, std::uint32_t dst_ip,
                    std::uint16_t dst_port, const std::vector<std::uint8_t>& payload, bool good_checksums = true) {
  rte_mbuf* m = rte_pktmbuf_alloc(env().pool);
  const std::size_t len = 42 + payload.size();
  auto* f = rte_pktmbuf_mtod(m, std::uint8_t*);
  m->data_len = m->pkt_len = static_cast<std::uint32_t>(len);
  auto* eth = reinterpret_cast<rte_ether_hdr*>(f);
  eth->src_addr = src_mac;
  eth->dst_addr = {{0x02, 0, 0, 0, 0, 0x01}};
  eth->ether_type = htons(RTE_ETHER_TYPE_IPV4);
  auto* ip = reinterpret_cast<rte_ipv4_hdr*>(eth + 1);
  std::memset(ip, 0, sizeof *ip);
  ip->version_ihl = RTE_IPV4_VHL_DEF;
  ip->total_length = htons(static_cast<std::uint16_t>(28 + payload.size()));
  ip->time_to_live = 64;
  ip->next_proto_id = IPPROTO_UDP;
  ip->src_addr = htonl(src_ip);
  ip->dst_addr = htonl(dst_ip);
  auto* udp = reinterpret_cast<rte_udp_hdr*>(ip + 1);
  udp->src_port = htons(src_port);
  udp->dst_port = htons(dst_port);
  udp->dgram_len = htons(static_cast<std::uint16_t>(8 + payload.size()));
  udp->dgram_cksum = 0;
  std::memcpy(udp + 1, payload.data(), payload.size());
  ip->hdr_checksum = rte_ipv4_cksum(ip);
  udp->dgram_cksum = rte_ipv4_udptcp_cksum(ip, udp);
  if (!good_checksums) udp->dgram_cksum ^= 0x5555;
  return m;
}

std::vector<std::uint8_t> rtp(std::uint16_t seq, std::uint32_t ssrc) {
  std::vector<std::uint8_t> b(12 + 160, 0x42);
  rtp::write_rtp_header(b.data(), false, 0, seq, 160u * seq, ssrc);
  return b;
}

struct Parsed {
  rte_ether_addr dst_mac;
  std::uint32_t dst_ip;
  std::uint16_t src_port, dst_port;
  rtp::RtpHeader rtp;
  bool checksums_ok;
};

Parsed parse(rte_mbuf* m) {
  Parsed p{};
  auto* eth = rte_pktmbuf_mtod(m, rte_ether_hdr*);
  auto* ip = reinterpret_cast<rte_ipv4_hdr*>(eth + 1);
  auto* udp = reinterpret_cast<rte_udp_hdr*>(ip + 1);
  p.dst_mac = eth->dst_addr;
  p.dst_ip = ntohl(ip->dst_addr);
  p.src_port = ntohs(udp->src_port);
  p.dst_port = ntohs(udp->dst_port);
  p.checksums_ok = rte_raw_cksum(ip, 20) == 0xffff && rte_ipv4_udptcp_cksum(ip, udp) == 0xffff;
  rtp::parse_rtp(reinterpret_cast<std::uint8_t*>(udp + 1), ntohs(udp->dgram_len) - 8u, p.rtp);
  return p;
}

// Waits until every session in `ids` reports it was created.
bool wait_created(MediaSessions& ms, std::vector<SessionId> ids) {
  const auto deadline = std::chrono::steady_clock::now() + 2s;
  Event ev[16];
  while (!ids.empty() && std::chrono::steady_clock::now() < deadline) {
    const std::size_t n = ms.poll_events(ev);
    for (std::size_t i = 0; i < n; ++i)
      if (ev[i].kind == Event::kSessionCreated) std::erase(ids, ev[i].session);
    std::this_thread::sleep_for(2ms);
  }
  return ids.empty();
}

class DpdkRing : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!env().ok) GTEST_SKIP() << "DPDK EAL could not start here (" << env().why << ")";
  }
  std::unique_ptr<Dataplane> start(const RingPort& port, std::size_t workers) {
    DataplaneConfig cfg;
    cfg.backend = DataplaneConfig::Backend::kDpdk;
    cfg.dpdk.eal_args = {"--no-huge", "--no-pci", "--no-shconf", "-m", "512", "-l", "0", "--log-level=error"};
    cfg.dpdk.port_id = port.id;
    cfg.dpdk.media_ip = kMediaIp;
    cfg.dpdk.mbufs = 4095;
    cfg.port_min = 40000;
    cfg.port_max = 40999;
    cfg.busy_poll = true;
    for (std::size_t w = 0; w < workers; ++w) cfg.cores.push_back(0);  // both on core 0 of this 2-core box
    auto dp = Dataplane::start(cfg, SteadyClock::instance());
    EXPECT_TRUE(dp) << dp.status().to_string();
    return dp ? std::move(*dp) : nullptr;
  }
};

TEST_F(DpdkRing, RelaysRtpAndRebuildsHeaders) {
  auto port = RingPort::make("ring_relay", 1);
  auto dp = start(port, 1);
  ASSERT_TRUE(dp);
  LegRequest la, lb;
  la.remote = {kIpA, 4000};
  lb.remote = {kIpB, 5000};
  auto s = dp->sessions().create(la, lb);
  ASSERT_TRUE(s);
  ASSERT_TRUE(wait_created(dp->sessions(), {s->id}));

  // B speaks first (so its MAC is learnt), then A.
  rte_ring_enqueue(port.rx, udp_frame(kMacB, kIpB, 5000, kMediaIp, s->local_port[1], rtp(1, 0xBBBB)));
  for (std::uint16_t i = 0; i < 50; ++i)
    rte_ring_enqueue(port.rx, udp_frame(kMacA, kIpA, 4000, kMediaIp, s->local_port[0], rtp(static_cast<std::uint16_t>(100 + i), 0xAAAA)));
  auto out = port.take();
  ASSERT_EQ(out.size(), 51u);
  int to_a = 0, to_b = 0;
  for (rte_mbuf* m : out) {
    const Parsed p = parse(m);
    EXPECT_TRUE(p.checksums_ok);
    if (p.dst_ip == kIpB) {
      ++to_b;
      EXPECT_TRUE(rte_is_same_ether_addr(&p.dst_mac, &kMacB));
      EXPECT_EQ(p.src_port, s->local_port[1]);
      EXPECT_EQ(p.dst_port, 5000);
      EXPECT_NE(p.rtp.ssrc, 0xAAAAu);
    } else {
      ++to_a;
      EXPECT_EQ(p.dst_ip, kIpA);
      EXPECT_TRUE(rte_is_same_ether_addr(&p.dst_mac, &kMacA));
      EXPECT_EQ(p.src_port, s->local_port[0]);
    }
    rte_pktmbuf_free(m);
  }
  EXPECT_EQ(to_b, 50);
  EXPECT_EQ(to_a, 1);
  EXPECT_EQ(dp->counters().sum(kRtpRelayed), 51u);
}

TEST_F(DpdkRing, AnswersArpAndPingAndDropsTheRest) {
  auto port = RingPort::make("ring_arp", 1);
  auto dp = start(port, 1);
  ASSERT_TRUE(dp);
  // ARP who-has 10.0.0.1.
  rte_mbuf* arp = rte_pktmbuf_alloc(env().pool);
  arp->data_len = arp->pkt_len = sizeof(rte_ether_hdr) + sizeof(rte_arp_hdr);
  auto* eth = rte_pktmbuf_mtod(arp, rte_ether_hdr*);
  eth->src_addr = kMacA;
  std::memset(eth->dst_addr.addr_bytes, 0xff, 6);
  eth->ether_type = htons(RTE_ETHER_TYPE_ARP);
  auto* a = reinterpret_cast<rte_arp_hdr*>(eth + 1);
  a->arp_hardware = htons(RTE_ARP_HRD_ETHER);
  a->arp_protocol = htons(RTE_ETHER_TYPE_IPV4);
  a->arp_hlen = 6;
  a->arp_plen = 4;
  a->arp_opcode = htons(RTE_ARP_OP_REQUEST);
  a->arp_data.arp_sha = kMacA;
  a->arp_data.arp_sip = htonl(kIpA);
  a->arp_data.arp_tip = htonl(kMediaIp);
  rte_ring_enqueue(port.rx, arp);
  // ICMP echo to 10.0.0.1.
  std::vector<std::uint8_t> echo = {8, 0, 0, 0, 0x12, 0x34, 0, 1, 'p', 'i', 'n', 'g'};
  rte_mbuf* ping = udp_frame(kMacA, kIpA, 0, kMediaIp, 0, {});
  {
    auto* ip = rte_pktmbuf_mtod_offset(ping, rte_ipv4_hdr*, sizeof(rte_ether_hdr));
    ip->next_proto_id = IPPROTO_ICMP;
    ip->total_length = htons(static_cast<std::uint16_t>(20 + echo.size()));
    auto* icmp = reinterpret_cast<std::uint8_t*>(ip + 1);
    std::memcpy(icmp, echo.data(), echo.size());
    const std::uint16_t ck = static_cast<std::uint16_t>(~rte_raw_cksum(icmp, echo.size()));
    std::memcpy(icmp + 2, &ck, 2);
    ip->hdr_checksum = 0;
    ip->hdr_checksum = rte_ipv4_cksum(ip);
    ping->data_len = ping->pkt_len = static_cast<std::uint32_t>(14 + 20 + echo.size());
  }
  rte_ring_enqueue(port.rx, ping);
  // Garbage: another host's IP, a bad UDP checksum, a fragment, IPv6, a runt.
  rte_ring_enqueue(port.rx, udp_frame(kMacA, kIpA, 4000, 0x0a0000ee, 40000, rtp(1, 1)));
  rte_ring_enqueue(port.rx, udp_frame(kMacA, kIpA, 4000, kMediaIp, 40000, rtp(1, 1), false));
  rte_mbuf* frag = udp_frame(kMacA, kIpA, 4000, kMediaIp, 40000, rtp(1, 1));
  auto* fip = rte_pktmbuf_mtod_offset(frag, rte_ipv4_hdr*, sizeof(rte_ether_hdr));
  fip->fragment_offset = htons(RTE_IPV4_HDR_MF_FLAG);
  fip->hdr_checksum = 0;
  fip->hdr_checksum = rte_ipv4_cksum(fip);
  rte_ring_enqueue(port.rx, frag);
  rte_mbuf* v6 = udp_frame(kMacA, kIpA, 4000, kMediaIp, 40000, rtp(1, 1));
  rte_pktmbuf_mtod(v6, rte_ether_hdr*)->ether_type = htons(RTE_ETHER_TYPE_IPV6);
  rte_ring_enqueue(port.rx, v6);
  rte_mbuf* runt = rte_pktmbuf_alloc(env().pool);
  runt->data_len = runt->pkt_len = 10;
  rte_ring_enqueue(port.rx, runt);
  // A valid frame for a port with no session.
  rte_ring_enqueue(port.rx, udp_frame(kMacA, kIpA, 4000, kMediaIp, 40500, rtp(1, 1)));

  auto out = port.take();
  ASSERT_EQ(out.size(), 2u);
  bool saw_arp = false, saw_pong = false;
  for (rte_mbuf* m : out) {
    auto* e = rte_pktmbuf_mtod(m, rte_ether_hdr*);
    if (ntohs(e->ether_type) == RTE_ETHER_TYPE_ARP) {
      auto* r = reinterpret_cast<rte_arp_hdr*>(e + 1);
      saw_arp = ntohs(r->arp_opcode) == RTE_ARP_OP_REPLY && ntohl(r->arp_data.arp_sip) == kMediaIp &&
                rte_is_same_ether_addr(&r->arp_data.arp_tha, &kMacA);
    } else {
      auto* ip = reinterpret_cast<rte_ipv4_hdr*>(e + 1);
      auto* icmp = reinterpret_cast<rte_icmp_hdr*>(ip + 1);
      saw_pong = icmp->icmp_type == RTE_IP_ICMP_ECHO_REPLY && ntohl(ip->dst_addr) == kIpA &&
                 rte_raw_cksum(icmp, echo.size()) == 0xffff;
    }
    rte_pktmbuf_free(m);
  }
  EXPECT_TRUE(saw_arp);
  EXPECT_TRUE(saw_pong);
  const auto& c = dp->counters();
  EXPECT_EQ(c.sum(drop_index(DropReason::kNotForUs)), 1u);
  EXPECT_EQ(c.sum(drop_index(DropReason::kBadChecksum)), 1u);
  EXPECT_EQ(c.sum(drop_index(DropReason::kFragment)), 1u);
  EXPECT_EQ(c.sum(drop_index(DropReason::kNotIpv4Udp)), 2u);
  EXPECT_EQ(c.sum(drop_index(DropReason::kUnknownPort)), 1u);
}

TEST_F(DpdkRing, OneRxQueueTwoWorkersHandsOff) {
  auto port = RingPort::make("ring_handoff", 2);  // one RX queue, two TX queues
  auto dp = start(port, 2);
  ASSERT_TRUE(dp);
  ASSERT_EQ(dp->workers(), 2u);
  // Sessions round-robin over the workers: one on each.
  LegRequest la, lb;
  la.remote = {kIpA, 4000};
  lb.remote = {kIpB, 5000};
  auto s0 = dp->sessions().create(la, lb);
  auto s1 = dp->sessions().create(la, lb);
  ASSERT_TRUE(s0 && s1);
  ASSERT_NE(s0->worker, s1->worker);
  ASSERT_TRUE(wait_created(dp->sessions(), {s0->id, s1->id}));
  for (const auto& s : {*s0, *s1}) {
    rte_ring_enqueue(port.rx, udp_frame(kMacB, kIpB, 5000, kMediaIp, s.local_port[1], rtp(1, 0xB)));
    for (std::uint16_t i = 0; i < 20; ++i)
      rte_ring_enqueue(port.rx, udp_frame(kMacA, kIpA, 4000, kMediaIp, s.local_port[0], rtp(i, 0xA)));
  }
  auto out = port.take(500ms);
  EXPECT_EQ(out.size(), 42u);
  for (rte_mbuf* m : out) rte_pktmbuf_free(m);
  // Worker 1 has no RX queue: everything it relayed crossed the hand-off ring.
  EXPECT_EQ(dp->counters().get(0, kRtpRelayed) + dp->counters().get(1, kRtpRelayed), 42u);
  EXPECT_EQ(dp->counters().get(1, kRtpRelayed), 21u);
}

// DPDK's af_packet PMD on one end of a veth pair whose other end lives in a
// network namespace made here, with ordinary kernel UDP sockets as the two
// call parties inside it: the kernel ARPs for the media address, the backend
// answers, and RTP is relayed between the namespace's sockets.
class NetnsVeth {
 public:
  explicit NetnsVeth(const std::string& tag) : ns_("sbns" + tag), host_("sbh" + tag), peer_("sbn" + tag) {}
  ~NetnsVeth() {
    test::run({"ip", "link", "del", host_});
    test::run({"ip", "netns", "del", ns_});
  }
  bool create() {
    for (const auto& cmd : std::vector<std::vector<std::string>>{
             {"ip", "netns", "add", ns_},
             {"ip", "link", "add", host_, "type", "veth", "peer", "name", peer_},
             {"ip", "link", "set", peer_, "netns", ns_},
             {"ip", "netns", "exec", ns_, "ip", "addr", "add", "10.99.0.2/24", "dev", peer_},
             {"ip", "netns", "exec", ns_, "ip", "link", "set", peer_, "up"},
             {"ip", "netns", "exec", ns_, "ip", "link", "set", "lo", "up"},
             // veth hands AF_PACKET frames with checksums left for an
             // offload that never happens; a real NIC delivers them whole.
             {"ip", "netns", "exec", ns_, "ethtool", "-K", peer_, "tx", "off"},
             {"ip", "link", "set", host_, "up"}}) {
      const auto r = test::run(cmd);
      if (r.exit_code != 0) {
        error_ = r.err;
        return false;
      }
    }
    return true;
  }
  const std::string& ns() const { return ns_; }
  const std::string& host() const { return host_; }
  const std::string& error() const { return error_; }

 private:
  std::string ns_, host_, peer_, error_;
};

// A UDP socket created inside a network namespace (setns on a helper thread).
int netns_socket(const std::string& ns, std::uint16_t& port) {
  int fd = -1;
  std::thread t([&] {
    const int nsfd = ::open(("/var/run/netns/" + ns).c_str(), O_RDONLY | O_CLOEXEC);
    if (nsfd < 0 || ::setns(nsfd, CLONE_NEWNET) != 0) return;
    ::close(nsfd);
    fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(0x0a630002);  // 10.99.0.2
    ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    port = ntohs(a.sin_port);
  });
  t.join();
  return fd;
}

TEST_F(DpdkRing, AfPacketOnVethWithKernelPeersInANamespace) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to create a network namespace and a veth pair";
  if (!test::have_program("ip") || !test::have_program("ethtool"))
    GTEST_SKIP() << "iproute2 (ip) and ethtool are needed (the test command installs them)";
  NetnsVeth net(std::to_string(::getpid() % 100000));
  ASSERT_TRUE(net.create()) << net.error();
  const std::string dev = "net_af_packet_sb,iface=" + net.host();
  ASSERT_EQ(rte_dev_probe(dev.c_str()), 0) << "af_packet PMD could not attach to " << net.host();
  std::uint16_t port_id = 0;
  ASSERT_EQ(rte_eth_dev_get_port_by_name("net_af_packet_sb", &port_id), 0);

  DataplaneConfig cfg;
  cfg.backend = DataplaneConfig::Backend::kDpdk;
  cfg.dpdk.eal_args = {"--no-huge", "--no-pci", "--no-shconf", "-m", "512", "-l", "0", "--log-level=error"};
  cfg.dpdk.port_id = port_id;
  cfg.dpdk.media_ip = 0x0a630001;  // 10.99.0.1, answered by the backend's ARP
  cfg.dpdk.mbufs = 4095;
  cfg.port_min = 42000;
  cfg.port_max = 42999;
  cfg.busy_poll = true;
  auto dp = Dataplane::start(cfg, SteadyClock::instance());
  ASSERT_TRUE(dp) << dp.status().to_string();

  std::uint16_t pa = 0, pb = 0;
  const int fa = netns_socket(net.ns(), pa), fb = netns_socket(net.ns(), pb);
  ASSERT_GE(fa, 0);
  ASSERT_GE(fb, 0);
  LegRequest la, lb;
  la.remote = {0x0a630002, pa};
  lb.remote = {0x0a630002, pb};
  auto s = (*dp)->sessions().create(la, lb);
  ASSERT_TRUE(s);
  ASSERT_TRUE(wait_created((*dp)->sessions(), {s->id}));

  auto send = [](int fd, std::uint16_t port, const std::vector<std::uint8_t>& b) {
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(port);
    to.sin_addr.s_addr = htonl(0x0a630001);
    return ::sendto(fd, b.data(), b.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to) == static_cast<ssize_t>(b.size());
  };
  // B first, so the backend learns B's MAC; then A's stream.
  ASSERT_TRUE(send(fb, s->local_port[1], rtp(1, 0xB)));
  std::vector<std::uint8_t> buf(2048);
  pollfd p{fa, POLLIN, 0};
  auto diag = [&] {
    const auto& c = (*dp)->counters();
    std::string d = "rx " + std::to_string(c.sum(kRxPackets)) + " tx " + std::to_string(c.sum(kTxPackets)) + " drops:";
    for (std::size_t r = 0; r < static_cast<std::size_t>(DropReason::kCount); ++r)
      if (const auto v = c.sum(drop_index(static_cast<DropReason>(r)))) d += " " + std::string(kDropReasonLabels[r]) + "=" + std::to_string(v);
    return d;
  };
  ASSERT_EQ(::poll(&p, 1, 3000), 1) << "B's packet did not reach A through the relay; " << diag();
  ASSERT_GT(::recv(fa, buf.data(), buf.size(), 0), 0);
  int received = 0;
  for (std::uint16_t i = 0; i < 100; ++i) {
    ASSERT_TRUE(send(fa, s->local_port[0], rtp(static_cast<std::uint16_t>(10 + i), 0xA)));
    if (i % 10 == 9) std::this_thread::sleep_for(2ms);
  }
  pollfd q{fb, POLLIN, 0};
  while (::poll(&q, 1, 300) == 1) {
    sockaddr_in from{};
    socklen_t len = sizeof from;
    const ssize_t n = ::recvfrom(fb, buf.data(), buf.size(), 0, reinterpret_cast<sockaddr*>(&from), &len);
    rtp::RtpHeader h;
    ASSERT_EQ(rtp::parse_rtp(buf.data(), static_cast<std::size_t>(n), h), rtp::RtpError::kNone);
    EXPECT_EQ(ntohs(from.sin_port), s->local_port[1]);
    EXPECT_EQ(ntohl(from.sin_addr.s_addr), 0x0a630001u);
    ++received;
  }
  EXPECT_EQ(received, 100);
  ::close(fa);
  ::close(fb);
  (*dp)->stop();
  dp->reset();
  rte_eth_dev_close(port_id);
}

}  // namespace
}  // namespace sb::dataplane
