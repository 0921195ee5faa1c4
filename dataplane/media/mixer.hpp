// Audio mixing for one room: a conference of up to 64 parties with
// mix-minus, and the supervisor modes on an agent call (listen, whisper,
// barge), all as one mechanism — who hears whom.
//
// Every party speaks to a set of listeners. By default that is everyone
// else in the room (a conference: each party hears the sum of the others,
// never itself). A supervisor changes the sets:
//   listen   supervisor hears caller and agent; nobody hears the supervisor
//   whisper  the agent also hears the supervisor; the caller does not
//   barge    everyone hears everyone (a three-way conference)
//
// Per 20 ms tick the worker puts each party's decoded frame (8 or 16 kHz),
// calls mix(), and takes each party's output. Parties heard by everyone are
// summed once and each listener gets the sum minus its own contribution
// (O(parties) per tick); only parties with a restricted audience are added
// listener by listener. Accumulation is 32-bit and outputs saturate to
// 16-bit. Storage is fixed at construction: no allocation on the tick.
#pragma once

#include <cstdint>
#include <span>

namespace sb::media {

class MixRoom {
 public:
  static constexpr int kMaxParties = 64;
  static constexpr int kMaxFrame = 320;  // 20 ms at 16 kHz

  // sample_rate 8000 or 16000; frame_samples = rate * 20 ms.
  explicit MixRoom(int sample_rate = 8000) noexcept;

  int sample_rate() const noexcept { return rate_; }
  int frame_samples() const noexcept { return frame_; }
  int parties() const noexcept { return count_; }

  // Returns the party's slot, or -1 when the room is full.
  int add_party() noexcept;
  void remove_party(int party) noexcept;
  bool active(int party) const noexcept;

  // Who hears `speaker`: a bit per party slot. hear_all() restores the
  // conference default (everyone but the speaker).
  void set_listeners(int speaker, std::uint64_t listeners) noexcept;
  void hear_all(int speaker) noexcept;
  std::uint64_t listeners(int speaker) const noexcept;

  // This tick's audio from `party` (frame_samples() samples). A party that
  // puts nothing contributes silence this tick.
  void put(int party, std::span<const std::int16_t> frame) noexcept;
  // Mixes the tick and clears the inputs for the next one.
  void mix() noexcept;
  // What `party` hears this tick; valid until the next mix().
  std::span<const std::int16_t> output(int party) const noexcept;

 private:
  int rate_;
  int frame_;
  int count_ = 0;
  std::uint64_t active_ = 0;
  std::uint64_t restricted_ = 0;          // parties whose audience is not "everyone"
  std::uint64_t has_input_ = 0;
  std::uint64_t listeners_[kMaxParties] = {};
  std::int16_t in_[kMaxParties][kMaxFrame] = {};
  std::int16_t out_[kMaxParties][kMaxFrame] = {};
};

enum class SupervisorMode { kListen, kWhisper, kBarge };

// Sets the audiences for a supervised agent call in `room`: caller and
// agent hear each other; the supervisor hears both and is heard as `mode` says.
void supervise(MixRoom& room, int caller, int agent, int supervisor, SupervisorMode mode) noexcept;

}  // namespace sb::media
