// In-band DTMF detection for one audio stream, reporting each digit once
// with its start time and duration. This is the detector the media path uses
// on every leg that needs in-band digits.
//
// It takes 8 kHz linear PCM in frames of any size (wider-band legs resample
// first), keeps all state inline and never allocates, locks or logs.
//
//   DtmfDetector det;
//   DtmfDigit out[4];
//   std::size_t n = det.process(frame, out);   // digits that ENDED in this frame
//   if (det.active_digit()) ...                // a digit is sounding now (barge-in)
//   n = det.finish(out);                       // end of stream: close a digit still on
//
// How it decides (ITU-T Q.24 and the Bellcore/Mitel receiver tests are the
// specification; tests/unit/ivr holds it to them):
//  * Blocks of 102 samples (12.75 ms), each split into two 51-sample halves.
//    Eight Goertzel filters (the four row and four column frequencies) run on
//    both halves at once, vectorised, which yields for each frequency the
//    full-block power and the phase advance between the halves.
//  * A block is a hit for digit (r, c) when: both tones are above the level
//    floor; the twist is within the accepted normal/reverse limits; no other
//    row or column is within 8 dB of the winner; the two tones carry most of
//    the block's energy; the tone is present in both halves (so a block only
//    partly covered by a tone is not a hit — this, not a duration filter, is
//    what rejects tones shorter than 23 ms at every alignment); and each
//    tone's frequency, measured from the half-to-half phase advance after
//    the two tones' mutual leakage is solved out, is within the cut between
//    Q.24's accept band (±1.5% + 2 Hz) and reject band (±3.5%). Measuring the deviation directly is what lets the detector
//    accept ±1.5% on 1633 Hz, where a power-only test on 102-sample blocks
//    has already lost 1.4 dB, and reject ±3.5% on 697 Hz, where it has lost
//    the same 1.4 dB.
//  * Two consecutive hits of one digit turn it on, unless the run's second
//    harmonics are strong (talk-off: vowels that put harmonics on a row and
//    a column also have harmonics at twice those); three consecutive blocks
//    without it turn it off, so a drop-out of up to 10 ms inside a digit
//    does not split it. A digit is reported when it ends.
//  * Timing: a hit block is at least ~85% covered by the tone, so the first
//    and last hit blocks sit on average 0.35 block inside the tone; reported
//    start and duration add that back, accurate to about ±6 ms.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "ivr/dtmf.hpp"

namespace sb::ivr {

struct DtmfDetectorOptions {
  double min_level_dbm0 = -40.0;     // weakest tone of the pair accepted (-36 dBm0 reliably)
  double normal_twist_db = 8.0;      // high group weaker than low group, accepted
  double reverse_twist_db = 4.0;     // low group weaker than high group, accepted
  // Added to both twist limits: a tone at the edge of the frequency band
  // reads up to 1.4 dB low through a 102-sample block.
  double twist_margin_db = 1.5;
  double relative_peak_db = 8.0;     // every other row/column this far below the winner
  double min_tone_fraction = 0.6;    // of the block's energy carried by the two tones
};

class DtmfDetector {
 public:
  static constexpr int kBlock = 102;
  static constexpr int kHalf = kBlock / 2;

  explicit DtmfDetector(const DtmfDetectorOptions& options = {}) noexcept;

  // Feeds 8 kHz samples; writes digits that ended to `out` and returns how
  // many (at most one digit can end per block, so out.size() >= frame/102+1
  // never overflows; excess is counted in dropped_reports()).
  std::size_t process(std::span<const std::int16_t> pcm, std::span<DtmfDigit> out) noexcept;
  // Lost audio (a missing packet): the partial block is discarded and time
  // moves on; digit state is kept, so a loss inside a digit neither ends it
  // nor makes it count twice.
  void fill_in(int samples) noexcept;
  // Stream end: reports a digit that is still sounding.
  std::size_t finish(std::span<DtmfDigit> out) noexcept;
  void reset() noexcept;

  char active_digit() const noexcept { return digit_; }
  // A digit is on, or the last block looked like one (not yet confirmed):
  // what DTMF suppression mutes on.
  bool tone_present() const noexcept { return digit_ != 0 || candidate_ != 0; }
  std::uint64_t samples_processed() const noexcept { return position_; }
  std::uint64_t dropped_reports() const noexcept { return dropped_reports_; }

 private:
  struct BlockResult {
    char digit;
    int level_dbm0;
    float harmonic;  // strongest second harmonic relative to its fundamental
  };
  BlockResult analyse_block() const noexcept;
  void on_block(const BlockResult& r, std::uint64_t start, std::uint64_t end) noexcept;
  void report(std::span<DtmfDigit> out, std::size_t& count) noexcept;

  // Limits derived from the options once, as power ratios.
  float min_power_;
  float normal_twist_;
  float reverse_twist_;
  float relative_peak_;
  float min_fraction_;

  float block_[kBlock];
  int fill_ = 0;
  std::uint64_t position_ = 0;     // samples fed plus samples filled in
  std::uint64_t block_start_ = 0;  // position of block_[0]

  // Run of identical block hits (the candidate for the next digit).
  char candidate_ = 0;
  int candidate_hits_ = 0;
  std::uint64_t candidate_start_ = 0;
  float candidate_harmonic_ = 0;   // sum over the run's blocks
  // The digit currently on.
  char digit_ = 0;
  int misses_ = 0;
  int level_ = 0;
  std::uint64_t digit_start_ = 0;
  std::uint64_t digit_last_end_ = 0;
  bool pending_report_ = false;
  DtmfDigit pending_{};
  std::uint64_t dropped_reports_ = 0;
};

}  // namespace sb::ivr
