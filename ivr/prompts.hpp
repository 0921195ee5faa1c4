// Prompts: audio loaded once, resampled and pre-encoded for every codec a
// leg may use, so playing a prompt costs a memcpy per frame, not an encode.
//
//   PromptStore store;
//   store.add_file("welcome", "prompts/welcome.wav");           // any libsndfile format
//   store.add_tone("ringback", ToneKind::kRingback, region, 6000);
//   auto enc = store.encoded("welcome", {CodecId::kPcmu});       // control plane, cached
//   PromptPlayer player;                                        // per leg, media path
//   player.start({enc->get(), enc2->get()}, /*loop=*/false);
//   while (auto frame = player.next()) send(*frame);            // one frame per ptime
//
// Encoded prompts are immutable and shared (shared_ptr to const), so a
// reload can replace a prompt while calls still play the old version.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "codecs/codec.hpp"
#include "common/status.hpp"
#include "ivr/tones.hpp"

namespace sb::ivr {

// What a leg needs: the codec and its parameters (Opus bitrate etc.).
struct PromptFormat {
  codecs::CodecId codec = codecs::CodecId::kPcmu;
  codecs::CodecParams params{};
  bool operator<(const PromptFormat& o) const;
};

struct EncodedPrompt {
  std::string name;
  PromptFormat format;
  int frame_samples = 0;                  // PCM samples per frame at the codec's rate
  std::uint32_t timestamp_step = 0;       // RTP timestamp units per frame
  std::vector<std::uint8_t> bytes;        // all frames back to back
  std::vector<std::uint32_t> offsets;     // frame i is bytes[offsets[i], offsets[i+1])
  std::size_t frames() const noexcept { return offsets.empty() ? 0 : offsets.size() - 1; }
  std::span<const std::uint8_t> frame(std::size_t i) const noexcept {
    return {bytes.data() + offsets[i], offsets[i + 1] - offsets[i]};
  }
  double seconds() const noexcept;
};

class PromptStore {
 public:
  // Reads any file libsndfile knows (WAV, Ogg Vorbis/Opus, FLAC ...), mixes
  // to mono. Errors: io-error naming the file, invalid-argument for an empty
  // name or a file with no audio.
  Status add_file(const std::string& name, const std::string& path);
  // Mono PCM at `rate` (tests, generated speech).
  Status add_pcm(const std::string& name, std::vector<std::int16_t> pcm, int rate);
  // A tone cadence rendered for `ms` (loop it for continuous ringback).
  Status add_tone(const std::string& name, ToneKind kind, ToneRegion region, int ms);

  bool contains(const std::string& name) const { return pcm_.count(name) != 0; }
  std::vector<std::string> names() const;

  // The prompt encoded for `format`, encoding it on first use. Errors:
  // not-found for an unknown prompt; the codec's error for bad parameters.
  Result<std::shared_ptr<const EncodedPrompt>> encoded(const std::string& name, const PromptFormat& format);

  // Frees replaced prompts that no player holds any more. Replaced prompts
  // are parked here instead of being freed when a player lets go, so a
  // worker never releases the last reference (and never runs free()).
  std::size_t collect_retired();

 private:
  struct Source {
    std::vector<std::int16_t> pcm;
    int rate = 8000;
  };
  std::map<std::string, Source> pcm_;
  std::map<std::pair<std::string, PromptFormat>, std::shared_ptr<const EncodedPrompt>> cache_;
  std::vector<std::shared_ptr<const EncodedPrompt>> retired_;
};

// Plays a list of encoded prompts, frame by frame, optionally looping (music
// on hold). Holds shared references, so the prompts outlive a reload while
// playing. next() does not allocate.
class PromptPlayer {
 public:
  static constexpr std::size_t kMaxItems = 16;

  // Returns false if the list is empty, too long, or mixes formats.
  bool start(std::span<const std::shared_ptr<const EncodedPrompt>> items, bool loop) noexcept;
  void stop() noexcept;
  bool playing() const noexcept { return count_ > 0 && !done_; }
  // The next frame's payload, or nothing when the list has finished.
  std::optional<std::span<const std::uint8_t>> next() noexcept;
  std::uint32_t timestamp_step() const noexcept { return count_ ? items_[0]->timestamp_step : 0; }

 private:
  std::shared_ptr<const EncodedPrompt> items_[kMaxItems];
  std::size_t count_ = 0;
  std::size_t item_ = 0;
  std::size_t frame_ = 0;
  bool loop_ = false;
  bool done_ = false;
};

}  // namespace sb::ivr
