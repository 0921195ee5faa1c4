// What the daemon asks of every part it runs: the lifecycle interface the
// API server implements today and the dataplane, SIP, ACD and call control
// implement when they join.
//
//   class DataplaneSubsystem final : public daemon::Subsystem {
//     std::string_view name() const override { return "dataplane"; }
//     Status start(const config::DaemonConfig& c) override { ... workers from c.dataplane ... }
//     Status check_reload(const config::DaemonConfig& cur, const config::DaemonConfig& next,
//                         std::vector<std::string>& notes) override {
//       if (next.dataplane.backend != cur.dataplane.backend) notes.push_back("dataplane.backend: needs a restart");
//       return Status::ok();
//     }
//     void apply_reload(std::shared_ptr<const config::DaemonConfig>) override {}
//     void stop_accepting() override { refuse new sessions }
//     std::uint64_t live_work() const override { return active_sessions(); }
//     void stop() override { ... }
//   };
//
// Order: register_routes() for all (before the API listens), start() in
// the order added, stop() in reverse. Reload: check_reload() for all, and
// only when none refuses, apply_reload() for all, so no part ever runs a
// config another part rejected. Drain (SIGTERM): stop_accepting() for all,
// then the daemon waits until every live_work() is 0 or the drain timeout
// passes, then stop(). All calls come from the daemon's control thread,
// except live_work() (also read by metric scrapes: keep it thread-safe).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.hpp"
#include "control/api/router.hpp"
#include "control/config/daemon_config.hpp"

namespace sb::daemon {

class Subsystem {
 public:
  virtual ~Subsystem() = default;
  virtual std::string_view name() const = 0;

  // Endpoints under /api/v1 this subsystem serves; before anything starts.
  virtual Status register_routes(api::Router& /*router*/) { return Status::ok(); }
  // An error aborts start-up (the daemon stops what already started and exits 1).
  virtual Status start(std::shared_ptr<const config::DaemonConfig> config) = 0;

  // Judges a validated new config. Refuse (an error) only what cannot be
  // applied safely; explain settings that wait for a restart in `notes`.
  virtual Status check_reload(const config::DaemonConfig& /*current*/, const config::DaemonConfig& /*next*/,
                              std::vector<std::string>& /*notes*/) {
    return Status::ok();
  }
  virtual void apply_reload(std::shared_ptr<const config::DaemonConfig> next) = 0;

  virtual void stop_accepting() {}
  // Work a drain waits for (live calls, open media sessions). Any thread.
  virtual std::uint64_t live_work() const { return 0; }
  virtual void stop() = 0;

  // Lines for the start-up banner: what listens where.
  virtual std::vector<std::string> banner() const { return {}; }
};

}  // namespace sb::daemon
