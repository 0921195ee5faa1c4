// SpanDSP's in-band DTMF receiver (dtmf_rx) behind the same interface as the
// product's DtmfDetector. Kept as the reference the product detector is
// measured against: bench/ivr_bench times both in the same run and
// tests/unit/ivr runs the receiver tests on both. SpanDSP 0.0.6 as packaged
// misses ±1.5% deviations on the 1477/1633 Hz columns (its energy-fraction
// test with 102-sample blocks loses 1.4 dB there), rejects 8 dB normal twist
// at its defaults and lets some 22 ms tones through, which is why the
// product has its own detector (ivr/dtmf_detector.hpp).
//
// SpanDSP decides in 102-sample blocks and confirms a change after two
// agreeing blocks; a digit's duration is measured between the "on" and "off"
// decisions, which carry equal delay.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "ivr/dtmf.hpp"

namespace sb::ivr {

struct SpanDspDtmfOptions {
  bool filter_dialtone = true;
  int normal_twist_db = 8;
  int reverse_twist_db = 4;
  int threshold_dbm0 = -42;
};

class SpanDspDtmfDetector {
 public:
  explicit SpanDspDtmfDetector(const SpanDspDtmfOptions& options = {}) noexcept;
  SpanDspDtmfDetector(const SpanDspDtmfDetector&) = delete;
  SpanDspDtmfDetector& operator=(const SpanDspDtmfDetector&) = delete;

  std::size_t process(std::span<const std::int16_t> pcm, std::span<DtmfDigit> out) noexcept;
  std::size_t finish(std::span<DtmfDigit> out) noexcept;
  void reset() noexcept;

 private:
  static void on_tone(void* self, int code, int level, int delay) noexcept;
  void emit(const DtmfDigit& d) noexcept;

  // SpanDSP's dtmf_rx_state_t lives here (size checked in the .cpp), which
  // keeps SpanDSP's headers out of every includer.
  alignas(16) unsigned char rx_storage_[448];
  SpanDspDtmfOptions options_;
  std::uint64_t position_ = 0;
  std::uint64_t fed_ = 0;
  std::uint64_t on_decision_ = 0;
  DtmfDigit current_{};
  bool active_ = false;
  std::span<DtmfDigit> out_{};
  std::size_t out_count_ = 0;
};

}  // namespace sb::ivr
