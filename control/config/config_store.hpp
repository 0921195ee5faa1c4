// The running config: the current immutable snapshot, which generation it
// is and when it was loaded. Readers (API handlers, subsystems) take a
// snapshot and keep it as long as they need; a reload swaps in a new one.
// std::atomic<std::shared_ptr> is not lock-free in libstdc++ (a spin bit
// guards the reference count for the length of a copy), which is fine for
// the control plane; nothing on the packet path reads this.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>

#include "common/clock.hpp"
#include "control/config/daemon_config.hpp"

namespace sb::config {

class ConfigStore {
 public:
  struct Snapshot {
    std::shared_ptr<const DaemonConfig> config;
    std::uint64_t generation = 0;  // 1 for the config the daemon started with
    Nanos loaded_at{0};            // wall clock
  };

  ConfigStore(std::shared_ptr<const DaemonConfig> initial, const Clock& clock)
      : clock_(clock), current_(std::make_shared<const Snapshot>(Snapshot{std::move(initial), 1, clock.wall_now()})) {}

  std::shared_ptr<const Snapshot> snapshot() const { return current_.load(); }
  std::shared_ptr<const DaemonConfig> config() const { return current_.load()->config; }

  // One writer at a time (the daemon's reload path).
  void replace(std::shared_ptr<const DaemonConfig> next) {
    const auto prev = current_.load();
    current_.store(std::make_shared<const Snapshot>(Snapshot{std::move(next), prev->generation + 1, clock_.wall_now()}));
  }

 private:
  const Clock& clock_;
  std::atomic<std::shared_ptr<const Snapshot>> current_;
};

}  // namespace sb::config
