// Loading config text in tests the way the daemon does: the daemon's own
// sections, the IVR section, and [acd] accepted unvalidated.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "control/config/config_loader.hpp"
#include "ivr/menu/menu_config.hpp"

namespace sb::test {

inline config::SectionRegistry daemon_registry() {
  config::SectionRegistry r;
  EXPECT_TRUE(r.add(ivr::menu::ivr_section_parser()).is_ok());
  EXPECT_TRUE(r.add_unvalidated("acd", "the ACD module is not part of this build").is_ok());
  return r;
}

inline config::LoadResult load(const std::string& text, const std::string& name = "test.toml") {
  return config::load_config_text(text, name, daemon_registry());
}

inline std::vector<std::string> error_lines(const config::LoadResult& r) {
  std::vector<std::string> out;
  for (const auto& d : r.diagnostics)
    if (d.severity == config::Severity::kError) out.push_back(d.to_string());
  return out;
}

inline std::string joined(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& l : v) s += l + "\n";
  return s;
}

}  // namespace sb::test
