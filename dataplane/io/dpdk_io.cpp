#include "dataplane/io/dpdk_io.hpp"

#include <rte_arp.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_udp.h>

#include <arpa/inet.h>

#include <cstring>
#include <mutex>

#include "common/queues.hpp"

namespace sb::dataplane {

namespace {

constexpr std::size_t kHeaders = sizeof(rte_ether_hdr) + sizeof(rte_ipv4_hdr) + sizeof(rte_udp_hdr);  // 42
constexpr std::size_t kHandoffRing = 2048;
constexpr std::size_t kNeighbours = 65536;  // power of two; 12 B each
constexpr std::uint8_t kDscpExpedited = 46 << 2;  // EF: what voice is marked with

std::mutex g_eal_mutex;  // start-up only
bool g_eal_started = false;
std::vector<std::string> g_eal_args;

}  // namespace

Status dpdk_init(const std::vector<std::string>& args) {
  std::lock_guard<std::mutex> lock(g_eal_mutex);
  if (g_eal_started) {
    if (args != g_eal_args) return failed_precondition("DPDK EAL already started with other arguments");
    return Status::ok();
  }
  // rte_eal_init keeps pointers into argv: the strings live for the process.
  static std::vector<std::string> storage;
  storage.clear();
  storage.push_back("switchboard");
  storage.insert(storage.end(), args.begin(), args.end());
  static std::vector<char*> argv;
  argv.clear();
  for (auto& s : storage) argv.push_back(s.data());
  argv.push_back(nullptr);
  if (rte_eal_init(static_cast<int>(storage.size()), argv.data()) < 0)
    return unavailable(std::string("DPDK EAL start-up failed: ") + rte_strerror(rte_errno));
  g_eal_started = true;
  g_eal_args = args;
  return Status::ok();
}

class DpdkPort {
 public:
  std::uint16_t port_id = 0;
  rte_ether_addr mac{};
  std::uint32_t media_ip_be = 0;
  std::uint32_t workers = 1;
  std::uint16_t rx_queues = 1;
  std::uint16_t tx_queues = 1;
  bool tx_udp_offload = false;
  bool rx_cksum_offload = false;
  bool verify_udp = true;
  bool has_gateway = false;
  rte_ether_addr gateway{};
  rte_mempool* pool = nullptr;
  // handoff[from * workers + to]
  std::vector<std::unique_ptr<SpscRing<rte_mbuf*>>> handoff;

