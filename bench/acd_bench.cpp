// ACD routing cost at contact-centre scale: 20,000 agents with 64 skills and
// 50,000 calls waiting, on one core.
//
// One iteration of BM_AcdRouting is one cycle of what a loaded centre does:
// a connected call hangs up (the agent becomes ready and the engine picks
// the best waiting call across the agent's queues), the agent accepts the
// offer, and a new call arrives (which finds no ready agent and joins its
// queue). Each request is one routing event; the latency of each handle()
// is measured and reported as p50/p99 (counters "p50_ns", "p99_ns"); events
// per second on one core is the "events" rate. Virtual time moves 1 ms per
// cycle, so expansion, overflow and priority-cap timers fire as they would.
//
// Baseline, same run: the same cycles against a router that finds work by
// scanning every waiting call (the way a polling SQL query does), with the
// same priority/longest-wait order and skills.
//
// BM_AcdMemory reports heap bytes per agent and per waiting call;
// BM_AcdSimulator reports simulated calls per second; BM_AcdShard measures
// requests per second through a shard's inbox and output ring (two threads).
#include <benchmark/benchmark.h>
#include <malloc.h>

#include <algorithm>
#include <memory>
#include <random>
#include <thread>

#include "acd/actor.hpp"
#include "acd/engine.hpp"
#include "acd/simulator.hpp"

namespace {

using namespace sb;
using namespace sb::acd;

constexpr std::size_t kSkills = 64;
constexpr std::size_t kAgents = 20'000;
constexpr std::size_t kWaiting = 50'000;

// 64 queues, queue q needs skill q at 5+, after 30 s any level of it, after
// 120 s also the neighbouring skill; priorities age by 1/min up to +10.
// Agents have 3 distinct skills at random levels and serve those queues.
AcdModel centre(std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  AcdModel m;
  for (std::size_t s = 0; s < kSkills; ++s) m.skills.push_back("skill" + std::to_string(s));
  for (std::size_t q = 0; q < kSkills; ++q) {
    QueueConfig qc;
    qc.name = "queue" + std::to_string(q);
    qc.requirements = {{static_cast<SkillId>(q), 5}};
    qc.expansions = {{30, {{static_cast<SkillId>(q), 1}}}, {120, {{static_cast<SkillId>((q + 1) % kSkills), 1}}}};
    qc.priority_per_minute = 1;
    qc.max_priority = 10;
    qc.weight = 1 + static_cast<double>(q % 3);
    m.queues.push_back(qc);
  }
  std::uniform_int_distribution<int> skill(0, kSkills - 1), level(1, 10);
  for (std::size_t a = 0; a < kAgents; ++a) {
    AgentConfig ac;
    ac.id = std::to_string(100000 + a);
    ac.name = "Agent " + ac.id;
    ac.order = static_cast<int>(a);
    while (ac.queues.size() < 3) {
      const int s = skill(rng);
      if (std::find(ac.queues.begin(), ac.queues.end(), s) != ac.queues.end()) continue;
      ac.queues.push_back(s);
      ac.skills.set(static_cast<SkillId>(s), static_cast<std::uint8_t>(level(rng)));
    }
    m.agents.push_back(ac);
  }
  return m;
}

Request make(Request::Kind k, AgentIndex a = 0, CallId c = 0, int q = -1) { return Request::make(k, a, c, q); }

struct Latencies {
  std::vector<std::uint32_t> ns;
  void report(benchmark::State& state) {
    if (ns.empty()) return;
    auto pct = [&](double p) {
      auto it = ns.begin() + static_cast<long>(p * static_cast<double>(ns.size() - 1));
      std::nth_element(ns.begin(), it, ns.end());
      return static_cast<double>(*it);
    };
    state.counters["p50_ns"] = pct(0.50);
    state.counters["p99_ns"] = pct(0.99);
    state.counters["p999_ns"] = pct(0.999);
  }
};

// --- The engine ------------------------------------------------------------

struct EngineCentre {
  ManualClock clock;
  std::vector<Output> offers;  // offers of the current event
  std::unique_ptr<Engine> engine;
  std::vector<std::pair<CallId, AgentIndex>> connected;
  std::mt19937_64 rng{7};
  CallId next_call = 1;

