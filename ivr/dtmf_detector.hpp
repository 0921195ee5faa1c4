// In-band DTMF detection for one audio stream (SpanDSP dtmf_rx), reporting
// each digit once with its start time and duration.
//
// One detector per leg that needs in-band detection. It takes 8 kHz linear
// PCM in frames of any size (wider-band legs resample first) and keeps all
// state inline: no allocation, no locks, suitable for the media path.
//
//   DtmfDetector det;
//   DtmfDigit out[4];
//   std::size_t n = det.process(frame, out);    // digits that ENDED in this frame
//   if (det.active_digit()) ...                 // a digit is sounding now (barge-in)
//   n = det.finish(out);                        // end of stream: close a digit still on
//
// Timing: SpanDSP decides in 102-sample blocks and confirms a change after
// two agreeing blocks. A digit's duration is measured between those two
// decisions, which are delayed equally, so it is unbiased to about ±1 block
// (±13 ms). The start is the "on" decision moved back by the detector's mean
// confirmation delay (1.5 blocks).
//
// Acceptance (tested in tests/unit/ivr): ITU-T Q.24 / Bellcore frequency
// tolerance (±1.5% accepted, ±3.5% rejected), normal twist up to 8 dB and
// reverse twist up to 4 dB, digits of 40 ms with 40 ms pauses, tones shorter
// than 23 ms rejected by the minimum-duration rule below.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace sb::ivr {

struct DtmfDigit {
  char digit = 0;                     // '0'-'9', '*', '#', 'A'-'D'
  std::uint64_t start_sample = 0;     // at 8 kHz, from the first sample fed
  std::uint32_t duration_samples = 0;
  int level_dbm0 = 0;                 // as SpanDSP measured it at detection

  std::uint64_t start_ms() const noexcept { return start_sample / 8; }
  std::uint32_t duration_ms() const noexcept { return duration_samples / 8; }
};

struct DtmfDetectorOptions {
  // Notch out 350 Hz and 440 Hz (North American dial tone), for lines where
  // digits are sent over a dial or ringback tone.
  bool filter_dialtone = true;
  int normal_twist_db = 8;    // column (high) group weaker than row group
  int reverse_twist_db = 4;   // row (low) group weaker than column group
  int threshold_dbm0 = -42;   // weakest tone accepted
  // Digits whose measured duration is below this are discarded. SpanDSP's
  // two-block rule alone lets a 20 ms tone that straddles a block boundary
  // through; 28 ms separates the "must reject" (< 23 ms) from the "must
  // accept" (>= 40 ms) classes given the ±1-block measurement error.
  std::uint32_t min_duration_samples = 28 * 8;
};

class DtmfDetector {
 public:
  explicit DtmfDetector(const DtmfDetectorOptions& options = {}) noexcept;
  DtmfDetector(const DtmfDetector&) = delete;
  DtmfDetector& operator=(const DtmfDetector&) = delete;

  // Feeds 8 kHz samples; writes digits that ended to `out` and returns how
  // many. More than out.size() digits cannot end within one call of up to
  // 60 ms per slot; extras are counted in dropped_reports().
  std::size_t process(std::span<const std::int16_t> pcm, std::span<DtmfDigit> out) noexcept;
  // Lost audio (a missing packet): resets the current block, keeps digit state.
  void fill_in(int samples) noexcept;
  // Stream end: reports a digit that is still sounding, measured to now.
  std::size_t finish(std::span<DtmfDigit> out) noexcept;
  void reset() noexcept;

  char active_digit() const noexcept { return active_ ? current_.digit : 0; }
  std::uint64_t samples_processed() const noexcept { return position_; }
  std::uint64_t dropped_reports() const noexcept { return dropped_reports_; }
  std::uint64_t rejected_short() const noexcept { return rejected_short_; }

 private:
  static void on_tone(void* self, int code, int level, int delay) noexcept;
  void emit(const DtmfDigit& d) noexcept;

  // SpanDSP's dtmf_rx_state_t lives here (its size is checked in the .cpp);
  // keeping SpanDSP out of this header keeps it out of every includer.
  alignas(16) unsigned char rx_storage_[448];
  DtmfDetectorOptions options_;
  std::uint64_t position_ = 0;   // samples reported by SpanDSP callbacks so far
  std::uint64_t fed_ = 0;        // samples given to process()
  DtmfDigit current_{};
  std::uint64_t on_decision_ = 0;  // position of the current digit's "on" decision
  bool active_ = false;
  std::span<DtmfDigit> out_{};
  std::size_t out_count_ = 0;
  std::uint64_t dropped_reports_ = 0;
  std::uint64_t rejected_short_ = 0;
};

}  // namespace sb::ivr