  ~DpdkPort() {
    rte_eth_dev_stop(port_id);
    // The mempool stays: mbufs may still sit in a ring of a stopped device.
  }
};

Result<std::shared_ptr<DpdkPort>> dpdk_open_port(const DpdkConfig& cfg, std::uint32_t workers) {
  if (!rte_eth_dev_is_valid_port(cfg.port_id))
    return unavailable("DPDK port " + std::to_string(cfg.port_id) + " does not exist (no device, or no --vdev)");
  auto port = std::make_shared<DpdkPort>();
  port->port_id = cfg.port_id;
  port->workers = workers;
  port->media_ip_be = htonl(cfg.media_ip);
  port->verify_udp = cfg.verify_udp_checksum;
  port->has_gateway = cfg.has_gateway;
  std::memcpy(port->gateway.addr_bytes, cfg.gateway_mac, 6);

  rte_eth_dev_info info{};
  if (rte_eth_dev_info_get(cfg.port_id, &info) != 0) return unavailable("DPDK: cannot read device info");
  port->rx_queues = static_cast<std::uint16_t>(std::min<std::uint32_t>(workers, info.max_rx_queues));
  if (info.max_tx_queues < workers)
    return unavailable("DPDK port " + std::to_string(cfg.port_id) + " has " + std::to_string(info.max_tx_queues) +
                       " TX queues for " + std::to_string(workers) + " workers");
  port->tx_queues = static_cast<std::uint16_t>(workers);

  rte_eth_conf conf{};
  if (port->rx_queues > 1 && (info.flow_type_rss_offloads & RTE_ETH_RSS_UDP)) {
    conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
    conf.rx_adv_conf.rss_conf.rss_hf = RTE_ETH_RSS_UDP & info.flow_type_rss_offloads;
  }
  if (info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_CHECKSUM) {
    conf.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_CHECKSUM;
    port->rx_cksum_offload = true;
  }
  if ((info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_UDP_CKSUM) && (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_IPV4_CKSUM)) {
    conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_UDP_CKSUM | RTE_ETH_TX_OFFLOAD_IPV4_CKSUM;
    port->tx_udp_offload = true;
  }
  if (rte_eth_dev_configure(cfg.port_id, port->rx_queues, port->tx_queues, &conf) != 0)
    return unavailable("DPDK: configuring port " + std::to_string(cfg.port_id) + " failed");

  const int socket = rte_eth_dev_socket_id(cfg.port_id) < 0 ? 0 : rte_eth_dev_socket_id(cfg.port_id);
  const std::string pool_name = "sb_pool_" + std::to_string(cfg.port_id);
  port->pool = rte_mempool_lookup(pool_name.c_str());
  if (!port->pool)
    port->pool = rte_pktmbuf_pool_create(pool_name.c_str(), cfg.mbufs, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE, socket);
  if (!port->pool) return unavailable(std::string("DPDK: mempool: ") + rte_strerror(rte_errno));
  for (std::uint16_t q = 0; q < port->rx_queues; ++q)
    if (rte_eth_rx_queue_setup(cfg.port_id, q, cfg.rx_descriptors, static_cast<unsigned>(socket), nullptr, port->pool) != 0)
      return unavailable("DPDK: RX queue setup failed");
  for (std::uint16_t q = 0; q < port->tx_queues; ++q)
    if (rte_eth_tx_queue_setup(cfg.port_id, q, cfg.tx_descriptors, static_cast<unsigned>(socket), nullptr) != 0)
      return unavailable("DPDK: TX queue setup failed");
  if (rte_eth_dev_start(cfg.port_id) != 0) return unavailable("DPDK: starting port failed");
  rte_eth_promiscuous_enable(cfg.port_id);
  rte_eth_macaddr_get(cfg.port_id, &port->mac);
  for (std::uint32_t i = 0; i < workers * workers; ++i)
    port->handoff.push_back(std::make_unique<SpscRing<rte_mbuf*>>(kHandoffRing));
  return port;
}

namespace {

class DpdkIo final : public PacketIo {
 public:
  DpdkIo(std::shared_ptr<DpdkPort> port, std::uint32_t worker, DataplaneCounters& counters)
      : port_(std::move(port)), worker_(worker), counters_(counters), neighbours_(kNeighbours) {}

  ~DpdkIo() override {
    // Frames still waiting in our incoming hand-off rings go back to the pool.
    rte_mbuf* m;
    for (std::uint32_t from = 0; from < port_->workers; ++from)
      while (ring(from, worker_).try_pop(m)) rte_pktmbuf_free(m);
  }

  std::size_t rx_burst(Packet* pkts, std::size_t max) noexcept override {
    if (SB_UNLIKELY(!registered_)) {
      // Threads not launched by the EAL get an lcore id (and mempool caches).
      if (rte_lcore_id() == LCORE_ID_ANY) rte_thread_register();
      registered_ = true;
    }
    std::size_t got = 0;
    rte_mbuf* mbufs[64];
    const std::size_t want = std::min<std::size_t>(max, 64);
    // Our own RX queue, when the port has one for us.
    if (worker_ < port_->rx_queues) {
      const std::uint16_t n = rte_eth_rx_burst(port_->port_id, static_cast<std::uint16_t>(worker_), mbufs,
                                               static_cast<std::uint16_t>(want));
      for (std::uint16_t i = 0; i < n; ++i) {
        if (i + 4 < n) rte_prefetch0(rte_pktmbuf_mtod(mbufs[i + 4], void*));
        classify(mbufs[i], pkts, got, true);
      }
    }
    // Frames other workers received for ports we own.
    for (std::uint32_t from = 0; from < port_->workers && got < max; ++from) {
      if (from == worker_) continue;
      rte_mbuf* m;
      while (got < max && ring(from, worker_).try_pop(m)) classify(m, pkts, got, false);
    }
    if (reply_count_) flush_replies();
    flush_drops();
    return got;
  }

