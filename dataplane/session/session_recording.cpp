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
  const std::size_t n = std::min(out.size(), size);
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

void SessionRecording::tick(std::int64_t now_ns) noexcept {
  // A worker that stalled for more than a second does not replay it all at
  // once: the recorder fills the gap with silence from the tick numbers.
  if (now_ns - next_frame_ns_ > 50 * kFrameNs) {
    const std::int64_t skip = (now_ns - next_frame_ns_) / kFrameNs;
    tick_ += static_cast<std::uint64_t>(skip);
    next_frame_ns_ += skip * kFrameNs;
  }
  std::array<std::int16_t, 320> a, b;
  std::array<std::int16_t, 640> frame;
  while (now_ns >= next_frame_ns_) {
    const std::size_t n = frame_samples_;
    legs_[0].pop(std::span(a.data(), n));
    legs_[1].pop(std::span(b.data(), n));
    if (!paused_) {
      if (setup_.channels == 2) {
        for (std::size_t i = 0; i < n; ++i) {
          frame[2 * i] = a[i];
          frame[2 * i + 1] = b[i];
        }
        tap_.frame(setup_.id, tick_, std::span(frame.data(), 2 * n), 2);
      } else {
        for (std::size_t i = 0; i < n; ++i)
          frame[i] = static_cast<std::int16_t>(std::clamp(a[i] + b[i], -32768, 32767));
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
