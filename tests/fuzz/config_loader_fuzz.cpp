// Fuzzes the config loader: TOML syntax recovery, every section parser,
// the IVR graph checks and cross-section references. A config file is not
// network input, but a crash on a bad file would take `config check` and
// SIGHUP reloads down with it. Checks: no crash, no error without a
// position inside the file, and a successful load yields a usable config.
#include <cstdint>
#include <string>
#include <string_view>

#include "control/config/config_loader.hpp"
#include "ivr/menu/menu_config.hpp"
#include "ivr/menu/menu_simulator.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const sb::config::SectionRegistry registry = [] {
    sb::config::SectionRegistry r;
    r.add(sb::ivr::menu::ivr_section_parser()).ignore_error();
    r.add_unvalidated("acd", "fuzzing").ignore_error();
    return r;
  }();
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto result = sb::config::load_config_text(text, "fuzz.toml", registry);
  for (const auto& d : result.diagnostics)
    if (!d.position.known() && size <= sb::config::kMaxConfigBytes) __builtin_trap();
  if (result.ok()) {
    (void)result.config->to_json().dump();
    // A valid IVR runs: every menu simulated with a silent caller ends or
    // stops at the event bound, never loops without input.
    if (auto ivr = result.config->section_ptr<sb::ivr::menu::IvrConfig>("ivr")) {
      for (const auto& m : ivr->menus) {
        auto sim = sb::ivr::menu::simulate_menu(ivr, m.name, {"1", "", "2#"}, 200);
        if (!sim) __builtin_trap();
      }
    }
  }
  return 0;
}
