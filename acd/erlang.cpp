#include "acd/erlang.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

namespace sb::acd {

double erlang_b(int agents, double a) {
  // B(0) = 1; B(k) = A·B(k-1) / (k + A·B(k-1)): stable for any N.
  double b = 1.0;
  for (int k = 1; k <= agents; ++k) b = a * b / (k + a * b);
  return b;
}

ErlangResult erlang_c(const ErlangInputs& in) {
  ErlangResult r;
  const double a = in.arrival_rate * in.handle_seconds;
  const double n = in.agents;
  r.offered_erlangs = a;
  if (a >= n || in.agents <= 0) {
    r.stable = false;
    r.p_wait = 1;
    r.occupancy = 1;
    return r;
  }
  const double b = erlang_b(in.agents, a);
  r.p_wait = n * b / (n - a * (1 - b));
  // Waiting time given a wait is exponential with rate (N - A)/AHT.
  r.service_level = 1 - r.p_wait * std::exp(-(n - a) * in.sl_seconds / in.handle_seconds);
  r.asa_seconds = r.p_wait * in.handle_seconds / (n - a);
  r.occupancy = a / n;
  return r;
}

// M/M/N+M. State k = calls in system. Birth λ always; death kμ for k <= N,
// Nμ + (k-N)θ above. P(wait) is the probability an arrival finds k >= N;
// abandonment is (θ/λ)·E[queue length]; the wait of an answered caller and
// the service level come from integrating over the queue position at arrival
// (each caller ahead leaves at rate Nμ + jθ).
ErlangResult erlang_a(const ErlangInputs& in) {
  if (in.patience_seconds <= 0) return erlang_c(in);
  ErlangResult r;
  const double lambda = in.arrival_rate, mu = 1.0 / in.handle_seconds, theta = 1.0 / in.patience_seconds;
  const int n = in.agents;
  r.offered_erlangs = lambda / mu;
  // Unnormalised probabilities, kept in log space and rescaled.
  std::vector<double> logp;
  logp.push_back(0.0);
  for (int k = 1; k <= n; ++k) logp.push_back(logp.back() + std::log(lambda / (k * mu)));
  for (int j = 1;; ++j) {
    const double next = logp.back() + std::log(lambda / (n * mu + j * theta));
    logp.push_back(next);
    if (next - logp[static_cast<std::size_t>(n)] < -40 && j > 10) break;  // e^-40: negligible
    if (j > 1'000'000) break;
  }
  double maxl = logp[0];
  for (double l : logp) maxl = std::max(maxl, l);
  std::vector<double> p(logp.size());
  double total = 0;
  for (std::size_t k = 0; k < p.size(); ++k) total += (p[k] = std::exp(logp[k] - maxl));
  for (double& x : p) x /= total;

  double p_wait = 0, queue_len = 0, busy = 0;
  for (std::size_t k = 0; k < p.size(); ++k) {
    if (static_cast<int>(k) >= n) {
      p_wait += p[k];
      queue_len += (static_cast<double>(k) - n) * p[k];
      busy += n * p[k];
    } else {
      busy += static_cast<double>(k) * p[k];
    }
  }
  r.p_wait = p_wait;
  r.p_abandon = theta * queue_len / lambda;
  r.occupancy = busy / n;
  // An arrival finding j callers in queue (state n + j) is answered if it
  // outlasts the j+1 departures ahead of it; each stage i (0-based) clears at
  // rate Nμ + iθ and the caller survives it with probability
  // (Nμ + iθ)/(Nμ + (i+1)θ). Service level and ASA follow from the phase-type
  // wait, evaluated here by its mean and a numerical tail bound.
  double answered = 0, wait_answered = 0, in_sl = 0;
  for (std::size_t k = 0; k < p.size(); ++k) {
    if (static_cast<int>(k) < n) {
      answered += p[k];
      in_sl += p[k];
      continue;
    }
    const int j = static_cast<int>(k) - n;
    double survive = 1, mean_wait = 0;
    // Rates of the stages while this caller waits (it is the (j+1)-th in line).
    std::vector<double> rates;
    for (int i = 0; i <= j; ++i) {
      const double out = n * mu + i * theta;  // departures of those ahead (and abandons behind do not matter)
      rates.push_back(out + theta);           // the caller itself abandons at θ
      survive *= out / (out + theta);
    }
    // Mean time to be answered given answered: sum of stage means with the
    // caller's own abandonment competing (each stage ~ Exp(out + θ)).
    for (double rt : rates) mean_wait += 1.0 / rt;
    answered += p[k] * survive;
    wait_answered += p[k] * survive * mean_wait;
    // P(answered within T) for a hypoexponential: numeric convolution.
    const double t = in.sl_seconds;
    constexpr int kSteps = 400;
    const double dt = t / kSteps;
    std::vector<double> dist(rates.size() + 1, 0.0);
    dist[0] = 1;
    for (int s = 0; s < kSteps; ++s) {
      for (std::size_t i = rates.size(); i-- > 0;) {
        const double out = n * mu + static_cast<double>(i) * theta;
        const double moved = dist[i] * (1 - std::exp(-rates[i] * dt));
        dist[i] -= moved;
        dist[i + 1] += moved * out / rates[i];  // the rest of `moved` abandoned
      }
    }
    in_sl += p[k] * dist.back();
  }
  r.asa_seconds = answered > 0 ? wait_answered / answered : 0;
  // The engine's definition with no short-abandon allowance: answered
  // within the threshold over everyone who left the queue.
  r.service_level = in_sl;
  return r;
}

}  // namespace sb::acd
