// Audio inputs for benchmarks: the committed speech clip (codecs are timed
// on speech, not on a synthetic tone, because their cost depends on it).
#pragma once

#include <cstdint>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <vector>

#include "codecs/resampler.hpp"
#include "common/audio_file.hpp"

namespace sb::bench {

inline std::vector<std::int16_t> speech(int rate) {
  const char* dir = std::getenv("SB_TEST_DATA");
  const std::string path = std::string(dir ? dir : "tests/data") + "/speech_16k.wav";
  auto clip = read_audio_file(path);
  if (!clip) throw std::runtime_error(clip.status().to_string());
  auto pcm = clip->channel(0);
  if (rate == clip->sample_rate) return pcm;
  auto rs = codecs::Resampler::create(clip->sample_rate, rate, 8);
  if (!rs) throw std::runtime_error(rs.status().to_string());
  std::vector<std::int16_t> out(rs->max_output(pcm.size()));
  out.resize(static_cast<std::size_t>(rs->process(pcm, out)));
  return out;
}

}  // namespace sb::bench
