// One party's audio inside a worker's mix room: a leg the server terminates
// instead of relaying. Its RTP goes through a jitter buffer (reordering,
// loss concealment with the codec's PLC), is decoded and resampled to the
// room's rate, and every 20 ms tick yields one room frame; the party's own
// mix-minus output goes the other way: resampled to its codec's rate,
// encoded in its own codec, and numbered as the party's mix stream (its
// own SSRC, sequence and timestamps) for the leg's OutputStream to map.
// Different codecs in one room is therefore transcoding.
//
// Everything is allocated by create() (a room-join command on the worker's
// thread): the packet path (on_packet) and the tick (pull, encode) neither
// allocate nor fail loudly; they count.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>

#include "codecs/codec.hpp"
#include "codecs/resampler.hpp"
#include "common/status.hpp"
#include "dataplane/media/jitter_buffer.hpp"
#include "dataplane/session/frame_encoder.hpp"

namespace sb::dataplane {

class MixParty {
 public:
  static constexpr std::int64_t kFrameNs = 20'000'000;
  static constexpr std::size_t kMaxRoomFrame = 320;   // 20 ms at 16 kHz
  static constexpr int kMaxEncodedPerTick = FrameEncoder::kMaxEncodedPerCall;

  // Errors: invalid-argument for a room rate other than 8000/16000, or the
  // codec's own errors.
  static Result<std::unique_ptr<MixParty>> create(const MixCodec& codec, int room_rate, std::uint32_t source_ssrc);

  const MixCodec& codec() const noexcept { return codec_; }
  std::uint32_t source_ssrc() const noexcept { return source_ssrc_; }

  // Packet path: one audio payload, as it arrived. False when the jitter
  // buffer refused it (late, duplicate, too far ahead, too large).
  bool on_packet(std::uint16_t seq, std::uint32_t timestamp, bool marker, std::span<const std::uint8_t> payload,
                 std::int64_t now_ns) noexcept;

  // Tick: decodes (or conceals) everything the jitter buffer has due by
  // `now_ns` and writes one room frame to `frame` (room frame_samples()
  // long), silence where nothing came.
  void pull(std::int64_t now_ns, std::span<std::int16_t> frame) noexcept;

  // Tick: one room frame of what the party hears in, the completed codec
  // frames out (0, 1, rarely 2 while resampling settles). Payloads stay
  // valid until the next encode(). Opus DTX frames (0 bytes) are skipped,
  // their time still counted in the timestamps.
  using Encoded = FrameEncoder::Encoded;
  int encode(std::span<const std::int16_t> mix, std::span<Encoded, kMaxEncodedPerTick> out) noexcept {
    return encoder_.encode(mix, out);
  }

  // Frames concealed for packets that were lost, late or undecodable (not
  // the gap after a stream ends: see JitterBuffer's counting).
  std::uint64_t concealed() const noexcept { return jitter_.stats().lost + decode_errors_; }
  // What concealed() gained since the last call (the worker's counter).
  std::uint64_t take_concealed() noexcept {
    const std::uint64_t now = concealed(), fresh = now - concealed_reported_;
    concealed_reported_ = now;
    return fresh;
  }
  std::uint64_t decode_errors() const noexcept { return decode_errors_; }
  std::uint64_t overruns() const noexcept { return overruns_; }
  const media::JitterBufferStats& jitter() const noexcept { return jitter_.stats(); }

 private:
  MixParty(const MixCodec& codec, int room_rate, std::uint32_t source_ssrc, codecs::Decoder decoder,
           FrameEncoder encoder, const media::JitterBufferOptions& jb);
  // Decoded audio at the codec's rate into the room-rate input FIFO.
  void feed(std::span<const std::int16_t> pcm) noexcept;

  MixCodec codec_;
  int room_rate_;
  std::uint32_t source_ssrc_;
  codecs::Decoder decoder_;
  FrameEncoder encoder_;
  std::optional<codecs::Resampler> to_room_;
  media::JitterBuffer jitter_;
  bool payload_is_duration_;           // G.711/G.722: one byte is one RTP timestamp unit

  // Room-rate input waiting for the tick (at most four frames).
  std::array<std::int16_t, 4 * kMaxRoomFrame> in_{};
  std::size_t in_fill_ = 0;
  std::array<std::int16_t, codecs::kMaxFrameSamples> decoded_{};
  std::array<std::int16_t, codecs::kMaxFrameSamples> resampled_{};
  std::uint64_t concealed_reported_ = 0, decode_errors_ = 0, overruns_ = 0;
};

}  // namespace sb::dataplane
