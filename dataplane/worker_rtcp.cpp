// RTCP the worker generates for the legs it terminates, and statistics
// requests. A leg in a mix room (a conference party, a supervisor, a
// supervised or transcoded call's legs while mixed) hears a stream the
// worker makes, so nobody else can report on it: the worker sends the far
// end compound RTCP of its own (RFC 3550 §6.4): an SR when the leg's output
// stream sent RTP since the last report (else an RR), a report block on the
// stream the far end sends (loss, extended highest sequence, jitter, LSR and
// DLSR from its last SR) and an SDES CNAME; a BYE when a party's leg ends.
// What the far end sends back is consumed by handle_rtcp(), whose report
// block on our stream gives the leg's RTT against the SRs sent here.
//
// Timing (RFC 3550 §6.2, §6.3.1): the 5 s minimum interval, halved for the
// first report, each interval randomised over 0.5-1.5 of it from the leg's
// own xorshift seed (so reports of many legs do not synchronise), on the
// worker's injected clock. The SR's NTP time is the wall clock; its RTP
// timestamp is the output stream's last timestamp advanced by the time
// since it last moved, at the leg's clock rate: the instant on the timeline
// the far end receives.
//
// Packet-path rules: reports are built into the backend's buffers and sent
// in one burst per pass; no allocation, no logging, nothing per packet.
#include <algorithm>

#include "dataplane/rtp/rtcp.hpp"
#include "dataplane/worker.hpp"

