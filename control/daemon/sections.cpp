#include "control/daemon/sections.hpp"

#include "control/daemon/acd_section.hpp"
#include "ivr/menu/menu_config.hpp"

namespace sb::daemon {

config::SectionRegistry daemon_sections() {
  config::SectionRegistry r;
  // Adding parsers to a fresh registry cannot collide.
  r.add(ivr::menu::ivr_section_parser()).ignore_error();
  r.add(acd_section_parser()).ignore_error();
  return r;
}

}  // namespace sb::daemon
