// Recording inside the worker: a relayed call's legs (SessionRecording,
// tapped from the packets) and a mix room's parties (RoomRecording, from
// the room's tick). See session_recording.hpp for the timing rules.
#include "dataplane/session/session_recording.hpp"

#include <algorithm>

namespace sb::dataplane {

namespace {
Status check_shape(const RecordingSetup& setup) {
  if (setup.channels != 1 && setup.channels != 2) return invalid_argument("recording channels must be 1 or 2");
  if (setup.sample_rate != 8000 && setup.sample_rate != 16000)
    return invalid_argument("recording sample rate must be 8000 or 16000");
  return {};
}
}  // namespace

Result<std::unique_ptr<SessionRecording>> SessionRecording::create(const RecordingSetup& setup,
                                                                   recording::RecorderTap& tap, std::int64_t now_ns) {
  SB_RETURN_IF_ERROR(check_shape(setup));
  std::unique_ptr<SessionRecording> r(new SessionRecording(setup, tap, now_ns));
  for (int k = 0; k < 2; ++k) {
    codecs::CodecParams p;
    p.sample_rate = setup.legs[k].sample_rate;
    auto d = codecs::Decoder::create(setup.legs[k].codec, p);
    if (!d) return d.status();
    const int rate = d->params().sample_rate;
    if (rate != setup.sample_rate) {
      auto rs = codecs::Resampler::create(rate, setup.sample_rate, 3);
      if (!rs) return rs.status();
      r->legs_[static_cast<std::size_t>(k)].resample.emplace(std::move(*rs));
    }
    r->legs_[static_cast<std::size_t>(k)].decoder.emplace(std::move(*d));
  }
  return r;
}

SessionRecording::SessionRecording(const RecordingSetup& setup, recording::RecorderTap& tap, std::int64_t now_ns)
    : setup_(setup), out_(setup.id, setup.channels, setup.sample_rate, tap), next_frame_ns_(now_ns + kFrameNs) {}

void SessionRecording::on_audio(int leg, std::uint8_t payload_type, std::span<const std::uint8_t> payload,
                                LegMedia::Scratch& scratch) noexcept {
  if (leg < 0 || leg > 1 || payload_type != setup_.legs[leg].audio_pt || payload.empty()) return;
  Channel& c = legs_[static_cast<std::size_t>(leg)];
  const int n = c.decoder->decode(payload, scratch.pcm);
  if (n <= 0) return;
  std::span<const std::int16_t> pcm(scratch.pcm.data(), static_cast<std::size_t>(n));
  if (c.resample) {
    const int m = c.resample->process(pcm, scratch.pcm8k);
    pcm = std::span<const std::int16_t>(scratch.pcm8k.data(), m > 0 ? static_cast<std::size_t>(m) : 0);
  }
  c.fifo.push(pcm);
}

Status SessionRecording::attach_supervisor(int room_rate) {
  if (room_rate == setup_.sample_rate) {
    supervisor_.resample.reset();
  } else if (!supervisor_.resample || supervisor_.resample->in_rate() != room_rate) {
    auto rs = codecs::Resampler::create(room_rate, setup_.sample_rate, 3);
    if (!rs) return rs.status();
    supervisor_.resample.emplace(std::move(*rs));
  }
  supervisor_attached_ = true;
  return {};
}

void SessionRecording::supervisor_audio(std::span<const std::int16_t> room_frame) noexcept {
  if (!supervisor_attached_) return;
  if (!supervisor_.resample) return supervisor_.fifo.push(room_frame);
  std::array<std::int16_t, 640> converted;
  const int m = supervisor_.resample->process(room_frame, converted);
  if (m > 0) supervisor_.fifo.push(std::span<const std::int16_t>(converted.data(), static_cast<std::size_t>(m)));
}

void SessionRecording::tick(std::int64_t now_ns) noexcept {
  // A worker that stalled for more than a second does not replay it all at
  // once: the recorder fills the gap with silence from the tick numbers.
  if (now_ns - next_frame_ns_ > 50 * kFrameNs) {
    const std::int64_t skip = (now_ns - next_frame_ns_) / kFrameNs;
    out_.skip(static_cast<std::uint64_t>(skip));
    next_frame_ns_ += skip * kFrameNs;
  }
  std::array<std::int16_t, 320> a, b, s;
  while (now_ns >= next_frame_ns_) {
    const std::size_t n = out_.frame_samples();
    legs_[0].fifo.pop(std::span(a.data(), n));
    legs_[1].fifo.pop(std::span(b.data(), n));
    // Silence when no supervisor spoke into the call: adding it is harmless.
    supervisor_.fifo.pop(std::span(s.data(), n));
    for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::int16_t>(std::clamp(b[i] + s[i], -32768, 32767));
    out_.emit(std::span(a.data(), n), std::span(b.data(), n));
    next_frame_ns_ += kFrameNs;
  }
}

void SessionRecording::stop(std::int64_t now_ns) noexcept {
  tick(now_ns);
  out_.stop();
}

// ---- mix rooms ----

Result<std::unique_ptr<RoomRecording>> RoomRecording::create(const RecordingSetup& setup, int room_rate,
                                                             recording::RecorderTap& tap) {
  SB_RETURN_IF_ERROR(check_shape(setup));
  if (room_rate != 8000 && room_rate != 16000) return invalid_argument("a mix room runs at 8000 or 16000 Hz");
  if (setup.sample_rate != room_rate && setup.sample_rate != 8000)
    return invalid_argument("a room is recorded at its own rate or at 8000 Hz");
  std::unique_ptr<RoomRecording> r(new RoomRecording(setup, room_rate, tap));
  if (setup.sample_rate != room_rate) {
    for (int k = 0; k < setup.channels; ++k) {
      auto rs = codecs::Resampler::create(room_rate, setup.sample_rate, 3);
      if (!rs) return rs.status();
      r->resample_[static_cast<std::size_t>(k)].emplace(std::move(*rs));
    }
  }
  return r;
}

RoomRecording::RoomRecording(const RecordingSetup& setup, int room_rate, recording::RecorderTap& tap)
    : left_party_(setup.channels == 2 ? setup.left_party : 0),
      room_frame_(static_cast<std::size_t>(room_rate / 50)),
      out_(setup.id, setup.channels, setup.sample_rate, tap) {}

void RoomRecording::add(bool left, std::span<const std::int16_t> room_frame) noexcept {
  auto& sum = sum_[left || out_.channels() == 1 ? 0 : 1];
  const std::size_t n = std::min(room_frame.size(), room_frame_);
  for (std::size_t i = 0; i < n; ++i) sum[i] += room_frame[i];
}

void RoomRecording::end_tick() noexcept {
  std::array<std::array<std::int16_t, MixParty::kMaxRoomFrame>, 2> room, cut;
  const std::size_t n = out_.frame_samples();
  for (std::size_t k = 0; k < 2; ++k) {
    for (std::size_t i = 0; i < room_frame_; ++i)
      room[k][i] = static_cast<std::int16_t>(std::clamp(sum_[k][i], -32768, 32767));
    sum_[k].fill(0);
    if (!resample_[k]) {
      std::copy_n(room[k].begin(), n, cut[k].begin());
      continue;
    }
    std::array<std::int16_t, 2 * MixParty::kMaxRoomFrame> converted;
    const int m = resample_[k]->process(std::span<const std::int16_t>(room[k].data(), room_frame_), converted);
    if (m > 0) fifo_[k].push(std::span<const std::int16_t>(converted.data(), static_cast<std::size_t>(m)));
    fifo_[k].pop(std::span(cut[k].data(), n));
  }
  out_.emit(std::span(cut[0].data(), n), std::span(cut[1].data(), n));
}

}  // namespace sb::dataplane
