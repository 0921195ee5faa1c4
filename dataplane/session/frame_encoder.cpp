#include "dataplane/session/frame_encoder.hpp"

#include <algorithm>
#include <cstring>

namespace sb::dataplane {

namespace {
// speexdsp's VoIP quality: the same choice as the other media paths.
constexpr int kResampleQuality = 3;
}  // namespace

Result<FrameEncoder> FrameEncoder::create(const MixCodec& codec, int input_rate, std::uint32_t seed) {
  codecs::CodecParams params;
  params.sample_rate = codec.sample_rate;
  params.ptime_ms = 20;
  auto encoder = codecs::Encoder::create(codec.codec, params);
  if (!encoder) return encoder.status();
  FrameEncoder f(std::move(*encoder), seed);
  const int rate = f.encoder_.params().sample_rate;
  if (rate != input_rate) {
    auto r = codecs::Resampler::create(input_rate, rate, kResampleQuality);
    if (!r) return r.status();
    f.resampler_.emplace(std::move(*r));
  }
  return f;
}

FrameEncoder::FrameEncoder(codecs::Encoder encoder, std::uint32_t seed)
    : encoder_(std::move(encoder)),
      timestamp_step_(static_cast<std::uint32_t>(encoder_.codec().rtp_clock_rate * encoder_.params().ptime_ms / 1000)) {
  // A random-looking start, as RFC 3550 asks of a new stream (the leg's
  // OutputStream re-bases it anyway).
  sequence_ = static_cast<std::uint16_t>(seed >> 16);
  timestamp_ = seed * 2654435761u;
}

int FrameEncoder::encode(std::span<const std::int16_t> pcm, std::span<Encoded, kMaxEncodedPerCall> out) noexcept {
  if (resampler_) {
    const int m = resampler_->process(pcm, resampled_);
    pcm = std::span<const std::int16_t>(resampled_.data(), m > 0 ? static_cast<std::size_t>(m) : 0);
  }
  pcm = pcm.first(std::min(pcm.size(), pending_.size() - pending_fill_));
  std::memcpy(pending_.data() + pending_fill_, pcm.data(), pcm.size() * sizeof(std::int16_t));
  pending_fill_ += pcm.size();
  const auto frame = static_cast<std::size_t>(encoder_.frame_samples());
  int count = 0;
  std::size_t used = 0;
  while (pending_fill_ - used >= frame && count < kMaxEncodedPerCall) {
    auto& buf = payloads_[static_cast<std::size_t>(count)];
    const int bytes = encoder_.encode(std::span<const std::int16_t>(pending_.data() + used, frame), buf);
    used += frame;
    const std::uint32_t ts = timestamp_;
    timestamp_ += timestamp_step_;
    if (bytes <= 0) continue;  // DTX or an encoder error: nothing to send this frame
    out[static_cast<std::size_t>(count)] = {std::span<const std::uint8_t>(buf.data(), static_cast<std::size_t>(bytes)),
                                            sequence_++, ts, !started_};
    started_ = true;
    ++count;
  }
  std::memmove(pending_.data(), pending_.data() + used, (pending_fill_ - used) * sizeof(std::int16_t));
  pending_fill_ -= used;
  return count;
}

}  // namespace sb::dataplane
