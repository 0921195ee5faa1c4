// One leg of a media session: the far end's address and how it was
// established (latching), the stream we send to it (output SSRC, sequence
// and timestamp continuity), and what we measured about the stream it sends
// us. Owned and touched by exactly one worker.
//
// Latching (anti RTP bleed): a leg accepts media only from its negotiated
// address. With NAT learning on, another address can take over only by
// sending N consecutive in-sequence RTP packets within the learning window
// after (re)negotiation; after the window the leg is strict. Packets go out
// only to the negotiated address or to an address that won that way.
//
// Continuity: the output stream keeps its own SSRC, and its sequence numbers
// and timestamps continue across a change of source (another SSRC, a
// restarted sender, a switch from a server-played prompt to the relayed far
// end), so the receiver sees one unbroken stream.
#pragma once

#include <cstdint>

#include "dataplane/packet.hpp"
#include "dataplane/rtp/rtcp.hpp"
#include "dataplane/rtp/rtp_stats.hpp"
#include "ivr/rfc4733.hpp"

namespace sb::dataplane {

enum class LegMode : std::uint8_t {
  kRelay,      // header rewrite only
  kInactive,   // hold/inactive: nothing is forwarded in either direction
  kSendOnly,   // we send to the far end, ignore what it sends (e.g. music on hold)
  kRecvOnly,   // we take what it sends, send nothing to it
};

enum class LatchState : std::uint8_t {
  kStrict,     // only the accepted address
  kLearning,   // NAT learning window open
};

struct LatchConfig {
  bool nat_learning = false;
  std::uint8_t packets_to_win = 5;           // consecutive in-sequence packets
  std::int64_t window_ns = 10'000'000'000;   // after (re)negotiation
};

// Maps each incoming (SSRC, seq, ts) to the leg's output stream.
struct OutputStream {
  std::uint32_t ssrc = 0;
  std::uint32_t clock_rate = 8000;
  bool started = false;
  std::uint32_t source_ssrc = 0;     // the input currently mapped
  std::uint16_t seq_delta = 0;       // out = in + delta (mod 2^16)
  std::uint32_t ts_delta = 0;        // out = in + delta (mod 2^32)
  std::uint16_t last_seq = 0;        // highest sequence sent
  std::uint32_t last_ts = 0;
  // When last_ts last moved: a telephone event repeats its start timestamp
  // for its whole duration, so what follows it continues from the event's
  // start plus the time since, not from its last packet (which would put
  // the next audio inside the event).
  std::int64_t last_ts_ns = 0;
  // Timestamp units between the last two in-order packets: the length of
  // the audio the last packet carried. A new source continues at least that
  // far on, so its first packet never overlaps the last one's audio even
  // when it follows within a millisecond (a prompt ending as the agent's
  // packet arrives).
  std::uint32_t last_step = 0;
  std::uint64_t packets = 0;
  std::uint64_t octets = 0;          // payload octets, for SR

  // Returns the output (seq, ts) for an input packet; re-bases on a new
  // source so the output continues from last_seq/last_ts.
  void map(std::uint32_t in_ssrc, std::uint16_t in_seq, std::uint32_t in_ts, std::int64_t now_ns,
           std::uint16_t& out_seq, std::uint32_t& out_ts) noexcept;
};

// Field order is hot-first: what a relayed RTP packet touches on its way
// in (identity, addressing, receive statistics) and on its way out (the
// peer's addressing and output stream) sits in the first cache lines; RTCP,
// DTMF and timer state follow. The worker prefetches both legs' first lines
// a few packets ahead.
struct Leg {
  // Identity and wiring.
  std::uint64_t session_id = 0;
  std::uint32_t peer = 0;            // index of the other leg in the table
  std::uint16_t local_port = 0;      // RTP (and muxed RTCP)
  std::uint16_t local_rtcp_port = 0; // 0 when rtcp-mux
  std::uint8_t index = 0;            // 0 = A, 1 = B
  bool in_use = false;
  LegMode mode = LegMode::kRelay;
  std::uint8_t telephone_event_pt = 0;  // 0: none negotiated
  LatchState latch = LatchState::kStrict;
  bool first_packet_seen = false;
  bool latched_event_pending = false;
  bool timeout_reported = false;
  bool media = false;                // has a LegMedia (in-band DTMF, suppression)
  bool recorded = false;             // its session is being recorded
  bool playing = false;              // a prompt or DTMF plays to it (relay towards it is dropped)
  bool sending_dtmf = false;         // what plays is a DTMF send (LegDtmfSender), not a prompt
  std::int8_t party = -1;            // its slot in the mix room while terminated and mixed
  std::uint16_t room = 0;            // room slot + 1 while mixed (0: relayed)

