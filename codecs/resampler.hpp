// Sample-rate conversion through speexdsp, one instance per stream.
//
// Used where a leg's codec rate differs from the pipeline rate (8 kHz G.711
// into a 16 kHz conference, 48 kHz Opus into 8 kHz DTMF detection) and when
// prompts are converted at load. The state is allocated in create(); process()
// does not allocate. The filter keeps history across calls, so feeding one
// stream frame by frame gives the same output as one long call.
#pragma once

#include <cstdint>
#include <span>

#include "common/status.hpp"

struct SpeexResamplerState_;

namespace sb::codecs {

class Resampler {
 public:
  // quality 0..10 (speexdsp's scale; 3 is its VoIP default, 5 desktop).
  // Errors: invalid-argument for rates outside 1000..192000 or bad quality.
  static Result<Resampler> create(int in_rate, int out_rate, int quality = 5);

  Resampler(Resampler&& o) noexcept;
  Resampler& operator=(Resampler&& o) noexcept;
  Resampler(const Resampler&) = delete;
  Resampler& operator=(const Resampler&) = delete;
  ~Resampler();

  int in_rate() const noexcept { return in_rate_; }
  int out_rate() const noexcept { return out_rate_; }
  // Output samples produced for `in` samples of input, rounded up; size
  // output buffers with it.
  std::size_t max_output(std::size_t in) const noexcept;

  // Converts all of `in`; returns samples written to `out` (< 0 if `out` is
  // too small for max_output(in.size())).
  int process(std::span<const std::int16_t> in, std::span<std::int16_t> out) noexcept;
  // Samples of delay the filter adds, at the output rate.
  int output_latency() const noexcept;

 private:
  Resampler(SpeexResamplerState_* s, int in, int out) : state_(s), in_rate_(in), out_rate_(out) {}
  SpeexResamplerState_* state_ = nullptr;
  int in_rate_ = 0;
  int out_rate_ = 0;
};

}  // namespace sb::codecs
