// `switchboard dtmf FILE`: lists the in-band DTMF digits in a recording, so
// operators can audit recordings for card numbers that should have been
// suppressed, or confirm what a caller keyed.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <vector>

#include "codecs/resampler.hpp"
#include "common/audio_file.hpp"
#include "control/commands/commands.hpp"
#include "ivr/dtmf_detector.hpp"

namespace sb::control {

namespace {

struct Found {
  int channel;
  ivr::DtmfDigit digit;
};

int fail(const std::string& path, const std::string& why) {
  std::fprintf(stderr, "switchboard dtmf: %s: %s\n", path.c_str(), why.c_str());
  return 2;
}

// Runs one channel through a detector in 20 ms frames, as the media path would.
std::vector<ivr::DtmfDigit> detect(const std::vector<std::int16_t>& pcm8k) {
  ivr::DtmfDetector detector;
  std::vector<ivr::DtmfDigit> found;
  ivr::DtmfDigit out[8];
  constexpr std::size_t kFrame = 160;
  for (std::size_t off = 0; off < pcm8k.size(); off += kFrame) {
    const std::size_t n = std::min(kFrame, pcm8k.size() - off);
    const std::size_t got = detector.process(std::span(pcm8k).subspan(off, n), out);
    found.insert(found.end(), out, out + got);
  }
  const std::size_t got = detector.finish(out);
  found.insert(found.end(), out, out + got);
  return found;
}

}  // namespace

int run_dtmf_command(const DtmfCommandOptions& options) {
  auto clip = read_audio_file(options.path);
  if (!clip) {
    // The message already names the file.
    std::fprintf(stderr, "switchboard dtmf: %s\n", clip.status().message().c_str());
    return 2;
  }
  if (!clip->is_wav) return fail(options.path, "not a WAV file (" + clip->format_name + ")");
  if (clip->encoding == AudioEncoding::kOther)
    return fail(options.path, "unsupported encoding " + clip->format_name + " (expected PCM16, mu-law or A-law)");
  if (clip->sample_rate != 8000 && clip->sample_rate != 16000)
    return fail(options.path, "unsupported sample rate " + std::to_string(clip->sample_rate) +
                                  " Hz (expected 8000 or 16000)");
  if (clip->channels < 1 || clip->channels > 2)
    return fail(options.path, "unsupported channel count " + std::to_string(clip->channels) + " (expected 1 or 2)");

  std::vector<Found> all;
  for (int ch = 0; ch < clip->channels; ++ch) {
    std::vector<std::int16_t> pcm = clip->channel(ch);
    if (clip->sample_rate == 16000) {
      auto rs = codecs::Resampler::create(16000, 8000);
      if (!rs) return fail(options.path, rs.status().to_string());
      std::vector<std::int16_t> down(rs->max_output(pcm.size()));
      const int n = rs->process(pcm, down);
      if (n < 0) return fail(options.path, "resampling failed");
      down.resize(static_cast<std::size_t>(n));
      pcm = std::move(down);
    }
    for (const auto& d : detect(pcm)) all.push_back({ch, d});
  }
  std::stable_sort(all.begin(), all.end(), [](const Found& a, const Found& b) {
    return a.digit.start_sample < b.digit.start_sample;
  });

  const bool stereo = clip->channels == 2;
  for (const auto& f : all) {
    if (options.json) {
      nlohmann::json j = {{"digit", std::string(1, f.digit.digit)},
                          {"start_ms", f.digit.start_ms()},
                          {"duration_ms", f.digit.duration_ms()}};
      if (stereo) j["channel"] = f.channel;
      std::cout << j.dump() << '\n';
    } else {
      std::cout << f.digit.digit << " start_ms=" << f.digit.start_ms() << " duration_ms=" << f.digit.duration_ms();
      if (stereo) std::cout << " channel=" << (f.channel == 0 ? "left" : "right");
      std::cout << '\n';
    }
  }
  return 0;
}

}  // namespace sb::control