  EngineCentre() {
    engine = std::make_unique<Engine>(centre(1), clock, [this](const Output& o) {
      if (o.kind == Output::kOfferCall) offers.push_back(o);
    });
    for (AgentIndex a = 0; a < kAgents; ++a) engine->handle(make(Request::kLogin, a));
    for (std::size_t i = 0; i < kWaiting + kAgents; ++i) enqueue();
    for (AgentIndex a = 0; a < kAgents; ++a) {
      offers.clear();
      engine->handle(make(Request::kReady, a));
      accept_offers();
    }
  }
  void enqueue() {
    engine->handle(make(Request::kEnqueue, 0, next_call++, static_cast<int>(rng() % kSkills)));
  }
  void accept_offers() {
    for (const Output& o : offers) {
      engine->handle(make(Request::kAccept, o.agent, o.call));
      connected.push_back({o.call, o.agent});
    }
    offers.clear();
  }
};

template <typename F>
inline void timed(Latencies& lat, F&& f) {
  const auto t0 = std::chrono::steady_clock::now();
  f();
  const auto t1 = std::chrono::steady_clock::now();
  lat.ns.push_back(static_cast<std::uint32_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count()));
}

void BM_AcdRouting(benchmark::State& state) {
  static EngineCentre* c = new EngineCentre();  // built once, reused by repetitions
  Latencies lat;
  lat.ns.reserve(4'000'000);
  std::uint64_t events = 0;
  for (auto _ : state) {
    c->clock.advance(std::chrono::milliseconds(1));
    if (c->engine->next_deadline() <= c->clock.now()) {
      timed(lat, [&] { c->engine->advance(); });
      ++events;
    }
    if (c->connected.empty()) {
      state.SkipWithError("no connected calls left");
      break;
    }
    const std::size_t pick = c->rng() % c->connected.size();
    const auto [call, agent] = c->connected[pick];
    c->connected[pick] = c->connected.back();
    c->connected.pop_back();
    timed(lat, [&] { c->engine->handle(make(Request::kHangup, agent, call)); });
    for (const Output& o : c->offers) {
      timed(lat, [&] { c->engine->handle(make(Request::kAccept, o.agent, o.call)); });
      c->connected.push_back({o.call, o.agent});
      ++events;
    }
    c->offers.clear();
    timed(lat, [&] { c->enqueue(); });
    c->accept_offers();
    events += 2;
  }
  state.counters["events"] = benchmark::Counter(static_cast<double>(events), benchmark::Counter::kIsRate);
  std::size_t waiting = 0;
  for (std::size_t q = 0; q < kSkills; ++q) waiting += c->engine->waiting(static_cast<int>(q));
  state.counters["waiting"] = static_cast<double>(waiting);
  state.counters["connected"] = static_cast<double>(c->connected.size());
  lat.report(state);
}
BENCHMARK(BM_AcdRouting)->Iterations(300'000);

// --- Same-run baseline: scan every waiting call per event -------------------

struct NaiveCentre {
  struct Call {
    CallId id;
    int queue;
    double arrived;
    int priority;
  };
  AcdModel model = centre(1);
  std::vector<Call> waiting;  // arrival order
  std::vector<double> ready_since;  // < 0: busy
  std::vector<std::pair<CallId, AgentIndex>> connected;
  std::mt19937_64 rng{7};
  CallId next_call = 1;
  double now = 0;

  bool eligible(const Call& c, AgentIndex a) const {
    const QueueConfig& q = model.queues[static_cast<std::size_t>(c.queue)];
    const double waited = now - c.arrived;
    for (std::size_t level = 0; level < q.levels(); ++level) {
      if (level > 0 && waited < q.expansions[level - 1].after_seconds) break;
      if (meets(model.agents[a].skills, q.requirements_at(level))) return true;
    }
    return false;
  }
  double effective_priority(const Call& c) const {
    const QueueConfig& q = model.queues[static_cast<std::size_t>(c.queue)];
    return std::min<double>(q.max_priority, c.priority + q.priority_per_minute * (now - c.arrived) / 60);
  }
  // Agent became ready: best call over everything waiting.
  void agent_ready(AgentIndex a) {
    std::size_t best = waiting.size();
    double best_priority = 0;
    const auto& serves = model.agents[a].queues;
    for (std::size_t i = 0; i < waiting.size(); ++i) {
      const Call& c = waiting[i];
      if (std::find(serves.begin(), serves.end(), c.queue) == serves.end() || !eligible(c, a)) continue;
      const double p = effective_priority(c);
      if (best == waiting.size() || p > best_priority) {
        best = i;
        best_priority = p;
      }
    }
    if (best == waiting.size()) {
      ready_since[a] = now;
      return;
    }
    connected.push_back({waiting[best].id, a});
    waiting.erase(waiting.begin() + static_cast<long>(best));
    ready_since[a] = -1;
  }
  // Call arrived: longest-idle eligible ready agent, else wait.
  void call_arrived(Call c) {
    AgentIndex best = 0;
    double best_since = -1;
    for (AgentIndex a = 0; a < ready_since.size(); ++a) {
      if (ready_since[a] < 0) continue;
      const auto& serves = model.agents[a].queues;
      if (std::find(serves.begin(), serves.end(), c.queue) == serves.end() || !eligible(c, a)) continue;
      if (best_since < 0 || ready_since[a] < best_since) {
        best = a;
        best_since = ready_since[a];
      }
    }
    if (best_since < 0) {
      waiting.push_back(c);
      return;
    }
    ready_since[best] = -1;
    connected.push_back({c.id, best});
  }
  void enqueue() { call_arrived({next_call++, static_cast<int>(rng() % kSkills), now, 0}); }

  NaiveCentre() {
    ready_since.assign(kAgents, -1);
    for (std::size_t i = 0; i < kWaiting + kAgents; ++i) enqueue();
    for (AgentIndex a = 0; a < kAgents; ++a) agent_ready(a);
  }
};

void BM_AcdRouting_NaiveScanBaseline(benchmark::State& state) {
  static NaiveCentre* c = new NaiveCentre();
  Latencies lat;
  std::uint64_t events = 0;
  for (auto _ : state) {
    c->now += 0.001;
    const std::size_t pick = c->rng() % c->connected.size();
    const AgentIndex agent = c->connected[pick].second;
    c->connected[pick] = c->connected.back();
    c->connected.pop_back();
    timed(lat, [&] { c->agent_ready(agent); });
    timed(lat, [&] { c->enqueue(); });
    events += 2;
  }
  state.counters["events"] = benchmark::Counter(static_cast<double>(events), benchmark::Counter::kIsRate);
  state.counters["waiting"] = static_cast<double>(c->waiting.size());
  lat.report(state);
}
BENCHMARK(BM_AcdRouting_NaiveScanBaseline)->Iterations(2'000);

// --- Memory -----------------------------------------------------------------

std::size_t heap_in_use() { return mallinfo2().uordblks; }

void BM_AcdMemory(benchmark::State& state) {
  for (auto _ : state) {
    // A fresh thread: the engine's node pool is per thread, and nodes other
    // benchmarks freed on this one would be reused without showing up here.
    std::thread([&] {
      ManualClock clock;
      const std::size_t h0 = heap_in_use();
      auto engine = std::make_unique<Engine>(centre(1), clock, [](const Output&) {});
      for (AgentIndex a = 0; a < kAgents; ++a) {
        engine->handle(make(Request::kLogin, a));
        engine->handle(make(Request::kReady, a));
      }
      // Model (ids, names, skills, queues served) and engine state, with
      // every agent ready and therefore indexed in its queues' ready sets.
      const std::size_t h1 = heap_in_use();
      for (AgentIndex a = 0; a < kAgents; ++a) engine->handle(make(Request::kNotReady, a));
      const std::size_t h2 = heap_in_use();
      std::mt19937_64 rng(3);
      for (CallId c = 1; c <= kWaiting; ++c)
        engine->handle(make(Request::kEnqueue, 0, c, static_cast<int>(rng() % kSkills)));
      // Waiting calls: record, queue index entries and the pending timer.
      const std::size_t h3 = heap_in_use();
      state.counters["bytes_per_agent"] = static_cast<double>(h1 - h0) / kAgents;
      state.counters["bytes_per_waiting_call"] = static_cast<double>(h3 - h2) / kWaiting;
      state.counters["bytes_per_agent_per_retained_interval"] = sizeof(AgentCounters);
    }).join();
  }
}
BENCHMARK(BM_AcdMemory)->Iterations(1)->Unit(benchmark::kMillisecond);

// --- Simulator ----------------------------------------------------------------

void BM_AcdSimulator(benchmark::State& state) {
  std::uint64_t calls = 0;
  for (auto _ : state) {
    SimulationOptions o;
    o.arrival_rate = 48.0 / 180;  // 48 Erlangs
    o.aht_seconds = 180;
    o.agents = 55;
    o.patience_seconds = state.range(0);
    o.calls = 200'000;
    auto r = simulate(o);
    calls += r->calls;
  }
  state.counters["simulated_calls"] = benchmark::Counter(static_cast<double>(calls), benchmark::Counter::kIsRate);
  state.SetLabel(state.range(0) ? "48 E on 55 agents, patience 90 s" : "48 E on 55 agents, no abandonment");
}
BENCHMARK(BM_AcdSimulator)->Arg(0)->Arg(90)->Unit(benchmark::kMillisecond);

// --- Through a shard: inbox, engine thread, output ring ----------------------

void BM_AcdShard(benchmark::State& state) {
  AcdModel m;
  m.queues.resize(1);
  m.queues[0].name = "q";
  for (std::size_t a = 0; a < 1000; ++a) {
    AgentConfig ac;
    ac.id = std::to_string(a);
    ac.queues = {0};
    m.agents.push_back(ac);
  }
  Shard shard({{"t", m}}, SteadyClock::instance());
  auto push = [&](const Request& r) {
    while (!shard.submit(TenantRequest{0, r})) std::this_thread::yield();
  };
  for (AgentIndex a = 0; a < 1000; ++a) {
    push(make(Request::kLogin, a));
    push(make(Request::kReady, a));
  }
  // Producer: this thread enqueues calls; the consumer answers every offer
  // and hangs up at once, so each call is 3 requests and ~6 outputs.
  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> answered{0};
  std::thread consumer([&] {
    std::array<TenantOutput, 256> buf;
    while (!stop.load(std::memory_order_relaxed)) {
      const std::size_t n = shard.poll(buf);
      for (std::size_t i = 0; i < n; ++i) {
        const Output& o = buf[i].output;
        if (o.kind != Output::kOfferCall) continue;
        push(make(Request::kAccept, o.agent, o.call));
        push(make(Request::kHangup, o.agent, o.call));
        answered.fetch_add(1, std::memory_order_relaxed);
      }
    }
  });
  CallId next = 1;
  std::uint64_t enqueued = 0;
  for (auto _ : state) {
    push(make(Request::kEnqueue, 0, next++, 0));
    ++enqueued;
    // Keep at most ~500 calls in flight so agents never run out.
    while (enqueued - answered.load(std::memory_order_relaxed) > 500) std::this_thread::yield();
  }
  while (answered.load() < enqueued) std::this_thread::yield();
  stop = true;
  consumer.join();
  state.counters["requests"] = benchmark::Counter(static_cast<double>(3 * enqueued), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_AcdShard)->Iterations(300'000)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
