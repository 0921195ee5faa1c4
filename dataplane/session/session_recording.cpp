#include "dataplane/session/session_recording.hpp"

#include <algorithm>

namespace sb::dataplane {

Result<std::unique_ptr<SessionRecording>> SessionRecording::create(const RecordingSetup& setup,
                                                                   recording::RecorderTap& tap, std::int64_t now_ns) {
  if (setup.channels != 1 && setup.channels != 2) return invalid_argument("recording channels must be 1 or 2");
  if (setup.sample_rate != 8000 && setup.sample_rate != 16000)
    return invalid_argument("recording sample rate must be 8000 or 16000");
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
    : setup_(setup),
      tap_(tap),
      next_frame_ns_(now_ns + kFrameNs),
      frame_samples_(static_cast<std::size_t>(setup.sample_rate / 50)) {}

void SessionRecording::Channel::push(std::span<const std::int16_t> pcm) noexcept {
  for (std::int16_t s : pcm) {
    if (size == fifo.size()) {  // full: the oldest sample goes
      head = (head + 1) % fifo.size();
      --size;
    }
    fifo[(head + size) % fifo.size()] = s;
    ++size;
  }
}

void SessionRecording::Channel::pop(std::span<std::int16_t> out) noexcept {
  if (!primed) {
    // Not cutting yet: wait until a late packet would still be in time.
    if (size < out.size() + out.size() / 2) {
      std::fill(out.begin(), out.end(), std::int16_t{0});
      return;
    }
    primed = true;
  }
  const std::size_t n = std::min(out.size(), size);
  if (n < out.size()) primed = false;  // ran dry: the sender paused
  for (std::size_t i = 0; i < n; ++i) out[i] = fifo[(head + i) % fifo.size()];
  std::fill(out.begin() + static_cast<long>(n), out.end(), std::int16_t{0});
  head = (head + n) % fifo.size();
  size -= n;
}

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
  c.push(pcm);
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
  if (!supervisor_.resample) return supervisor_.push(room_frame);
  std::array<std::int16_t, 640> converted;
  const int m = supervisor_.resample->process(room_frame, converted);
  if (m > 0) supervisor_.push(std::span<const std::int16_t>(converted.data(), static_cast<std::size_t>(m)));
}

void SessionRecording::tick(std::int64_t now_ns) noexcept {
  // A worker that stalled for more than a second does not replay it all at
  // once: the recorder fills the gap with silence from the tick numbers.
  if (now_ns - next_frame_ns_ > 50 * kFrameNs) {
    const std::int64_t skip = (now_ns - next_frame_ns_) / kFrameNs;
    tick_ += static_cast<std::uint64_t>(skip);
    next_frame_ns_ += skip * kFrameNs;
  }
  std::array<std::int16_t, 320> a, b, s;
  std::array<std::int16_t, 640> frame;
  const auto sum = [](int x, int y) { return static_cast<std::int16_t>(std::clamp(x + y, -32768, 32767)); };
  while (now_ns >= next_frame_ns_) {
    const std::size_t n = frame_samples_;
    legs_[0].pop(std::span(a.data(), n));
    legs_[1].pop(std::span(b.data(), n));
    // Silence when no supervisor spoke into the call: adding it is harmless.
    supervisor_.pop(std::span(s.data(), n));
    if (!paused_) {
      if (setup_.channels == 2) {
        for (std::size_t i = 0; i < n; ++i) {
          frame[2 * i] = a[i];
          frame[2 * i + 1] = sum(b[i], s[i]);
        }
        tap_.frame(setup_.id, tick_, std::span(frame.data(), 2 * n), 2);
      } else {
        for (std::size_t i = 0; i < n; ++i) frame[i] = sum(a[i] + b[i], s[i]);
        tap_.frame(setup_.id, tick_, std::span(frame.data(), n), 1);
      }
    }
    ++tick_;
    next_frame_ns_ += kFrameNs;
  }
}

void SessionRecording::pause() noexcept {
  if (paused_) return;
  paused_ = true;
  tap_.pause(setup_.id, tick_);
}

void SessionRecording::resume() noexcept {
  if (!paused_) return;
  paused_ = false;
  tap_.resume(setup_.id, tick_);
}

void SessionRecording::stop(std::int64_t now_ns) noexcept {
  tick(now_ns);
  tap_.stop(setup_.id, tick_);
}

}  // namespace sb::dataplane
