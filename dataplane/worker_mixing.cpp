// The worker's mix rooms: conferences and supervised calls. A leg in a room
// is terminated here instead of relayed: its audio packets go into its
// party's jitter buffer on the packet path (mix_in), and every 20 ms of the
// worker's clock each room decodes what is due (or conceals what was lost),
// mixes, and sends each party its mix-minus encoded in its own codec on its
// own output stream. A supervised call is a room of three: the call's two
// legs switch from relay to mixing while the supervisor is there and back
// when it leaves, their output streams continuing across both switches.
// RFC 4733 digits a party sends go on to the parties hearing it, each in
// its own telephone-event payload type and clock or as tones (a per-party
// LegDtmfSender forwarder), in place of its mix while they are sent.
//
// A conference (not a supervised call: its recording is the call's) can be
// recorded from its tick (RoomRecording): the frames each party's pull
// yields are summed into the recording as they go into the mix, so the
// recording needs no decode of its own and shares the room's timeline.
//
// Commands allocate (rooms, parties' codecs and jitter buffers, a room's
// recording, freed when they end); the packet path and the tick only use
// what is there.
#include <algorithm>
#include <array>

#include "dataplane/worker.hpp"

namespace sb::dataplane {

namespace {
constexpr std::int64_t kTickNs = MixParty::kFrameNs;
// A worker that stalled this long does not replay every tick it missed.
constexpr std::int64_t kMaxCatchUpNs = 50 * kTickNs;

bool sends_to(const Leg& leg) {
  return leg.has_destination() && leg.mode != LegMode::kInactive && leg.mode != LegMode::kRecvOnly && !leg.playing;
}
}  // namespace

bool Worker::room_matches(RoomId id) const noexcept {
  const std::uint32_t slot = room_slot(id);
  return is_room_id(id) && slot < room_ids_.size() && room_ids_[slot] == id;
}

Worker::Action Worker::mix_in(Leg& leg, const rtp::RtpHeader& h, const Packet& p, std::int64_t now_ns) noexcept {
  MixParty& party = *parties_[static_cast<std::size_t>(&leg - legs_.data())];
  if (h.payload_type != party.codec().audio_pt) {
    // Telephone events were reported (and forwarded) above; they end here.
    if (leg.telephone_event_pt != 0 && h.payload_type == leg.telephone_event_pt) return Action::kConsumed;
    drop(DropReason::kUnexpectedPayload);
    return Action::kDrop;
  }
  if (SB_UNLIKELY(leg.mode == LegMode::kInactive || leg.mode == LegMode::kSendOnly)) {
    drop(DropReason::kLegInactive);
    return Action::kDrop;
  }
  if (!party.on_packet(h.sequence, h.timestamp, h.marker,
                       std::span<const std::uint8_t>(p.data + h.header_size, h.payload_size), now_ns)) {
    drop(DropReason::kJitterBuffer);
    return Action::kDrop;
  }
  ++mixed_in_;
  return Action::kConsumed;
}

void Worker::mix_command(const Command& c) noexcept {
  const std::int64_t now = clock_.now().count();
  switch (c.kind) {
    case Command::kCreateRoom: return create_room(c);
    case Command::kDeleteRoom: return delete_room(c);
    case Command::kAddParty: return add_party(c);
    case Command::kRemoveParty: {
      const std::uint32_t ps = party_slot(c.party);
      if (!room_matches(c.mix.room) || !is_party_id(c.party) || ps >= party_ids_.size() || party_ids_[ps] != c.party ||
          legs_[party_leg(ps)].room != room_slot(c.mix.room) + 1)
        return fail(c, "no such party in that room");
      return close_party_leg(party_leg(ps), now);
    }
    case Command::kAddSupervisor: return add_supervisor(c);
    case Command::kSetSupervisorMode: {
      if (!session_matches(c.session) || supervision_[session_slot(c.session)] == 0)
        return fail(c, "no supervised call with that id");
      Room& r = *rooms_[supervision_[session_slot(c.session)] - 1];
      r.mode = c.mix.mode;
      media::supervise(r.mix, r.caller, r.agent, r.supervisor, r.mode);
      return;
    }
    case Command::kRemoveSupervisor:
      if (!session_matches(c.session) || supervision_[session_slot(c.session)] == 0)
        return fail(c, "no supervised call with that id");
      return end_supervision(session_slot(c.session), now);
    default: return;
  }
}

void Worker::create_room(const Command& c) noexcept {
  const std::uint32_t slot = room_slot(c.mix.room);
  if (!is_room_id(c.mix.room) || slot >= rooms_.size()) return fail(c, "room slot out of range");
  if (room_ids_[slot] != 0) return fail(c, "room slot in use");
  if (c.mix.sample_rate != 8000 && c.mix.sample_rate != 16000) return fail(c, "a room runs at 8000 or 16000 Hz");
  // A control command: the room's buffers are allocated here, once.
  rooms_[slot] = std::make_unique<Room>(c.mix.sample_rate);
  Room& r = *rooms_[slot];
  r.id = c.mix.room;
  const std::int64_t now = clock_.now().count();
  r.next_tick_ns = now + kTickNs;
  room_ids_[slot] = c.mix.room;
  ticking_rooms_.push_back(slot);
  Event e;
  e.kind = Event::kSessionCreated;
  e.session = c.mix.room;
  e.time_ns = now;
  emit(e);
}

void Worker::delete_room(const Command& c) noexcept {
  if (!room_matches(c.mix.room)) return fail(c, "no such room");
  const std::uint32_t slot = room_slot(c.mix.room);
  if (rooms_[slot]->supervised != 0) return fail(c, "that room supervises a call: remove the supervisor");
  const std::int64_t now = clock_.now().count();
  end_room(slot, now);
  Event e;
  e.kind = Event::kSessionDeleted;
  e.session = c.mix.room;
  e.time_ns = now;
  emit(e);
}

void Worker::end_room(std::uint32_t slot, std::int64_t now_ns) noexcept {
  Room& r = *rooms_[slot];
  // The file ends with the room's last tick: finished and reported by the
  // recorder like any stopped recording.
  end_room_recording(r);
  for (int p = 0; p < media::MixRoom::kMaxParties; ++p) {
    if (!r.mix.active(p)) continue;
    const std::uint32_t index = r.legs[p];
    if (index >= party_leg(0))
      close_party_leg(index, now_ns);
    else
      leave_room(index);
  }
  std::erase(ticking_rooms_, slot);
  rooms_[slot].reset();
  room_ids_[slot] = 0;
}

const char* Worker::open_party_leg(const Command& c, std::uint32_t party_slot_index, std::uint32_t room_slot_index,
                                   int mix_slot, std::unique_ptr<MixParty> party, std::int64_t now_ns) noexcept {
  const LegSetup& s = c.legs[0];
  if (s.local_port == 0 || port_map_[s.local_port] != 0 || (s.local_rtcp_port && port_map_[s.local_rtcp_port] != 0))
    return "local port missing or in use";
  if (!io_.open_port(s.local_port).is_ok()) return "cannot open a local port";
  if (s.local_rtcp_port && !io_.open_port(s.local_rtcp_port).is_ok()) {
    io_.close_port(s.local_port);
    return "cannot open a local port";
  }
  const std::uint32_t index = party_leg(party_slot_index);
  Leg& leg = legs_[index];
  leg.reset();
  leg.in_use = true;
  leg.session_id = c.party;
  leg.owner = rooms_[room_slot_index]->supervised ? rooms_[room_slot_index]->supervised : rooms_[room_slot_index]->id;
  leg.index = 0;
  leg.peer = index;  // no peer: a party hears its room
  leg.local_port = s.local_port;
  leg.local_rtcp_port = s.local_rtcp_port;
  const std::uint32_t ssrc = next_ssrc();
  leg.out.ssrc = s.output_ssrc ? s.output_ssrc : ssrc;
  if (!setup_leg(leg, s, now_ns)) {
    io_.close_port(s.local_port);
    if (s.local_rtcp_port) io_.close_port(s.local_rtcp_port);
    leg.reset();
    return "cannot set up the party leg's media work";
  }
  port_map_[leg.local_port] = index + 1;
  if (leg.local_rtcp_port) port_map_[leg.local_rtcp_port] = (index + 1) | kRtcpPortFlag;
  party_ids_[party_slot_index] = c.party;
  ++active_parties_;
  update_leg_gauge();
  join_room(index, room_slot_index, mix_slot, std::move(party));
  return nullptr;
}

void Worker::close_party_leg(std::uint32_t index, std::int64_t now_ns) noexcept {
  leave_room(index);
  emit(leg_event(Event::kSessionDeleted, legs_[index], now_ns));
  close_leg(index, now_ns);
  party_ids_[index - party_leg(0)] = 0;
  --active_parties_;
  update_leg_gauge();
}

void Worker::join_room(std::uint32_t index, std::uint32_t slot, int mix_slot, std::unique_ptr<MixParty> party) noexcept {
  parties_[index] = std::move(party);
  Leg& leg = legs_[index];
  leg.room = static_cast<std::uint16_t>(slot + 1);
  leg.party = static_cast<std::int8_t>(mix_slot);
  rooms_[slot]->legs[mix_slot] = index;
  // Digits from the other parties, in this leg's telephone-event payload
  // type and clock, else as tones in its codec. A command: allocates here.
  // Without one (the codec's tone encoder failed) digits are not forwarded.
  auto forwarder = LegDtmfSender::create_forwarder(parties_[index]->codec(), leg.telephone_event_pt,
                                                   leg.out.clock_rate, next_ssrc(), clock_.now().count());
  if (forwarder) dtmf_forwarders_[index] = std::move(*forwarder);
  start_rtcp(index, clock_.now().count());
}

void Worker::leave_room(std::uint32_t index) noexcept {
  Leg& leg = legs_[index];
  if (leg.room == 0) return;
  stop_rtcp(index, clock_.now().count());
  rooms_[leg.room - 1u]->mix.remove_party(leg.party);
  leg.room = 0;
  leg.party = -1;
  // A command: freeing the codecs and jitter buffer here is allowed.
  parties_[index].reset();
  dtmf_forwarders_[index].reset();
}

void Worker::add_party(const Command& c) noexcept {
  if (!room_matches(c.mix.room)) return fail(c, "no such room");
  const std::uint32_t slot = room_slot(c.mix.room);
  Room& r = *rooms_[slot];
  if (r.supervised != 0) return fail(c, "that room supervises a call");
  const std::uint32_t ps = party_slot(c.party);
  if (!is_party_id(c.party) || ps >= party_ids_.size()) return fail(c, "party slot out of range");
  if (party_ids_[ps] != 0) return fail(c, "party slot in use");
  auto party = MixParty::create(c.mix.party, r.mix.sample_rate(), next_ssrc());
  if (!party) return fail(c, "cannot set up the party's codec for mixing");
  const int mix_slot = r.mix.add_party();
  if (mix_slot < 0) return fail(c, "the room is full (64 parties)");
  const std::int64_t now = clock_.now().count();
  if (const char* why = open_party_leg(c, ps, slot, mix_slot, std::move(*party), now)) {
    r.mix.remove_party(mix_slot);
    return fail(c, why);
  }
  Event e = leg_event(Event::kSessionCreated, legs_[party_leg(ps)], now);
  emit(e);
}

void Worker::add_supervisor(const Command& c) noexcept {
  if (!session_matches(c.session)) return fail(c, "no such session");
  const std::uint32_t call = session_slot(c.session);
  if (supervision_[call] != 0) return fail(c, "the call already has a supervisor");
  const std::uint32_t slot = room_slot(c.mix.room);
  if (!is_room_id(c.mix.room) || slot >= rooms_.size()) return fail(c, "room slot out of range");
  if (room_ids_[slot] != 0) return fail(c, "room slot in use");
  const std::uint32_t ps = party_slot(c.party);
  if (!is_party_id(c.party) || ps >= party_ids_.size()) return fail(c, "party slot out of range");
  if (party_ids_[ps] != 0) return fail(c, "party slot in use");
  if (c.mix.sample_rate != 8000 && c.mix.sample_rate != 16000) return fail(c, "a room runs at 8000 or 16000 Hz");
  // Everything that can fail before anything changes.
  auto caller = MixParty::create(c.mix.call[0], c.mix.sample_rate, next_ssrc());
  auto agent = MixParty::create(c.mix.call[1], c.mix.sample_rate, next_ssrc());
  auto supervisor = MixParty::create(c.mix.party, c.mix.sample_rate, next_ssrc());
  if (!caller || !agent || !supervisor) return fail(c, "cannot set up a codec for mixing");
  if (recordings_[call] && !recordings_[call]->attach_supervisor(c.mix.sample_rate).is_ok())
    return fail(c, "cannot set up the call's recording for the supervisor");
  rooms_[slot] = std::make_unique<Room>(c.mix.sample_rate);
  Room& r = *rooms_[slot];
  r.id = c.mix.room;
  r.supervised = c.session;
  r.caller = r.mix.add_party();
  r.agent = r.mix.add_party();
  r.supervisor = r.mix.add_party();
  r.mode = c.mix.mode;
  const std::int64_t now = clock_.now().count();
  if (const char* why = open_party_leg(c, ps, slot, r.supervisor, std::move(*supervisor), now)) {
    rooms_[slot].reset();
    if (recordings_[call]) recordings_[call]->detach_supervisor();
    return fail(c, why);
  }
  join_room(2 * call, slot, r.caller, std::move(*caller));
  join_room(2 * call + 1, slot, r.agent, std::move(*agent));
  media::supervise(r.mix, r.caller, r.agent, r.supervisor, r.mode);
  r.next_tick_ns = now + kTickNs;
  room_ids_[slot] = c.mix.room;
  supervision_[call] = slot + 1;
  ticking_rooms_.push_back(slot);
  Event e = leg_event(Event::kSessionCreated, legs_[party_leg(ps)], now);
  emit(e);
}

void Worker::end_supervision(std::uint32_t call, std::int64_t now_ns) noexcept {
  if (supervision_[call] == 0) return;
  const std::uint32_t slot = supervision_[call] - 1;
  // The call's legs go back to relaying; their output streams re-base on
  // the first relayed packet, so each far end still sees one stream.
  end_room(slot, now_ns);
  supervision_[call] = 0;
  // What the supervisor said up to now is already in the recording's buffer.
  if (recordings_[call]) recordings_[call]->detach_supervisor();
}

void Worker::update_leg_gauge() noexcept {
  counters_.set(cfg_.index, kActiveLegs, active_sessions_ * 2 + active_parties_);
}

void Worker::run_rooms(std::int64_t now_ns) noexcept {
  Outgoing o;
  std::uint64_t ticks = 0;
  for (const std::uint32_t slot : ticking_rooms_) {
    Room& r = *rooms_[slot];
    if (now_ns - r.next_tick_ns > kMaxCatchUpNs) {
      const std::int64_t skipped = (now_ns - r.next_tick_ns) / kTickNs;
      r.next_tick_ns += skipped * kTickNs;
      // The recorder writes the skipped stretch as silence: the file keeps time.
      if (r.recording) r.recording->skip(static_cast<std::uint64_t>(skipped));
    }
    while (now_ns >= r.next_tick_ns) {
      mix_tick(r, now_ns, o);
      r.next_tick_ns += kTickNs;
      ++ticks;
    }
  }
  finish_outgoing(o, kMixedOut);
  if (ticks) counters_.add(cfg_.index, kMixTicks, ticks);
  flush_tallies();
}

void Worker::mix_tick(Room& r, std::int64_t now_ns, Outgoing& o) noexcept {
  std::array<std::int16_t, MixParty::kMaxRoomFrame> frame;
  const auto n = static_cast<std::size_t>(r.mix.frame_samples());
  std::uint64_t concealed = 0;
  // A recorded supervised call: the supervisor is heard in the recording
  // when the caller or the agent heard it (whisper, barge), not in listen.
  SessionRecording* recording = r.supervised != 0 && r.mode != media::SupervisorMode::kListen
                                    ? recordings_[session_slot(r.supervised)].get()
                                    : nullptr;
  for (int p = 0; p < media::MixRoom::kMaxParties; ++p) {
    if (!r.mix.active(p)) continue;
    MixParty& party = *parties_[r.legs[p]];
    party.pull(now_ns, std::span(frame.data(), n));
    // Includes losses a late packet confirmed on the packet path since.
    concealed += party.take_concealed();
    if (recording && p == r.supervisor) recording->supervisor_audio(std::span<const std::int16_t>(frame.data(), n));
    if (r.recording)
      r.recording->add(legs_[r.legs[p]].session_id == r.recording->left_party(),
                       std::span<const std::int16_t>(frame.data(), n));
    r.mix.put(p, std::span<const std::int16_t>(frame.data(), n));
  }
  // One recording frame per room tick, parties or not: gapless by construction.
  if (r.recording) r.recording->end_tick();
  r.mix.mix();
  for (int p = 0; p < media::MixRoom::kMaxParties; ++p) {
    if (!r.mix.active(p)) continue;
    Leg& leg = legs_[r.legs[p]];
    MixParty& party = *parties_[r.legs[p]];
    // Encoded even when it cannot be sent, so the stream's timestamps keep
    // counting time and the encoder's state stays continuous.
    std::array<MixParty::Encoded, MixParty::kMaxEncodedPerTick> out;
    const int k = party.encode(r.mix.output(p), out);
    // A forwarded digit replaces the mix while it is sent (as a DTMF send
    // replaces relayed audio), also in a tick where none of its packets is
    // due (its 20 ms slots run in their own phase); the gaps between events
    // and the time after them carry the mix.
    if (send_forwarded_digits(r.legs[p], now_ns, o)) continue;
    if (const LegDtmfSender* f = dtmf_forwarders_[r.legs[p]].get(); f != nullptr && f->holds_stream()) continue;
    if (!sends_to(leg)) continue;
    for (int i = 0; i < k; ++i) {
      const auto& e = out[static_cast<std::size_t>(i)];
      send_media(leg, party.codec().audio_pt, e.marker, party.source_ssrc(), e.sequence, e.timestamp, e.payload, now_ns,
                 o);
    }
  }
  if (concealed) counters_.add(cfg_.index, kMixConcealed, concealed);
}

void Worker::room_recording_command(const Command& c) noexcept {
  Room* r = room_matches(c.session) ? rooms_[room_slot(c.session)].get() : nullptr;
  if (c.kind == Command::kStartRecording) {
    if (!cfg_.recorder_tap) return fail(c, "this dataplane has no recorder");
    const char* why = nullptr;
    if (!r)
      why = "no such room";
    else if (r->supervised != 0)
      why = "that room supervises a call: record the call";
    else if (r->recording)
      why = "the room is already being recorded";
    if (!why) {
      // A control command: the resamplers are allocated here, once.
      auto made = RoomRecording::create(c.recording, r->mix.sample_rate(), *cfg_.recorder_tap);
      if (made)
        r->recording = std::move(*made);
      else
        why = "cannot set up the room's recording";
    }
    // The recorder opened the file already: close it, empty.
    if (why) cfg_.recorder_tap->stop(c.recording.id, 0);
    if (why) fail(c, why);
    return;
  }
  if (!r || !r->recording) return fail(c, "no recording on that room");
  switch (c.kind) {
    case Command::kPauseRecording: r->recording->pause(); break;
    case Command::kResumeRecording: r->recording->resume(); break;
    default: end_room_recording(*r); break;
  }
}

void Worker::end_room_recording(Room& r) noexcept {
  if (!r.recording) return;
  r.recording->stop();
  r.recording.reset();
}

void Worker::end_room_recordings() noexcept {
  for (const std::uint32_t slot : ticking_rooms_) end_room_recording(*rooms_[slot]);
}

void Worker::forward_digit(const Leg& from, char digit, std::uint32_t duration_ms, std::int64_t now_ns) noexcept {
  const Room& r = *rooms_[from.room - 1u];
  const std::uint64_t listeners = r.mix.listeners(from.party);
  for (int p = 0; p < media::MixRoom::kMaxParties; ++p) {
    if (p == from.party || !r.mix.active(p) || !(listeners >> p & 1u)) continue;
    // Refused only with 32 digits still queued, which a person cannot key
    // faster than they are sent; the digit was reported all the same.
    if (LegDtmfSender* f = dtmf_forwarders_[r.legs[p]].get()) f->forward(digit, duration_ms, now_ns);
  }
}

bool Worker::send_forwarded_digits(std::uint32_t index, std::int64_t now_ns, Outgoing& o) noexcept {
  LegDtmfSender* f = dtmf_forwarders_[index].get();
  if (f == nullptr || !f->due(now_ns)) return false;
  Leg& leg = legs_[index];
  LegDtmfSender::Frame frames[FrameEncoder::kMaxEncodedPerCall];
  std::size_t sent = 0;
  while (f->due(now_ns)) {
    const std::size_t n = f->next(now_ns, frames);
    // Like the mix: a digit towards a leg that takes nothing (or hears a
    // prompt) still runs on time and is gone.
    if (!sends_to(leg)) continue;
    for (std::size_t i = 0; i < n; ++i) {
      const auto& e = frames[i];
      send_media(leg, e.payload_type, e.marker, e.source_ssrc, e.sequence, e.timestamp, e.payload, now_ns, o);
    }
    sent += n;
  }
  return sent != 0;
}

}  // namespace sb::dataplane
