// The config sections this build knows: the daemon's own, the IVR's and
// the ACD's (a module not built in would be accepted unvalidated, see
// SectionRegistry::add_unvalidated). `switchboard run` and
// `switchboard config check` use the same registry, so a file that checks
// clean is a file the daemon starts with.
#pragma once

#include "control/config/section_registry.hpp"

namespace sb::daemon {

config::SectionRegistry daemon_sections();

}  // namespace sb::daemon
