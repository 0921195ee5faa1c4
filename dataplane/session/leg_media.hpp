// Media work on a relayed leg that needs the audio, not just the headers:
// in-band DTMF detection (digits reported like RFC 4733 ones, with their
// source) and DTMF suppression (so recordings and the far end do not carry
// card numbers). The relay itself is unchanged: packets keep their headers
// and continuity; only the audio they carry may be replaced by silence.
//
// Built when a leg's setup asks for it (a control command on the worker's
// thread; the decoder and detector are allocated then, never per packet),
// and only for the leg's negotiated audio payload type.
//
// Suppression delays the leg's audio by one packet: the detector confirms a
// tone about 13-25 ms after it starts, so each outgoing packet carries the
// previous packet's audio, muted when a tone was sounding in it or is now.
// Muting writes the codec's silence, so it is offered for G.711 (µ-law,
// A-law), the codecs carriers and contact centres run DTMF over in band;
// RFC 4733 events are suppressed (dropped) for any codec.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>

#include "codecs/codec.hpp"
#include "codecs/resampler.hpp"
#include "common/status.hpp"
#include "ivr/dtmf_detector.hpp"

namespace sb::dataplane {

struct LegMediaSetup {
  std::uint8_t audio_pt = 0;                 // the negotiated audio payload type
  codecs::CodecId codec = codecs::CodecId::kPcmu;
  int sample_rate = 0;                       // 0: the codec's default
  bool inband_dtmf = false;                  // detect in-band digits
  bool suppress_dtmf = false;                // mute in-band tones, drop RFC 4733 events
  bool any() const noexcept { return inband_dtmf || suppress_dtmf; }
};

class LegMedia {
 public:
  static constexpr std::size_t kMaxDigitsPerPacket = 8;
  // Decoded audio is scratch, shared by all of a worker's legs (one packet
  // at a time): a leg keeps only its codec, detector and delay line.
  static constexpr std::size_t kScratchSamples = 2880;  // 60 ms at 48 kHz
  struct Scratch {
    std::array<std::int16_t, kScratchSamples> pcm;
    std::array<std::int16_t, kScratchSamples> pcm8k;
  };

  // Errors: invalid-argument when suppression is asked for a codec it
  // cannot mute, or the decoder cannot be made.
  static Result<std::unique_ptr<LegMedia>> create(const LegMediaSetup& setup);

  const LegMediaSetup& setup() const noexcept { return setup_; }

  // One received audio payload, in order of arrival. Digits that ended are
  // written to `digits` (returns how many). With suppression, `payload` is
  // rewritten in place to carry the previous packet's audio, muted if it
  // held a tone; a payload whose size differs from the previous one is
  // forwarded as it is (a ptime change), after muting it if a tone sounds.
  std::size_t on_audio(std::span<std::uint8_t> payload, std::span<ivr::DtmfDigit> digits, Scratch& scratch) noexcept;
  // A gap in the sequence (lost packets): the detector keeps time.
  void on_loss(int packets) noexcept;

  std::uint64_t muted_packets() const noexcept { return muted_; }
  std::uint64_t decode_errors() const noexcept { return decode_errors_; }

 private:
  LegMedia(const LegMediaSetup& setup, codecs::Decoder decoder, std::optional<codecs::Resampler> to_8k);
  void mute(std::span<std::uint8_t> payload) const noexcept;

  LegMediaSetup setup_;
  codecs::Decoder decoder_;
  std::optional<codecs::Resampler> to_8k_;
  ivr::DtmfDetector detector_;
  std::array<std::uint8_t, 320> delayed_{};  // the previous payload (suppression; G.711 up to 40 ms)
  std::uint16_t delayed_len_ = 0;
  bool delayed_had_tone_ = false;
  std::uint64_t muted_ = 0;
  std::uint64_t decode_errors_ = 0;
};

}  // namespace sb::dataplane
