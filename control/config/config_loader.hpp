// Loading the daemon's config: TOML text -> one validated, immutable
// DaemonConfig snapshot, or every problem found.
//
//   SectionRegistry registry;                 // plus module sections (IVR, ACD)
//   LoadResult r = load_config_file("switchboard.toml", registry);
//   for (const auto& d : r.diagnostics) std::cerr << d.to_string() << '\n';
//   if (!r.ok()) return 2;
//   start(r.config);
//
// What is reported:
//  * TOML syntax errors. The parser stops at the first, so the loader blanks
//    the offending line and parses again to find the next ones (up to 20);
//    when the text has syntax errors the semantic checks do not run, since
//    they would judge a document the operator did not write.
//  * Every semantic error: unknown sections and keys (with "did you mean"),
//    wrong types, out-of-range values, missing required keys, collisions
//    between sections, broken references (an IVR route to a missing queue).
//  * Warnings, which do not fail the load (a CPU that this machine lacks,
//    a section this build accepts without validating).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "control/config/daemon_config.hpp"
#include "control/config/diagnostics.hpp"
#include "control/config/section_registry.hpp"

namespace sb::config {

struct LoadResult {
  std::shared_ptr<const DaemonConfig> config;  // null when anything was an error
  std::vector<ConfigError> diagnostics;        // errors and warnings, in file order

  bool ok() const noexcept { return config != nullptr; }
  std::size_t error_count() const noexcept;
};

// `source_name` names the text in diagnostics and in DaemonConfig::source;
// `config_dir` is where relative paths that a section resolves against its
// file point (empty: the working directory).
LoadResult load_config_text(std::string_view text, const std::string& source_name, const SectionRegistry& registry,
                            const std::string& config_dir = "");

// Reads and loads a file; an unreadable file is one diagnostic without a position.
LoadResult load_config_file(const std::string& path, const SectionRegistry& registry);

// Inputs larger than this are refused before parsing (a config file is a
// few kilobytes; this bounds memory when a wrong file is passed).
inline constexpr std::size_t kMaxConfigBytes = 4 << 20;

}  // namespace sb::config
