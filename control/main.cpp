// The `switchboard` binary: one executable, one subcommand per job.
#include <CLI/CLI.hpp>

#include <cstdio>

#include "control/commands/commands.hpp"

int main(int argc, char** argv) {
  CLI::App app{"Switchboard: real-time media server with an ACD core"};
  app.set_version_flag("--version", std::string("switchboard ") + SB_VERSION);
  app.require_subcommand(1);

  sb::control::DtmfCommandOptions dtmf;
  auto* dtmf_cmd = app.add_subcommand("dtmf", "List the in-band DTMF digits in a WAV recording");
  dtmf_cmd->add_option("file", dtmf.path, "WAV file: 8 or 16 kHz, PCM16, mu-law or A-law, mono or stereo")
      ->required();
  dtmf_cmd->add_flag("--json", dtmf.json, "One JSON object per line");

  bool selfcheck_json = false;
  auto* selfcheck_cmd = app.add_subcommand("selfcheck", "Check codecs and DTMF on this machine");
  selfcheck_cmd->add_flag("--json", selfcheck_json, "Print the results as JSON");

  std::string repair_dir;
  auto* recordings_cmd = app.add_subcommand("recordings", "Maintain recordings");
  recordings_cmd->require_subcommand(1);
  auto* repair_cmd = recordings_cmd->add_subcommand("repair", "Turn every .part left by a crash into a valid recording");
  repair_cmd->add_option("dir", repair_dir, "Recordings directory")->required();

  sb::acd::SimulationOptions sim;
  bool sim_json = false;
  std::string handle_dist = "exponential";
  auto* simulate_cmd = app.add_subcommand("simulate", "Run simulations");
  simulate_cmd->require_subcommand(1);
  auto* sim_acd = simulate_cmd->add_subcommand("acd", "The ACD engine in virtual time beside Erlang C / Erlang A");
  sim_acd->add_option("--arrival-rate", sim.arrival_rate, "Calls per second")->required();
  sim_acd->add_option("--aht", sim.aht_seconds, "Mean handle time, seconds")->required();
  sim_acd->add_option("--agents", sim.agents, "Agents logged in and ready")->required();
  sim_acd->add_option("--patience", sim.patience_seconds, "Mean caller patience, seconds (omit: never abandon)");
  sim_acd->add_option("--sl-threshold", sim.sl_seconds, "Service-level threshold, seconds")->capture_default_str();
  sim_acd->add_option("--calls", sim.calls, "Stop after this many calls");
  sim_acd->add_option("--duration", sim.duration_seconds, "Stop after this many simulated seconds");
  sim_acd->add_option("--seed", sim.seed, "Random seed")->capture_default_str();
  sim_acd->add_option("--handle-times", handle_dist, "exponential or lognormal")->capture_default_str();
  sim_acd->add_option("--lognormal-sigma", sim.lognormal_sigma, "Shape of log-normal handle times")->capture_default_str();
  sim_acd->add_option("--queues", sim.queues, "Queues, arrivals split evenly, one skill each")->capture_default_str();
  sim_acd->add_option("--cross-skilled", sim.cross_skilled, "Share of agents with every queue's skill")->capture_default_str();
  sim_acd->add_flag("--json", sim_json, "Print JSON");

  sb::control::DemoCommandOptions demo;
  auto* demo_cmd = app.add_subcommand("demo", "The daemon on the embedded default with simulated callers and agents");
  demo_cmd->add_option("--calls-per-second", demo.calls_per_second, "Arrival rate of simulated calls")->capture_default_str();
  demo_cmd->add_option("--duration", demo.duration_seconds, "Seconds of new calls; live ones then finish")->capture_default_str();
  demo_cmd->add_option("--agents", demo.agents, "Simulated agents (0: every agent of the configuration)")->capture_default_str();
  demo_cmd->add_option("--talk-seconds", demo.talk_seconds, "Mean talk time")->capture_default_str();
  demo_cmd->add_option("--patience-seconds", demo.patience_seconds, "Mean extra time callers wait in queue before abandoning (after 10 s)")->capture_default_str();
  demo_cmd->add_option("--api-port", demo.api_port, "Port of the API and /metrics on 127.0.0.1")->capture_default_str();
  demo_cmd->add_option("--seed", demo.seed, "Random seed of the traffic")->capture_default_str();
  demo_cmd->add_flag("--json", demo.json, "Print the summary as JSON, no status lines");

  sb::control::RunCommandOptions run;
  auto* run_cmd = app.add_subcommand("run", "Run the daemon (the embedded default configuration without --config)");
  run_cmd->add_option("--config,-c", run.config_path, "Config file (TOML)");

  sb::control::PromptsGenerateOptions prompts;
  auto* prompts_cmd = app.add_subcommand("prompts", "IVR prompt files");
  prompts_cmd->require_subcommand(1);
  auto* prompts_generate = prompts_cmd->add_subcommand(
      "generate", "Speak every prompt's configured text with espeak-ng into <prompts_dir>/<language>/<name>.wav");
  prompts_generate->add_option("--config,-c", prompts.config_path, "Config file (TOML); default: the embedded default");
  prompts_generate->add_flag("--overwrite", prompts.overwrite, "Replace files that exist");

  std::string check_path;
  auto* config_cmd = app.add_subcommand("config", "Check config files, print the default");
  config_cmd->require_subcommand(1);
  auto* check_cmd = config_cmd->add_subcommand("check", "Validate a config file; every error as file:line:col: key: message");
  check_cmd->add_option("file", check_path, "Config file (TOML)")->required();
  auto* show_default_cmd = config_cmd->add_subcommand("show-default", "Print the embedded default configuration");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // CLI11 uses exit code 0 for --help/--version and 106+ for errors;
    // usage errors are "bad input", which this binary reports as 2.
    const int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }

  if (*dtmf_cmd) return sb::control::run_dtmf_command(dtmf);
  if (*sim_acd) {
    if (handle_dist != "exponential" && handle_dist != "lognormal") {
      std::fprintf(stderr, "switchboard simulate acd: --handle-times must be exponential or lognormal\n");
      return 2;
    }
    sim.lognormal = handle_dist == "lognormal";
    return sb::control::run_simulate_acd(sim, sim_json);
  }
  if (*repair_cmd) return sb::control::run_recordings_repair(repair_dir);
  if (*run_cmd) return sb::control::run_daemon_command(run);
  if (*check_cmd) return sb::control::run_config_check(check_path);
  if (*show_default_cmd) return sb::control::run_config_show_default();
  if (*selfcheck_cmd) return sb::control::run_selfcheck_command(selfcheck_json);
  if (*demo_cmd) return sb::control::run_demo_command(demo);
  if (*prompts_generate) return sb::control::run_prompts_generate(prompts);
  return 2;
}
