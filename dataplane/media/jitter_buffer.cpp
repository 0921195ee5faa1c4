#include "dataplane/media/jitter_buffer.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace sb::media {

namespace {
// After this many concealed frames with nothing buffered the sender is
// taken to be silent (DTX, hold, a dead source): pop() stops producing
// losses and the next packet starts a fresh reference.
constexpr int kLostBeforePause = 10;
}  // namespace

JitterBuffer::JitterBuffer(const JitterBufferOptions& options) : opt_(options) {
  // A power of two, so seq & mask indexes the ring.
  std::size_t n = 2;
  while (n < options.slots) n <<= 1;
  opt_.slots = n;
  slots_.reset(new Slot[n]);
  payloads_.reset(new std::uint8_t[n * opt_.max_payload]);
  mask_ = n - 1;
  reset();
}

void JitterBuffer::reset() noexcept {
  end_run();
  for (std::size_t i = 0; i < opt_.slots; ++i) slots_[i].used = false;
  count_ = 0;
  started_ = false;
  have_last_ = false;
  paused_ = false;
  consecutive_lost_ = 0;
  frame_ts_ = 0;
  jitter_ts_ = 0;
  delay_ = opt_.initial_delay;
  stats_.current_delay = delay_;
}

Nanos JitterBuffer::ts_to_time(std::int64_t units) const noexcept {
  return Nanos{units * 1'000'000'000 / opt_.clock_rate};
}

Nanos JitterBuffer::due_time(std::uint32_t ts) const noexcept {
  return ref_time_ + ts_to_time(ts_diff(ts, ref_ts_)) + delay_;
}

void JitterBuffer::set_reference(std::uint32_t ts, Nanos arrival) noexcept {
  ref_time_ = arrival;
  ref_ts_ = ts;
  playout_ts_ = ts;
}

Nanos JitterBuffer::target_delay() const noexcept {
  const double frame_s = frame_ts_ ? static_cast<double>(frame_ts_) / opt_.clock_rate : 0.02;
  const double target_s = opt_.jitter_factor * jitter_ts_ / opt_.clock_rate + frame_s;
  const Nanos t = from_seconds(target_s);
  return std::clamp(t, opt_.min_delay, opt_.max_delay);
}

// RFC 3550 §6.4.1 / A.8: J += (|D| − J)/16 over consecutive arrivals.
void JitterBuffer::update_jitter(std::uint32_t ts, Nanos arrival) noexcept {
  if (have_last_) {
    const double arrival_units = static_cast<double>((arrival - last_arrival_).count()) * opt_.clock_rate / 1e9;
    const double d = arrival_units - static_cast<double>(ts_diff(ts, last_ts_));
    jitter_ts_ += (std::fabs(d) - jitter_ts_) / 16.0;
  }
  last_arrival_ = arrival;
  stats_.jitter_ms = jitter_ts_ * 1000.0 / opt_.clock_rate;
}

bool JitterBuffer::push(std::uint16_t seq, std::uint32_t ts, bool marker, std::span<const std::uint8_t> payload,
                        Nanos arrival, std::uint32_t duration_ts) noexcept {
  ++stats_.pushed;
  if (payload.size() > opt_.max_payload) {
    ++stats_.oversized;
    return false;
  }
  if (!started_ || paused_) {
    if (!started_) delay_ = opt_.initial_delay;
    else delay_ = target_delay();  // a talk-spurt start: the place to shrink
    started_ = true;
    paused_ = false;
    consecutive_lost_ = 0;
    set_reference(ts, arrival);
  } else {
    const std::int64_t d = ts_diff(ts, playout_ts_);
    if (std::llabs(d) > opt_.resync_threshold.count() / (1'000'000'000 / opt_.clock_rate)) {
      // A new source or a restarted sender: start over from this packet.
      ++stats_.resyncs;
      end_run();
      for (std::size_t i = 0; i < opt_.slots; ++i) slots_[i].used = false;
      count_ = 0;
      have_last_ = false;
      set_reference(ts, arrival);
    } else if (d < 0) {
      // Its time has passed (it was concealed): the delay is too short.
      ++stats_.late;
      confirm_lost();
      // Even one arriving exactly at its due time was too late: its slot
      // was concealed by a pop at that same instant. So the delay grows by
      // the lateness (possibly zero) plus half a frame.
      const Nanos lateness = std::max(Nanos{0}, arrival - due_time(ts));
      // (The frame is 20 ms until one is learnt: with unknown durations and
      // no two consecutive packets in order yet, half of nothing would
      // leave every other packet late for ever.)
      delay_ = std::min(opt_.max_delay, delay_ + lateness + ts_to_time(frame_or_default() / 2));
      stats_.current_delay = delay_;
      update_jitter(ts, arrival);
      last_ts_ = ts;
      return false;
    } else if (marker && count_ == 0) {
      // A talk-spurt start with nothing queued: moving the playout point
      // here is inaudible, so adopt the target delay now. What was
      // concealed before it was the silence between talk-spurts.
      end_run();
      delay_ = target_delay();
      set_reference(ts, arrival);
    }
  }

  Slot& slot = slots_[seq & mask_];
  if (slot.used) {
    if (slot.seq == seq) ++stats_.duplicates;
    else ++stats_.overflow;  // 64 packets ahead of playout: nothing sensible to do with it
    return false;
  }
  slot.used = true;
  slot.seq = seq;
  slot.timestamp = ts;
  slot.marker = marker;
  slot.size = static_cast<std::uint16_t>(payload.size());
  slot.duration = duration_ts;
  if (duration_ts > 0 && duration_ts <= static_cast<std::uint32_t>(opt_.clock_rate / 10) && frame_ts_ == 0)
    frame_ts_ = duration_ts;
  if (!payload.empty()) std::memcpy(&payloads_[(seq & mask_) * opt_.max_payload], payload.data(), payload.size());
  ++count_;

  // Frame length from consecutive sequence numbers (10-60 ms ptime, and it
  // may change mid-call).
  if (have_last_ && static_cast<std::uint16_t>(seq - last_seq_) == 1) {
    const std::int64_t step = ts_diff(ts, last_ts_);
    if (step > 0 && step <= opt_.clock_rate / 10) frame_ts_ = static_cast<std::uint32_t>(step);
  }
  update_jitter(ts, arrival);
  have_last_ = true;
  last_seq_ = seq;
  last_ts_ = ts;
  stats_.current_delay = delay_;
  return true;
}

int JitterBuffer::next_slot() const noexcept {
  int best = -1;
  std::int64_t best_d = 0;
  for (std::size_t i = 0; i < opt_.slots; ++i) {
    if (!slots_[i].used) continue;
    const std::int64_t d = ts_diff(slots_[i].timestamp, playout_ts_);
    if (best < 0 || d < best_d) {
      best = static_cast<int>(i);
      best_d = d;
    }
  }
  return best;
}

bool JitterBuffer::pop(Nanos now, Frame& out) noexcept {
  if (!started_ || paused_) return false;
  int idx = next_slot();
  // A packet that overlaps audio already played (a ptime change) is stale.
  while (idx >= 0 && ts_diff(slots_[idx].timestamp, playout_ts_) < 0) {
    slots_[idx].used = false;
    --count_;
    ++stats_.late;
    idx = next_slot();
  }
  if (now < due_time(playout_ts_)) return false;

  const std::uint32_t step = frame_or_default();
  if (idx >= 0 && slots_[idx].timestamp == playout_ts_) {
    Slot& s = slots_[idx];
    s.used = false;
    --count_;
    out.kind = Frame::kPacket;
    out.payload = std::span<const std::uint8_t>(&payloads_[static_cast<std::size_t>(idx) * opt_.max_payload], s.size);
    out.timestamp = s.timestamp;
    out.marker = s.marker;
    // The packet's own duration when known; otherwise until the next
    // buffered packet if that is closer than a frame, otherwise one frame.
    std::uint32_t duration = s.duration ? s.duration : step;
    const int nxt = next_slot();
    if (nxt >= 0 && !s.duration) {
      const std::int64_t gap = ts_diff(slots_[nxt].timestamp, s.timestamp);
      if (gap > 0 && gap < duration) duration = static_cast<std::uint32_t>(gap);
    }
    out.duration_ts = duration;
    playout_ts_ += duration;
    consecutive_lost_ = 0;
    confirm_lost();
    ++stats_.played;
    return true;
  }

  // Nothing for this timestamp and its time has come: conceal up to the
  // next packet or one frame, whichever is shorter.
  if (count_ == 0 && consecutive_lost_ >= kLostBeforePause) {
    paused_ = true;
    end_run();
    return false;
  }
  std::uint32_t duration = step;
  if (idx >= 0) {
    const std::int64_t gap = ts_diff(slots_[idx].timestamp, playout_ts_);
    if (gap > 0 && gap < duration) duration = static_cast<std::uint32_t>(gap);
  }
  out.kind = Frame::kLost;
  out.payload = {};
  out.timestamp = playout_ts_;
  out.duration_ts = duration;
  out.marker = false;
  playout_ts_ += duration;
  ++consecutive_lost_;
  ++unconfirmed_lost_;
  return true;
}

}  // namespace sb::media
