// Tone generation through SpanDSP: call-progress tones (ringback, busy,
// dial, reorder, beep) for three regional plans, and DTMF digit strings.
//
// Generators produce 8 kHz linear PCM frame by frame with all state inline
// (no allocation after construction), so a worker can play ringback to a
// caller while the agent's phone rings. Other rates go through the
// resampler; prompts and tones are pre-encoded per codec at load anyway.
//
//   ToneGenerator ring(tone_spec(ToneKind::kRingback, ToneRegion::kNorthAmerica));
//   ring.generate(frame);               // 160 samples of cadenced 440+480 Hz
//
//   DtmfGenerator dtmf;                 // -10 dBm0, 50 ms on / 50 ms off
//   dtmf.queue("1234#");
//   while (dtmf.generate(frame) > 0) send(frame);
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace sb::ivr {

enum class ToneKind { kRingback, kBusy, kDial, kReorder, kBeep };
enum class ToneRegion { kNorthAmerica, kEurope, kUnitedKingdom };

// Two frequencies (f2 = 0 for one) at one level, with up to two on/off
// cadence pairs; repeat = false plays the cadence once.
struct ToneSpec {
  int f1_hz = 0;
  int f2_hz = 0;
  int level_dbm0 = -13;     // per frequency
  int on1_ms = 0, off1_ms = 0, on2_ms = 0, off2_ms = 0;
  bool repeat = true;
};

// The plan's tone: North America (ANSI T1.401 / Bellcore precise tones),
// Europe (ETSI EG 201 18, 425 Hz), United Kingdom (BT SIN 350).
ToneSpec tone_spec(ToneKind kind, ToneRegion region) noexcept;
std::string_view tone_kind_name(ToneKind kind) noexcept;

class ToneGenerator {
 public:
  explicit ToneGenerator(const ToneSpec& spec) noexcept;
  ToneGenerator(const ToneGenerator&) = delete;
  ToneGenerator& operator=(const ToneGenerator&) = delete;

  // Fills `out` (8 kHz). Returns samples written; fewer than out.size() only
  // when a non-repeating tone has finished (the rest is left untouched).
  int generate(std::span<std::int16_t> out) noexcept;
  void restart() noexcept;

 private:
  ToneSpec spec_;
  alignas(8) unsigned char desc_storage_[112];
  alignas(8) unsigned char state_storage_[96];
};

class DtmfGenerator {
 public:
  // level: the low (row) tone in dBm0; twist: how much louder the high
  // (column) tone is, in dB. Timing per digit in ms.
  explicit DtmfGenerator(int level_dbm0 = -10, int twist_db = 0, int on_ms = 50, int off_ms = 50) noexcept;
  DtmfGenerator(const DtmfGenerator&) = delete;
  DtmfGenerator& operator=(const DtmfGenerator&) = delete;

  // Queues digits (0-9 * # A-D); returns how many were queued. Characters
  // after the first non-digit are ignored; if the valid prefix does not fit
  // in the free space of SpanDSP's 128-digit queue, nothing is queued.
  int queue(std::string_view digits) noexcept;
  // Fills `out` with tone and inter-digit silence. Returns samples written:
  // 0 once the queue is empty and the last pause has played.
  int generate(std::span<std::int16_t> out) noexcept;

 private:
  alignas(8) unsigned char state_storage_[256];
};

}  // namespace sb::ivr
