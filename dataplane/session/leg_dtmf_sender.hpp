// DTMF generation towards a leg: digits the control plane wants the far end
// to hear (dialling an extension on a transfer target, feeding a carrier's
// IVR). When the leg negotiated telephone-event the digits go as RFC 4733
// event trains (marker on the first packet, growing durations, three End
// packets, one packet per 20 ms); otherwise they are generated as tones
// (ivr::DtmfGenerator, 8 kHz) and encoded in the leg's own codec.
//
// Either way they are an input stream of their own (own SSRC, sequence and
// timestamps), mapped by the leg's OutputStream, so the far end sees its
// stream continue across relay -> digits -> relay. The worker treats a send
// like a prompt playback: the relay towards the leg is held back while it
// runs, it ends with kPlaybackDone carrying its id, and a play or another
// send replaces it.
//
// create() (a worker command) allocates the tone generator and encoder;
// next() runs once per due frame and neither allocates nor fails loudly.
//
// A forwarder (create_forwarder, made when a leg joins a mix room) is the
// same generator fed one digit at a time from the packet path (forward):
// digits received as RFC 4733 on another party of the room, sent on in
// this leg's telephone-event payload type and RTP clock, or as tones.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>

#include "common/status.hpp"
#include "dataplane/session/frame_encoder.hpp"
#include "ivr/rfc4733.hpp"
#include "ivr/tones.hpp"

namespace sb::dataplane {

// Carried in the send-DTMF command: trivially copyable.
struct DtmfSendSetup {
  static constexpr std::size_t kMaxDigits = 32;
  char digits[kMaxDigits] = {};
  std::uint8_t count = 0;
  std::uint16_t duration_ms = 100;   // each digit's tone / event
  std::uint16_t gap_ms = 60;         // silence between digits
  MixCodec audio;                    // the leg's audio, for tones
  bool inband = false;               // tones even when the leg negotiated telephone-event
  std::uint32_t id = 0;              // chosen by the control plane; echoed in kPlaybackDone
};

class LegDtmfSender {
 public:
  static constexpr std::int64_t kFrameNs = 20'000'000;

  // Valid: 1..kMaxDigits characters, each 0-9 * # A-D (lower-case a-d
  // accepted), a duration of 40..5000 ms, a gap of 0..5000 ms.
  static bool valid(const DtmfSendSetup& setup) noexcept;

  // telephone_event_pt: the leg's (0: tones); clock_rate: the leg's RTP
  // clock, for the events' timestamps. Errors: the codec's (tones only).
  static Result<std::unique_ptr<LegDtmfSender>> create(const DtmfSendSetup& setup, std::uint8_t telephone_event_pt,
                                                       std::uint32_t clock_rate, std::uint32_t source_ssrc,
                                                       std::int64_t now_ns);

  // Idle until forward() gives it digits; allocates like create().
  static Result<std::unique_ptr<LegDtmfSender>> create_forwarder(const MixCodec& audio, std::uint8_t telephone_event_pt,
                                                                 std::uint32_t clock_rate, std::uint32_t source_ssrc,
                                                                 std::int64_t now_ns);
  // Packet path: queues one digit (events last `duration_ms`, clamped to
  // 40..5000; tones last the default 100 ms). An idle forwarder starts at
  // `now_ns`. False (nothing queued) for a non-digit or when 32 digits are
  // already waiting.
  bool forward(char digit, std::uint32_t duration_ms, std::int64_t now_ns) noexcept;

  std::uint32_t id() const noexcept { return setup_.id; }
  bool as_events() const noexcept { return te_pt_ != 0; }

  struct Frame {
    std::span<const std::uint8_t> payload;
    std::uint8_t payload_type;
    std::uint32_t source_ssrc;
    std::uint16_t sequence;
    std::uint32_t timestamp;
    bool marker;
  };
  // Packets due at `now_ns` (at most `out.size()`; each 20 ms slot yields
  // 0..2) and schedules the next slot. A worker that fell behind skips the
  // slots it missed (their time still counts) rather than bursting.
  std::size_t next(std::int64_t now_ns, std::span<Frame> out) noexcept;
  bool finished() const noexcept { return finished_; }
  bool due(std::int64_t now_ns) const noexcept { return !finished_ && now_ns >= next_due_ns_; }
  // True while a digit owns the leg's stream: inside a telephone event (its
  // packets share one RTP timestamp, so audio from another source between
  // them would shift the event's timestamp in the leg's output and the far
  // end would hear a new event), or at any time for tones.
  bool holds_stream() const noexcept { return !finished_ && (!as_events() || in_event_); }

 private:
  static Result<std::unique_ptr<LegDtmfSender>> build(const DtmfSendSetup& setup, std::uint8_t te_pt,
                                                      std::uint32_t clock_rate, std::uint32_t source_ssrc,
                                                      std::int64_t now_ns);
  LegDtmfSender(const DtmfSendSetup& setup, std::uint8_t te_pt, std::uint32_t clock_rate, std::uint32_t source_ssrc,
                std::int64_t now_ns) noexcept;
  std::size_t next_event_packet(std::span<Frame> out) noexcept;
  std::size_t next_tone_frame(std::span<Frame> out) noexcept;

  DtmfSendSetup setup_;
  std::uint8_t te_pt_;
  std::uint32_t source_ssrc_;
  std::uint32_t slot_units_;      // RTP units per 20 ms
  std::int64_t next_due_ns_;
  std::uint32_t timestamp_;       // the slot's position on this stream's clock
  std::uint16_t sequence_;
  bool finished_ = false;
  // RFC 4733: the digit being sent, its start, and the gap slots left.
  ivr::Rfc4733Sender events_;
  std::uint8_t digit_ = 0;
  std::uint16_t durations_ms_[DtmfSendSetup::kMaxDigits] = {};   // per digit: a forwarder's differ
  bool in_event_ = false;
  std::uint32_t event_timestamp_ = 0;
  std::uint32_t gap_slots_left_ = 0;
  std::uint8_t event_payload_[ivr::kTelephoneEventSize] = {};
  // Tones: generator and encoder (allocated by create()).
  std::unique_ptr<ivr::DtmfGenerator> tones_;
  std::optional<FrameEncoder> encoder_;
};

}  // namespace sb::dataplane
