// The config sections this build knows: the daemon's own, the IVR's, and
// those of modules not built in yet, which are accepted unvalidated (see
// SectionRegistry::add_unvalidated). `switchboard run` and
// `switchboard config check` use the same registry, so a file that checks
// clean is a file the daemon starts with.
#pragma once

#include "control/config/section_registry.hpp"

namespace sb::daemon {

config::SectionRegistry daemon_sections();

}  // namespace sb::daemon
