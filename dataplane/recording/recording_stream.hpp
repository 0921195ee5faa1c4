// The worker's side of one recording, shared by everything the worker
// records (a relayed call's legs, a mix room's parties): the 20 ms frame
// numbering, pause/resume/stop, and stereo or mono frames into the
// recorder's ring (RecorderTap). What is recorded is the caller's business;
// this part only numbers, shapes and hands over frames, so every kind of
// recording keeps the same timeline, gaps and durability rules.
//
//   RecordingStream out(id, 2, 8000, tap);
//   out.emit(left, right);     // one 20 ms frame (mono: left + right)
//   out.skip(n);               // n frames the worker missed: silence in the file
//   out.pause(); out.resume(); out.stop();
//
// PcmFifo is the short buffer between audio that arrives at its own pace
// (decoded packets, a resampler's uneven output) and the 20 ms frames cut
// on the worker's clock. Neither allocates after construction.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "dataplane/recording/recorder.hpp"

namespace sb::recording {

class RecordingStream {
 public:
  RecordingStream(RecordingId id, int channels, int sample_rate, RecorderTap& tap) noexcept
      : id_(id), tap_(tap), channels_(channels), frame_samples_(static_cast<std::size_t>(sample_rate / 50)) {}

  RecordingId id() const noexcept { return id_; }
  int channels() const noexcept { return channels_; }
  std::size_t frame_samples() const noexcept { return frame_samples_; }
  std::uint64_t ticks() const noexcept { return tick_; }
  bool paused() const noexcept { return paused_; }

  // One frame (frame_samples() each): stereo left/right, or mono their
  // saturated sum. Counted as a frame even while paused (not written then),
  // so the file keeps the call's timeline.
  void emit(std::span<const std::int16_t> left, std::span<const std::int16_t> right) noexcept;
  // Frames the worker could not cut (it stalled): the recorder writes
  // silence for the tick numbers it never saw.
  void skip(std::uint64_t frames) noexcept { tick_ += frames; }
  void pause() noexcept;
  void resume() noexcept;
  // The file ends after the frames emitted so far.
  void stop() noexcept { tap_.stop(id_, tick_); }

 private:
  RecordingId id_;
  RecorderTap& tap_;
  int channels_;
  std::size_t frame_samples_;
  std::uint64_t tick_ = 0;
  bool paused_ = false;
};

// Up to four 20 ms frames at 16 kHz of one channel. pop() cuts a frame once
// it holds a frame and a half (so audio arriving up to a frame late is in
// time for its frame instead of leaving a hole), and re-primes after
// running dry. When full, the oldest audio goes, so a source running fast
// never makes the recording drift behind.
class PcmFifo {
 public:
  void push(std::span<const std::int16_t> pcm) noexcept;
  void pop(std::span<std::int16_t> out) noexcept;  // pads with silence

 private:
  std::array<std::int16_t, 4 * 320> fifo_{};
  std::size_t head_ = 0, size_ = 0;
  bool primed_ = false;
};

}  // namespace sb::recording
