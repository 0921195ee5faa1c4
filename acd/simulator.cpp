#include "acd/simulator.hpp"

#include <chrono>
#include <cmath>
#include <queue>
#include <random>
#include <unordered_map>


#include "acd/engine.hpp"

namespace sb::acd {

namespace {

struct Event {
  enum Kind : std::uint8_t { kComplete, kAbandon };
  Nanos when;
  Kind kind;
  CallId call;
  bool operator>(const Event& o) const { return when > o.when; }
};

AcdModel make_model(const SimulationOptions& o, std::mt19937_64& rng) {
  AcdModel m;
  for (int q = 0; q < o.queues; ++q) {
    m.skills.push_back("skill" + std::to_string(q));
    QueueConfig qc;
    qc.name = "queue" + std::to_string(q);
    qc.service_level_seconds = o.sl_seconds;
    qc.short_abandon_seconds = 0;  // Erlang A counts every abandon
    qc.offer_timeout_seconds = 1e9;
    qc.requirements = {{static_cast<SkillId>(q), 1}};
    m.queues.push_back(qc);
  }
  std::uniform_real_distribution<double> u(0, 1);
  for (int a = 0; a < o.agents; ++a) {
    AgentConfig ac;
    ac.id = "agent" + std::to_string(a);
    ac.order = a;
    const bool all = u(rng) < o.cross_skilled;
    for (int q = 0; q < o.queues; ++q) {
      if (all || q == a % o.queues) {
        ac.skills.set(static_cast<SkillId>(q), 5);
        ac.queues.push_back(q);
      }
    }
    m.agents.push_back(ac);
  }
  return m;
}

}  // namespace

Result<SimulationResult> simulate(const SimulationOptions& o) {
  if (o.arrival_rate <= 0) return invalid_argument("--arrival-rate must be > 0");
  if (o.aht_seconds <= 0) return invalid_argument("--aht must be > 0");
  if (o.agents <= 0) return invalid_argument("--agents must be > 0");
  if (o.patience_seconds < 0) return invalid_argument("--patience must be >= 0");
  if (o.calls == 0 && o.duration_seconds <= 0) return invalid_argument("give --calls or --duration");
  if (o.queues < 1 || o.queues > static_cast<int>(kMaxSkills)) return invalid_argument("--queues must be 1..64");
  if (o.cross_skilled < 0 || o.cross_skilled > 1) return invalid_argument("--cross-skilled must be 0..1");
  if (o.lognormal && o.lognormal_sigma <= 0) return invalid_argument("--lognormal-sigma must be > 0");

  std::mt19937_64 rng(o.seed);
  ManualClock clock;
  std::vector<Output> out;
  Engine engine(make_model(o, rng), clock, [&](const Output& x) { out.push_back(x); }, o.seed);
  std::exponential_distribution<double> interarrival(o.arrival_rate);
  std::exponential_distribution<double> exp_handle(1.0 / o.aht_seconds);
  // Log-normal with the same mean: mu = ln(mean) - sigma²/2.
  std::lognormal_distribution<double> ln_handle(std::log(o.aht_seconds) - o.lognormal_sigma * o.lognormal_sigma / 2,
                                                o.lognormal_sigma);
  std::exponential_distribution<double> patience(o.patience_seconds > 0 ? 1.0 / o.patience_seconds : 1.0);
  std::uniform_int_distribution<int> pick_queue(0, o.queues - 1);

  std::priority_queue<Event, std::vector<Event>, std::greater<Event>> events;
  std::unordered_map<CallId, Nanos> arrival;  // calls not yet connected or gone
  std::uint64_t waited = 0;

  for (AgentIndex a = 0; a < static_cast<AgentIndex>(o.agents); ++a) {
    Request r;
    r.kind = Request::kLogin;
    r.agent = a;
    engine.handle(r);
    r.kind = Request::kReady;
    engine.handle(r);
  }
  // Agents answer every offer at once: the engine's decisions are applied
  // in the same virtual instant.
  auto drain = [&] {
    for (std::size_t i = 0; i < out.size(); ++i) {
      const Output x = out[i];
      if (x.kind == Output::kOfferCall) {
        Request r;
        r.kind = Request::kAccept;
        r.call = x.call;
        r.agent = x.agent;
        engine.handle(r);
      } else if (x.kind == Output::kCallConnected) {
        const auto it = arrival.find(x.call);
        if (it != arrival.end()) {
          if (clock.now() > it->second) ++waited;
          arrival.erase(it);
        }
        const double h = o.lognormal ? ln_handle(rng) : exp_handle(rng);
        events.push({clock.now() + from_seconds(h), Event::kComplete, x.call});
      }
    }
    out.clear();
  };
  drain();

  const auto wall_start = std::chrono::steady_clock::now();
  const Nanos end = o.duration_seconds > 0 ? from_seconds(o.duration_seconds) : Nanos::max();
  Nanos next_arrival = from_seconds(interarrival(rng));
  std::uint64_t arrived = 0;
  CallId next_id = 1;
  for (;;) {
    const bool arrivals_left = (o.calls == 0 || arrived < o.calls) && next_arrival < end;
    Nanos t = Nanos::max();
    if (arrivals_left) t = next_arrival;
    if (!events.empty()) t = std::min(t, events.top().when);
    t = std::min(t, engine.next_deadline());
    if (t == Nanos::max()) break;
    if (!arrivals_left && events.empty() && arrival.empty()) break;
    clock.set(t);
    engine.advance();
    drain();
    if (arrivals_left && next_arrival <= t) {
      const CallId id = next_id++;
      ++arrived;
      arrival[id] = t;
      if (o.patience_seconds > 0) events.push({t + from_seconds(patience(rng)), Event::kAbandon, id});
      Request r;
      r.kind = Request::kEnqueue;
      r.call = id;
      r.queue = o.queues > 1 ? pick_queue(rng) : 0;
      engine.handle(r);
      drain();
      next_arrival = t + from_seconds(interarrival(rng));
      continue;
    }
    while (!events.empty() && events.top().when <= t) {
      const Event e = events.top();
      events.pop();
      Request r;
      r.call = e.call;
      if (e.kind == Event::kComplete) {
        r.kind = Request::kHangup;
        engine.handle(r);
      } else if (arrival.count(e.call)) {
        ++waited;  // it waited, and gave up
        arrival.erase(e.call);
        r.kind = Request::kAbandon;
        engine.handle(r);
      }
      drain();
    }
  }

  SimulationResult res;
  QueueCounters total;
  for (int q = 0; q < o.queues; ++q) total.add(engine.queue_stats(q).total);
  res.calls = arrived;
  res.answered = total.answered;
  res.abandoned = total.abandoned;
  res.service_level = total.service_level();
  res.asa_seconds = total.asa_seconds();
  res.abandon_rate = arrived ? static_cast<double>(total.abandoned) / static_cast<double>(arrived) : 0;
  res.p_wait = arrived ? static_cast<double>(waited) / static_cast<double>(arrived) : 0;
  res.simulated_seconds = to_seconds(clock.now());
  double busy = 0;
  for (AgentIndex a = 0; a < static_cast<AgentIndex>(o.agents); ++a) {
    const auto& s = engine.agent_stats(a).total;
    busy += s.talk_seconds + s.hold_seconds + s.wrap_seconds;
  }
  res.occupancy = res.simulated_seconds > 0 ? busy / (res.simulated_seconds * o.agents) : 0;
  res.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  res.calls_per_wall_second = res.wall_seconds > 0 ? static_cast<double>(arrived) / res.wall_seconds : 0;
  ErlangInputs in{o.arrival_rate, o.aht_seconds, o.agents, o.sl_seconds, o.patience_seconds};
  res.theory = o.patience_seconds > 0 ? erlang_a(in) : erlang_c(in);
  return res;
}

}  // namespace sb::acd
