// Reading and writing audio files through libsndfile (control plane only).
//
// Prompts, the `switchboard dtmf` audit command and the tests read files
// with read_audio_file(); what the caller accepts (rate, encoding) is the
// caller's policy, so the clip says what the file held.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.hpp"

namespace sb {

enum class AudioEncoding { kPcm16, kUlaw, kAlaw, kOther };

struct AudioClip {
  int sample_rate = 0;
  int channels = 0;
  AudioEncoding encoding = AudioEncoding::kOther;
  bool is_wav = false;
  std::string format_name;             // "WAV PCM16", "OGG Opus", ... for messages
  std::vector<std::int16_t> samples;   // interleaved, frames * channels

  std::size_t frames() const noexcept { return channels ? samples.size() / static_cast<std::size_t>(channels) : 0; }
  // One channel, de-interleaved.
  std::vector<std::int16_t> channel(int index) const;
};

// Errors: io-error when the file cannot be opened or is not an audio file
// libsndfile knows (the message carries libsndfile's reason).
Result<AudioClip> read_audio_file(const std::string& path);

// Writes interleaved PCM16 as a WAV file (tests, tools).
Status write_wav_pcm16(const std::string& path, int sample_rate, int channels,
                       const std::vector<std::int16_t>& samples);

}  // namespace sb
