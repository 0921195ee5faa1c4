#include "codecs/resampler.hpp"

#include <speex/speex_resampler.h>

#include <string>
#include <utility>

namespace sb::codecs {

Result<Resampler> Resampler::create(int in_rate, int out_rate, int quality) {
  if (in_rate < 1000 || in_rate > 192000)
    return invalid_argument("resampler: input rate " + std::to_string(in_rate) + " is outside 1000..192000");
  if (out_rate < 1000 || out_rate > 192000)
    return invalid_argument("resampler: output rate " + std::to_string(out_rate) + " is outside 1000..192000");
  if (quality < 0 || quality > 10)
    return invalid_argument("resampler: quality " + std::to_string(quality) + " is outside 0..10");
  int err = 0;
  SpeexResamplerState* s = speex_resampler_init(1, static_cast<spx_uint32_t>(in_rate),
                                                static_cast<spx_uint32_t>(out_rate), quality, &err);
  if (!s || err != RESAMPLER_ERR_SUCCESS) return internal_error("resampler: speexdsp initialisation failed");
  // Without this the first frames are the filter's zero-filled history
  // ramping in, which a prompt's first syllable would lose.
  speex_resampler_skip_zeros(s);
  return Resampler(s, in_rate, out_rate);
}

Resampler::Resampler(Resampler&& o) noexcept
    : state_(std::exchange(o.state_, nullptr)), in_rate_(o.in_rate_), out_rate_(o.out_rate_) {}

Resampler& Resampler::operator=(Resampler&& o) noexcept {
  if (this != &o) {
    if (state_) speex_resampler_destroy(state_);
    state_ = std::exchange(o.state_, nullptr);
    in_rate_ = o.in_rate_;
    out_rate_ = o.out_rate_;
  }
  return *this;
}

Resampler::~Resampler() {
  if (state_) speex_resampler_destroy(state_);
}

std::size_t Resampler::max_output(std::size_t in) const noexcept {
  return (in * static_cast<std::size_t>(out_rate_) + static_cast<std::size_t>(in_rate_) - 1) /
             static_cast<std::size_t>(in_rate_) + 1;
}

int Resampler::process(std::span<const std::int16_t> in, std::span<std::int16_t> out) noexcept {
  if (out.size() < max_output(in.size())) return -1;
  spx_uint32_t in_len = static_cast<spx_uint32_t>(in.size());
  spx_uint32_t out_len = static_cast<spx_uint32_t>(out.size());
  std::size_t produced = 0;
  const std::int16_t* src = in.data();
  // speexdsp may stop early when its internal buffer fills; loop until the
  // input is consumed so callers get "all of it" semantics.
  while (in_len > 0) {
    spx_uint32_t i = in_len, o = out_len;
    if (speex_resampler_process_int(state_, 0, src, &i, out.data() + produced, &o) != RESAMPLER_ERR_SUCCESS)
      return -1;
    src += i;
    in_len -= i;
    produced += o;
    out_len -= o;
    if (i == 0 && o == 0) break;
  }
  return static_cast<int>(produced);
}

int Resampler::output_latency() const noexcept { return speex_resampler_get_output_latency(state_); }

}  // namespace sb::codecs
