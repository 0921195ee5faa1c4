// Prompt playback from a worker to a leg: IVR prompts, music on hold,
// tones and whisper announcements, sent as RTP at the prompt's frame rate
// on the leg's own output stream, so a switch from playback to relay (or
// back) keeps the sequence and timestamp continuity the far end expects.
//
// The control plane encodes prompts once per codec (ivr::PromptStore) and
// passes raw pointers in the play command; MediaSessions holds shared
// references to every prompt it sent to a session until the worker has
// deleted that session, so a prompt never dies while a worker reads it and
// the worker never drops the last reference (which would free on the packet
// path).
//
// While a leg plays, packets relayed towards it from its peer are dropped
// (counted as `playback`): the prompt replaces the far end's audio, as it
// must for an announcement played to an agent before the call is bridged.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "ivr/prompts.hpp"

namespace sb::dataplane {

// Carried in the play command: trivially copyable.
struct PlaybackSetup {
  static constexpr std::size_t kMaxPrompts = 8;
  const ivr::EncodedPrompt* prompts[kMaxPrompts] = {};
  std::uint8_t count = 0;
  std::uint8_t payload_type = 0;   // the leg's negotiated audio payload type
  bool loop = false;               // music on hold: until stopped
  bool barge_in = false;           // a digit from the leg stops the playback
  std::uint32_t id = 0;            // chosen by the control plane; echoed in kPlaybackDone
};

enum class PlaybackEnd : std::uint8_t {
  kFinished,   // played to the end
  kStopped,    // a stop command
  kBargeIn,    // a digit from the leg (the event carries it)
  kReplaced,   // another play command on the leg
  kEnded,      // the session was deleted
};

class LegPlayback {
 public:
  // Checks the list: non-empty, every prompt has frames, one codec and one
  // frame duration. The first frame is due at once.
  static bool valid(const PlaybackSetup& setup) noexcept;

  LegPlayback(const PlaybackSetup& setup, std::uint32_t leg_clock_rate, std::uint32_t source_ssrc,
              std::int64_t now_ns) noexcept;

  const PlaybackSetup& setup() const noexcept { return setup_; }
  std::int64_t next_due_ns() const noexcept { return next_due_ns_; }

  struct Frame {
    std::span<const std::uint8_t> payload;
    std::uint32_t source_ssrc;   // the playback's own input stream, mapped by the leg's OutputStream
    std::uint16_t sequence;
    std::uint32_t timestamp;
    bool marker;                 // first frame of the playback
  };
  // The frame due at `now_ns`, if any, and schedules the next. A worker that
  // fell behind by more than a few frames skips ahead instead of bursting,
  // and the timestamps still advance by the frames it skipped.
  bool next(std::int64_t now_ns, Frame& out) noexcept;
  bool finished() const noexcept { return finished_; }

 private:
  PlaybackSetup setup_;
  std::int64_t frame_ns_ = 20'000'000;
  std::int64_t next_due_ns_ = 0;
  std::uint32_t source_ssrc_ = 0;
  std::uint16_t sequence_ = 0;
  std::uint32_t timestamp_ = 0;
  std::uint32_t timestamp_step_ = 160;
  std::uint8_t item_ = 0;
  std::uint32_t frame_ = 0;
  bool started_ = false;
  bool finished_ = false;
};

}  // namespace sb::dataplane
