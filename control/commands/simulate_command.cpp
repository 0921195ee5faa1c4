// `switchboard simulate acd`: the real ACD engine in virtual time against
// Poisson traffic, beside Erlang C / Erlang A for the same inputs. Used to
// size queues (how many agents for 80/20?) and to check the engine.
#include <nlohmann/json.hpp>

#include <cstdio>
#include <iostream>

#include "acd/simulator.hpp"
#include "control/commands/commands.hpp"

namespace sb::control {

int run_simulate_acd(const acd::SimulationOptions& options, bool json) {
  auto r = acd::simulate(options);
  if (!r) {
    std::fprintf(stderr, "switchboard simulate acd: %s\n", r.status().message().c_str());
    return 2;
  }
  const bool a = options.patience_seconds > 0;
  if (json) {
    nlohmann::json j = {
        {"inputs",
         {{"arrival_rate", options.arrival_rate}, {"aht_seconds", options.aht_seconds}, {"agents", options.agents},
          {"patience_seconds", options.patience_seconds}, {"sl_seconds", options.sl_seconds},
          {"queues", options.queues}, {"handle_distribution", options.lognormal ? "lognormal" : "exponential"},
          {"seed", options.seed}}},
        {"measured",
         {{"calls", r->calls}, {"answered", r->answered}, {"abandoned", r->abandoned},
          {"service_level", r->service_level}, {"asa_seconds", r->asa_seconds}, {"abandon_rate", r->abandon_rate},
          {"p_wait", r->p_wait}, {"occupancy", r->occupancy}, {"simulated_seconds", r->simulated_seconds}}},
        {"theory",
         {{"model", a ? "erlang-a" : "erlang-c"}, {"offered_erlangs", r->theory.offered_erlangs},
          {"stable", r->theory.stable}, {"service_level", r->theory.service_level},
          {"asa_seconds", r->theory.asa_seconds}, {"abandon_rate", r->theory.p_abandon},
          {"p_wait", r->theory.p_wait}, {"occupancy", r->theory.occupancy}}},
        {"speed", {{"wall_seconds", r->wall_seconds}, {"calls_per_second", r->calls_per_wall_second}}},
    };
    std::cout << j.dump(2) << '\n';
    return 0;
  }
  std::printf("%llu calls, %.1f Erlangs on %d agents, %s handle times, %s\n",
              static_cast<unsigned long long>(r->calls), r->theory.offered_erlangs, options.agents,
              options.lognormal ? "log-normal" : "exponential",
              a ? "exponential patience" : "no abandonment");
  std::printf("  %-22s %12s %12s\n", "", "simulated", a ? "Erlang A" : "Erlang C");
  std::printf("  %-22s %11.2f%% %11.2f%%\n", "service level", 100 * r->service_level, 100 * r->theory.service_level);
  std::printf("  %-22s %11.1fs %11.1fs\n", "ASA", r->asa_seconds, r->theory.asa_seconds);
  std::printf("  %-22s %11.2f%% %11.2f%%\n", "P(wait)", 100 * r->p_wait, 100 * r->theory.p_wait);
  std::printf("  %-22s %11.2f%% %11.2f%%\n", "abandon rate", 100 * r->abandon_rate, 100 * r->theory.p_abandon);
  std::printf("  %-22s %11.2f%% %11.2f%%\n", "occupancy", 100 * r->occupancy, 100 * r->theory.occupancy);
  if (!r->theory.stable) std::printf("  (offered load >= agents: Erlang C has no steady state)\n");
  std::printf("  simulated %.0f s in %.2f s wall (%.0f calls/s)\n", r->simulated_seconds, r->wall_seconds,
              r->calls_per_wall_second);
  return 0;
}

}  // namespace sb::control