  std::size_t tx_burst(Packet* pkts, std::size_t n) noexcept override {
    rte_mbuf* out[64];
    std::size_t sent = 0, i = 0;
    while (i < n) {
      std::size_t k = 0;
      for (; i < n && k < 64; ++i) {
        rte_mbuf* m = static_cast<rte_mbuf*>(pkts[i].handle);
        if (build_headers(pkts[i], m))
          out[k++] = m;
        else
          rte_pktmbuf_free(m);
      }
      const std::uint16_t done = rte_eth_tx_burst(port_->port_id, static_cast<std::uint16_t>(worker_), out,
                                                  static_cast<std::uint16_t>(k));
      if (done < k) rte_pktmbuf_free_bulk(out + done, k - done);
      sent += done;
    }
    flush_drops();
    return sent;
  }

  void release(Packet* pkts, std::size_t n) noexcept override {
    for (std::size_t i = 0; i < n; ++i) rte_pktmbuf_free(static_cast<rte_mbuf*>(pkts[i].handle));
  }

  bool alloc(Packet& out) noexcept override {
    rte_mbuf* m = rte_pktmbuf_alloc(port_->pool);
    if (!m) return false;
    m->hash.usr = 0;
    out = {};
    out.data = rte_pktmbuf_mtod_offset(m, std::uint8_t*, kHeaders);
    out.capacity = static_cast<std::uint16_t>(rte_pktmbuf_tailroom(m) - kHeaders);
    out.handle = m;
    return true;
  }

  // Ports are just numbers to the NIC; the worker's port map decides.
  Status open_port(std::uint16_t) override { return Status::ok(); }
  void close_port(std::uint16_t) noexcept override {}
  void idle(std::int64_t) noexcept override { rte_pause(); }

 private:
  SpscRing<rte_mbuf*>& ring(std::uint32_t from, std::uint32_t to) { return *port_->handoff[from * port_->workers + to]; }

  void drop(rte_mbuf* m, DropReason r) noexcept {
    ++drops_[static_cast<std::size_t>(r)];
    rte_pktmbuf_free(m);
  }
  void flush_drops() noexcept {
    for (std::size_t r = 0; r < static_cast<std::size_t>(DropReason::kCount); ++r)
      if (drops_[r]) {
        counters_.add(worker_, drop_index(static_cast<DropReason>(r)), drops_[r]);
        drops_[r] = 0;
      }
  }

  // Neighbour table: open addressing on the IPv4 address, single writer.
  struct Neighbour {
    std::uint32_t ip_be = 0;
    rte_ether_addr mac{};
  };
  // Fibonacci hashing: the top bits of the product depend on every input
  // bit (the low bits would only see the network-order address's first
  // octets, the same for a whole subnet).
  static std::size_t slot_of(std::uint32_t ip_be) noexcept {
    return static_cast<std::size_t>((ip_be * 2654435761u) >> 16) & (kNeighbours - 1);
  }
  void learn(std::uint32_t ip_be, const rte_ether_addr& mac) noexcept {
    std::size_t h = slot_of(ip_be);
    for (std::size_t probe = 0; probe < 8; ++probe, h = (h + 1) & (kNeighbours - 1)) {
      if (neighbours_[h].ip_be == ip_be || neighbours_[h].ip_be == 0) {
        neighbours_[h].ip_be = ip_be;
        neighbours_[h].mac = mac;
        return;
      }
    }
    neighbours_[slot_of(ip_be)] = {ip_be, mac};  // evict
  }
  const rte_ether_addr* lookup(std::uint32_t ip_be) const noexcept {
    std::size_t h = slot_of(ip_be);
    for (std::size_t probe = 0; probe < 8; ++probe, h = (h + 1) & (kNeighbours - 1)) {
      if (neighbours_[h].ip_be == ip_be) return &neighbours_[h].mac;
      if (neighbours_[h].ip_be == 0) break;
    }
    return port_->has_gateway ? &port_->gateway : nullptr;
  }

  void queue_reply(rte_mbuf* m) noexcept {
    replies_[reply_count_++] = m;
    if (reply_count_ == 32) flush_replies();
  }
  void flush_replies() noexcept {
    const std::uint16_t done = rte_eth_tx_burst(port_->port_id, static_cast<std::uint16_t>(worker_), replies_, reply_count_);
    if (done < reply_count_) rte_pktmbuf_free_bulk(replies_ + done, reply_count_ - done);
    reply_count_ = 0;
  }

