// Recording a relayed call inside the worker: each leg's relayed audio (as
// the other side hears it, so after DTMF suppression) is decoded into a
// short per-leg buffer, and every 20 ms of the worker's clock one frame —
// caller left, agent right, or both mixed — goes to the recorder's ring for
// this worker (dataplane/recording/recorder.hpp). The writer thread does
// the encoding and the disk; the worker never waits for either.
//
// Timing: frames are cut on the worker's clock, not on packet arrival, so
// the two channels stay aligned and a silent or lost leg becomes silence.
// A leg's buffer starts cutting once it holds a frame and a half (two
// 20 ms packets), so a packet up to a frame late is still in time for its
// frame instead of leaving a hole; it re-primes after running dry (the
// sender paused). It holds at most four frames; beyond that (a sender
// running fast, or a burst after a stall) its oldest audio is dropped so
// the recording never drifts behind the call.
//
// Supervision: the legs' audio is tapped from the packets before they are
// relayed or mixed, so a supervisor joining or leaving (the legs switching
// between relay and a mix room) changes nothing in the caller's or agent's
// channel. What the supervisor says is added by the supervising room's
// tick (supervisor_audio) to the agent's channel (the company's side; the
// mixed channel of a mono recording) when the worker says so: in barge
// and whisper, never in listen (docs/dataplane.md, "Recording a supervised
// call").
//
// Recording a mix room (RoomRecording): no packet tap at all. The room's
// tick already pulls one decoded, jitter-buffered (or concealed) room frame
// per party; the recording sums those frames — the chosen party on the
// left and everyone else on the right, or all of them mixed — and cuts its
// frame in the same tick, so it follows the room's clock exactly and a
// party joining or leaving changes what is summed, never the timeline.
// At 16 kHz the room can be recorded at 8 kHz (resampled per channel).
// Both kinds share RecordingStream (numbering, pause, frames to the ring).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>

#include "codecs/codec.hpp"
#include "codecs/resampler.hpp"
#include "common/status.hpp"
#include "dataplane/recording/recorder.hpp"
#include "dataplane/recording/recording_stream.hpp"
#include "dataplane/session/leg_media.hpp"
#include "dataplane/session/mix_party.hpp"

namespace sb::dataplane {

struct RecordLeg {
  std::uint8_t audio_pt = 0;
  codecs::CodecId codec = codecs::CodecId::kPcmu;
  int sample_rate = 0;                 // 0: the codec's default
};

struct RecordingSetup {
  recording::RecordingId id = 0;
  std::uint8_t channels = 2;           // 2: leg 0 left, leg 1 right; 1: mixed
  int sample_rate = 8000;              // 8000 or 16000, as the recording
  RecordLeg legs[2];                   // a session's legs
  std::uint64_t left_party = 0;        // a room's stereo recording: this PartyId left, the others right
};

class SessionRecording {
 public:
  static constexpr std::int64_t kFrameNs = 20'000'000;

  // Errors: invalid-argument (channels, rate), or a codec the decoder refuses.
  static Result<std::unique_ptr<SessionRecording>> create(const RecordingSetup& setup, recording::RecorderTap& tap,
                                                          std::int64_t now_ns);

  recording::RecordingId id() const noexcept { return out_.id(); }
  // A relayed payload of leg 0 or 1 (other payload types are ignored).
  void on_audio(int leg, std::uint8_t payload_type, std::span<const std::uint8_t> payload,
                LegMedia::Scratch& scratch) noexcept;
  // Cuts the frames due by `now_ns` and hands them to the recorder.
  void tick(std::int64_t now_ns) noexcept;
  void pause() noexcept { out_.pause(); }
  void resume() noexcept { out_.resume(); }
  // Final frames up to now, then the stop that closes the file.
  void stop(std::int64_t now_ns) noexcept;

  // A supervisor's room at `room_rate` now supervises the recorded call (a
  // command: allocates a resampler when the rates differ). Errors: the
  // resampler's.
  Status attach_supervisor(int room_rate);
  void detach_supervisor() noexcept { supervisor_attached_ = false; }
  // Tick of the supervising room: one room frame of what the supervisor
  // said, to be heard in the agent's channel. Ignored unless attached.
  void supervisor_audio(std::span<const std::int16_t> room_frame) noexcept;

 private:
  struct Channel {
    std::optional<codecs::Decoder> decoder;
    std::optional<codecs::Resampler> resample;
    recording::PcmFifo fifo;             // cutting as the timing note above says
  };
  SessionRecording(const RecordingSetup& setup, recording::RecorderTap& tap, std::int64_t now_ns);

  RecordingSetup setup_;
  recording::RecordingStream out_;
  std::array<Channel, 2> legs_;
  Channel supervisor_;                 // no decoder: room-rate PCM, resampled if needed
  bool supervisor_attached_ = false;
  std::int64_t next_frame_ns_;
};

class RoomRecording {
 public:
  // Errors: invalid-argument (channels; a rate other than the room's or
  // 8000), the resampler's.
  static Result<std::unique_ptr<RoomRecording>> create(const RecordingSetup& setup, int room_rate,
                                                       recording::RecorderTap& tap);

  recording::RecordingId id() const noexcept { return out_.id(); }
  // Stereo: the PartyId heard on the left (0 in mono).
  std::uint64_t left_party() const noexcept { return left_party_; }
  // Tick: one party's room frame, as the room pulled it; `left` for the
  // left party of a stereo recording (ignored in mono: everyone is mixed).
  void add(bool left, std::span<const std::int16_t> room_frame) noexcept;
  // Tick: the recording's frame of this tick, from the frames added since
  // the last one (silence when the room is empty).
  void end_tick() noexcept;
  // Room ticks the worker skipped after a stall: silence in the file.
  void skip(std::uint64_t ticks) noexcept { out_.skip(ticks); }
  void pause() noexcept { out_.pause(); }
  void resume() noexcept { out_.resume(); }
  // The file ends after the last tick's frame.
  void stop() noexcept { out_.stop(); }

 private:
  RoomRecording(const RecordingSetup& setup, int room_rate, recording::RecorderTap& tap);

  std::uint64_t left_party_;
  std::size_t room_frame_;             // samples per room tick
  recording::RecordingStream out_;
  // This tick's sums at the room's rate: [0] left (mono: everything), [1] right.
  std::array<std::array<std::int32_t, MixParty::kMaxRoomFrame>, 2> sum_{};
  // A 16 kHz room recorded at 8 kHz: per channel, resampled into a FIFO
  // (the resampler's output per tick is not always exactly one frame).
  std::array<std::optional<codecs::Resampler>, 2> resample_;
  std::array<recording::PcmFifo, 2> fifo_;
};

}  // namespace sb::dataplane
