// DTMF generation towards a leg (Command::kSendDtmf): RFC 4733 event trains
// when the leg negotiated telephone-event, tones in the leg's codec
// otherwise (session/leg_dtmf_sender). A send runs in the worker's playback
// schedule, so it shares a prompt's rules: the relay (or a mix) towards the
// leg is held back meanwhile, the leg's output stream continues across the
// switches, and it ends with one kPlaybackDone naming its id.
#include "dataplane/worker.hpp"

namespace sb::dataplane {

std::int64_t Worker::commanded_leg(const Command& c) const noexcept {
  if (is_party_id(c.session)) {
    const std::uint32_t ps = party_slot(c.session);
    if (c.leg != 0 || ps >= party_ids_.size() || party_ids_[ps] != c.session) return -1;
    return party_leg(ps);
  }
  if (!session_matches(c.session) || c.leg > 1) return -1;
  return 2 * static_cast<std::int64_t>(session_slot(c.session)) + c.leg;
}

void Worker::send_dtmf(const Command& c) noexcept {
  const std::int64_t leg_index = commanded_leg(c);
  if (leg_index < 0) return fail(c, "no such session or leg");
  const auto index = static_cast<std::uint32_t>(leg_index);
  Leg& leg = legs_[index];
  const std::int64_t now = clock_.now().count();
  // A control command: the generator and encoder are allocated here.
  auto sender = LegDtmfSender::create(c.dtmf, leg.telephone_event_pt, leg.out.clock_rate, next_ssrc(), now);
  if (!sender) return fail(c, "send DTMF: bad digits or timing, or no encoder for the leg's codec");
  if (leg.playing) end_playback(index, PlaybackEnd::kReplaced, 0, now);
  dtmf_senders_[index] = std::move(*sender);
  leg.playing = true;
  leg.sending_dtmf = true;
  playing_legs_.push_back(index);
}

bool Worker::run_dtmf_sender(std::uint32_t index, std::int64_t now_ns, Outgoing& o) noexcept {
  Leg& leg = legs_[index];
  LegDtmfSender& sender = *dtmf_senders_[index];
  LegDtmfSender::Frame frames[FrameEncoder::kMaxEncodedPerCall];
  while (sender.due(now_ns)) {
    const std::size_t n = sender.next(now_ns, frames);
    // Nowhere to send (no address yet, or a leg that takes nothing): the
    // digits still run on time, so the send ends when it would have.
    if (leg.has_destination() && leg.mode != LegMode::kInactive && leg.mode != LegMode::kRecvOnly) {
      for (std::size_t i = 0; i < n; ++i) {
        const auto& f = frames[i];
        send_media(leg, f.payload_type, f.marker, f.source_ssrc, f.sequence, f.timestamp, f.payload, now_ns, o);
      }
    }
  }
  return sender.finished();
}

}  // namespace sb::dataplane
