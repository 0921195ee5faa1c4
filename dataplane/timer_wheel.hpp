// A hashed timing wheel over small integer ids (a worker's leg indices):
// O(1) schedule and cancel, and expiry work proportional to what expires.
// Used for per-leg media timeouts; a worker advances it once per loop.
//
// Granularity is one tick (64 ms by default), so a timer fires up to a tick
// late, never early. Deadlines beyond one revolution wait in their slot for
// later revolutions.
#pragma once

#include <cstdint>
#include <vector>

namespace sb::dataplane {

class TimerWheel {
 public:
  static constexpr std::uint32_t kNone = 0xffffffffu;

  TimerWheel(std::size_t ids, std::size_t slots = 256, std::int64_t tick_ns = 64'000'000)
      : tick_ns_(tick_ns), heads_(slots, kNone), next_(ids, kNone), prev_(ids, kNone), slot_(ids, kNone),
        deadline_(ids, 0) {}

  void schedule(std::uint32_t id, std::int64_t deadline_ns) noexcept {
    cancel(id);
    // The first tick that starts at or after the deadline: when advance()
    // reaches it, the deadline has passed.
    const std::int64_t tick = (deadline_ns + tick_ns_ - 1) / tick_ns_;
    const std::size_t s = static_cast<std::size_t>(tick % static_cast<std::int64_t>(heads_.size()));
    deadline_[id] = deadline_ns;
    slot_[id] = static_cast<std::uint32_t>(s);
    next_[id] = heads_[s];
    prev_[id] = kNone;
    if (heads_[s] != kNone) prev_[heads_[s]] = id;
    heads_[s] = id;
  }

  void cancel(std::uint32_t id) noexcept {
    const std::uint32_t s = slot_[id];
    if (s == kNone) return;
    if (prev_[id] != kNone) next_[prev_[id]] = next_[id];
    else heads_[s] = next_[id];
    if (next_[id] != kNone) prev_[next_[id]] = prev_[id];
    slot_[id] = next_[id] = prev_[id] = kNone;
  }

  bool scheduled(std::uint32_t id) const noexcept { return slot_[id] != kNone; }

  // Calls fire(id) for every timer whose deadline is <= now. fire() may
  // schedule or cancel any timer, including the one firing.
  template <typename Fire>
  void advance(std::int64_t now_ns, Fire&& fire) {
    if (last_tick_ < 0) last_tick_ = now_ns / tick_ns_ - 1;
    const std::int64_t now_tick = now_ns / tick_ns_;
    // Visit each slot between the last tick and now at most once.
    const std::int64_t span = std::min<std::int64_t>(now_tick - last_tick_, static_cast<std::int64_t>(heads_.size()));
    for (std::int64_t t = now_tick - span + 1; t <= now_tick; ++t) {
      const std::size_t s = static_cast<std::size_t>(t % static_cast<std::int64_t>(heads_.size()));
      std::uint32_t id = heads_[s];
      while (id != kNone) {
        const std::uint32_t next = next_[id];
        if (deadline_[id] <= now_ns) {
          cancel(id);
          fire(id);
        }
        id = next;
      }
    }
    last_tick_ = now_tick;
  }

 private:
  std::int64_t tick_ns_;
  std::int64_t last_tick_ = -1;
  std::vector<std::uint32_t> heads_;
  std::vector<std::uint32_t> next_, prev_, slot_;
  std::vector<std::int64_t> deadline_;
};

}  // namespace sb::dataplane
