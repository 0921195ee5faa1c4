// Subcommands of the `switchboard` binary. Each takes parsed options and
// returns the process exit code: 0 success, 1 a check failed, 2 bad input
// (unreadable file, invalid config) — scripts rely on the distinction.
#pragma once

#include <cstdint>
#include <string>

#include "acd/simulator.hpp"

namespace sb::daemon {
class Daemon;
}

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
// Every subsystem `run` has, in order (the demo runs the same daemon).
void add_daemon_subsystems(sb::daemon::Daemon& d);

// `switchboard demo`: the daemon on the embedded default (API on
// `api_port`) with simulated callers and agents (control/demo).
struct DemoCommandOptions {
  double calls_per_second = 0.5;
  double duration_seconds = 60;
  int agents = 0;              // 0: every agent of the configuration
  double talk_seconds = 8;
  double patience_seconds = 60;
  std::uint16_t api_port = 8080;
  std::uint64_t seed = 1;
  bool json = false;
};
int run_demo_command(const DemoCommandOptions& options);

int run_config_check(const std::string& path);

struct PromptsGenerateOptions {
  std::string config_path;  // empty: the embedded default
  bool overwrite = false;
};
int run_prompts_generate(const PromptsGenerateOptions& options);
int run_config_show_default();

}  // namespace sb::control
