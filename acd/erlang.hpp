// Queueing theory for one queue with N identical agents, Poisson arrivals
// and exponential handle times: Erlang C (callers wait forever) and Erlang A
// (callers abandon after an exponential patience). Used to staff queues, to
// predict what the simulator should measure, and in docs/acd.md.
//
// Both are computed in a numerically stable way for hundreds of agents:
// Erlang C through the Erlang B recursion (no factorials or powers), Erlang
// A by summing the birth-death chain's state probabilities in scaled form.
#pragma once

namespace sb::acd {

struct ErlangInputs {
  double arrival_rate = 0;    // calls per second
  double handle_seconds = 0;  // mean handle time
  int agents = 0;
  double sl_seconds = 20;     // service-level threshold
  double patience_seconds = 0;  // Erlang A: mean patience; 0 = Erlang C
};

struct ErlangResult {
  double offered_erlangs = 0;   // A = λ·AHT
  double p_wait = 0;            // probability a caller waits at all
  double service_level = 0;     // P(answered within the threshold), over all callers
  double asa_seconds = 0;       // mean wait of answered callers
  double p_abandon = 0;         // Erlang A only
  double occupancy = 0;         // carried load / agents
  bool stable = true;           // Erlang C needs A < N
};

// Erlang B blocking probability B(N, A).
double erlang_b(int agents, double erlangs);
ErlangResult erlang_c(const ErlangInputs& in);
ErlangResult erlang_a(const ErlangInputs& in);

}  // namespace sb::acd
