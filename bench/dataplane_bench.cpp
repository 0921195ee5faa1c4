// Dataplane relay cost on the DPDK backend, in one process: EAL with
// --no-huge, a port made of rte_rings (net_ring PMD), one worker driven
// directly (poll_once) so the timing covers exactly: RX burst from the
// port, classification and hand-off checks, latching, statistics, header
// rewrite, Ethernet/IPv4/UDP rebuild with software checksums, TX burst.
//
// The generator puts prepared frames on the RX ring and restores the ones
// that come out of the TX ring. Its own cost is measured in the same run
// (BM_Generator_Baseline: the same loop with the worker replaced by moving
// frames from RX to TX) and subtracted in docs/performance.md.
#include <benchmark/benchmark.h>
#include <arpa/inet.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include <rte_udp.h>

#include <cstring>
#include <map>
#include <memory>
#include <stdexcept>
#include <vector>

#include "dataplane/io/dpdk_io.hpp"
#include "dataplane/rtp/rtp.hpp"
#include "dataplane/worker.hpp"

namespace {

using namespace sb::dataplane;

constexpr std::uint32_t kMediaIp = 0x0a000001;
constexpr std::size_t kBurst = 32;
constexpr std::size_t kFrames = 16384;
constexpr std::size_t kRestore = 42 + 12;  // headers plus the RTP header

struct Rig {
  rte_ring* rx = nullptr;
  rte_ring* tx = nullptr;
  std::uint16_t port = 0;
  std::unique_ptr<PacketIo> io;
  std::unique_ptr<sb::SpscRing<Command>> commands;
  std::unique_ptr<sb::SpscRing<Event>> events;
  std::unique_ptr<DataplaneCounters> counters;
  std::unique_ptr<Worker> worker;
  rte_mempool* pool = nullptr;
  std::vector<rte_mbuf*> frames;
  std::vector<std::array<std::uint8_t, kRestore>> pristine;
  std::vector<std::uint16_t> data_off;
};

std::uint32_t peer_ip(std::uint32_t side, std::uint32_t i) { return (10u << 24) | (side << 16) | (i + 2); }

bool g_checksummed = false;  // frames carry a UDP checksum (verified in software on RX)

rte_mbuf* frame(rte_mempool* pool, std::uint32_t src_ip, std::uint16_t src_port, std::uint16_t dst_port, std::uint16_t seq) {
  rte_mbuf* m = rte_pktmbuf_alloc(pool);
  auto* eth = rte_pktmbuf_mtod(m, rte_ether_hdr*);
  eth->src_addr = {{0x02, 0, static_cast<std::uint8_t>(src_ip >> 24), static_cast<std::uint8_t>(src_ip >> 16),
                    static_cast<std::uint8_t>(src_ip >> 8), static_cast<std::uint8_t>(src_ip)}};
  eth->dst_addr = {{0x02, 0, 0, 0, 0, 1}};
  eth->ether_type = htons(RTE_ETHER_TYPE_IPV4);
  auto* ip = reinterpret_cast<rte_ipv4_hdr*>(eth + 1);
  std::memset(ip, 0, sizeof *ip);
  ip->version_ihl = RTE_IPV4_VHL_DEF;
  ip->total_length = htons(20 + 8 + 12 + 160);
  ip->time_to_live = 64;
  ip->next_proto_id = IPPROTO_UDP;
  ip->src_addr = htonl(src_ip);
  ip->dst_addr = htonl(kMediaIp);
  ip->hdr_checksum = rte_ipv4_cksum(ip);
  auto* udp = reinterpret_cast<rte_udp_hdr*>(ip + 1);
  udp->src_port = htons(src_port);
  udp->dst_port = htons(dst_port);
  udp->dgram_len = htons(8 + 12 + 160);
  auto* payload = reinterpret_cast<std::uint8_t*>(udp + 1);
  sb::rtp::write_rtp_header(payload, false, 0, seq, 160u * seq, src_ip);
  std::memset(payload + 12, 0x55, 160);
  udp->dgram_cksum = 0;
  if (g_checksummed) udp->dgram_cksum = rte_ipv4_udptcp_cksum(ip, udp);
  m->data_len = m->pkt_len = 42 + 12 + 160;
  return m;
}

// Arg encoding: sessions * 4 + (1 if frames carry UDP checksums) + (2 if
// every measured leg runs in-band DTMF detection).
Rig& rig(int arg) {
  static std::map<int, std::unique_ptr<Rig>> rigs;
  auto& slot = rigs[arg];
  if (slot) return *slot;
  const int sessions = arg / 4;
  g_checksummed = (arg & 1) != 0;
  const bool inband = (arg & 2) != 0;
  auto r = std::make_unique<Rig>();
  if (!dpdk_init({"--no-huge", "--no-pci", "--no-shconf", "-m", "1024", "-l", "0", "--log-level=error"}).is_ok())
    throw std::runtime_error("EAL");
  const std::string name = "bench" + std::to_string(arg);
  r->rx = rte_ring_create((name + "rx").c_str(), 65536, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
  r->tx = rte_ring_create((name + "tx").c_str(), 65536, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
  r->port = static_cast<std::uint16_t>(rte_eth_from_rings(name.c_str(), &r->rx, 1, &r->tx, 1, 0));
  DpdkConfig cfg;
  cfg.port_id = r->port;
  cfg.media_ip = kMediaIp;
  cfg.mbufs = 4095;
  auto port = dpdk_open_port(cfg, 1);
  if (!port) throw std::runtime_error(port.status().to_string());
  r->counters = std::make_unique<DataplaneCounters>(1);
  r->io = std::move(*create_dpdk_io(*port, 0, *r->counters));
  r->commands = std::make_unique<sb::SpscRing<Command>>(1024);
  r->events = std::make_unique<sb::SpscRing<Event>>(1 << 16);
  r->worker = std::make_unique<Worker>(WorkerConfig{.index = 0, .max_sessions = static_cast<std::uint32_t>(sessions)},
                                       *r->io, *r->commands, *r->events, *r->counters, sb::SteadyClock::instance());
  for (int i = 0; i < sessions; ++i) {
    Command c;
    c.kind = Command::kCreateSession;
    c.session = (std::uint64_t{1} << 32) | static_cast<std::uint32_t>(i);
    c.legs[0].local_port = static_cast<std::uint16_t>(10000 + 2 * i);
    c.legs[1].local_port = static_cast<std::uint16_t>(10001 + 2 * i);
    c.legs[0].remote = {peer_ip(1, static_cast<std::uint32_t>(i)), 4000};
    c.legs[1].remote = {peer_ip(2, static_cast<std::uint32_t>(i)), 5000};
    if (inband) {
      c.legs[0].media.audio_pt = 0;
      c.legs[0].media.codec = sb::codecs::CodecId::kPcmu;
      c.legs[0].media.inband_dtmf = true;
    }
    while (!r->commands->try_push(c)) r->worker->poll_once();
  }
  while (!r->commands->empty()) r->worker->poll_once();
  Event e;
  while (r->events->try_pop(e)) {}
  // 8 bytes of private area per mbuf hold the frame's index for restore();
  // the backend never touches it.
  r->pool = rte_pktmbuf_pool_create((name + "gen").c_str(), kFrames + 1024, 0, 8, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
  // Each B side speaks once, so its MAC is known (as on a live call).
  for (int i = 0; i < sessions; ++i) {
    rte_mbuf* m = frame(r->pool, peer_ip(2, static_cast<std::uint32_t>(i)), 5000, static_cast<std::uint16_t>(10001 + 2 * i), 1);
    rte_ring_enqueue(r->rx, m);
    if (i % 32 == 31) r->worker->poll_once();
  }
  for (int k = 0; k < 10; ++k) r->worker->poll_once();
  void* m;
  while (rte_ring_dequeue(r->tx, &m) == 0) rte_pktmbuf_free(static_cast<rte_mbuf*>(m));
  // The measured traffic: A sides, round-robin over every session.
  for (std::size_t i = 0; i < kFrames; ++i) {
    const std::uint32_t s = static_cast<std::uint32_t>(i % static_cast<std::size_t>(sessions));
    rte_mbuf* f = frame(r->pool, peer_ip(1, s), 4000, static_cast<std::uint16_t>(10000 + 2 * s), static_cast<std::uint16_t>(i / sessions + 2));
    *static_cast<std::uint64_t*>(rte_mbuf_to_priv(f)) = i;
    r->frames.push_back(f);
    std::array<std::uint8_t, kRestore> p;
    std::memcpy(p.data(), rte_pktmbuf_mtod(f, void*), kRestore);
    r->pristine.push_back(p);
    r->data_off.push_back(f->data_off);
  }
  slot = std::move(r);
  return *slot;
}

void restore(Rig& r, rte_mbuf* m) {
  const std::uint64_t i = *static_cast<std::uint64_t*>(rte_mbuf_to_priv(m));
  m->data_off = r.data_off[i];
  m->data_len = m->pkt_len = 42 + 12 + 160;
  std::memcpy(rte_pktmbuf_mtod(m, void*), r.pristine[i].data(), kRestore);
}

void BM_DpdkRelay(benchmark::State& state) {
  Rig& r = rig(static_cast<int>(state.range(0)));
  std::size_t next = 0;
  std::vector<rte_mbuf*> burst(kBurst);
  rte_mbuf* out[kBurst];
  std::uint64_t packets = 0;
  const auto relayed_before = r.counters->sum(kRtpRelayed);
  for (auto _ : state) {
    for (std::size_t k = 0; k < kBurst; ++k) burst[k] = r.frames[(next + k) % kFrames];
    next = (next + kBurst) % kFrames;
    rte_ring_enqueue_burst(r.rx, reinterpret_cast<void**>(burst.data()), kBurst, nullptr);
    r.worker->poll_once();
    const unsigned n = rte_ring_dequeue_burst(r.tx, reinterpret_cast<void**>(out), kBurst, nullptr);
    for (unsigned k = 0; k < n; ++k) restore(r, out[k]);
    packets += n;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(packets));
  state.counters["relayed"] = static_cast<double>(r.counters->sum(kRtpRelayed) - relayed_before);
  for (std::size_t d = 0; d < static_cast<std::size_t>(DropReason::kCount); ++d)
    if (const auto v = r.counters->sum(drop_index(static_cast<DropReason>(d))))
      state.counters[std::string("drop_") + std::string(kDropReasonLabels[d])] = static_cast<double>(v);
  state.counters["ns_per_packet"] =
      benchmark::Counter(static_cast<double>(packets), benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
// Args: {sessions, UDP checksums present}. Without checksums nothing reads
// the payload; with them RX verifies in software (a NIC would offload it)
// and TX updates the checksum incrementally from what RX learnt.
// {sessions, in-band DTMF on every measured leg}: each packet is also
// decoded and run through the DTMF detector (the relay + detection cost
// that sizes how many IVR-listening legs a core carries).
BENCHMARK(BM_DpdkRelay)
    ->ArgNames({"sessions_x4_plus_flags"})
    ->Arg(1 * 4)->Arg(20000 * 4)->Arg(20000 * 4 + 1)->Arg(20000 * 4 + 2)->Unit(benchmark::kMicrosecond);

// The generator alone: frames go RX ring -> straight to TX ring -> restore.
void BM_Generator_Baseline(benchmark::State& state) {
  Rig& r = rig(static_cast<int>(state.range(0)));
  std::size_t next = 0;
  std::vector<rte_mbuf*> burst(kBurst);
  rte_mbuf* out[kBurst];
  std::uint64_t packets = 0;
  for (auto _ : state) {
    for (std::size_t k = 0; k < kBurst; ++k) burst[k] = r.frames[(next + k) % kFrames];
    next = (next + kBurst) % kFrames;
    rte_ring_enqueue_burst(r.rx, reinterpret_cast<void**>(burst.data()), kBurst, nullptr);
    const unsigned got = rte_ring_dequeue_burst(r.rx, reinterpret_cast<void**>(out), kBurst, nullptr);
    rte_ring_enqueue_burst(r.tx, reinterpret_cast<void**>(out), got, nullptr);
    const unsigned n = rte_ring_dequeue_burst(r.tx, reinterpret_cast<void**>(out), kBurst, nullptr);
    for (unsigned k = 0; k < n; ++k) restore(r, out[k]);
    packets += n;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(packets));
  state.counters["ns_per_packet"] =
      benchmark::Counter(static_cast<double>(packets), benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_Generator_Baseline)->Arg(20000 * 4)->Unit(benchmark::kMicrosecond);

void BM_LegStateBytes(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(Worker::leg_state_bytes());
  state.counters["leg_bytes"] = static_cast<double>(Worker::leg_state_bytes());
  // Per leg outside the Leg struct: the port map entry (4 B per port, RTP
  // and RTCP), the timer wheel links (20 B) and half a slot id (4 B).
  state.counters["per_leg_total_bytes"] = static_cast<double>(Worker::leg_state_bytes() + 8 + 20 + 4);
}
BENCHMARK(BM_LegStateBytes)->Iterations(1);

}  // namespace

BENCHMARK_MAIN();
