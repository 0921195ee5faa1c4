#include "dataplane/session/leg_playback.hpp"

namespace sb::dataplane {

namespace {
// More than this many frames late (a stalled worker): skip ahead rather than
// send a burst the far end's jitter buffer would have to throw away.
constexpr std::int64_t kMaxCatchUpFrames = 3;
}  // namespace

bool LegPlayback::valid(const PlaybackSetup& s) noexcept {
  if (s.count == 0 || s.count > PlaybackSetup::kMaxPrompts) return false;
  for (std::size_t i = 0; i < s.count; ++i) {
    const ivr::EncodedPrompt* p = s.prompts[i];
    if (p == nullptr || p->frames() == 0 || p->timestamp_step == 0) return false;
    if (p->format.codec != s.prompts[0]->format.codec || p->timestamp_step != s.prompts[0]->timestamp_step)
      return false;
  }
  return true;
}

LegPlayback::LegPlayback(const PlaybackSetup& setup, std::uint32_t leg_clock_rate, std::uint32_t source_ssrc,
                         std::int64_t now_ns) noexcept
    : setup_(setup), next_due_ns_(now_ns), source_ssrc_(source_ssrc) {
  timestamp_step_ = setup.prompts[0]->timestamp_step;
  const std::uint32_t rate = leg_clock_rate ? leg_clock_rate : 8000;
  frame_ns_ = static_cast<std::int64_t>(timestamp_step_) * 1'000'000'000 / rate;
  if (frame_ns_ <= 0) frame_ns_ = 20'000'000;
}

bool LegPlayback::next(std::int64_t now_ns, Frame& out) noexcept {
  if (finished_ || now_ns < next_due_ns_) return false;
  const std::int64_t late_frames = (now_ns - next_due_ns_) / frame_ns_;
  if (late_frames > kMaxCatchUpFrames) {
    // Skip the frames that were due while the worker was away; the
    // timestamps cover them, so the far end sees a gap, not a speed-up.
    next_due_ns_ += late_frames * frame_ns_;
    timestamp_ += static_cast<std::uint32_t>(late_frames) * timestamp_step_;
  }
  const ivr::EncodedPrompt& p = *setup_.prompts[item_];
  out.payload = p.frame(frame_);
  out.source_ssrc = source_ssrc_;
  out.sequence = sequence_++;
  out.timestamp = timestamp_;
  out.marker = !started_;
  started_ = true;
  timestamp_ += timestamp_step_;
  next_due_ns_ += frame_ns_;
  if (++frame_ >= p.frames()) {
    frame_ = 0;
    if (++item_ >= setup_.count) {
      item_ = 0;
      if (!setup_.loop) finished_ = true;
    }
  }
  return true;
}

}  // namespace sb::dataplane
