// Clocks: one interface, a real implementation and a manual (virtual) one.
//
// Everything whose behaviour depends on time (SIP timers, jitter buffers,
// media timeouts, the ACD and its simulator) takes a `const Clock&` instead
// of reading the system clock, so the same code runs in real time in the
// daemon and in virtual time in tests and in `switchboard simulate`.
//
//   ManualClock clock;                 // starts at 0
//   Engine engine(clock);
//   clock.advance(std::chrono::seconds(30));
//   engine.poll();                     // sees 30 s later, deterministically
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace sb {

using Nanos = std::chrono::nanoseconds;

class Clock {
 public:
  virtual ~Clock() = default;
  // Monotonic time since an arbitrary epoch; never goes backwards.
  virtual Nanos now() const noexcept = 0;
  // Wall-clock time since the Unix epoch (UTC), for records humans read
  // (recording metadata, event timestamps). Not for measuring intervals.
  virtual Nanos wall_now() const noexcept = 0;
};

// CLOCK_MONOTONIC and CLOCK_REALTIME via std::chrono (vDSO, no syscall).
class SteadyClock final : public Clock {
 public:
  Nanos now() const noexcept override;
  Nanos wall_now() const noexcept override;
  // A process-wide instance for code that has no clock injected (main).
  static const SteadyClock& instance() noexcept;
};

// Time moves only when told to. Readable from any thread: a test thread
// advances it while an engine thread reads it.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(Nanos start = Nanos{0}, Nanos wall_epoch = Nanos{1'700'000'000'000'000'000})
      : now_(start.count()), wall_epoch_(wall_epoch.count()) {}

  // Relaxed is enough: the clock value carries no other data with it; code
  // that needs "advance happens-before the engine acts" synchronises through
  // its own request queue, which has release/acquire semantics.
  Nanos now() const noexcept override { return Nanos{now_.load(std::memory_order_relaxed)}; }
  Nanos wall_now() const noexcept override {
    return Nanos{wall_epoch_ + now_.load(std::memory_order_relaxed)};
  }

  void advance(Nanos d) noexcept { now_.fetch_add(d.count(), std::memory_order_relaxed); }
  // Setting time backwards would break the monotonic contract; callers that
  // do it get exactly what they asked for, so tests can probe that edge.
  void set(Nanos t) noexcept { now_.store(t.count(), std::memory_order_relaxed); }

 private:
  std::atomic<std::int64_t> now_;
  std::int64_t wall_epoch_;
};

inline double to_seconds(Nanos d) noexcept { return static_cast<double>(d.count()) * 1e-9; }
inline Nanos from_seconds(double s) noexcept { return Nanos{static_cast<std::int64_t>(s * 1e9)}; }
inline Nanos from_millis(std::int64_t ms) noexcept { return Nanos{ms * 1'000'000}; }

}  // namespace sb
