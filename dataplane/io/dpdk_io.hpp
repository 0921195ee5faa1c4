// DPDK backend: the production packet path. One Ethernet port; each worker
// polls its own RX queue (when the port has one for it) and transmits on its
// own TX queue; mbufs come from one mempool per NUMA socket.
//
// What the backend does with a frame before the worker sees it:
//  * ARP requests for the media address are answered, ICMP echo requests to
//    it are answered; both in place, on the receiving worker.
//  * IPv4/UDP to the media address is validated (header length, total
//    length, fragments refused, IPv4 header checksum and, when present, the
//    UDP checksum — in software unless the port verified them) and handed to
//    the worker that owns the destination port. When RSS put the frame on
//    another worker's queue (or the port has one RX queue for several
//    workers), it crosses over a per-worker-pair SPSC ring (VPP-style
//    hand-off) instead of being processed on the wrong core.
//  * Everything else is counted by reason and dropped.
// On transmit the UDP payload stays where it is and the Ethernet, IPv4 and
// UDP headers are rebuilt in front of it; the destination MAC comes from the
// worker's neighbour table (learnt from received frames and ARP) or the
// configured gateway.
//
// EAL: dpdk_init() starts it once per process from DpdkConfig::eal_args
// (core list, memory channels, --no-huge or hugepages, --vdev list, PCI
// allow-list); tests add ring-backed ports with rte_eth_from_rings() after it.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/status.hpp"
#include "dataplane/counters.hpp"
#include "dataplane/io/packet_io.hpp"
#include "dataplane/media_sessions.hpp"

namespace sb::dataplane {

// Starts the EAL with `args` (argv[0] is supplied). Idempotent for the same
// arguments; errors: unavailable with DPDK's reason.
Status dpdk_init(const std::vector<std::string>& args);

class DpdkPort;  // one configured ethdev shared by the workers

// Configures and starts the port for `workers` workers.
Result<std::shared_ptr<DpdkPort>> dpdk_open_port(const DpdkConfig& cfg, std::uint32_t workers);

// The backend instance for one worker.
Result<std::unique_ptr<PacketIo>> create_dpdk_io(std::shared_ptr<DpdkPort> port, std::uint32_t worker,
                                                 DataplaneCounters& counters);

}  // namespace sb::dataplane
