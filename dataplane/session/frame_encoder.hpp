// The sending half of a terminated audio stream: PCM the worker made (a
// mix, generated DTMF tones) at a pipeline rate, resampled to the codec's
// rate, cut into whole codec frames, encoded, and numbered as a stream of
// its own (sequence, timestamps in the codec's RTP clock) for a leg's
// OutputStream to map. A mix party and an in-band DTMF sender each own one.
//
// Everything is allocated by create() (a worker command); encode() neither
// allocates nor fails loudly.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>

#include "codecs/codec.hpp"
#include "codecs/resampler.hpp"
#include "common/status.hpp"

namespace sb::dataplane {

// The codec a leg talks, as negotiated for it.
struct MixCodec {
  std::uint8_t audio_pt = 0;
  codecs::CodecId codec = codecs::CodecId::kPcmu;
  int sample_rate = 0;   // PCM rate at the codec; 0: the codec's default (Opus: 48 kHz)
};

class FrameEncoder {
 public:
  static constexpr int kMaxEncodedPerCall = 2;

  // input_rate: the rate of the PCM handed to encode(). Errors: the codec's
  // or the resampler's.
  static Result<FrameEncoder> create(const MixCodec& codec, int input_rate, std::uint32_t seed);

  FrameEncoder(FrameEncoder&&) noexcept = default;
  FrameEncoder& operator=(FrameEncoder&&) noexcept = default;

  const codecs::Encoder& encoder() const noexcept { return encoder_; }

  struct Encoded {
    std::span<const std::uint8_t> payload;
    std::uint16_t sequence;
    std::uint32_t timestamp;
    bool marker;   // the stream's first packet
  };
  // Takes `pcm` (input rate), returns the completed codec frames (0, 1,
  // rarely 2 while resampling settles). Payloads stay valid until the next
  // call. Opus DTX frames (0 bytes) are skipped, their time still counted.
  int encode(std::span<const std::int16_t> pcm, std::span<Encoded, kMaxEncodedPerCall> out) noexcept;

 private:
  FrameEncoder(codecs::Encoder encoder, std::uint32_t seed);

  codecs::Encoder encoder_;
  std::optional<codecs::Resampler> resampler_;
  std::uint32_t timestamp_step_;   // RTP units per codec frame
  // Codec-rate audio waiting to make a whole encoder frame.
  std::array<std::int16_t, 2 * codecs::kMaxFrameSamples> pending_{};
  std::size_t pending_fill_ = 0;
  std::array<std::int16_t, codecs::kMaxFrameSamples> resampled_{};
  std::array<std::array<std::uint8_t, codecs::kMaxPayloadBytes>, kMaxEncodedPerCall> payloads_{};
  std::uint16_t sequence_ = 0;
  std::uint32_t timestamp_ = 0;
  bool started_ = false;
};

}  // namespace sb::dataplane
