#include "dataplane/worker.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "dataplane/rtp/rtcp.hpp"
#include "dataplane/rtp/rtp.hpp"

namespace sb::dataplane {

namespace {
// How often a leg with RFC 4733 events but no media timeout is checked for
// a digit whose End packets were all lost.
constexpr std::int64_t kDtmfPollNs = 250'000'000;

// Legs in the table: two per session slot, then one per party slot (an
// even count, so the prefetch of leg x ^ 1 never leaves the table).
std::size_t total_legs(const WorkerConfig& cfg) {
  return static_cast<std::size_t>(cfg.max_sessions) * 2 + ((static_cast<std::size_t>(cfg.max_parties) + 1) & ~std::size_t{1});
}
}  // namespace

Worker::Worker(const WorkerConfig& cfg, PacketIo& io, SpscRing<Command>& commands, SpscRing<Event>& events,
               DataplaneCounters& counters, const Clock& clock)
    : cfg_(cfg),
      io_(io),
      commands_(commands),
      events_(events),
      counters_(counters),
      clock_(clock),
      legs_(total_legs(cfg)),
      media_(total_legs(cfg)),
      recordings_(cfg.max_sessions),
      playback_(total_legs(cfg)),
      dtmf_senders_(total_legs(cfg)),
      slot_ids_(cfg.max_sessions, 0),
      rooms_(cfg.max_rooms),
      room_ids_(cfg.max_rooms, 0),
      party_ids_(cfg.max_parties, 0),
      parties_(total_legs(cfg)),
      dtmf_forwarders_(total_legs(cfg)),
      supervision_(cfg.max_sessions, 0),
      port_map_(65536, 0),
      timers_(total_legs(cfg)),
      rx_(cfg.burst),
      tx_(cfg.burst),
      dropped_(cfg.burst),
      ssrc_seed_(0x9e3779b9u * (cfg.index + 1) ^ static_cast<std::uint32_t>(clock.wall_now().count())) {
  playing_legs_.reserve(total_legs(cfg));
  rtcp_legs_.reserve(total_legs(cfg));
  ticking_rooms_.reserve(cfg.max_rooms);
}

std::uint32_t Worker::xorshift(std::uint32_t& state) noexcept {
  state ^= state << 13;
  state ^= state >> 17;
  state ^= state << 5;
  return state;
}

// xorshift: distinct, unpredictable-enough SSRCs without a syscall.
std::uint32_t Worker::next_ssrc() noexcept { return xorshift(ssrc_seed_); }

void Worker::run(const std::atomic<bool>& stop) {
  // Acquire: pairs with the control thread's release store of `stop`, so the
  // commands it pushed before stopping are visible and get executed.
  while (!stop.load(std::memory_order_acquire)) {
    // Idle only when the loop found nothing at all: a burst of commands
    // (call setups) must not wait a millisecond per 16 of them.
    if (poll_once() == 0 && loop_commands_ == 0 && !cfg_.busy_poll) io_.idle(cfg_.idle_ns);
  }
  // Drain what is left so deletes issued at shutdown still close ports.
  Command c;
  while (commands_.try_pop(c)) execute(c);
  // Recordings still running are closed properly (their last frames, then
  // stop), so the recorder finishes them as complete files.
  const std::int64_t now = clock_.now().count();
  while (!recording_slots_.empty()) end_recording(recording_slots_.back(), now);
  end_room_recordings();
  io_.shutdown();
}

std::size_t Worker::poll_once() {
  Command c;
  loop_commands_ = 0;
  for (std::size_t i = 0; i < cfg_.commands_per_loop && commands_.try_pop(c); ++i) {
    execute(c);
    ++loop_commands_;
  }
  const std::size_t n = io_.rx_burst(rx_.data(), rx_.size());
  const std::int64_t now = clock_.now().count();
  if (n > 0) {
    const std::size_t m = process_burst(rx_.data(), n, tx_.data(), now);
    if (m > 0) {
      const std::size_t sent = io_.tx_burst(tx_.data(), m);
      if (sent < m) drop_tally_[static_cast<std::size_t>(DropReason::kTxFailed)] += m - sent;
      // Backends send a burst in order, so the first `sent` went out; the
      // Packet structs keep their lengths after the buffers are handed over.
      std::uint64_t bytes = 0;
      for (std::size_t i = 0; i < sent; ++i) bytes += tx_[i].len;
      counters_.add(cfg_.index, kTxPackets, sent);
      counters_.add(cfg_.index, kTxBytes, bytes);
      flush_tallies();
    }
  }
  timers_.advance(now, [this, now](std::uint32_t id) { on_timer(id, now); });
  for (std::uint32_t slot : recording_slots_) recordings_[slot]->tick(now);
  if (!playing_legs_.empty()) run_playbacks(now);
  if (!ticking_rooms_.empty()) run_rooms(now);
  if (now >= next_rtcp_ns_) run_rtcp(now);
  if (cfg_.stats_interval_ns > 0 && now >= next_stats_pass_ns_) stats_pass(now);
  return n;
}

// Measured (bench/dataplane_bench, DPDK net_ring, 20,000 sessions, one
// core): ~65 ns per relayed packet beyond the generator, about 170 cycles at
// the development machine's 2.6 GHz nominal clock, RX and TX included; ~290
// ns when UDP checksums must be verified in software (the payload is then
// read from memory). See docs/performance.md.
std::size_t Worker::process_burst(Packet* pkts, std::size_t n, Packet* tx, std::int64_t now_ns) noexcept {
  std::size_t m = 0, d = 0;
  std::uint64_t bytes = 0;
  for (std::size_t i = 0; i < n; ++i) {
    // Four packets ahead: its header and both of its legs' hot lines are
    // in cache by the time we reach it. Legs of a session are 2k and 2k+1,
    // so the peer of leg x is x ^ 1.
    if (i + 4 < n) {
      prefetch_write(pkts[i + 4].data);
      const std::uint32_t e = port_map_[pkts[i + 4].local_port];
      if (e != 0) {
        const std::uint32_t x = (e & ~kRtcpPortFlag) - 1;
        const auto* in = reinterpret_cast<const char*>(&legs_[x]);
        const auto* out = reinterpret_cast<const char*>(&legs_[x ^ 1]);
        prefetch_write(const_cast<char*>(in));
        prefetch_write(const_cast<char*>(in) + kCacheLine);
        prefetch_write(const_cast<char*>(in) + 2 * kCacheLine);
        prefetch_write(const_cast<char*>(in) + 3 * kCacheLine);
        prefetch_write(const_cast<char*>(out));
        prefetch_write(const_cast<char*>(out) + kCacheLine);
      }
    }
    bytes += pkts[i].len;
    // kDrop and kConsumed both release the buffer; only drops were counted.
    if (handle_packet(pkts[i], now_ns) == Action::kForward)
      tx[m++] = pkts[i];
    else
      dropped_[d++] = pkts[i];
    if (d == dropped_.size()) {
      io_.release(dropped_.data(), d);
      d = 0;
    }
  }
  if (d) io_.release(dropped_.data(), d);
  counters_.add(cfg_.index, kRxPackets, n);
  counters_.add(cfg_.index, kRxBytes, bytes);
  counters_.add(cfg_.index, kRxBursts, 1);
  flush_tallies();
  return m;
}

void Worker::flush_tallies() noexcept {
  for (std::size_t r = 0; r < static_cast<std::size_t>(DropReason::kCount); ++r) {
    if (drop_tally_[r]) {
      counters_.add(cfg_.index, drop_index(static_cast<DropReason>(r)), drop_tally_[r]);
      drop_tally_[r] = 0;
    }
  }
  if (relayed_rtp_) counters_.add(cfg_.index, kRtpRelayed, relayed_rtp_);
  if (relayed_rtcp_) counters_.add(cfg_.index, kRtcpRelayed, relayed_rtcp_);
  if (mixed_in_) counters_.add(cfg_.index, kMixedIn, mixed_in_);
  relayed_rtp_ = relayed_rtcp_ = mixed_in_ = 0;
}

Worker::Action Worker::handle_packet(Packet& p, std::int64_t now_ns) noexcept {
  const std::uint32_t entry = port_map_[p.local_port];
  if (SB_UNLIKELY(entry == 0)) {
    drop(DropReason::kUnknownPort);
    return Action::kDrop;
  }
  Leg& leg = legs_[(entry & ~kRtcpPortFlag) - 1];
  if ((entry & kRtcpPortFlag) || (leg.local_rtcp_port == 0 && rtp::looks_like_rtcp(p.data, p.len)))
    return handle_rtcp(leg, p, now_ns);
  return handle_rtp(leg, p, now_ns);
}

Worker::Action Worker::handle_rtp(Leg& leg, Packet& p, std::int64_t now_ns) noexcept {
  rtp::RtpHeader h;
  const rtp::RtpError e = rtp::parse_rtp(p.data, p.len, h);
  if (SB_UNLIKELY(e != rtp::RtpError::kNone)) {
    drop(e == rtp::RtpError::kTooShort || e == rtp::RtpError::kBadVersion ? DropReason::kNotRtp
                                                                           : DropReason::kRtpMalformed);
    return Action::kDrop;
  }
  switch (leg.check_rtp_source(p.src, h.sequence, now_ns)) {
    case Leg::SourceVerdict::kAccept:
      break;
    case Leg::SourceVerdict::kMismatch:
      drop(DropReason::kSourceMismatch);
      return Action::kDrop;
    case Leg::SourceVerdict::kLearning:
      drop(DropReason::kLearning);
      return Action::kDrop;
    case Leg::SourceVerdict::kWon: {
      Event ev = leg_event(Event::kSourceLatched, leg, now_ns);
      ev.endpoint = leg.accepted;
      emit(ev);
      break;
    }
  }
  leg.in_ssrc = h.ssrc;
  if (leg.rx.on_packet(h.sequence, h.timestamp, now_ns) == rtp::RtpReceiveStats::Verdict::kDuplicate)
    counters_.add(cfg_.index, kDuplicates, 1);
  ++leg.rx_packets;
  leg.rx_bytes += p.len;
  leg.last_rx_ns = now_ns;
  leg.timeout_reported = false;
  if (SB_UNLIKELY(!leg.first_packet_seen)) {
    leg.first_packet_seen = true;
    Event ev = leg_event(Event::kFirstPacket, leg, now_ns);
    ev.endpoint = p.src;
    emit(ev);
  }
  if (leg.telephone_event_pt != 0 && h.payload_type == leg.telephone_event_pt) {
    const auto r = leg.dtmf.on_packet(h.timestamp, std::span<const std::uint8_t>(p.data + h.header_size, h.payload_size),
                                      Nanos{now_ns});
    if (r.ended) on_digit(leg, r.digit.digit, r.digit.duration_ms, Event::kRfc4733, now_ns);
    // Suppression: the event was reported here; the far end never sees it.
    if (SB_UNLIKELY(leg.media) && media_[&leg - legs_.data()]->setup().suppress_dtmf) {
      drop(DropReason::kDtmfSuppressed);
      return Action::kDrop;
    }
  } else if (SB_UNLIKELY(leg.media)) {
    on_leg_audio(leg, h, p, now_ns);
  }
  // Recorded as the far end hears it: after suppression.
  if (SB_UNLIKELY(leg.recorded))
    recordings_[(&leg - legs_.data()) / 2]->on_audio(
        leg.index, h.payload_type, std::span<const std::uint8_t>(p.data + h.header_size, h.payload_size),
        *media_scratch_);
  // A terminated leg: its audio goes to its room, nothing is relayed.
  if (SB_UNLIKELY(leg.room != 0)) return mix_in(leg, h, p, now_ns);
  if (SB_UNLIKELY(leg.mode == LegMode::kInactive || leg.mode == LegMode::kSendOnly)) {
    drop(DropReason::kLegInactive);
    return Action::kDrop;
  }
  Leg& out = legs_[leg.peer];
  if (SB_UNLIKELY(out.mode == LegMode::kInactive || out.mode == LegMode::kRecvOnly)) {
    drop(DropReason::kLegInactive);
    return Action::kDrop;
  }
  if (SB_UNLIKELY(!out.has_destination())) {
    drop(DropReason::kNoDestination);
    return Action::kDrop;
  }
  if (SB_UNLIKELY(out.playing)) {
    drop(DropReason::kPlayback);
    return Action::kDrop;
  }
  std::uint16_t seq;
  std::uint32_t ts;
  out.out.map(h.ssrc, h.sequence, h.timestamp, now_ns, seq, ts);
  rtp::rewrite_rtp(p.data, seq, ts, out.out.ssrc);
  // A leg with media work may have rewritten the audio (suppression).
  p.dirty = leg.media ? Packet::kAnything : Packet::kRtpHeaderOnly;
  ++out.out.packets;
  out.out.octets += h.payload_size;
  p.dst = out.accepted;
  p.local_port = out.local_port;
  ++relayed_rtp_;
  return Action::kForward;
}

// In-band DTMF on a relayed leg: decode, detect, and with suppression mute
// the audio (delayed by a packet) before it is relayed.
void Worker::on_leg_audio(Leg& leg, const rtp::RtpHeader& h, Packet& p, std::int64_t now_ns) noexcept {
  LegMedia& media = *media_[&leg - legs_.data()];
  if (h.payload_type != media.setup().audio_pt || h.payload_size == 0) return;
  ivr::DtmfDigit digits[LegMedia::kMaxDigitsPerPacket];
  const std::size_t n =
      media.on_audio(std::span<std::uint8_t>(p.data + h.header_size, h.payload_size), digits, *media_scratch_);
  if (!media.setup().inband_dtmf) return;
  for (std::size_t i = 0; i < n; ++i) on_digit(leg, digits[i].digit, digits[i].duration_ms(), Event::kInband, now_ns);
}

void Worker::on_digit(Leg& leg, char digit, std::uint32_t duration_ms, Event::DtmfSource source,
                      std::int64_t now_ns) noexcept {
  Event ev = leg_event(Event::kDtmf, leg, now_ns);
  ev.digit = digit;
  ev.duration_ms = duration_ms;
  ev.dtmf_source = source;
  emit(ev);
  const auto index = static_cast<std::uint32_t>(&leg - legs_.data());
  // A mixed leg's telephone events end at its room; the digit goes on to
  // the parties hearing it, unless the leg suppresses its DTMF.
  if (leg.room != 0 && source == Event::kRfc4733 && !(leg.media && media_[index]->setup().suppress_dtmf))
    forward_digit(leg, digit, duration_ms, now_ns);
  if (leg.playing && !leg.sending_dtmf && playback_[index]->setup().barge_in)
    end_playback(index, PlaybackEnd::kBargeIn, digit, now_ns);
}

namespace {
struct RtcpMapContext {
  std::uint32_t from_sender, to_sender;  // the far end's SSRC -> our output SSRC toward the peer
  std::uint32_t from_media, to_media;    // our output SSRC toward this leg -> the peer's own SSRC
};
std::uint32_t map_sender(void* c, std::uint32_t s) {
  auto* m = static_cast<RtcpMapContext*>(c);
  return s == m->from_sender ? m->to_sender : s;
}
std::uint32_t map_media(void* c, std::uint32_t s) {
  auto* m = static_cast<RtcpMapContext*>(c);
  return s == m->from_media ? m->to_media : s;
}
}  // namespace

Worker::Action Worker::handle_rtcp(Leg& leg, Packet& p, std::int64_t now_ns) noexcept {
  // Cheap address check first; the SSRC-dependent part needs the parse.
  if (SB_UNLIKELY(!leg.accepted.valid() || p.src.ip != leg.accepted.ip)) {
    drop(DropReason::kSourceMismatch);
    return Action::kDrop;
  }
  rtp::RtcpSummary sum;
  if (SB_UNLIKELY(rtp::parse_rtcp(p.data, p.len, sum) != rtp::RtcpError::kNone)) {
    drop(DropReason::kRtcpMalformed);
    return Action::kDrop;
  }
  if (SB_UNLIKELY(!leg.check_rtcp_source(p.src, sum.sender_ssrc, now_ns))) {
    drop(DropReason::kSourceMismatch);
    return Action::kDrop;
  }
  ++leg.rx_rtcp;
  // Its own SR: echoed in the report blocks the worker generates for it.
  if (sum.has_sr) {
    leg.rx_sr_lsr = static_cast<std::uint32_t>(sum.sr.ntp >> 16);
    leg.rx_sr_ns = now_ns;
  }
  // RTT on this leg: its report on our stream echoes an SR we forwarded or
  // generated.
  for (int i = 0; i < sum.block_count; ++i) {
    const auto& b = sum.blocks[i];
    if (b.ssrc != leg.out.ssrc || b.lsr == 0) continue;
    for (int k = 0; k < 4; ++k) {
      if (leg.sr_lsr[k] == b.lsr && leg.sr_sent_ns[k] != 0) {
        const double rtt = static_cast<double>(now_ns - leg.sr_sent_ns[k]) * 1e-9 - b.dlsr / 65536.0;
        if (rtt >= 0) leg.rtt_seconds = rtt;
      }
    }
  }
  if (leg.mode == LegMode::kInactive) {
    drop(DropReason::kLegInactive);
    return Action::kDrop;
  }
  // A mixed leg's reports are about streams that end here (the worker
  // generates its own for the leg, worker_rtcp.cpp): kept (RTT above), not
  // forwarded.
  if (leg.room != 0) return Action::kConsumed;
  Leg& out = legs_[leg.peer];
  if (SB_UNLIKELY(!out.has_destination())) {
    drop(DropReason::kNoDestination);
    return Action::kDrop;
  }
  RtcpMapContext ctx{leg.in_ssrc, out.out.ssrc, leg.out.ssrc, out.in_ssrc};
  rtp::rewrite_rtcp_ssrcs(p.data, p.len, map_sender, map_media, &ctx);
  p.dirty = Packet::kAnything;
  // Remember when this SR went to the peer, to time the peer's reply.
  if (sum.has_sr) out.note_sr_sent(sum.sr.ntp, now_ns);
  p.dst = out.accepted_rtcp;
  p.local_port = out.rtcp_source_port();
  ++relayed_rtcp_;
  return Action::kForward;
}

// ---- control commands -------------------------------------------------------

void Worker::emit(const Event& e) noexcept {
  if (!events_.try_push(e)) counters_.add(cfg_.index, kEventsDropped, 1);
}

void Worker::fail(const Command& c, const char* why) noexcept {
  Event e;
  e.kind = Event::kCommandFailed;
  // A supervisor that could not be added is named by its PartyId, with
  // the call as owner; every other command names what it named.
  e.session = c.kind == Command::kAddSupervisor ? c.party : c.session;
  e.owner = c.kind == Command::kAddSupervisor ? c.session : c.kind == Command::kAddParty ? c.mix.room : 0;
  e.leg = c.leg;
  e.time_ns = clock_.now().count();
  std::snprintf(e.error, sizeof e.error, "%s", why);
  emit(e);
}

Event Worker::leg_event(Event::Kind kind, const Leg& leg, std::int64_t now_ns) const noexcept {
  Event e;
  e.kind = kind;
  e.session = leg.session_id;
  e.leg = leg.index;
  e.time_ns = now_ns;
  e.owner = leg.owner;
  return e;
}

LegStats Worker::leg_stats(const Leg& leg, std::int64_t) const noexcept {
  LegStats s{};
  s.rx_packets = leg.rx_packets;
  s.rx_bytes = leg.rx_bytes;
  s.tx_packets = leg.out.packets;
  s.tx_bytes = leg.out.octets;
  s.rx_rtcp = leg.rx_rtcp;
  s.lost = leg.rx.lost();
  s.duplicates = leg.rx.duplicates();
  s.reordered = leg.rx.reordered();
  s.loss_fraction = leg.rx.loss_fraction();
  s.jitter_ms = leg.rx.jitter_seconds() * 1000.0;
  s.rtt_ms = leg.rtt_seconds >= 0 ? leg.rtt_seconds * 1000.0 : -1.0;
  rtp::MosInputs m;
  // Mouth-to-ear estimate: half the RTT (or 20 ms when unknown), a jitter
  // buffer of twice the jitter, and 20 ms of packetisation.
  m.one_way_delay_ms = (s.rtt_ms >= 0 ? s.rtt_ms / 2 : 20.0) + 2 * s.jitter_ms + 20.0;
  m.loss_fraction = s.loss_fraction;
  s.mos = rtp::mos_from_r(rtp::e_model_r(m));
  s.accepted = leg.accepted;
  return s;
}

bool Worker::session_matches(SessionId id) const noexcept {
  const std::uint32_t slot = session_slot(id);
  return slot < slot_ids_.size() && slot_ids_[slot] == id;
}

bool Worker::setup_leg(Leg& leg, const LegSetup& s, std::int64_t now_ns) noexcept {
  const std::size_t index_for_media = static_cast<std::size_t>(&leg - legs_.data());
  if (s.media.any()) {
    // A control command, not the packet path: the decoder and detector are
    // allocated here once per leg.
    auto m = LegMedia::create(s.media);
    if (!m) return false;
    media_[index_for_media] = std::move(*m);
    leg.media = true;
  } else {
    media_[index_for_media].reset();
    leg.media = false;
  }
  leg.mode = s.mode;
  leg.telephone_event_pt = s.telephone_event_pt;
  const std::uint32_t clock_rate = s.clock_rate ? s.clock_rate : 8000;
  // Event durations are counted in the leg's clock (48 kHz with Opus).
  if (clock_rate != leg.out.clock_rate) leg.dtmf = ivr::Rfc4733Receiver(static_cast<int>(clock_rate));
  leg.out.clock_rate = clock_rate;
  leg.rx.set_clock_rate(static_cast<int>(leg.out.clock_rate));
  leg.media_timeout_ns = static_cast<std::int64_t>(s.media_timeout_ms) * 1'000'000;
  leg.negotiate(s.remote, s.remote_rtcp_port, s.latch, now_ns);
  const std::uint32_t index = static_cast<std::uint32_t>(&leg - legs_.data());
  leg.last_rx_ns = now_ns;
  if (leg.media_timeout_ns > 0 || leg.telephone_event_pt != 0)
    timers_.schedule(index, now_ns + (leg.media_timeout_ns > 0 ? leg.media_timeout_ns : kDtmfPollNs));
  else
    timers_.cancel(index);
  return true;
}

void Worker::execute(const Command& c) noexcept {
  counters_.add(cfg_.index, kCommands, 1);
  switch (c.kind) {
    case Command::kCreateSession: create_session(c); break;
    case Command::kUpdateLeg: update_leg(c); break;
    case Command::kSetLegMode:
      if (!session_matches(c.session) || c.leg > 1) return fail(c, "no such session or leg");
      legs_[2 * session_slot(c.session) + c.leg].mode = c.legs[c.leg].mode;
      break;
    case Command::kDeleteSession: delete_session(c); break;
    case Command::kStartRecording:
    case Command::kPauseRecording:
    case Command::kResumeRecording:
    case Command::kStopRecording: recording_command(c); break;
    case Command::kPlay: play(c); break;
    case Command::kStopPlayback: {
      const std::int64_t leg_index = commanded_leg(c);
      if (leg_index < 0) return fail(c, "no such session or leg");
      const auto index = static_cast<std::uint32_t>(leg_index);
      if (legs_[index].playing) end_playback(index, PlaybackEnd::kStopped, 0, clock_.now().count());
      break;
    }
    case Command::kCreateRoom:
    case Command::kDeleteRoom:
    case Command::kAddParty:
    case Command::kRemoveParty:
    case Command::kAddSupervisor:
    case Command::kSetSupervisorMode:
    case Command::kRemoveSupervisor: mix_command(c); break;
    case Command::kSendDtmf: send_dtmf(c); break;
    case Command::kRequestStats: request_stats(c); break;
  }
}

void Worker::create_session(const Command& c) noexcept {
  const std::uint32_t slot = session_slot(c.session);
  if (slot >= slot_ids_.size()) return fail(c, "session slot out of range");
  if (slot_ids_[slot] != 0) return fail(c, "session slot in use");
  for (const LegSetup& s : c.legs) {
    if (s.local_port == 0 || port_map_[s.local_port] != 0 || (s.local_rtcp_port && port_map_[s.local_rtcp_port] != 0))
      return fail(c, "local port missing or in use");
  }
  for (const LegSetup& s : c.legs) {
    if (s.media.any() && s.media.suppress_dtmf && s.media.codec != codecs::CodecId::kPcmu &&
        s.media.codec != codecs::CodecId::kPcma)
      return fail(c, "DTMF suppression needs G.711 on the leg");
  }
  // Open every port first, so a failure leaves nothing half made.
  std::uint16_t opened[4];
  int n_opened = 0;
  for (const LegSetup& s : c.legs) {
    for (std::uint16_t port : {s.local_port, s.local_rtcp_port}) {
      if (port == 0) continue;
      if (!io_.open_port(port).is_ok()) {
        for (int i = 0; i < n_opened; ++i) io_.close_port(opened[i]);
        return fail(c, "cannot open a local port");
      }
      opened[n_opened++] = port;
    }
  }
  const std::int64_t now = clock_.now().count();
  for (std::uint32_t k = 0; k < 2; ++k) {
    Leg& leg = legs_[2 * slot + k];
    leg.reset();
    leg.in_use = true;
    leg.session_id = c.session;
    leg.index = static_cast<std::uint8_t>(k);
    leg.peer = 2 * slot + (1 - k);
    leg.local_port = c.legs[k].local_port;
    leg.local_rtcp_port = c.legs[k].local_rtcp_port;
    const std::uint32_t ssrc = next_ssrc();
    leg.out.ssrc = c.legs[k].output_ssrc ? c.legs[k].output_ssrc : ssrc;
    // Checked before any port was opened (below the loop would be too late).
    (void)setup_leg(leg, c.legs[k], now);
    port_map_[leg.local_port] = 2 * slot + k + 1;
    if (leg.local_rtcp_port) port_map_[leg.local_rtcp_port] = (2 * slot + k + 1) | kRtcpPortFlag;
  }
  slot_ids_[slot] = c.session;
  ++active_sessions_;
  counters_.set(cfg_.index, kActiveSessions, active_sessions_);
  update_leg_gauge();
  Event e;
  e.kind = Event::kSessionCreated;
  e.session = c.session;
  e.time_ns = now;
  emit(e);
}

void Worker::update_leg(const Command& c) noexcept {
  if (!session_matches(c.session) || c.leg > 1) return fail(c, "no such session or leg");
  Leg& leg = legs_[2 * session_slot(c.session) + c.leg];
  if (!setup_leg(leg, c.legs[c.leg], clock_.now().count())) return fail(c, "cannot set up the leg's media work");
}

void Worker::end_recording(std::uint32_t slot, std::int64_t now_ns) noexcept {
  if (!recordings_[slot]) return;
  recordings_[slot]->stop(now_ns);
  recordings_[slot].reset();
  std::erase(recording_slots_, slot);
  legs_[2 * slot].recorded = legs_[2 * slot + 1].recorded = false;
}

void Worker::recording_command(const Command& c) noexcept {
  if (is_room_id(c.session)) return room_recording_command(c);
  const std::int64_t now = clock_.now().count();
  if (c.kind == Command::kStartRecording) {
    if (!cfg_.recorder_tap) return fail(c, "this dataplane has no recorder");
    if (!session_matches(c.session)) {
      // The recorder opened the file already: close it, empty.
      cfg_.recorder_tap->stop(c.recording.id, 0);
      return fail(c, "no such session");
    }
    const std::uint32_t slot = session_slot(c.session);
    if (recordings_[slot]) {
      cfg_.recorder_tap->stop(c.recording.id, 0);
      return fail(c, "the session is already being recorded");
    }
    // A control command: the decoders are allocated here, once.
    auto r = SessionRecording::create(c.recording, *cfg_.recorder_tap, now);
    if (!r) {
      cfg_.recorder_tap->stop(c.recording.id, 0);
      return fail(c, "cannot set up the recording's decoders");
    }
    // Already supervised: the supervisor is recorded from the first frame.
    if (supervision_[slot] != 0 &&
        !(*r)->attach_supervisor(rooms_[supervision_[slot] - 1]->mix.sample_rate()).is_ok()) {
      cfg_.recorder_tap->stop(c.recording.id, 0);
      return fail(c, "cannot set up the recording's resampler for the supervisor");
    }
    recordings_[slot] = std::move(*r);
    recording_slots_.push_back(slot);
    legs_[2 * slot].recorded = legs_[2 * slot + 1].recorded = true;
    return;
  }
  if (!session_matches(c.session) || !recordings_[session_slot(c.session)]) return fail(c, "no recording on that session");
  const std::uint32_t slot = session_slot(c.session);
  switch (c.kind) {
    case Command::kPauseRecording: recordings_[slot]->pause(); break;
    case Command::kResumeRecording: recordings_[slot]->resume(); break;
    default: end_recording(slot, now); break;
  }
}

void Worker::delete_session(const Command& c) noexcept {
  if (!session_matches(c.session)) return fail(c, "no such session");
  const std::uint32_t slot = session_slot(c.session);
  end_recording(slot, clock_.now().count());
  end_supervision(slot, clock_.now().count());
  for (std::uint32_t k = 0; k < 2; ++k) close_leg(2 * slot + k, clock_.now().count());
  slot_ids_[slot] = 0;
  --active_sessions_;
  counters_.set(cfg_.index, kActiveSessions, active_sessions_);
  update_leg_gauge();
  Event e;
  e.kind = Event::kSessionDeleted;
  e.session = c.session;
  e.time_ns = clock_.now().count();
  emit(e);
}

void Worker::close_leg(std::uint32_t index, std::int64_t now_ns) noexcept {
  Leg& leg = legs_[index];
  if (leg.playing) end_playback(index, PlaybackEnd::kEnded, 0, now_ns);
  timers_.cancel(index);
  media_[index].reset();
  playback_[index].reset();
  dtmf_senders_[index].reset();
  port_map_[leg.local_port] = 0;
  io_.close_port(leg.local_port);
  if (leg.local_rtcp_port) {
    port_map_[leg.local_rtcp_port] = 0;
    io_.close_port(leg.local_rtcp_port);
  }
  leg.reset();
}

void Worker::on_timer(std::uint32_t index, std::int64_t now_ns) noexcept {
  Leg& leg = legs_[index];
  if (!leg.in_use) return;
  if (leg.media_timeout_ns <= 0) {
    timers_.schedule(index, now_ns + kDtmfPollNs);
  } else {
    const std::int64_t due = leg.last_rx_ns + leg.media_timeout_ns;
    if (now_ns >= due) {
      if (!leg.timeout_reported) {
        leg.timeout_reported = true;
        counters_.add(cfg_.index, kMediaTimeouts, 1);
        emit(leg_event(Event::kMediaTimeout, leg, now_ns));
      }
      // Keep watching: media may resume, and then time out again.
      timers_.schedule(index, now_ns + leg.media_timeout_ns);
    } else {
      timers_.schedule(index, due);
    }
  }
  // RFC 4733 digits whose End packets were all lost.
  const auto r = leg.dtmf.poll(Nanos{now_ns});
  if (r.ended) on_digit(leg, r.digit.digit, r.digit.duration_ms, Event::kRfc4733, now_ns);
}

// ---- playback ---------------------------------------------------------------

void Worker::play(const Command& c) noexcept {
  if (!session_matches(c.session) || c.leg > 1) return fail(c, "no such session or leg");
  if (!LegPlayback::valid(c.playback)) return fail(c, "playback: empty list, a prompt without frames, or mixed formats");
  const std::uint32_t index = 2 * session_slot(c.session) + c.leg;
  Leg& leg = legs_[index];
  const std::int64_t now = clock_.now().count();
  if (leg.playing) end_playback(index, PlaybackEnd::kReplaced, 0, now);
  // A control command: the playback state is allocated here, once per play.
  // Its own input SSRC, so the leg's output stream re-bases on the switch
  // from the far end's audio to the prompt and back (continuity).
  playback_[index] = std::make_unique<LegPlayback>(c.playback, leg.out.clock_rate, next_ssrc(), now);
  leg.playing = true;
  playing_legs_.push_back(index);
}

void Worker::end_playback(std::uint32_t index, PlaybackEnd why, char digit, std::int64_t now_ns) noexcept {
  Leg& leg = legs_[index];
  if (!leg.playing) return;
  Event e = leg_event(Event::kPlaybackDone, leg, now_ns);
  e.playback_id = leg.sending_dtmf ? dtmf_senders_[index]->id() : playback_[index]->setup().id;
  e.playback_end = why;
  e.digit = digit;
  emit(e);
  leg.playing = false;
  leg.sending_dtmf = false;
  // Not freed here: run on the packet path (barge-in), a free would be a
  // syscall risk; the state is reused or freed by the next play command or
  // when the session is deleted. Only the schedule forgets it.
  for (std::size_t i = 0; i < playing_legs_.size(); ++i) {
    if (playing_legs_[i] == index) {
      playing_legs_[i] = playing_legs_.back();
      playing_legs_.pop_back();
      break;
    }
  }
}

void Worker::flush_outgoing(Outgoing& o) noexcept {
  if (o.queued == 0) return;
  const std::size_t ok = io_.tx_burst(tx_.data(), o.queued);
  if (ok < o.queued) drop_tally_[static_cast<std::size_t>(DropReason::kTxFailed)] += o.queued - ok;
  for (std::size_t k = 0; k < ok; ++k) o.bytes += tx_[k].len;
  o.sent += ok;
  o.queued = 0;
}

void Worker::finish_outgoing(Outgoing& o, WorkerCounter kind) noexcept {
  flush_outgoing(o);
  if (o.sent == 0) return;
  counters_.add(cfg_.index, kTxPackets, o.sent);
  counters_.add(cfg_.index, kTxBytes, o.bytes);
  counters_.add(cfg_.index, kind, o.sent);
}

void Worker::send_media(Leg& leg, std::uint8_t payload_type, bool marker, std::uint32_t source_ssrc,
                        std::uint16_t seq_in, std::uint32_t ts_in, std::span<const std::uint8_t> payload,
                        std::int64_t now_ns, Outgoing& o) noexcept {
  Packet& p = tx_[o.queued];
  if (!io_.alloc(p)) {
    drop(DropReason::kTxFailed);
    return;
  }
  if (p.capacity < rtp::kRtpFixedHeader + payload.size()) {
    io_.release(&p, 1);
    drop(DropReason::kTxFailed);
    return;
  }
  std::uint16_t seq;
  std::uint32_t ts;
  leg.out.map(source_ssrc, seq_in, ts_in, now_ns, seq, ts);
  const std::size_t h = rtp::write_rtp_header(p.data, marker, payload_type, seq, ts, leg.out.ssrc);
  std::memcpy(p.data + h, payload.data(), payload.size());
  p.len = static_cast<std::uint16_t>(h + payload.size());
  p.dirty = Packet::kAnything;
  p.dst = leg.accepted;
  p.local_port = leg.local_port;
  ++leg.out.packets;
  leg.out.octets += payload.size();
  if (++o.queued == tx_.size()) flush_outgoing(o);
}

std::size_t Worker::run_playbacks(std::int64_t now_ns) noexcept {
  Outgoing o;
  for (std::size_t i = 0; i < playing_legs_.size();) {
    const std::uint32_t index = playing_legs_[i];
    Leg& leg = legs_[index];
    if (leg.sending_dtmf) {
      if (run_dtmf_sender(index, now_ns, o))
        end_playback(index, PlaybackEnd::kFinished, 0, now_ns);  // swaps the last leg into i
      else
        ++i;
      continue;
    }
    LegPlayback& pb = *playback_[index];
    LegPlayback::Frame f;
    while (pb.next(now_ns, f)) {
      // Nowhere to send yet (the far end's address is not known): the
      // prompt still runs on time, so it ends when it would have.
      if (!leg.has_destination() || leg.mode == LegMode::kInactive || leg.mode == LegMode::kRecvOnly) continue;
      send_media(leg, pb.setup().payload_type, f.marker, f.source_ssrc, f.sequence, f.timestamp, f.payload, now_ns, o);
    }
    if (pb.finished()) {
      end_playback(index, PlaybackEnd::kFinished, 0, now_ns);  // swaps the last leg into i
    } else {
      ++i;
    }
  }
  finish_outgoing(o, kPlaybackPackets);
  flush_tallies();
  return o.sent;
}

// ---- stats pass ---------------------------------------------------------------

namespace {
// Session slots sampled per loop iteration: a pass over 20,000 sessions is
// spread over ~80 iterations instead of stalling one for a millisecond.
constexpr std::uint32_t kStatsSlotsPerLoop = 256;

std::size_t bucket_of(double value, const double (&bounds)[6]) noexcept {
  std::size_t b = 0;
  while (b < 6 && value > bounds[b]) ++b;
  return b;  // 6: above every bound (only in the count)
}
}  // namespace

// The cursor runs over the session slots, then the party slots (conference
// parties and supervisors), so mixed legs are in the histograms too.
void Worker::stats_pass(std::int64_t now_ns) noexcept {
  const auto sessions = static_cast<std::uint32_t>(slot_ids_.size());
  const auto total = sessions + static_cast<std::uint32_t>(party_ids_.size());
  const std::uint32_t end = std::min<std::uint32_t>(stats_cursor_ + kStatsSlotsPerLoop, total);
  for (std::uint32_t slot = stats_cursor_; slot < end; ++slot) {
    if (slot >= sessions) {
      if (party_ids_[slot - sessions] != 0) sample_leg(legs_[party_leg(slot - sessions)], now_ns);
      continue;
    }
    if (slot_ids_[slot] == 0) continue;
    sample_leg(legs_[2 * slot], now_ns);
    sample_leg(legs_[2 * slot + 1], now_ns);
  }
  stats_cursor_ = end;
  if (stats_cursor_ >= total) {
    stats_cursor_ = 0;
    next_stats_pass_ns_ = now_ns + cfg_.stats_interval_ns;
  }
}

void Worker::sample_leg(Leg& leg, std::int64_t now_ns) noexcept {
  if (leg.rx_packets == 0) return;  // nothing received: no figures to judge
  const std::int64_t expected = leg.rx.expected(), lost = std::max<std::int64_t>(0, leg.rx.lost());
  if (expected > leg.reported_expected) counters_.add(cfg_.index, kRtpExpected, static_cast<std::uint64_t>(expected - leg.reported_expected));
  if (lost > leg.reported_lost) counters_.add(cfg_.index, kRtpLost, static_cast<std::uint64_t>(lost - leg.reported_lost));
  leg.reported_expected = expected;
  leg.reported_lost = std::max(leg.reported_lost, lost);
  const LegStats st = leg_stats(leg, now_ns);
  const double jitter = st.jitter_ms / 1000.0;
  if (const std::size_t b = bucket_of(jitter, kJitterBounds); b < 6) counters_.add(cfg_.index, kJitterBucket0 + b, 1);
  counters_.add(cfg_.index, kJitterCount, 1);
  counters_.add(cfg_.index, kJitterSumMicros, static_cast<std::uint64_t>(jitter * 1e6));
  if (const std::size_t b = bucket_of(st.mos, kMosBounds); b < 6) counters_.add(cfg_.index, kMosBucket0 + b, 1);
  counters_.add(cfg_.index, kMosCount, 1);
  counters_.add(cfg_.index, kMosSumMilli, static_cast<std::uint64_t>(st.mos * 1000));
  if (st.rtt_ms >= 0) {
    const double rtt = st.rtt_ms / 1000.0;
    if (const std::size_t b = bucket_of(rtt, kRttBounds); b < 6) counters_.add(cfg_.index, kRttBucket0 + b, 1);
    counters_.add(cfg_.index, kRttCount, 1);
    counters_.add(cfg_.index, kRttSumMicros, static_cast<std::uint64_t>(rtt * 1e6));
  }
}

}  // namespace sb::dataplane
