#include "dataplane/session/mix_party.hpp"

#include <algorithm>
#include <cstring>

namespace sb::dataplane {

namespace {
// speexdsp's VoIP quality: the same choice as the other media paths.
constexpr int kResampleQuality = 3;
}  // namespace

Result<std::unique_ptr<MixParty>> MixParty::create(const MixCodec& codec, int room_rate, std::uint32_t source_ssrc) {
  if (room_rate != 8000 && room_rate != 16000) return invalid_argument("a mix room runs at 8000 or 16000 Hz");
  codecs::CodecParams params;
  params.sample_rate = codec.sample_rate;
  params.ptime_ms = 20;
  auto decoder = codecs::Decoder::create(codec.codec, params);
  if (!decoder) return decoder.status();
  auto encoder = FrameEncoder::create(codec, room_rate, source_ssrc);
  if (!encoder) return encoder.status();
  media::JitterBufferOptions jb;
  jb.clock_rate = decoder->codec().rtp_clock_rate;
  jb.slots = 32;  // 640 ms of 20 ms packets
  jb.max_payload = codec.codec == codecs::CodecId::kOpus ? codecs::kMaxPayloadBytes : 480;  // G.7xx: 60 ms
  std::unique_ptr<MixParty> p(
      new MixParty(codec, room_rate, source_ssrc, std::move(*decoder), std::move(*encoder), jb));
  const int rate = p->decoder_.params().sample_rate;
  if (rate != room_rate) {
    auto in = codecs::Resampler::create(rate, room_rate, kResampleQuality);
    if (!in) return in.status();
    p->to_room_.emplace(std::move(*in));
  }
  return p;
}

MixParty::MixParty(const MixCodec& codec, int room_rate, std::uint32_t source_ssrc, codecs::Decoder decoder,
                   FrameEncoder encoder, const media::JitterBufferOptions& jb)
    : codec_(codec),
      room_rate_(room_rate),
      source_ssrc_(source_ssrc),
      decoder_(std::move(decoder)),
      encoder_(std::move(encoder)),
      jitter_(jb),
      payload_is_duration_(codec.codec != codecs::CodecId::kOpus) {}

bool MixParty::on_packet(std::uint16_t seq, std::uint32_t timestamp, bool marker,
                         std::span<const std::uint8_t> payload, std::int64_t now_ns) noexcept {
  const auto duration = payload_is_duration_ ? static_cast<std::uint32_t>(payload.size()) : 0u;
  return jitter_.push(seq, timestamp, marker, payload, Nanos{now_ns}, duration);
}

void MixParty::feed(std::span<const std::int16_t> pcm) noexcept {
  if (to_room_) {
    const int m = to_room_->process(pcm, resampled_);
    pcm = std::span<const std::int16_t>(resampled_.data(), m > 0 ? static_cast<std::size_t>(m) : 0);
  }
  // Beyond four frames (a worker catching up after a stall) the oldest
  // audio goes, so the party never drifts behind the room.
  if (pcm.size() > in_.size()) pcm = pcm.last(in_.size());
  if (in_fill_ + pcm.size() > in_.size()) {
    const std::size_t excess = in_fill_ + pcm.size() - in_.size();
    std::memmove(in_.data(), in_.data() + excess, (in_fill_ - excess) * sizeof(std::int16_t));
    in_fill_ -= excess;
    ++overruns_;
  }
  std::memcpy(in_.data() + in_fill_, pcm.data(), pcm.size() * sizeof(std::int16_t));
  in_fill_ += pcm.size();
}

void MixParty::pull(std::int64_t now_ns, std::span<std::int16_t> frame) noexcept {
  media::JitterBuffer::Frame f;
  while (jitter_.pop(Nanos{now_ns}, f)) {
    int n = -1;
    if (f.kind == media::JitterBuffer::Frame::kPacket) {
      n = decoder_.decode(f.payload, decoded_);
      if (n < 0) ++decode_errors_;
    }
    if (n < 0) {
      // Lost (or undecodable): the codec's concealment, as long as the gap.
      n = decoder_.conceal(decoded_);
      if (n < 0) continue;
      const auto gap = static_cast<int>(static_cast<std::int64_t>(f.duration_ts) * decoder_.params().sample_rate /
                                        decoder_.codec().rtp_clock_rate);
      if (gap > 0 && gap < n) n = gap;
    }
    feed(std::span<const std::int16_t>(decoded_.data(), static_cast<std::size_t>(n)));
  }
  const std::size_t take = std::min(frame.size(), in_fill_);
  std::memcpy(frame.data(), in_.data(), take * sizeof(std::int16_t));
  std::fill(frame.begin() + static_cast<std::ptrdiff_t>(take), frame.end(), std::int16_t{0});
  std::memmove(in_.data(), in_.data() + take, (in_fill_ - take) * sizeof(std::int16_t));
  in_fill_ -= take;
}

}  // namespace sb::dataplane
