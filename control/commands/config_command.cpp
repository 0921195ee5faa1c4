// `switchboard config check FILE` and `switchboard config show-default`.
//
// check prints every problem as `file:line:col: key: message` on stderr
// (warnings as `... key: warning: message`) and exits 2 when any is an
// error, 0 when the file is valid; it uses the same sections as `run`.
#include <cstdio>

#include "control/commands/commands.hpp"
#include "control/config/config_loader.hpp"
#include "control/config/default_config.hpp"
#include "control/daemon/sections.hpp"

namespace sb::control {

int run_config_check(const std::string& path) {
  const config::LoadResult r = config::load_config_file(path, daemon::daemon_sections());
  std::size_t warnings = 0;
  for (const auto& d : r.diagnostics) {
    std::fprintf(stderr, "%s\n", d.to_string().c_str());
    warnings += d.severity == config::Severity::kWarning;
  }
  if (!r.ok()) {
    std::fprintf(stderr, "%s: %zu error(s), %zu warning(s)\n", path.c_str(), r.error_count(), warnings);
    return 2;
  }
  std::printf("%s: valid (%zu warning(s))\n", path.c_str(), warnings);
  return 0;
}

int run_config_show_default() {
  const auto text = config::embedded_default_config();
  std::fwrite(text.data(), 1, text.size(), stdout);
  return 0;
}

}  // namespace sb::control