  void handle_arp(rte_mbuf* m, rte_ether_hdr* eth) noexcept {
    if (m->data_len < sizeof(rte_ether_hdr) + sizeof(rte_arp_hdr)) return drop(m, DropReason::kNotIpv4Udp);
    auto* arp = reinterpret_cast<rte_arp_hdr*>(eth + 1);
    if (arp->arp_hardware != htons(RTE_ARP_HRD_ETHER) || arp->arp_protocol != htons(RTE_ETHER_TYPE_IPV4))
      return drop(m, DropReason::kNotHandled);
    learn(arp->arp_data.arp_sip, arp->arp_data.arp_sha);
    if (arp->arp_opcode != htons(RTE_ARP_OP_REQUEST) || arp->arp_data.arp_tip != port_->media_ip_be)
      return drop(m, DropReason::kNotHandled);
    // Reply in place.
    arp->arp_opcode = htons(RTE_ARP_OP_REPLY);
    arp->arp_data.arp_tha = arp->arp_data.arp_sha;
    arp->arp_data.arp_tip = arp->arp_data.arp_sip;
    arp->arp_data.arp_sha = port_->mac;
    arp->arp_data.arp_sip = port_->media_ip_be;
    eth->dst_addr = eth->src_addr;
    eth->src_addr = port_->mac;
    queue_reply(m);
  }

  void handle_icmp(rte_mbuf* m, rte_ether_hdr* eth, rte_ipv4_hdr* ip, std::size_t ihl, std::size_t ip_len) noexcept {
    if (ip_len < ihl + sizeof(rte_icmp_hdr)) return drop(m, DropReason::kNotIpv4Udp);
    auto* icmp = reinterpret_cast<rte_icmp_hdr*>(reinterpret_cast<std::uint8_t*>(ip) + ihl);
    if (icmp->icmp_type != RTE_IP_ICMP_ECHO_REQUEST || icmp->icmp_code != 0) return drop(m, DropReason::kNotHandled);
    icmp->icmp_type = RTE_IP_ICMP_ECHO_REPLY;
    icmp->icmp_cksum = 0;
    icmp->icmp_cksum = static_cast<std::uint16_t>(~rte_raw_cksum(icmp, ip_len - ihl));
    const std::uint32_t src = ip->src_addr;  // packed fields: no references
    ip->src_addr = ip->dst_addr;
    ip->dst_addr = src;
    ip->time_to_live = 64;
    ip->hdr_checksum = 0;
    ip->hdr_checksum = rte_ipv4_cksum(ip);
    eth->dst_addr = eth->src_addr;
    eth->src_addr = port_->mac;
    queue_reply(m);
  }

