#include "dataplane/session/leg_dtmf_sender.hpp"

#include <algorithm>
#include <array>
#include <cstring>

namespace sb::dataplane {

namespace {
// More than this many slots late (a stalled worker): skip ahead rather than
// send a burst, as prompt playback does.
constexpr std::int64_t kMaxCatchUpSlots = 3;
constexpr std::size_t kToneSlotSamples = 160;   // 20 ms at the generator's 8 kHz
// The generator's level: -10 dBm0 for the low tone, the column tone 2 dB
// louder, within Q.24's limits and what carriers' receivers expect.
constexpr int kToneLevelDbm0 = -10;
constexpr int kToneTwistDb = 2;

// Upper-case: SpanDSP's generator knows A-D only that way.
char generator_digit(char d) noexcept { return d >= 'a' && d <= 'd' ? static_cast<char>(d - 'a' + 'A') : d; }
}  // namespace

bool LegDtmfSender::valid(const DtmfSendSetup& s) noexcept {
  if (s.count == 0 || s.count > DtmfSendSetup::kMaxDigits) return false;
  if (s.duration_ms < 40 || s.duration_ms > 5000 || s.gap_ms > 5000) return false;
  for (std::size_t i = 0; i < s.count; ++i)
    if (ivr::digit_to_event(s.digits[i]) < 0) return false;
  return true;
}

Result<std::unique_ptr<LegDtmfSender>> LegDtmfSender::create(const DtmfSendSetup& setup,
                                                             std::uint8_t telephone_event_pt, std::uint32_t clock_rate,
                                                             std::uint32_t source_ssrc, std::int64_t now_ns) {
  if (!valid(setup)) return invalid_argument("send DTMF: 1 to 32 digits of 0-9 * # A-D, 40..5000 ms each");
  return build(setup, setup.inband ? 0 : telephone_event_pt, clock_rate, source_ssrc, now_ns);
}

Result<std::unique_ptr<LegDtmfSender>> LegDtmfSender::create_forwarder(const MixCodec& audio,
                                                                       std::uint8_t telephone_event_pt,
                                                                       std::uint32_t clock_rate,
                                                                       std::uint32_t source_ssrc, std::int64_t now_ns) {
  DtmfSendSetup setup;
  setup.audio = audio;
  auto s = build(setup, telephone_event_pt, clock_rate, source_ssrc, now_ns);
  if (s) (*s)->finished_ = true;
  return s;
}

Result<std::unique_ptr<LegDtmfSender>> LegDtmfSender::build(const DtmfSendSetup& setup, std::uint8_t te,
                                                            std::uint32_t clock_rate, std::uint32_t source_ssrc,
                                                            std::int64_t now_ns) {
  std::unique_ptr<LegDtmfSender> s(new LegDtmfSender(setup, te, clock_rate ? clock_rate : 8000, source_ssrc, now_ns));
  if (te == 0) {
    auto encoder = FrameEncoder::create(setup.audio, 8000, source_ssrc);
    if (!encoder) return encoder.status();
    s->encoder_.emplace(std::move(*encoder));
    s->tones_ = std::make_unique<ivr::DtmfGenerator>(kToneLevelDbm0, kToneTwistDb, setup.duration_ms, setup.gap_ms);
    char digits[DtmfSendSetup::kMaxDigits];
    for (std::size_t i = 0; i < setup.count; ++i) digits[i] = generator_digit(setup.digits[i]);
    if (s->tones_->queue(std::string_view(digits, setup.count)) != setup.count)
      return invalid_argument("send DTMF: the tone generator refused the digits");
  }
  return s;
}

bool LegDtmfSender::forward(char digit, std::uint32_t duration_ms, std::int64_t now_ns) noexcept {
  if (ivr::digit_to_event(digit) < 0) return false;
  if (finished_) {
    // Idle since the last digit: its time still counts on this stream.
    if (now_ns > next_due_ns_) timestamp_ += static_cast<std::uint32_t>((now_ns - next_due_ns_) / kFrameNs) * slot_units_;
    next_due_ns_ = now_ns;
    setup_.count = 0;
    digit_ = 0;
    in_event_ = false;
    gap_slots_left_ = 0;
  }
  if (setup_.count >= DtmfSendSetup::kMaxDigits) return false;
  if (!as_events()) {
    const char d = generator_digit(digit);
    if (tones_->queue(std::string_view(&d, 1)) != 1) return false;
  }
  durations_ms_[setup_.count] = static_cast<std::uint16_t>(std::clamp<std::uint32_t>(duration_ms, 40, 5000));
  setup_.digits[setup_.count++] = digit;
  finished_ = false;
  return true;
}

LegDtmfSender::LegDtmfSender(const DtmfSendSetup& setup, std::uint8_t te_pt, std::uint32_t clock_rate,
                             std::uint32_t source_ssrc, std::int64_t now_ns) noexcept
    : setup_(setup),
      te_pt_(te_pt),
      source_ssrc_(source_ssrc),
      slot_units_(clock_rate / 50),
      next_due_ns_(now_ns),
      // A random-looking start for the stream (RFC 3550); the leg's
      // OutputStream re-bases it anyway.
      timestamp_(source_ssrc * 2654435761u),
      sequence_(static_cast<std::uint16_t>(source_ssrc >> 16)),
      events_(static_cast<int>(clock_rate), clock_rate / 50) {
  for (std::size_t i = 0; i < setup.count; ++i) durations_ms_[i] = setup.duration_ms;
}

std::size_t LegDtmfSender::next(std::int64_t now_ns, std::span<Frame> out) noexcept {
  if (finished_ || now_ns < next_due_ns_ || out.empty()) return 0;
  const std::int64_t late = (now_ns - next_due_ns_) / kFrameNs;
  if (late > kMaxCatchUpSlots) {
    next_due_ns_ += late * kFrameNs;
    timestamp_ += static_cast<std::uint32_t>(late) * slot_units_;
  }
  const std::size_t n = as_events() ? next_event_packet(out) : next_tone_frame(out);
  next_due_ns_ += kFrameNs;
  timestamp_ += slot_units_;
  return n;
}

std::size_t LegDtmfSender::next_event_packet(std::span<Frame> out) noexcept {
  if (!in_event_) {
    if (gap_slots_left_ > 0) {
      --gap_slots_left_;
      return 0;
    }
    if (digit_ >= setup_.count) {
      finished_ = true;
      return 0;
    }
    events_.start(setup_.digits[digit_], durations_ms_[digit_]);
    event_timestamp_ = timestamp_;
    in_event_ = true;
  }
  ivr::Rfc4733Packet p;
  if (!events_.next(p)) return 0;
  std::memcpy(event_payload_, p.payload, sizeof event_payload_);
  out[0] = {std::span<const std::uint8_t>(event_payload_, sizeof event_payload_), te_pt_, source_ssrc_, sequence_++,
            event_timestamp_, p.marker};
  if (p.last) {
    in_event_ = false;
    if (++digit_ >= setup_.count) {
      finished_ = true;
    } else {
      gap_slots_left_ = (setup_.gap_ms + 19u) / 20u;
    }
  }
  return 1;
}

std::size_t LegDtmfSender::next_tone_frame(std::span<Frame> out) noexcept {
  std::array<std::int16_t, kToneSlotSamples> pcm{};
  const int made = tones_->generate(pcm);
  // Nothing left: the last digit's trailing silence has played.
  if (made <= 0) {
    finished_ = true;
    return 0;
  }
  std::array<FrameEncoder::Encoded, FrameEncoder::kMaxEncodedPerCall> encoded;
  const int k = encoder_->encode(pcm, encoded);
  std::size_t n = 0;
  for (int i = 0; i < k && n < out.size(); ++i) {
    const auto& e = encoded[static_cast<std::size_t>(i)];
    out[n++] = {e.payload, setup_.audio.audio_pt, source_ssrc_, e.sequence, e.timestamp, e.marker};
  }
  return n;
}

}  // namespace sb::dataplane
