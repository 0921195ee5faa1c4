// `switchboard run [--config FILE]`: the daemon (control/daemon/daemon.hpp).
// Exit codes: 0 after a drain, 1 when start-up failed, 2 for an invalid config.
#include <memory>

#include "common/clock.hpp"
#include "control/commands/commands.hpp"
#include "control/daemon/acd_subsystem.hpp"
#include "control/daemon/api_subsystem.hpp"
#include "control/daemon/daemon.hpp"
#include "control/daemon/dataplane_subsystem.hpp"
#include "control/daemon/sections.hpp"

namespace sb::control {

int run_daemon_command(const RunCommandOptions& options) {
  daemon::Daemon d({.config_path = options.config_path}, daemon::daemon_sections(), SteadyClock::instance());
  if (!d.load()) return 2;
  // SIP and call control join here as subsystems. The dataplane and the
  // ACD come before the API, which serves their routes (started in this
  // order, stopped in reverse).
  d.add(std::make_unique<daemon::DataplaneSubsystem>(d.context()));
  d.add(std::make_unique<daemon::AcdSubsystem>(d.context()));
  d.add(std::make_unique<daemon::ApiSubsystem>(d.context()));
  return d.run();
}

}  // namespace sb::control