  // Validates a frame; our own ports become Packets, others are handed off.
  void classify(rte_mbuf* m, Packet* pkts, std::size_t& got, bool from_nic) noexcept {
    if (m->nb_segs != 1 || m->data_len < sizeof(rte_ether_hdr)) return drop(m, DropReason::kNotIpv4Udp);
    auto* eth = rte_pktmbuf_mtod(m, rte_ether_hdr*);
    const std::uint16_t type = ntohs(eth->ether_type);
    if (type == RTE_ETHER_TYPE_ARP) return handle_arp(m, eth);
    if (type != RTE_ETHER_TYPE_IPV4 || m->data_len < sizeof(rte_ether_hdr) + sizeof(rte_ipv4_hdr))
      return drop(m, DropReason::kNotIpv4Udp);
    auto* ip = reinterpret_cast<rte_ipv4_hdr*>(eth + 1);
    const std::size_t ihl = static_cast<std::size_t>(ip->version_ihl & 0x0f) * 4;
    const std::size_t ip_len = ntohs(ip->total_length);
    if ((ip->version_ihl >> 4) != 4 || ihl < 20 || ip_len < ihl || sizeof(rte_ether_hdr) + ip_len > m->data_len)
      return drop(m, DropReason::kNotIpv4Udp);
    if (ip->dst_addr != port_->media_ip_be) return drop(m, DropReason::kNotForUs);
    if ((m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK) == RTE_MBUF_F_RX_IP_CKSUM_BAD ||
        ((m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK) != RTE_MBUF_F_RX_IP_CKSUM_GOOD && rte_raw_cksum(ip, ihl) != 0xffff))
      return drop(m, DropReason::kBadChecksum);
    if (ntohs(ip->fragment_offset) & (RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK)) return drop(m, DropReason::kFragment);
    if (ip->next_proto_id == IPPROTO_ICMP) return handle_icmp(m, eth, ip, ihl, ip_len);
    if (ip->next_proto_id != IPPROTO_UDP || ip_len < ihl + sizeof(rte_udp_hdr)) return drop(m, DropReason::kNotIpv4Udp);
    auto* udp = reinterpret_cast<rte_udp_hdr*>(reinterpret_cast<std::uint8_t*>(ip) + ihl);
    const std::size_t udp_len = ntohs(udp->dgram_len);
    if (udp_len < sizeof(rte_udp_hdr) || udp_len > ip_len - ihl) return drop(m, DropReason::kNotIpv4Udp);
    const std::uint16_t dst_port = ntohs(udp->dst_port);
    const std::uint32_t owner = port_owner(dst_port, port_->workers);
    if (from_nic && owner != worker_) {
      // RSS (or a single RX queue) put it on the wrong core.
      if (!ring(worker_, owner).try_push(m)) drop(m, DropReason::kHandoffFull);
      return;
    }
    const std::uint64_t l4 = m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK;
    if (l4 == RTE_MBUF_F_RX_L4_CKSUM_BAD ||
        (l4 != RTE_MBUF_F_RX_L4_CKSUM_GOOD && port_->verify_udp && udp->dgram_cksum != 0 &&
         rte_ipv4_udptcp_cksum(ip, udp) != 0xffff))  // a correct sum folds to 0xffff
      return drop(m, DropReason::kBadChecksum);
    learn(ip->src_addr, eth->src_addr);
    m->hash.usr = checksum_carry(ip, udp, udp_len);
    Packet& p = pkts[got++];
    p.data = reinterpret_cast<std::uint8_t*>(udp + 1);
    p.len = static_cast<std::uint16_t>(udp_len - sizeof(rte_udp_hdr));
    p.capacity = static_cast<std::uint16_t>(static_cast<std::uint8_t*>(m->buf_addr) + m->buf_len - p.data);
    p.src = {ntohl(ip->src_addr), ntohs(udp->src_port)};
    p.local_port = dst_port;
    p.dst = {};
    p.handle = m;
    p.dirty = Packet::kUnchanged;
  }

  // One's-complement helpers over 16-bit big-endian words.
  static std::uint32_t sum16(const void* data, std::size_t len) noexcept { return rte_raw_cksum(data, len); }
  static std::uint16_t fold(std::uint32_t s) noexcept {
    while (s >> 16) s = (s & 0xffff) + (s >> 16);
    return static_cast<std::uint16_t>(s);
  }
  static std::uint32_t pseudo_and_udp_header(const rte_ipv4_hdr* ip, const rte_udp_hdr* udp) noexcept {
    std::uint32_t s = sum16(&ip->src_addr, 8);  // source and destination
    s += htons(IPPROTO_UDP);
    s += udp->dgram_len;  // the UDP length appears in both
    s += udp->src_port + udp->dst_port + udp->dgram_len;
    return s;
  }

  // What an incoming UDP checksum says about the payload beyond the RTP
  // fixed header, kept so that after the worker rewrites only that header
  // the checksum can be brought up to date without touching the payload
  // (RFC 1624 style). Returns 0 when the sender sent no checksum (which we
  // then mirror), else 0x10000 | partial sum.
  static std::uint32_t checksum_carry(const rte_ipv4_hdr* ip, const rte_udp_hdr* udp, std::size_t udp_len) noexcept {
    if (udp->dgram_cksum == 0 || udp_len < sizeof(rte_udp_hdr) + 12) return 0;
    const std::uint16_t total = static_cast<std::uint16_t>(~udp->dgram_cksum);
    const std::uint32_t known = pseudo_and_udp_header(ip, udp) + sum16(udp + 1, 12);
    // rest = total - known, in one's complement: total + ~known.
    const std::uint16_t rest = fold(static_cast<std::uint32_t>(total) + static_cast<std::uint16_t>(~fold(known)));
    return 0x10000u | rest;
  }

