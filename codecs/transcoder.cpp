#include "codecs/transcoder.hpp"

#include <algorithm>
#include <cstring>

#include "codecs/registry.hpp"

namespace sb::codecs {

Transcoder::Transcoder(Decoder d, Encoder e, std::optional<Resampler> r)
    : decoder_(std::move(d)), encoder_(std::move(e)), resampler_(std::move(r)) {
  // The largest decoded frame is 60 ms at 48 kHz; resampling can grow it
  // by the rate ratio.
  decoded_.resize(kMaxFrameSamples);
  if (resampler_) resampled_.resize(resampler_->max_output(kMaxFrameSamples));
  fifo_.resize(static_cast<std::size_t>(encoder_.frame_samples()));
  out_.resize(kMaxPayloadBytes);
  out_step_ = static_cast<std::uint32_t>(static_cast<std::int64_t>(encoder_.frame_samples()) *
                                         encoder_.codec().rtp_clock_rate / encoder_.params().sample_rate);
}

Result<Transcoder> Transcoder::create(const TranscodeSide& from, const TranscodeSide& to) {
  auto dec = Decoder::create(from.codec, from.params);
  if (!dec) return dec.status();
  auto enc = Encoder::create(to.codec, to.params);
  if (!enc) return enc.status();
  std::optional<Resampler> rs;
  if (dec->params().sample_rate != enc->params().sample_rate) {
    auto r = Resampler::create(dec->params().sample_rate, enc->params().sample_rate, 5);
    if (!r) return r.status();
    rs.emplace(std::move(*r));
  }
  return Transcoder(std::move(*dec), std::move(*enc), std::move(rs));
}

int map_telephone_event(std::span<const std::uint8_t> in, int from_rate, int to_rate,
                        std::span<std::uint8_t> out) noexcept {
  if (in.empty() || in.size() % 4 != 0 || out.size() < in.size() || from_rate <= 0 || to_rate <= 0) return -1;
  for (std::size_t i = 0; i < in.size(); i += 4) {
    out[i] = in[i];
    out[i + 1] = in[i + 1];
    const std::uint64_t d = static_cast<std::uint64_t>(in[i + 2] << 8 | in[i + 3]);
    const std::uint64_t scaled = std::min<std::uint64_t>(d * static_cast<std::uint64_t>(to_rate) / static_cast<std::uint64_t>(from_rate), 0xffff);
    out[i + 2] = static_cast<std::uint8_t>(scaled >> 8);
    out[i + 3] = static_cast<std::uint8_t>(scaled);
  }
  return static_cast<int>(in.size());
}

}  // namespace sb::codecs
