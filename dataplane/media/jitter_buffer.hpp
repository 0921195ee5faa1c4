// Adaptive jitter buffer for one decoded leg: RTP payloads in, in arrival
// order; payloads out, in timestamp order, at the time they are due.
//
// Used where the server terminates media (IVR, conference, recording,
// transcoding), never on the relay fast path. The caller pushes every RTP
// packet of the leg with its arrival time and, on each media tick, pops
// everything that is due; a `kLost` result is where the decoder's PLC (or
// Opus FEC from the next packet) fills in.
//
//   JitterBuffer jb({.clock_rate = 8000});
//   jb.push(rtp.seq, rtp.timestamp, rtp.marker, payload, clock.now());
//   JitterBuffer::Frame f;
//   while (jb.pop(clock.now(), f)) {
//     if (f.kind == JitterBuffer::Frame::kPacket) decode(f.payload);
//     else conceal(f.duration_ts);
//   }
//
// Time model: the first packet of a talk-spurt fixes a reference (arrival
// time, timestamp); packet t is due at reference + (t − t_ref)/rate + delay.
// The delay adapts to the measured jitter (RFC 3550 interarrival jitter,
// scaled): it grows at once when a packet would have been late, and shrinks
// only at talk-spurt starts, where moving the playout point is inaudible.
// Reordered packets take their slot; duplicates, packets for timestamps
// already played (late) and packets far outside the window are counted and
// dropped; a timestamp jump (a new source, a restarted sender) resets the
// reference. Every ptime from 10 to 60 ms works: frame length is learnt from
// timestamp steps. All storage is allocated at construction.
//
// Counting concealment: at a frame's due time with nothing for it the
// buffer cannot tell a lost packet from a sender that stopped (the end of
// a stream, hold, DTX without a marker), so it yields kLost either way and
// counts the frame only once a later packet of the same run shows the
// sender was still going (played after it, or arriving late for it):
// `lost`. Frames concealed at the end of a run (the buffer then pauses, a
// timestamp jump starts a new source, or a marked talk-spurt starts) are
// the silence between runs and count as `trailing`. So a clean, steady
// stream counts no concealment, however it ends.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "common/clock.hpp"

namespace sb::media {

struct JitterBufferOptions {
  int clock_rate = 8000;                  // RTP timestamp units per second
  std::size_t slots = 64;                 // packets held at most (a power of two)
  std::size_t max_payload = 1275;         // bytes per packet (Opus maximum)
  Nanos min_delay = std::chrono::milliseconds(20);
  Nanos max_delay = std::chrono::milliseconds(300);
  Nanos initial_delay = std::chrono::milliseconds(40);
  // Target = jitter_factor × RFC 3550 jitter + one frame, clamped to [min, max].
  double jitter_factor = 3.0;
  // A timestamp this far from the expected one starts a new reference.
  Nanos resync_threshold = std::chrono::seconds(2);
};

struct JitterBufferStats {
  std::uint64_t pushed = 0;
  std::uint64_t played = 0;
  std::uint64_t lost = 0;          // concealed, and a later packet confirmed the sender was still sending
  std::uint64_t trailing = 0;      // concealed at the end of a run (the sender stopped or paused)
  std::uint64_t late = 0;          // arrived after its timestamp was played
  std::uint64_t duplicates = 0;
  std::uint64_t overflow = 0;      // no slot (too far ahead of playout)
  std::uint64_t resyncs = 0;
  std::uint64_t oversized = 0;     // payload larger than max_payload
  Nanos current_delay{0};
  double jitter_ms = 0;            // RFC 3550 interarrival jitter
};

class JitterBuffer {
 public:
  struct Frame {
    enum Kind { kPacket, kLost } kind = kLost;
    std::span<const std::uint8_t> payload;  // valid until the next push/pop
    std::uint32_t timestamp = 0;
    std::uint32_t duration_ts = 0;          // for kLost: how much to conceal
    bool marker = false;
  };

  explicit JitterBuffer(const JitterBufferOptions& options);

  // Stores one packet. `duration_ts` is the audio it carries when the
  // caller's codec knows it (G.711: its byte count; Opus: the TOC), else 0
  // and the buffer uses the step it has learnt between packets. Returns false
  // when the packet was dropped (and counted).
  bool push(std::uint16_t seq, std::uint32_t timestamp, bool marker, std::span<const std::uint8_t> payload,
            Nanos arrival, std::uint32_t duration_ts = 0) noexcept;
  // The next due frame, if any: call until it returns false.
  bool pop(Nanos now, Frame& out) noexcept;
  // Drops everything (a re-negotiation, a new source).
  void reset() noexcept;

  const JitterBufferStats& stats() const noexcept { return stats_; }
  std::size_t buffered() const noexcept { return count_; }
  // The learnt frame length in timestamp units (0 until two packets were seen).
  std::uint32_t frame_ts() const noexcept { return frame_ts_; }

 private:
  struct Slot {
    bool used = false;
    bool marker = false;
    std::uint16_t seq = 0;
    std::uint32_t timestamp = 0;
    std::uint16_t size = 0;
    std::uint32_t duration = 0;  // 0: unknown
  };

  Nanos due_time(std::uint32_t ts) const noexcept;
  std::int64_t ts_diff(std::uint32_t a, std::uint32_t b) const noexcept { return static_cast<std::int32_t>(a - b); }
  Nanos ts_to_time(std::int64_t units) const noexcept;
  void set_reference(std::uint32_t ts, Nanos arrival) noexcept;
  void update_jitter(std::uint32_t ts, Nanos arrival) noexcept;
  Nanos target_delay() const noexcept;
  // The learnt frame length, or 20 ms before one is known.
  std::uint32_t frame_or_default() const noexcept {
    return frame_ts_ ? frame_ts_ : static_cast<std::uint32_t>(opt_.clock_rate / 50);
  }
  // Index of the buffered packet with the smallest timestamp >= playout_ts_.
  int next_slot() const noexcept;
  // The frames concealed since the last packet played were losses (the
  // sender kept going), or the gap after a run that ended.
  void confirm_lost() noexcept {
    stats_.lost += unconfirmed_lost_;
    unconfirmed_lost_ = 0;
  }
  void end_run() noexcept {
    stats_.trailing += unconfirmed_lost_;
    unconfirmed_lost_ = 0;
  }

  JitterBufferOptions opt_;
  std::unique_ptr<Slot[]> slots_;
  std::unique_ptr<std::uint8_t[]> payloads_;
  std::size_t mask_;
  std::size_t count_ = 0;

  bool started_ = false;
  Nanos ref_time_{0};
  std::uint32_t ref_ts_ = 0;
  Nanos delay_{0};
  std::uint32_t playout_ts_ = 0;   // next timestamp to play
  std::uint32_t frame_ts_ = 0;
  bool have_last_ = false;
  bool paused_ = false;            // the sender went quiet; the next packet re-references
  int consecutive_lost_ = 0;
  std::uint32_t unconfirmed_lost_ = 0;  // kLost frames not yet counted as lost or trailing
  std::uint16_t last_seq_ = 0;
  std::uint32_t last_ts_ = 0;      // for jitter and frame length
  Nanos last_arrival_{0};
  double jitter_ts_ = 0;           // RFC 3550 J, in timestamp units

  JitterBufferStats stats_;
};

}  // namespace sb::media