  // Rebuilds Ethernet/IPv4/UDP in front of the payload, wherever it sits.
  bool build_headers(const Packet& p, rte_mbuf* m) noexcept {
    const std::uint32_t dst_be = htonl(p.dst.ip);
    const rte_ether_addr* mac = lookup(dst_be);
    if (!mac) {
      ++drops_[static_cast<std::size_t>(DropReason::kNoNeighbor)];
      return false;
    }
    auto* base = static_cast<std::uint8_t*>(m->buf_addr);
    std::uint8_t* frame = p.data - kHeaders;
    if (frame < base) return false;
    m->data_off = static_cast<std::uint16_t>(frame - base);
    m->data_len = static_cast<std::uint16_t>(kHeaders + p.len);
    m->pkt_len = m->data_len;
    m->nb_segs = 1;
    auto* eth = reinterpret_cast<rte_ether_hdr*>(frame);
    eth->dst_addr = *mac;
    eth->src_addr = port_->mac;
    eth->ether_type = htons(RTE_ETHER_TYPE_IPV4);
    auto* ip = reinterpret_cast<rte_ipv4_hdr*>(eth + 1);
    ip->version_ihl = RTE_IPV4_VHL_DEF;
    ip->type_of_service = kDscpExpedited;
    ip->total_length = htons(static_cast<std::uint16_t>(sizeof(rte_ipv4_hdr) + sizeof(rte_udp_hdr) + p.len));
    ip->packet_id = 0;
    ip->fragment_offset = htons(RTE_IPV4_HDR_DF_FLAG);
    ip->time_to_live = 64;
    ip->next_proto_id = IPPROTO_UDP;
    ip->src_addr = port_->media_ip_be;
    ip->dst_addr = dst_be;
    ip->hdr_checksum = 0;
    auto* udp = reinterpret_cast<rte_udp_hdr*>(ip + 1);
    udp->src_port = htons(p.local_port);
    udp->dst_port = htons(p.dst.port);
    udp->dgram_len = htons(static_cast<std::uint16_t>(sizeof(rte_udp_hdr) + p.len));
    udp->dgram_cksum = 0;
    if (port_->tx_udp_offload) {
      m->l2_len = sizeof(rte_ether_hdr);
      m->l3_len = sizeof(rte_ipv4_hdr);
      m->ol_flags = RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM | RTE_MBUF_F_TX_UDP_CKSUM;
      udp->dgram_cksum = rte_ipv4_phdr_cksum(ip, m->ol_flags);
    } else {
      m->ol_flags = 0;
      ip->hdr_checksum = rte_ipv4_cksum(ip);
      const std::uint32_t carry = m->hash.usr;
      if (p.dirty != Packet::kAnything && carry == 0 && p.len >= 12) {
        // The sender used no UDP checksum: neither do we.
        udp->dgram_cksum = 0;
      } else if (p.dirty != Packet::kAnything && (carry >> 16) == 1 && p.len >= 12) {
        const std::uint32_t s = pseudo_and_udp_header(ip, udp) + sum16(udp + 1, 12) + (carry & 0xffff);
        const std::uint16_t c = static_cast<std::uint16_t>(~fold(s));
        udp->dgram_cksum = c == 0 ? 0xffff : c;
      } else {
        udp->dgram_cksum = rte_ipv4_udptcp_cksum(ip, udp);
      }
    }
    return true;
  }

  std::shared_ptr<DpdkPort> port_;
  std::uint32_t worker_;
  DataplaneCounters& counters_;
  std::vector<Neighbour> neighbours_;
  rte_mbuf* replies_[32];
  std::uint16_t reply_count_ = 0;
  std::uint64_t drops_[static_cast<std::size_t>(DropReason::kCount)] = {};
  bool registered_ = false;
};

}  // namespace

Result<std::unique_ptr<PacketIo>> create_dpdk_io(std::shared_ptr<DpdkPort> port, std::uint32_t worker,
                                                 DataplaneCounters& counters) {
  if (worker >= port->workers) return invalid_argument("DPDK: worker index out of range");
  return std::unique_ptr<PacketIo>(new DpdkIo(std::move(port), worker, counters));
}

}  // namespace sb::dataplane
