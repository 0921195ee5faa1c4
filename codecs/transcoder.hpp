// Transcoding one direction of a leg: decode the far side's codec, resample
// if the rates differ, re-frame to the near side's ptime, encode. Also maps
// RFC 4733 telephone-event payloads between the two sides' clock rates.
//
//   auto t = Transcoder::create({CodecId::kPcmu, {}}, {CodecId::kOpus, opus_params});
//   t->transcode(pcmu_payload, [&](std::span<const std::uint8_t> out, std::uint32_t ts_step) {
//     send(out, ts_step);                         // zero or more frames per input
//   });
//   t->conceal(emit);                             // a lost input frame (decoder PLC)
//
// Two Transcoders make a transcoded call (A→B and B→A). All buffers are
// sized at create(); transcode() does not allocate.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "codecs/codec.hpp"
#include "codecs/resampler.hpp"

namespace sb::codecs {

struct TranscodeSide {
  CodecId codec = CodecId::kPcmu;
  CodecParams params{};
};

class Transcoder {
 public:
  // Errors: the codecs' parameter errors; invalid-argument when the
  // combination cannot be built.
  static Result<Transcoder> create(const TranscodeSide& from, const TranscodeSide& to);

  // Decodes `payload` and emits every complete output frame. Returns the
  // number of frames emitted, or -1 for a payload the decoder rejects
  // (nothing is emitted; the caller counts it).
  template <typename Emit>
  int transcode(std::span<const std::uint8_t> payload, Emit&& emit) noexcept {
    const int n = decoder_.decode(payload, decoded_);
    if (n < 0) return -1;
    return push_pcm(n, emit);
  }
  // A lost input frame: the decoder's concealment goes through instead.
  template <typename Emit>
  int conceal(Emit&& emit) noexcept {
    const int n = decoder_.conceal(decoded_);
    if (n < 0) return -1;
    return push_pcm(n, emit);
  }

  const Encoder& encoder() const noexcept { return encoder_; }
  const Decoder& decoder() const noexcept { return decoder_; }
  // RTP timestamp units per output frame.
  std::uint32_t output_timestamp_step() const noexcept { return out_step_; }

 private:
  Transcoder(Decoder d, Encoder e, std::optional<Resampler> r);

  template <typename Emit>
  int push_pcm(int n, Emit& emit) noexcept {
    const std::int16_t* src = decoded_.data();
    int count = n;
    if (resampler_) {
      count = resampler_->process(std::span<const std::int16_t>(decoded_.data(), static_cast<std::size_t>(n)), resampled_);
      if (count < 0) return -1;
      src = resampled_.data();
    }
    int frames = 0;
    const int frame = encoder_.frame_samples();
    for (int i = 0; i < count; ++i) {
      fifo_[static_cast<std::size_t>(fill_++)] = src[i];
      if (fill_ == frame) {
        const int bytes = encoder_.encode(std::span<const std::int16_t>(fifo_.data(), static_cast<std::size_t>(frame)), out_);
        fill_ = 0;
        if (bytes < 0) return -1;
        // 0 bytes: Opus DTX chose to send nothing; time still advances.
        emit(std::span<const std::uint8_t>(out_.data(), static_cast<std::size_t>(bytes)), out_step_);
        ++frames;
      }
    }
    return frames;
  }

  Decoder decoder_;
  Encoder encoder_;
  std::optional<Resampler> resampler_;
  std::vector<std::int16_t> decoded_;
  std::vector<std::int16_t> resampled_;
  std::vector<std::int16_t> fifo_;
  std::vector<std::uint8_t> out_;
  int fill_ = 0;
  std::uint32_t out_step_ = 0;
};

// Rewrites a telephone-event payload from one RTP clock rate to another
// (8000 on a G.711 side, 48000 on an Opus side): durations scale, clamped to
// 16 bits. Returns bytes written, or -1 for a malformed payload.
int map_telephone_event(std::span<const std::uint8_t> in, int from_rate, int to_rate,
                        std::span<std::uint8_t> out) noexcept;

}  // namespace sb::codecs
