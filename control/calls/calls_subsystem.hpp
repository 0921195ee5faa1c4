// Call control inside the daemon: wires CallControl (call_control.hpp) to
// the dataplane (it runs on the media control thread) and to the ACD (the
// engine's call outputs are posted to that thread), serves the call
// endpoints (/api/v1/calls: place an inbound call, list, show with history,
// answer as the offered agent, hang up), and exposes call metrics.
//
// Add it after the dataplane and ACD subsystems and before the API.
#pragma once

#include <atomic>
#include <memory>

#include "control/calls/call_control.hpp"
#include "control/daemon/daemon.hpp"

namespace sb::calls {

class CallsSubsystem final : public daemon::Subsystem {
 public:
  CallsSubsystem(daemon::DaemonContext& context, daemon::DataplaneSubsystem& dataplane, daemon::AcdSubsystem& acd);
  ~CallsSubsystem() override;

  std::string_view name() const override { return "calls"; }
  Status register_routes(api::Router& router) override;
  Status start(std::shared_ptr<const config::DaemonConfig> config) override;
  void apply_reload(std::shared_ptr<const config::DaemonConfig>) override {}
  void stop_accepting() override;
  std::uint64_t live_work() const override { return control_.live_calls(); }
  void stop() override;
  std::vector<std::string> banner() const override;

  // For the SIP subsystem, which drives calls on the media control thread
  // (post there with DataplaneSubsystem::post) and observes them.
  CallControl& control() noexcept { return control_; }

 private:
  daemon::DaemonContext& ctx_;
  daemon::DataplaneSubsystem& dataplane_;
  daemon::AcdSubsystem& acd_;
  CallControl control_;
  std::shared_ptr<metrics::Collector> collector_;
  std::atomic<bool> stopping_{false};
};

}  // namespace sb::calls
