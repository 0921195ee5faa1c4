// The [acd] section as the daemon's config layer sees it: the ACD module's
// own loader (acd/config.hpp) run on the section's table, its errors fed to
// the daemon's diagnostics with their positions, and the queue and skill
// names declared so the IVR's references to them are checked at load.
#pragma once

#include "acd/model.hpp"
#include "control/config/section_registry.hpp"

namespace sb::daemon {

struct AcdSection final : config::ConfigSection {
  acd::AcdModel model;
  nlohmann::json to_json() const override;
  void declare_names(config::NameTable& names) const override;
};

config::SectionParser acd_section_parser();

}  // namespace sb::daemon