namespace sb::dataplane {

namespace {
constexpr std::int64_t kRtcpMinIntervalNs = 5'000'000'000;

// "sb" and the leg's 64-bit random CNAME tag in hex (RFC 7022: a random
// CNAME per stream that persists for its life).
constexpr std::size_t kCnameChars = 18;
void format_cname(std::uint64_t tag, char (&out)[kCnameChars]) noexcept {
  constexpr char kHex[] = "0123456789abcdef";
  out[0] = 's';
  out[1] = 'b';
  for (std::size_t i = 0; i < 16; ++i) out[2 + i] = kHex[(tag >> (60 - 4 * i)) & 0xf];
}

// A 24-bit signed cumulative loss (RFC 3550 §6.4.1) saturates.
std::int32_t clamp_cumulative_lost(std::int64_t lost) noexcept {
  return static_cast<std::int32_t>(std::clamp<std::int64_t>(lost, -0x800000, 0x7fffff));
}
}  // namespace

std::int64_t Worker::rtcp_interval(Leg& leg, bool first) noexcept {
  const std::int64_t base = first ? kRtcpMinIntervalNs / 2 : kRtcpMinIntervalNs;
  return base / 2 + static_cast<std::int64_t>(xorshift(leg.rtcp_seed) % 1001) * base / 1000;
}

void Worker::start_rtcp(std::uint32_t index, std::int64_t now_ns) noexcept {
  Leg& leg = legs_[index];
  if (leg.rtcp_seed != 0) return;
  // Non-zero (zero is xorshift's fixed point): also "reports are on".
  leg.rtcp_seed = next_ssrc() | 1u;
  leg.rtcp_cname = static_cast<std::uint64_t>(next_ssrc()) << 32 | next_ssrc();
  leg.rtcp_packets_reported = leg.out.packets;
  leg.rtcp_due_ns = now_ns + rtcp_interval(leg, true);
  rtcp_legs_.push_back(index);  // reserved for every leg: never grows
  next_rtcp_ns_ = std::min(next_rtcp_ns_, leg.rtcp_due_ns);
}

void Worker::stop_rtcp(std::uint32_t index, std::int64_t now_ns) noexcept {
  Leg& leg = legs_[index];
  if (leg.rtcp_seed == 0) return;
  leg.rtcp_seed = 0;
  std::erase(rtcp_legs_, index);
  // A party's stream ends with its leg (RFC 3550 §6.6). A supervised call's
  // legs go back to relaying the same output stream: no BYE, and the far
  // end's own reports are forwarded again.
  if (index < party_leg(0)) return;
  Outgoing o;
  send_rtcp_report(leg, true, now_ns, o);
  finish_outgoing(o, kRtcpGenerated);
  flush_tallies();
}

void Worker::run_rtcp(std::int64_t now_ns) noexcept {
  Outgoing o;
  std::int64_t next = std::numeric_limits<std::int64_t>::max();
  for (const std::uint32_t index : rtcp_legs_) {
    Leg& leg = legs_[index];
    if (now_ns >= leg.rtcp_due_ns) {
      send_rtcp_report(leg, false, now_ns, o);
      leg.rtcp_due_ns = now_ns + rtcp_interval(leg, false);
    }
    next = std::min(next, leg.rtcp_due_ns);
  }
  next_rtcp_ns_ = next;
  finish_outgoing(o, kRtcpGenerated);
  flush_tallies();
}

void Worker::send_rtcp_report(Leg& leg, bool bye, std::int64_t now_ns, Outgoing& o) noexcept {
  // Nowhere to send yet (the far end is not known): the schedule runs on.
  if (!leg.accepted_rtcp.valid()) return;
  Packet& p = tx_[o.queued];
  if (!io_.alloc(p)) {
    drop(DropReason::kTxFailed);
    return;
  }
  const OutputStream& out = leg.out;
  const bool sender = out.started && out.packets != leg.rtcp_packets_reported;
  rtp::RtcpSenderInfo info{};
  if (sender) {
    info.ntp = rtp::ntp_from_unix_nanos(clock_.wall_now().count());
    const std::int64_t since = std::max<std::int64_t>(0, now_ns - out.last_ts_ns);
    info.rtp_timestamp = out.last_ts + static_cast<std::uint32_t>(since / 1000 * out.clock_rate / 1'000'000);
    // RFC 3550 §6.4.1: both counts wrap modulo 2^32.
    info.packets = static_cast<std::uint32_t>(out.packets);
    info.octets = static_cast<std::uint32_t>(out.octets);
  }
  rtp::RtcpReportBlock block{};
  const bool received = leg.rx_packets > 0;
  if (received) {
    block.ssrc = leg.in_ssrc;
    block.fraction_lost = leg.rx.take_interval_fraction_lost();
    block.cumulative_lost = clamp_cumulative_lost(leg.rx.lost());
    block.highest_seq = leg.rx.extended_max();
    block.jitter = static_cast<std::uint32_t>(leg.rx.jitter_units());
    if (leg.rx_sr_lsr != 0) {
      block.lsr = leg.rx_sr_lsr;
      // 1/65536 s since its SR arrived; microseconds first, so a day fits.
      block.dlsr = static_cast<std::uint32_t>((now_ns - leg.rx_sr_ns) / 1000 * 65536 / 1'000'000);
    }
  }
  char cname[kCnameChars];
  format_cname(leg.rtcp_cname, cname);
  const std::span<std::uint8_t> room(p.data, p.capacity);
  std::size_t n = rtp::build_rtcp_report(room, out.ssrc, sender ? &info : nullptr, received ? &block : nullptr,
                                         std::span<const char>(cname, kCnameChars));
  if (bye && n != 0) n = rtp::append_rtcp_bye(room, n, out.ssrc);
  if (n == 0) {
    io_.release(&p, 1);
    drop(DropReason::kTxFailed);
    return;
  }
  if (sender) leg.note_sr_sent(info.ntp, now_ns);
  leg.rtcp_packets_reported = out.packets;
  p.len = static_cast<std::uint16_t>(n);
  p.dirty = Packet::kAnything;
  p.dst = leg.accepted_rtcp;
  p.local_port = leg.rtcp_source_port();
  if (++o.queued == tx_.size()) flush_outgoing(o);
}

void Worker::request_stats(const Command& c) noexcept {
  const std::int64_t now = clock_.now().count();
  const auto report = [&](const Leg& leg) {
    Event e = leg_event(Event::kStats, leg, now);
    e.stats = leg_stats(leg, now);
    emit(e);
  };
  if (is_party_id(c.session)) {
    const std::uint32_t ps = party_slot(c.session);
    if (ps >= party_ids_.size() || party_ids_[ps] != c.session) return fail(c, "no such party");
    return report(legs_[party_leg(ps)]);
  }
  if (is_room_id(c.session)) {
    if (!room_matches(c.session)) return fail(c, "no such room");
    // Each party's leg (a supervised call's: its two legs and the
    // supervisor's), named by its own id with the room or call as owner.
    const Room& r = *rooms_[room_slot(c.session)];
    for (int p = 0; p < media::MixRoom::kMaxParties; ++p)
      if (r.mix.active(p)) report(legs_[r.legs[p]]);
    return;
  }
  if (!session_matches(c.session)) return fail(c, "no such session");
  for (std::uint32_t k = 0; k < 2; ++k) report(legs_[2 * session_slot(c.session) + k]);
}

}  // namespace sb::dataplane
