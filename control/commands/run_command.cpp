// `switchboard run [--config FILE]`: the daemon (control/daemon/daemon.hpp).
// Exit codes: 0 after a drain, 1 when start-up failed, 2 for an invalid config.
#include <memory>

#include "common/clock.hpp"
#include "control/commands/commands.hpp"
#include "control/calls/calls_subsystem.hpp"
#include "control/daemon/acd_subsystem.hpp"
#include "control/daemon/api_subsystem.hpp"
#include "control/daemon/daemon.hpp"
#include "control/daemon/dataplane_subsystem.hpp"
#include "control/daemon/sections.hpp"
#include "control/sip/b2bua/sip_subsystem.hpp"

namespace sb::control {

void add_daemon_subsystems(daemon::Daemon& d) {
  // The dataplane and the ACD come before call control, which drives them;
  // SIP after call control, which it feeds; all before the API, which
  // serves their routes (started in this order, stopped in reverse).
  auto dataplane = std::make_unique<daemon::DataplaneSubsystem>(d.context());
  auto acd = std::make_unique<daemon::AcdSubsystem>(d.context());
  auto calls = std::make_unique<calls::CallsSubsystem>(d.context(), *dataplane, *acd);
  auto sip = std::make_unique<sip::b2bua::SipSubsystem>(d.context(), *dataplane, *acd, *calls);
  d.add(std::move(dataplane));
  d.add(std::move(acd));
  d.add(std::move(calls));
  d.add(std::move(sip));
  d.add(std::make_unique<daemon::ApiSubsystem>(d.context()));
}

int run_daemon_command(const RunCommandOptions& options) {
  daemon::Daemon d({.config_path = options.config_path}, daemon::daemon_sections(), SteadyClock::instance());
  if (!d.load()) return 2;
  add_daemon_subsystems(d);
  return d.run();
}

}  // namespace sb::control
