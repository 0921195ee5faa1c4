// The engine as the daemon runs it: shard threads with a lock-free inbox,
// an output ring that never loses an output, and snapshots published
// through hazard pointers. These tests run real threads.
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <set>
#include <thread>

#include "acd/actor.hpp"
#include "common/published.hpp"

namespace sb::acd {
namespace {

using namespace std::chrono_literals;

// --- Published<T> ----------------------------------------------------------

std::atomic<long> live_values{0};

struct Value {
  explicit Value(std::uint64_t v) : version(v) {
    for (auto& x : copies) x = v;
    live_values.fetch_add(1);
  }
  ~Value() {
    for (auto& x : copies) x = ~0ull;  // a use-after-free reader would see this
    live_values.fetch_sub(1);
  }
  std::uint64_t version;
  std::array<std::uint64_t, 32> copies;
};

TEST(Published, ReadersSeeWholeValuesAndNothingLeaks) {
  {
    Published<Value> pub(std::make_unique<Value>(0));
    std::atomic<bool> stop{false};
    std::atomic<std::uint64_t> torn{0}, reads{0}, went_back{0};
    std::vector<std::thread> readers;
    for (int r = 0; r < 3; ++r) {
      readers.emplace_back([&] {
        std::uint64_t last = 0;
        while (!stop.load()) {
          auto g = pub.read();
          for (auto x : g->copies) torn += x != g->version;
          went_back += g->version < last;
          last = g->version;
          ++reads;
        }
      });
    }
    for (std::uint64_t v = 1; v <= 200'000; ++v) pub.publish(std::make_unique<Value>(v));
    stop = true;
    for (auto& t : readers) t.join();
    EXPECT_EQ(torn.load(), 0u);
    EXPECT_EQ(went_back.load(), 0u);
    EXPECT_GT(reads.load(), 0u);
    EXPECT_EQ(pub.read()->version, 200'000u);
    pub.publish(std::make_unique<Value>(1));  // with no reader left, everything retired is freed
    EXPECT_EQ(pub.retired(), 0u);
  }
  EXPECT_EQ(live_values.load(), 0);
}

TEST(Published, AHeldGuardKeepsItsValueAlive) {
  Published<Value> pub(std::make_unique<Value>(1));
  auto g = pub.read();
  pub.publish(std::make_unique<Value>(2));
  pub.publish(std::make_unique<Value>(3));
  EXPECT_EQ(pub.retired(), 1u);  // version 1 is held; 2 was freed
  EXPECT_EQ(g->version, 1u);
  EXPECT_EQ(g->copies[31], 1u);
}

// --- Shard -------------------------------------------------------------------

AcdModel model(std::size_t agents, std::size_t queues = 1) {
  AcdModel m;
  for (std::size_t q = 0; q < queues; ++q) {
    QueueConfig qc;
    qc.name = "q" + std::to_string(q);
    m.queues.push_back(qc);
  }
  for (std::size_t a = 0; a < agents; ++a) {
    AgentConfig ac;
    ac.id = "a" + std::to_string(a);
    ac.name = ac.id;
    for (std::size_t q = 0; q < queues; ++q) ac.queues.push_back(static_cast<int>(q));
    m.agents.push_back(ac);
  }
  return m;
}

Request request(Request::Kind k, AgentIndex a = 0, CallId c = 0, int queue = -1) {
  return Request::make(k, a, c, queue);
}

// Collects outputs on the consumer thread until `done` says so.
template <typename Done>
std::vector<TenantOutput> collect(Shard& s, Done done, std::chrono::seconds limit = 30s) {
  std::vector<TenantOutput> all;
  std::array<TenantOutput, 128> buf;
  const auto until = std::chrono::steady_clock::now() + limit;
  while (!done(all) && std::chrono::steady_clock::now() < until) {
    const std::size_t n = s.poll(buf);
    all.insert(all.end(), buf.begin(), buf.begin() + static_cast<long>(n));
    if (n == 0) std::this_thread::sleep_for(100us);
  }
  return all;
}

void submit(Shard& s, const Request& r, TenantIndex t = 0) {
  while (!s.submit(TenantRequest{t, r})) std::this_thread::yield();
}

TEST(Shard, ManyProducersEveryCallAnsweredExactlyOnce) {
  constexpr std::size_t kAgents = 50, kCalls = 20'000, kProducers = 4;
  Shard shard({{"t", model(kAgents)}}, SteadyClock::instance(), ShardOptions{});
  for (AgentIndex a = 0; a < kAgents; ++a) {
    submit(shard, request(Request::kLogin, a));
    submit(shard, request(Request::kReady, a));
  }
  std::vector<std::thread> producers;
  for (std::size_t p = 0; p < kProducers; ++p)
    producers.emplace_back([&, p] {
      for (CallId c = p; c < kCalls; c += kProducers) submit(shard, request(Request::kEnqueue, 0, c + 1, 0));
    });
  // The consumer plays call control: answer every offer, hang up at once.
  std::map<CallId, int> offered, ended;
  std::set<AgentIndex> ringing;
  std::size_t double_offers = 0;
  std::array<TenantOutput, 256> buf;
  const auto until = std::chrono::steady_clock::now() + 60s;
  while (ended.size() < kCalls && std::chrono::steady_clock::now() < until) {
    const std::size_t n = shard.poll(buf);
    for (std::size_t i = 0; i < n; ++i) {
      const Output& o = buf[i].output;
      if (o.kind == Output::kOfferCall) {
        ++offered[o.call];
        double_offers += !ringing.insert(o.agent).second;
        submit(shard, request(Request::kAccept, o.agent, o.call));
        submit(shard, request(Request::kHangup, o.agent, o.call));
      } else if (o.kind == Output::kCallConnected) {
        ringing.erase(o.agent);
      } else if (o.kind == Output::kCallEnded) {
        ++ended[o.call];
      }
    }
    if (n == 0) std::this_thread::sleep_for(50us);
  }
  for (auto& t : producers) t.join();
  ASSERT_EQ(ended.size(), kCalls);
  EXPECT_EQ(double_offers, 0u);
  for (const auto& [c, k] : offered) ASSERT_EQ(k, 1) << "call " << c;
  for (const auto& [c, k] : ended) ASSERT_EQ(k, 1) << "call " << c;
  // The published snapshot agrees once the engine has published again.
  shard.request_snapshot();
  std::uint64_t answered = 0;
  for (int i = 0; i < 2000 && answered != kCalls; ++i) {
    std::this_thread::sleep_for(1ms);
    auto s = shard.snapshot();
    answered = s->tenants[0].queues[0].stats.total.answered;
  }
  auto s = shard.snapshot();
  EXPECT_EQ(answered, kCalls);
  EXPECT_EQ(s->tenants[0].queues[0].stats.total.offered, kCalls);
  EXPECT_EQ(s->tenants[0].queues[0].waiting, 0u);
  EXPECT_EQ(s->tenants[0].live_calls, 0u);
  EXPECT_EQ(s->tenants[0].queues[0].agents[static_cast<std::size_t>(AgentState::kReady)], kAgents);
  EXPECT_EQ(s->counters.requests, 2 * kAgents + 3 * kCalls);
}

TEST(Shard, TimersFireOnTheInjectedClock) {
  ManualClock clock;
  ShardOptions options;
  options.max_sleep = 1ms;
  AcdModel m = model(2);
  m.queues[0].offer_timeout_seconds = 20;
  Shard shard({{"t", m}}, clock, options);
  for (AgentIndex a = 0; a < 2; ++a) {
    submit(shard, request(Request::kLogin, a));
    submit(shard, request(Request::kReady, a));
  }
  submit(shard, request(Request::kEnqueue, 0, 7, 0));
  auto is_offer = [](const TenantOutput& o) { return o.output.kind == Output::kOfferCall; };
  auto first = collect(shard, [&](const auto& all) { return std::any_of(all.begin(), all.end(), is_offer); });
  const auto offer = std::find_if(first.begin(), first.end(), is_offer);
  ASSERT_NE(offer, first.end());
  const AgentIndex first_agent = offer->output.agent;
  clock.advance(19s);
  shard.wake();
  std::this_thread::sleep_for(20ms);
  std::array<TenantOutput, 16> buf;
  EXPECT_EQ(shard.poll(buf), 0u) << "nothing is due before the offer timeout";
  clock.advance(1s);
  shard.wake();
  auto after = collect(shard, [&](const auto& all) { return std::any_of(all.begin(), all.end(), is_offer); });
  bool cancelled = false, reoffered = false;
  for (const auto& o : after) {
    if (o.output.kind == Output::kCancelOffer) {
      cancelled = o.output.call == 7 && o.output.agent == first_agent;
      EXPECT_EQ(o.output.time, Nanos{20s});
    }
    // The agent who let it ring is not rung again with the same call.
    reoffered |= o.output.kind == Output::kOfferCall && o.output.call == 7 && o.output.agent != first_agent;
  }
  EXPECT_TRUE(cancelled);
  EXPECT_TRUE(reoffered);
}

TEST(Shard, FullOutputRingKeepsEveryOutputInOrder) {
  ShardOptions options;
  options.output_capacity = 8;
  Shard shard({{"t", model(0)}}, SteadyClock::instance(), options);
  constexpr CallId kCalls = 2000;
  for (CallId c = 1; c <= kCalls; ++c) submit(shard, request(Request::kEnqueue, 0, c, 0));
  // Nobody reads for a while: the ring fills and the engine keeps the rest.
  std::this_thread::sleep_for(100ms);
  auto all = collect(shard, [](const auto& v) {
    return std::count_if(v.begin(), v.end(), [](const TenantOutput& o) { return o.output.kind == Output::kCallQueued; }) ==
           static_cast<long>(kCalls);
  });
  CallId expect = 1;
  for (const auto& out : all) {
    if (out.output.kind == Output::kCallQueued) {
      ASSERT_EQ(out.output.call, expect++);
    }
  }
  EXPECT_EQ(expect, kCalls + 1);
  shard.request_snapshot();
  std::this_thread::sleep_for(50ms);
  EXPECT_GT(shard.snapshot()->counters.output_backlog_max, 0u);
  EXPECT_EQ(shard.snapshot()->counters.output_backlog, 0u);
}

TEST(Shard, ReloadOnTheEngineThreadKeepsWaitingCalls) {
  Shard shard({{"t", model(0)}}, SteadyClock::instance());
  submit(shard, request(Request::kEnqueue, 0, 1, 0));
  submit(shard, request(Request::kEnqueue, 0, 2, 0));
  AcdModel next = model(2, 2);
  ASSERT_TRUE(shard.reload(0, next).is_ok());
  AcdModel broken = model(1);
  broken.agents[0].queues = {5};
  EXPECT_FALSE(shard.reload(0, broken).is_ok());
  EXPECT_FALSE(shard.reload(3, next).is_ok());
  shard.request_snapshot();
  std::this_thread::sleep_for(50ms);
  auto s = shard.snapshot();
  ASSERT_EQ(s->tenants[0].queues.size(), 2u);
  EXPECT_EQ(s->tenants[0].queues[0].waiting, 2u);
  EXPECT_EQ(s->tenants[0].agents.size(), 2u);
  EXPECT_EQ(s->counters.reloads, 1u);
  // The new agents can take the waiting calls, oldest first.
  submit(shard, request(Request::kLogin, 1));
  submit(shard, request(Request::kReady, 1));
  auto out = collect(shard, [](const auto& v) {
    return std::any_of(v.begin(), v.end(), [](const TenantOutput& o) { return o.output.kind == Output::kOfferCall; });
  });
  for (const auto& o : out) {
    if (o.output.kind == Output::kOfferCall) {
      EXPECT_EQ(o.output.call, 1u);
    }
  }
}

TEST(AcdService, TenantsRunOnSeparateShards) {
  AcdService svc({{"alpha", model(1)}, {"beta", model(1)}, {"gamma", model(1)}}, SteadyClock::instance(), 2);
  ASSERT_EQ(svc.shard_count(), 2u);
  EXPECT_EQ(svc.locate(2), (std::pair<std::size_t, TenantIndex>{0, 1}));
  for (std::size_t t = 0; t < 3; ++t) {
    ASSERT_TRUE(svc.submit(t, request(Request::kLogin, 0)));
    ASSERT_TRUE(svc.submit(t, request(Request::kReady, 0)));
    ASSERT_TRUE(svc.submit(t, request(Request::kEnqueue, 0, 100 + t, 0)));
  }
  std::map<std::string, CallId> offered;
  for (std::size_t s = 0; s < 2; ++s) {
    Shard& shard = svc.shard(s);
    const std::size_t want = s == 0 ? 2 : 1;
    auto out = collect(shard, [&](const auto& v) {
      return static_cast<std::size_t>(std::count_if(v.begin(), v.end(), [](const TenantOutput& o) {
               return o.output.kind == Output::kOfferCall;
             })) == want;
    });
    auto snap = shard.snapshot();
    for (const auto& o : out) {
      if (o.output.kind == Output::kOfferCall) offered[snap->tenants[o.tenant].name] = o.output.call;
    }
  }
  EXPECT_EQ(offered, (std::map<std::string, CallId>{{"alpha", 100}, {"beta", 101}, {"gamma", 102}}));
  // A request for a tenant the shard does not host is counted, not applied.
  submit(svc.shard(1), request(Request::kLogin, 0), 7);
  svc.shard(1).request_snapshot();
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(svc.shard(1).snapshot()->counters.bad_tenant, 1u);
}

}  // namespace
}  // namespace sb::acd
