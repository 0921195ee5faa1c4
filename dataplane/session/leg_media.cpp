#include "dataplane/session/leg_media.hpp"

#include <algorithm>
#include <cstring>

namespace sb::dataplane {

Result<std::unique_ptr<LegMedia>> LegMedia::create(const LegMediaSetup& setup) {
  if (setup.suppress_dtmf && setup.codec != codecs::CodecId::kPcmu && setup.codec != codecs::CodecId::kPcma)
    return invalid_argument("in-band DTMF suppression needs G.711 (PCMU or PCMA) on the leg");
  codecs::CodecParams params;
  params.sample_rate = setup.sample_rate;
  auto decoder = codecs::Decoder::create(setup.codec, params);
  if (!decoder) return decoder.status();
  std::optional<codecs::Resampler> to_8k;
  const int rate = decoder->params().sample_rate;
  if (rate != 8000) {
    auto r = codecs::Resampler::create(rate, 8000, 3);
    if (!r) return r.status();
    to_8k.emplace(std::move(*r));
  }
  return std::unique_ptr<LegMedia>(new LegMedia(setup, std::move(*decoder), std::move(to_8k)));
}

LegMedia::LegMedia(const LegMediaSetup& setup, codecs::Decoder decoder, std::optional<codecs::Resampler> to_8k)
    : setup_(setup), decoder_(std::move(decoder)), to_8k_(std::move(to_8k)) {}

void LegMedia::mute(std::span<std::uint8_t> payload) const noexcept {
  // G.711 silence: the code for a zero sample.
  std::memset(payload.data(), setup_.codec == codecs::CodecId::kPcmu ? 0xFF : 0xD5, payload.size());
}

std::size_t LegMedia::on_audio(std::span<std::uint8_t> payload, std::span<ivr::DtmfDigit> digits,
                               Scratch& scratch) noexcept {
  const int n = decoder_.decode(payload, scratch.pcm);
  std::size_t found = 0;
  if (n > 0) {
    std::span<const std::int16_t> at8k(scratch.pcm.data(), static_cast<std::size_t>(n));
    if (to_8k_) {
      const int m = to_8k_->process(at8k, scratch.pcm8k);
      at8k = std::span<const std::int16_t>(scratch.pcm8k.data(), m > 0 ? static_cast<std::size_t>(m) : 0);
    }
    found = detector_.process(at8k, digits);
  } else {
    ++decode_errors_;
  }
  if (!setup_.suppress_dtmf) return found;

  // A tone counts while the detector holds a digit or a candidate for one.
  const bool tone_now = detector_.tone_present();
  if (payload.size() != delayed_len_ || payload.size() > delayed_.size()) {
    // First packet, or a new packet size: no swap; keep this one for next.
    const bool had = delayed_had_tone_;
    delayed_len_ = static_cast<std::uint16_t>(std::min(payload.size(), delayed_.size()));
    std::memcpy(delayed_.data(), payload.data(), delayed_len_);
    delayed_had_tone_ = tone_now;
    if (tone_now || had) {
      mute(payload);
      ++muted_;
    }
    return found;
  }
  // Swap: out goes the previous audio, in comes this packet's.
  std::array<std::uint8_t, 320> current;
  std::memcpy(current.data(), payload.data(), payload.size());
  std::memcpy(payload.data(), delayed_.data(), payload.size());
  std::memcpy(delayed_.data(), current.data(), payload.size());
  if (delayed_had_tone_ || tone_now) {
    mute(payload);
    ++muted_;
  }
  delayed_had_tone_ = tone_now;
  return found;
}

void LegMedia::on_loss(int packets) noexcept {
  const int samples = packets * decoder_.frame_samples() * 8000 / std::max(1, decoder_.params().sample_rate);
  if (samples > 0) detector_.fill_in(std::min(samples, 8000));
}

}  // namespace sb::dataplane
