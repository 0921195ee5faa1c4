// Codec ops table (rtpengine codeclib style): one descriptor per codec with
// plain function pointers, and RAII Encoder/Decoder instances built on it.
//
// Frame in, frame out: encode() takes exactly one frame of PCM at the
// instance's sample rate and writes one RTP payload; decode() does the
// reverse; conceal() synthesises one frame for a lost packet (packet-loss
// concealment). All state lives in one block allocated when the instance is
// created, so the media path never allocates. Media-path calls return an int
// (bytes or samples, negative on error) instead of a Status, because they run
// per packet.
//
//   auto enc = Encoder::create(CodecId::kPcmu, {});          // control plane
//   int n = enc->encode(pcm_frame, payload_buf);              // media path
//   auto dec = Decoder::create(CodecId::kOpus, {.sample_rate = 16000});
//   int samples = lost ? dec->conceal(out) : dec->decode(payload, out);
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

#include "common/status.hpp"

namespace sb::codecs {

enum class CodecId : std::uint8_t { kPcmu, kPcma, kG722, kOpus };
inline constexpr std::size_t kCodecCount = 4;

struct CodecParams {
  int sample_rate = 0;        // PCM rate at the codec boundary; 0 = the codec's default
  int ptime_ms = 20;          // frame duration: 10, 20, 30, 40 or 60 (Opus: 10, 20, 40, 60)
  // Opus only; ignored by the others.
  int bitrate = 24000;        // bit/s, 6000..510000
  int complexity = 5;         // 0..10
  bool fec = false;           // in-band forward error correction (LBRR)
  bool dtx = false;           // discontinuous transmission in silence
  int expected_loss_pct = 0;  // tunes FEC redundancy, 0..100
};

// The largest payload any codec here writes for one frame (Opus's limit).
inline constexpr int kMaxPayloadBytes = 1275;
// The largest PCM frame: 60 ms at 48 kHz.
inline constexpr int kMaxFrameSamples = 2880;

struct CodecDescriptor {
  CodecId id;
  std::string_view name;          // SDP encoding name as registered with IANA
  int static_payload_type;        // RFC 3551 static PT, or -1 for dynamic
  int rtp_clock_rate;             // SDP/RTP timestamp rate (8000 for G.722, 48000 for Opus)
  int default_sample_rate;        // PCM rate when CodecParams::sample_rate is 0
  bool (*supports_rate)(int sample_rate);
  bool (*supports_ptime)(int ptime_ms);

  std::size_t (*encoder_size)(const CodecParams&);
  std::size_t (*decoder_size)(const CodecParams&);
  // Initialise in caller-provided storage of *_size() bytes. 0 or negative.
  int (*encoder_init)(void* state, const CodecParams&);
  int (*decoder_init)(void* state, const CodecParams&);
  // Returns payload bytes written (0 = nothing to send, Opus DTX), < 0 on error.
  int (*encode)(void* state, const std::int16_t* pcm, int samples, std::uint8_t* out, int out_cap);
  // Returns PCM samples written, < 0 on a corrupt payload.
  int (*decode)(void* state, const std::uint8_t* payload, int len, std::int16_t* pcm, int pcm_cap);
  // Fills `samples` of concealment for one lost frame. Returns samples.
  int (*conceal)(void* state, std::int16_t* pcm, int samples);
  // Recovers a lost frame from the FEC data in the packet that followed it;
  // nullptr for codecs without in-band FEC.
  int (*decode_fec)(void* state, const std::uint8_t* next_payload, int len, std::int16_t* pcm, int samples);
  void (*release)(void* state);   // frees nothing the instance does not own; may be nullptr
};

// Validated parameters with defaults resolved (sample rate filled in).
Result<CodecParams> resolve_params(const CodecDescriptor& codec, CodecParams params);

// PCM samples in one frame of the resolved parameters.
inline int frame_samples(const CodecParams& p) noexcept { return p.sample_rate * p.ptime_ms / 1000; }

class Encoder {
 public:
  // Errors: invalid-argument naming the offending parameter.
  static Result<Encoder> create(CodecId id, const CodecParams& params);

  Encoder(Encoder&&) noexcept = default;
  Encoder& operator=(Encoder&&) noexcept = default;
  ~Encoder();

  const CodecDescriptor& codec() const noexcept { return *codec_; }
  const CodecParams& params() const noexcept { return params_; }
  int frame_samples() const noexcept { return frame_; }

  // `pcm` must hold exactly frame_samples() samples.
  int encode(std::span<const std::int16_t> pcm, std::span<std::uint8_t> out) noexcept {
    if (static_cast<int>(pcm.size()) != frame_) return -1;
    return codec_->encode(state_.get(), pcm.data(), frame_, out.data(), static_cast<int>(out.size()));
  }

 private:
  Encoder(const CodecDescriptor* c, const CodecParams& p, std::unique_ptr<std::byte[]> s);
  const CodecDescriptor* codec_;
  CodecParams params_;
  int frame_;
  std::unique_ptr<std::byte[]> state_;
};

class Decoder {
 public:
  static Result<Decoder> create(CodecId id, const CodecParams& params);

  Decoder(Decoder&&) noexcept = default;
  Decoder& operator=(Decoder&&) noexcept = default;
  ~Decoder();

  const CodecDescriptor& codec() const noexcept { return *codec_; }
  const CodecParams& params() const noexcept { return params_; }
  int frame_samples() const noexcept { return frame_; }

  int decode(std::span<const std::uint8_t> payload, std::span<std::int16_t> pcm) noexcept {
    return codec_->decode(state_.get(), payload.data(), static_cast<int>(payload.size()), pcm.data(),
                          static_cast<int>(pcm.size()));
  }
  // One frame of concealment; `pcm` must hold frame_samples().
  int conceal(std::span<std::int16_t> pcm) noexcept {
    if (static_cast<int>(pcm.size()) < frame_) return -1;
    return codec_->conceal(state_.get(), pcm.data(), frame_);
  }
  bool has_fec() const noexcept { return codec_->decode_fec != nullptr; }
  int decode_fec(std::span<const std::uint8_t> next_payload, std::span<std::int16_t> pcm) noexcept {
    if (!codec_->decode_fec || static_cast<int>(pcm.size()) < frame_) return -1;
    return codec_->decode_fec(state_.get(), next_payload.data(), static_cast<int>(next_payload.size()),
                              pcm.data(), frame_);
  }

 private:
  Decoder(const CodecDescriptor* c, const CodecParams& p, std::unique_ptr<std::byte[]> s);
  const CodecDescriptor* codec_;
  CodecParams params_;
  int frame_;
  std::unique_ptr<std::byte[]> state_;
};

}  // namespace sb::codecs
