// The daemon's configuration: one immutable snapshot per successful load.
//
// The sections the daemon itself owns are plain structs below, filled with
// validated values; module-owned sections ([ivr], later [acd]) come through
// the SectionRegistry and are reached with `section<T>(name)`. A snapshot is
// never modified: SIGHUP loads a new one and hands it to every subsystem, and
// whoever still holds the old one (a call in progress) keeps a consistent
// view. Nothing here is global; the daemon passes snapshots explicitly.
//
// Paths are used as written; relative ones resolve against the daemon's
// working directory (the embedded default's "./var/recordings" is the
// operator's ./var/recordings, as the README says).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.hpp"
#include "control/config/section_registry.hpp"

namespace sb::config {

struct ServerSection {
  Nanos drain_timeout = std::chrono::seconds(30);   // SIGTERM: longest wait for live work to end
  std::string state_dir = "./var";                  // generated API token, runtime files
};

struct LoggingSection {
  std::string level = "info";  // spdlog level name
};

struct ApiToken {
  std::string name;    // who holds it: shows in logs, never the token itself
  std::string token;   // the secret
  std::string origin;  // "inline" or the file it was read from
};

struct ApiSection {
  bool enabled = true;
  std::string bind = "127.0.0.1";
  std::uint16_t port = 8080;                 // 0: any free port (tests)
  int threads = 2;
  std::vector<ApiToken> tokens;              // empty: a token is generated at start-up
  std::string generated_token_file;          // default: <server.state_dir>/api-token
  std::uint64_t max_body_bytes = 1 << 20;
  std::uint64_t max_header_bytes = 16 << 10;
  std::uint32_t max_connections = 1024;
  Nanos request_timeout = std::chrono::seconds(10);  // whole request, from accept or previous response
  std::uint32_t event_queue_limit = 1024;    // events buffered per WebSocket client before it is cut off
  std::uint32_t max_event_clients = 256;
};

struct MetricsSection {
  bool enabled = true;
  std::string path = "/metrics";
  // A listener of its own (e.g. on the management network while the API
  // stays on loopback); absent: served by the API listener.
  std::optional<std::string> bind;
  std::optional<std::uint16_t> port;
  bool process_metrics = true;
};

struct RecordingsSection {
  std::string directory = "./var/recordings";
  std::string format = "wav-pcm16";          // wav-pcm16 | wav-ulaw | ogg-opus
  int sample_rate = 8000;                    // 8000 | 16000
  int channels = 2;                          // 2: caller left, agent right; 1: mixed
  int opus_bitrate = 32000;
  int writer_threads = 1;
  Nanos flush_interval = std::chrono::milliseconds(500);
};

struct DpdkSection {
  std::vector<std::string> eal_args;         // e.g. ["--no-huge", "--no-pci", "--vdev=net_ring0"]
  std::uint16_t port_id = 0;
  std::string media_ip;                      // answered for ARP/ICMP; required with backend = "dpdk"
  std::string gateway_mac;                   // "aa:bb:cc:dd:ee:ff" or empty
  std::uint32_t mbufs = 16383;
  std::uint16_t rx_descriptors = 1024;
  std::uint16_t tx_descriptors = 1024;
  bool verify_udp_checksum = true;
};

// How the socket backend takes packets in (dataplane.socket_receive).
enum class SocketReceive { kEpoll, kUring, kPacketRing };

enum class DataplaneBackend { kSocket, kDpdk };

struct DataplaneSection {
  DataplaneBackend backend = DataplaneBackend::kSocket;
  std::string bind = "127.0.0.1";            // socket backend: address media ports bind to
  SocketReceive socket_receive = SocketReceive::kEpoll;  // socket backend
  std::uint16_t port_min = 20000;            // inclusive; RTP on even ports
  std::uint16_t port_max = 29999;
  std::vector<int> cores;                    // one pinned worker per core
  int workers = 1;                           // unpinned workers when `cores` is empty
  std::uint32_t max_sessions_per_worker = 4096;
  std::uint32_t max_rooms_per_worker = 64;     // conferences + supervised calls
  std::uint32_t max_parties_per_worker = 256;  // conference parties + supervisors
  bool rtcp_mux = false;
  bool busy_poll = false;
  std::uint32_t command_ring = 1024;
  std::uint32_t event_ring = 8192;
  Nanos stats_interval = std::chrono::seconds(10);  // per-leg loss/jitter/MOS into /metrics
  DpdkSection dpdk;
};

struct SipListen {
  std::string transport;  // "udp" | "tcp"
  std::string address;
  std::uint16_t port = 5060;
  std::string to_string() const;  // "udp:127.0.0.1:5060", IPv6 in brackets
};

// A carrier or SBC allowed to send calls: INVITEs from its address blocks
// are accepted (with Digest when user/password are set).
struct SipTrunk {
  std::string name;
  std::vector<std::string> cidrs;  // "10.0.0.0/8", "192.0.2.7", "2001:db8::/32"
  std::string user;                // empty: no Digest for this trunk
  std::string password;
};

// SIP credentials of an ACD agent's phone ([[sip.agents]]).
struct SipAgent {
  std::string id;        // an [[acd.agents]] id
  std::string password;
};

// Where calls Switchboard places (callbacks) go ([sip.outbound]): a
// carrier or SBC reached at a numeric address.
struct SipOutbound {
  SipListen target;          // transport, address and port of the trunk
  std::string user;          // Digest answers to its 401/407; empty: none
  std::string password;
  std::string caller_id;     // From user part; empty: each call's own
  std::string domain;        // Request-URI and To host; empty: the address
};

struct SipSection {
  std::vector<SipListen> listen = {{"udp", "127.0.0.1", 5060}};
  std::string domain = "switchboard.local";        // Digest realm, From host of calls we place
  std::string user_agent = "Switchboard";          // User-Agent and Server
  std::vector<SipTrunk> trunks = {{"local", {"127.0.0.0/8"}, "", ""}};
  // DID (Request-URI user part) -> an IVR menu name, or "queue:<name>" to
  // queue at once. Unknown DIDs go to the IVR's entry menu.
  std::map<std::string, std::string> dids;
  std::vector<SipAgent> agents;
  Nanos ring_timeout = std::chrono::seconds(30);   // SIP-side cap on ringing an agent
  std::uint32_t max_expires = 3600;                // REGISTER expiry cap (seconds)
  std::uint32_t min_expires = 60;
  // RFC 4028 session timers on inbound calls (seconds): the interval we
  // ask for or shorten a longer request to (0: none of our own, a peer's
  // request is still honoured), and the shortest we accept (422 below).
  std::uint32_t session_expires = 1800;
  std::uint32_t min_se = 90;
  // An agent whose phone's registration lapses or is removed is logged out
  // in the ACD.
  bool logout_on_expiry = false;
  double rate_limit = 50;                          // requests per second per source; 0: off
  double burst = 100;
  Nanos ban_time = std::chrono::minutes(5);
  std::optional<std::vector<std::string>> scanner_user_agents;  // absent: the built-in list
  std::vector<std::string> codecs = {"PCMU", "PCMA"};  // preference order
  std::vector<std::string> digest_algorithms = {"MD5", "SHA-256"};  // challenges offered, in order
  std::uint32_t max_dialogs = 10000;               // calls with SIP legs at once
  // Live SIP transactions. Completed ones linger 32 s over UDP to absorb
  // retransmissions (timers J, L, K, D), so a sustained rate of R call
  // setups per second keeps about 64 R alive (INVITE and BYE).
  std::uint32_t max_transactions = 250000;
  std::optional<SipOutbound> outbound;             // none: callbacks cannot be dialled
};

class DaemonConfig {
 public:
  std::string source;  // the file, or "<embedded default>"

  ServerSection server;
  LoggingSection logging;
  ApiSection api;
  MetricsSection metrics;
  RecordingsSection recordings;
  DataplaneSection dataplane;
  SipSection sip;

  // Module sections by name, every registered parser's result.
  std::map<std::string, std::shared_ptr<const ConfigSection>, std::less<>> sections;
  // Sections present in the file that this build accepts unvalidated, with why.
  std::map<std::string, std::string, std::less<>> unvalidated;

  // The module section `name` as T; nullptr when absent or of another type.
  template <typename T>
  const T* section(std::string_view name) const {
    auto it = sections.find(name);
    return it == sections.end() ? nullptr : dynamic_cast<const T*>(it->second.get());
  }
  template <typename T>
  std::shared_ptr<const T> section_ptr(std::string_view name) const {
    auto it = sections.find(name);
    return it == sections.end() ? nullptr : std::dynamic_pointer_cast<const T>(it->second);
  }

  // GET /api/v1/config: every effective value; tokens replaced by their
  // names and origins.
  nlohmann::json to_json() const;
};

std::string_view backend_name(DataplaneBackend b) noexcept;
std::string_view socket_receive_name(SocketReceive r) noexcept;

}  // namespace sb::config
