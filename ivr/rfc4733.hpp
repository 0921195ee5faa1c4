// RFC 4733 telephone-event payloads: parse, build, and the per-stream
// receiver and sender state machines for DTMF digits.
//
// A digit travels as a run of RTP packets sharing one RTP timestamp (the
// event's start); each carries the growing duration, and the last three
// repeat it with the End bit. Packets get lost, reordered and retransmitted,
// so the receiver keys events on the timestamp and reports each digit exactly
// once: on its first End packet, or, if every End was lost, when the next
// event starts or the stream goes quiet (poll()).
//
//   Rfc4733Receiver rx(8000);
//   auto r = rx.on_packet(rtp.timestamp, payload, now);
//   if (r.ended) deliver(r.digit);                    // once per digit
//
//   Rfc4733Sender tx(8000, 160);                      // 20 ms packets
//   tx.start('5', 100 /*ms*/);
//   Rfc4733Packet p; while (tx.next(p)) send(p);      // one call per 20 ms
//
// Everything here is allocation-free and runs in the media path.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "common/clock.hpp"

namespace sb::ivr {

struct TelephoneEvent {
  std::uint8_t event = 0;      // 0-9, 10 '*', 11 '#', 12-15 A-D, 16 flash, others
  bool end = false;
  std::uint8_t volume = 10;    // 0..63, in -dBm0
  std::uint16_t duration = 0;  // in RTP timestamp units
};

inline constexpr std::size_t kTelephoneEventSize = 4;
inline constexpr std::size_t kMaxEventsPerPayload = 8;

// '0'..'9','*','#','A'..'D' for events 0-15; 0 for anything else.
char event_to_digit(std::uint8_t event) noexcept;
// -1 for a character that is not a DTMF digit (lower-case a-d accepted).
int digit_to_event(char digit) noexcept;

// Parses every 4-byte event block in `payload`. Returns the count written
// to `out`, or -1 when the payload is malformed (empty, not a multiple of 4
// bytes, or more blocks than out can hold). The R bit is ignored on receipt,
// as RFC 4733 §2.3.4 requires.
int parse_telephone_events(std::span<const std::uint8_t> payload, std::span<TelephoneEvent> out) noexcept;

// Writes one 4-byte block; returns 4, or 0 if `out` is too small or
// volume > 63.
std::size_t build_telephone_event(const TelephoneEvent& ev, std::span<std::uint8_t> out) noexcept;

struct Rfc4733Digit {
  char digit = 0;
  std::uint32_t rtp_timestamp = 0;   // the event's start
  std::uint32_t duration_ts = 0;     // RTP timestamp units
  std::uint32_t duration_ms = 0;
  std::uint8_t volume = 0;
  bool end_received = false;         // false: concluded by a new event or by silence
};

struct Rfc4733Result {
  bool began = false;      // a new digit started in this packet (barge-in can act now)
  bool ended = false;      // `digit` holds a completed digit to deliver
  bool malformed = false;  // counted and ignored
  Rfc4733Digit digit{};
  // A packet can end one digit and begin the next; if so `digit` is the
  // ended one and `began_digit` the new one.
  char began_digit = 0;
};

class Rfc4733Receiver {
 public:
  // clock_rate: the telephone-event rtpmap rate (8000, or 48000 with Opus).
  // quiet_timeout: with no packet for this long, an event whose End packets
  // were all lost is concluded by poll().
  Rfc4733Receiver() noexcept = default;
  explicit Rfc4733Receiver(int clock_rate, Nanos quiet_timeout = std::chrono::milliseconds(250)) noexcept
      : clock_rate_(clock_rate), quiet_timeout_(quiet_timeout) {}

  Rfc4733Result on_packet(std::uint32_t rtp_timestamp, std::span<const std::uint8_t> payload, Nanos now) noexcept;
  // Concludes an event left open by lost End packets. Call on a timer.
  Rfc4733Result poll(Nanos now) noexcept;

  char active_digit() const noexcept { return active_ ? current_.digit : 0; }
  std::uint64_t malformed() const noexcept { return malformed_; }
  std::uint64_t duplicates() const noexcept { return duplicates_; }
  std::uint64_t non_dtmf_events() const noexcept { return non_dtmf_; }

 private:
  void start(std::uint32_t ts, const TelephoneEvent& ev, Nanos now) noexcept;
  Rfc4733Digit conclude(bool end_received) noexcept;
  std::uint32_t to_ms(std::uint32_t ts_units) const noexcept;
  bool recently_ended(std::uint32_t ts, std::uint8_t event) const noexcept;
  void remember_ended(std::uint32_t ts, std::uint8_t event) noexcept;

  int clock_rate_ = 8000;
  Nanos quiet_timeout_ = std::chrono::milliseconds(250);
  bool active_ = false;
  std::uint8_t current_event_ = 0;
  Rfc4733Digit current_{};
  Nanos last_packet_{0};
  // Timestamps of the last few concluded events, to absorb their late
  // retransmissions (End packets repeat; networks duplicate).
  struct Ended { std::uint32_t ts; std::uint8_t event; bool valid; };
  Ended ended_[4] = {};
  std::size_t ended_next_ = 0;
  std::uint64_t malformed_ = 0;
  std::uint64_t duplicates_ = 0;
  std::uint64_t non_dtmf_ = 0;
};

struct Rfc4733Packet {
  std::uint8_t payload[kTelephoneEventSize] = {};
  bool marker = false;          // set on the first packet of the event
  std::uint32_t timestamp_offset = 0;  // always 0: every packet carries the event's start
  bool last = false;            // the final End retransmission
};

class Rfc4733Sender {
 public:
  // samples_per_packet: RTP timestamp units between packets (160 for 20 ms at 8 kHz).
  Rfc4733Sender(int clock_rate, std::uint32_t samples_per_packet, std::uint8_t volume = 10) noexcept
      : clock_rate_(clock_rate), step_(samples_per_packet), volume_(volume) {}

  // Begins a digit of `duration_ms` (clamped to what 16 bits of timestamp
  // hold). False for a character that is not a DTMF digit.
  bool start(char digit, std::uint32_t duration_ms) noexcept;
  // The packet for this interval; false once the event is fully sent.
  bool next(Rfc4733Packet& out) noexcept;
  bool busy() const noexcept { return state_ != State::kIdle; }

 private:
  enum class State { kIdle, kTone, kEnd };
  int clock_rate_;
  std::uint32_t step_;
  std::uint8_t volume_;
  State state_ = State::kIdle;
  std::uint8_t event_ = 0;
  std::uint32_t total_ = 0;    // duration in timestamp units
  std::uint32_t sent_ = 0;     // duration carried so far
  int end_repeats_ = 0;
  bool first_ = true;
};

}  // namespace sb::ivr
