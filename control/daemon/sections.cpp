#include "control/daemon/sections.hpp"

#include "ivr/menu/menu_config.hpp"

namespace sb::daemon {

config::SectionRegistry daemon_sections() {
  config::SectionRegistry r;
  // Adding parsers to a fresh registry cannot collide.
  r.add(ivr::menu::ivr_section_parser()).ignore_error();
  // When the ACD module is linked, replace this with
  // r.add(acd::acd_section_parser()).
  r.add_unvalidated("acd", "the ACD module is not part of this build").ignore_error();
  return r;
}

}  // namespace sb::daemon