  // Addressing.
  Endpoint accepted;                 // media is taken from and sent to here
  Endpoint accepted_rtcp;            // RTCP from/to (port+1 unless muxed)
  Endpoint negotiated;               // from SDP; may be unknown (0)
  Endpoint candidate;                // NAT learning
  std::uint8_t candidate_count = 0;
  std::uint16_t candidate_next_seq = 0;
  std::int64_t learning_until_ns = 0;
  LatchConfig latch_config;

  // Transmit side: the stream sent to this leg.
  OutputStream out;

  // Receive side.
  std::uint32_t in_ssrc = 0;
  std::uint64_t rx_packets = 0;
  std::uint64_t rx_bytes = 0;
  std::int64_t last_rx_ns = 0;
  rtp::RtpReceiveStats rx;

  // Cold: RTCP, events, timers.
  std::uint64_t rx_rtcp = 0;
  // RTCP round-trip: SRs forwarded or generated to this leg (LSR value,
  // when sent).
  std::uint32_t sr_lsr[4] = {};
  std::int64_t sr_sent_ns[4] = {};
  std::uint8_t sr_next = 0;
  double rtt_seconds = -1;
  // The far end's last SR (middle 32 bits of its NTP time, arrival time):
  // a generated report block's LSR and DLSR.
  std::uint32_t rx_sr_lsr = 0;
  // RTCP the worker generates while it terminates the leg (worker_rtcp.cpp):
  // the state randomising the interval (0: none generated), when the next
  // report is due, the leg's CNAME, and out.packets at the last report.
  std::uint32_t rtcp_seed = 0;
  std::int64_t rx_sr_ns = 0;
  std::int64_t rtcp_due_ns = 0;
  std::uint64_t rtcp_cname = 0;
  std::uint64_t rtcp_packets_reported = 0;
  std::int64_t media_timeout_ns = 0;  // 0: disabled
  // What the last stats pass already added to the worker's counters.
  std::int64_t reported_expected = 0;
  std::int64_t reported_lost = 0;
  ivr::Rfc4733Receiver dtmf;
  // A party leg: the room or supervised call it belongs to (for events).
  std::uint64_t owner = 0;

  void reset() noexcept { *this = Leg{}; }

  // (Re)negotiation: new far-end address, opens the learning window.
  void negotiate(const Endpoint& remote, std::uint16_t remote_rtcp_port, const LatchConfig& cfg,
                 std::int64_t now_ns) noexcept;
  bool has_destination() const noexcept { return accepted.valid(); }
  // The port RTCP to the far end leaves from: its own, or the RTP port when
  // muxed (RFC 5761). It goes to accepted_rtcp.
  std::uint16_t rtcp_source_port() const noexcept { return local_rtcp_port ? local_rtcp_port : local_port; }
  // Remembers an SR sent to the far end, so its report echoing it gives RTT.
  void note_sr_sent(std::uint64_t ntp, std::int64_t now_ns) noexcept {
    sr_lsr[sr_next] = static_cast<std::uint32_t>(ntp >> 16);
    sr_sent_ns[sr_next] = now_ns;
    sr_next = static_cast<std::uint8_t>((sr_next + 1) % 4);
  }

  enum class SourceVerdict : std::uint8_t { kAccept, kMismatch, kLearning, kWon };
  // Decides whether an RTP packet from `src` with `seq` is accepted.
  SourceVerdict check_rtp_source(const Endpoint& src, std::uint16_t seq, std::int64_t now_ns) noexcept;
  // RTCP: from the accepted IP and RTCP port; with NAT learning the port can
  // be learnt during the window from RTCP whose sender SSRC is the accepted
  // RTP stream's.
  bool check_rtcp_source(const Endpoint& src, std::uint32_t sender_ssrc, std::int64_t now_ns) noexcept;
};

}  // namespace sb::dataplane
