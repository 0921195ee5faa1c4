// Parsers for the daemon's own sections (internal to control/config): each
// fills its struct from a reader, reporting every problem, and leaves the
// defaults in place for keys that are absent or wrong.
#pragma once

#include <toml++/toml.h>

#include "control/config/daemon_config.hpp"
#include "control/config/table_reader.hpp"

namespace sb::config::detail {

void parse_server(TableReader& t, ServerSection& out);
void parse_logging(TableReader& t, LoggingSection& out);
// `config_dir` resolves relative token_file paths (a secret next to its config).
void parse_api(TableReader& t, const std::string& config_dir, ApiSection& out);
void parse_metrics(TableReader& t, MetricsSection& out);
void parse_recordings(TableReader& t, RecordingsSection& out);
void parse_dataplane(TableReader& t, DataplaneSection& out);
void parse_sip(TableReader& t, SipSection& out);

// Checks between sections: listeners that collide, ports inside the media
// range. `root` gives positions for the keys involved.
void check_core_sections(const DaemonConfig& cfg, const toml::table& root, Diagnostics& diag);

}  // namespace sb::config::detail
