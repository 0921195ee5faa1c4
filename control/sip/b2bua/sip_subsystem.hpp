// SIP inside the daemon: the transport on [sip] listen, the B2BUA
// (b2bua.hpp) on a SIP thread of its own, and the bridges between that
// thread and call control's media control thread:
//
//   transport thread --post--> SIP thread (B2bua, TransactionLayer, timers)
//   SIP thread --DataplaneSubsystem::post--> media thread (CallControl)
//   media thread --CallSignalling, post--> SIP thread
//
// One SIP thread owns every dialog, transaction and registration, so none
// of them needs a lock; the transaction timers run from an Asio
// steady_timer armed at the B2BUA's next deadline. Metrics are read from
// the B2BUA's relaxed atomics and the transport's counter snapshot.
//
// Add it after call control and before the API (run_command.cpp).
#pragma once

#include <atomic>
#include <memory>
#include <thread>

#include "control/calls/calls_subsystem.hpp"
#include "control/daemon/daemon.hpp"
#include "control/daemon/dataplane_subsystem.hpp"

namespace sb::sip::b2bua {

class SipSubsystem final : public daemon::Subsystem {
 public:
  SipSubsystem(daemon::DaemonContext& context, daemon::DataplaneSubsystem& dataplane, daemon::AcdSubsystem& acd,
               calls::CallsSubsystem& calls);
  ~SipSubsystem() override;

  std::string_view name() const override { return "sip"; }
  Status start(std::shared_ptr<const config::DaemonConfig> config) override;
  Status check_reload(const config::DaemonConfig& current, const config::DaemonConfig& next,
                      std::vector<std::string>& notes) override;
  void apply_reload(std::shared_ptr<const config::DaemonConfig>) override {}
  void stop() override;
  std::vector<std::string> banner() const override;

  struct Impl;

 private:
  daemon::DaemonContext& ctx_;
  daemon::DataplaneSubsystem& dataplane_;
  daemon::AcdSubsystem& acd_;
  calls::CallsSubsystem& calls_;
  std::shared_ptr<Impl> impl_;
};

}  // namespace sb::sip::b2bua
