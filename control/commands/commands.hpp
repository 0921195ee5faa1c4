// Subcommands of the `switchboard` binary. Each takes parsed options and
// returns the process exit code: 0 success, 1 a check failed, 2 bad input
// (unreadable file, invalid config) — scripts rely on the distinction.
#pragma once

#include <string>

#include "acd/simulator.hpp"

namespace sb::control {

struct DtmfCommandOptions {
  std::string path;
  bool json = false;
};
int run_dtmf_command(const DtmfCommandOptions& options);

int run_selfcheck_command(bool json);

int run_recordings_repair(const std::string& directory);

int run_simulate_acd(const acd::SimulationOptions& options, bool json);
struct RunCommandOptions {
  std::string config_path;  // empty: the embedded default
};
int run_daemon_command(const RunCommandOptions& options);

int run_config_check(const std::string& path);
int run_config_show_default();

}  // namespace sb::control
