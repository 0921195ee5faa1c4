// The worker's side of one recording: frame numbering, pause/resume and
// frames into the recorder's ring (see recording_stream.hpp).
#include "dataplane/recording/recording_stream.hpp"

#include <algorithm>

namespace sb::recording {

void RecordingStream::emit(std::span<const std::int16_t> left, std::span<const std::int16_t> right) noexcept {
  if (!paused_) {
    std::array<std::int16_t, RecordMessage::kMaxSamples> frame;
    const std::size_t n = std::min({frame_samples_, left.size(), right.size()});
    if (channels_ == 2) {
      for (std::size_t i = 0; i < n; ++i) {
        frame[2 * i] = left[i];
        frame[2 * i + 1] = right[i];
      }
      tap_.frame(id_, tick_, std::span(frame.data(), 2 * n), 2);
    } else {
      for (std::size_t i = 0; i < n; ++i)
        frame[i] = static_cast<std::int16_t>(std::clamp(left[i] + right[i], -32768, 32767));
      tap_.frame(id_, tick_, std::span(frame.data(), n), 1);
    }
  }
  ++tick_;
}

void RecordingStream::pause() noexcept {
  if (paused_) return;
  paused_ = true;
  tap_.pause(id_, tick_);
}

void RecordingStream::resume() noexcept {
  if (!paused_) return;
  paused_ = false;
  tap_.resume(id_, tick_);
}

void PcmFifo::push(std::span<const std::int16_t> pcm) noexcept {
  for (std::int16_t s : pcm) {
    if (size_ == fifo_.size()) {  // full: the oldest sample goes
      head_ = (head_ + 1) % fifo_.size();
      --size_;
    }
    fifo_[(head_ + size_) % fifo_.size()] = s;
    ++size_;
  }
}

void PcmFifo::pop(std::span<std::int16_t> out) noexcept {
  if (!primed_) {
    // Not cutting yet: wait until late audio would still be in time.
    if (size_ < out.size() + out.size() / 2) {
      std::fill(out.begin(), out.end(), std::int16_t{0});
      return;
    }
    primed_ = true;
  }
  const std::size_t n = std::min(out.size(), size_);
  if (n < out.size()) primed_ = false;  // ran dry: the source paused
  for (std::size_t i = 0; i < n; ++i) out[i] = fifo_[(head_ + i) % fifo_.size()];
  std::fill(out.begin() + static_cast<long>(n), out.end(), std::int16_t{0});
  head_ = (head_ + n) % fifo_.size();
  size_ -= n;
}

}  // namespace sb::recording
