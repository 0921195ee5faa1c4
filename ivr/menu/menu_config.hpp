// The [ivr] config section: prompts and menus, parsed with the config
// layer's TableReader (every error with file, line and key) and checked as
// a graph (menu_graph.hpp) before a snapshot is accepted.
//
//   registry.add(ivr::menu::ivr_section_parser()).ignore_error();
//   ...
//   auto ivr = config->section_ptr<ivr::menu::IvrConfig>("ivr");
//
// The file format is documented in docs/config.md ("[ivr]").
#pragma once

#include <memory>

#include "control/config/section_registry.hpp"
#include "control/config/table_reader.hpp"
#include "ivr/menu/menu_model.hpp"

namespace sb::ivr::menu {

std::shared_ptr<const IvrConfig> parse_ivr_section(config::TableReader& table, const config::SectionContext& ctx);

config::SectionParser ivr_section_parser();

}  // namespace sb::ivr::menu
