// The ACD simulator: runs the real engine (acd/engine.hpp) in virtual time
// against synthetic traffic, and sets what it measures beside Erlang C /
// Erlang A for the same inputs. `switchboard simulate acd` is its front end;
// the theory tests in tests/unit/acd run it for a million calls.
//
// Traffic: Poisson arrivals; handle times exponential or log-normal (same
// mean); callers' patience exponential (or infinite); agents answer every
// offer at once and wrap up in zero time, so the engine's behaviour is
// exactly an M/M/N(+M) queue when the distributions are exponential.
// Several queues can be simulated, each with its own share of arrivals and
// a skill that only some agents have.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "acd/erlang.hpp"
#include "common/status.hpp"

namespace sb::acd {

struct SimulationOptions {
  double arrival_rate = 0;        // calls per second, all queues together
  double aht_seconds = 180;
  int agents = 0;
  double patience_seconds = 0;    // mean; 0: callers never abandon
  double sl_seconds = 20;
  std::uint64_t calls = 0;        // stop after this many arrivals ...
  double duration_seconds = 0;    // ... or this much simulated time
  std::uint64_t seed = 1;
  bool lognormal = false;         // log-normal handle times (sigma below)
  double lognormal_sigma = 0.8;
  int queues = 1;                 // arrivals split evenly; queue i needs skill i
  double cross_skilled = 1.0;     // share of agents that have every queue's skill
};

struct SimulationResult {
  std::uint64_t calls = 0;
  std::uint64_t answered = 0;
  std::uint64_t abandoned = 0;
  double service_level = 0;       // engine definition (docs/acd.md)
  double asa_seconds = 0;
  double abandon_rate = 0;        // abandoned / calls
  double p_wait = 0;              // callers not answered on arrival
  double occupancy = 0;
  double simulated_seconds = 0;
  double wall_seconds = 0;
  double calls_per_wall_second = 0;
  ErlangResult theory;            // Erlang C, or Erlang A with patience
};

// Errors: invalid-argument naming the option.
Result<SimulationResult> simulate(const SimulationOptions& options);

}  // namespace sb::acd
