// Erlang C / Erlang A against published values, and the simulator (the
// real engine in virtual time) against them over a million calls.
#include "acd/erlang.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>

#include "acd/simulator.hpp"

namespace sb::acd {
namespace {

TEST(Erlang, KnownValues) {
  EXPECT_NEAR(erlang_b(10, 10.0), 0.21458, 1e-5);    // Erlang B tables
  EXPECT_NEAR(erlang_b(1, 1.0), 0.5, 1e-12);
  const auto c = erlang_c({.arrival_rate = 10.0 / 180, .handle_seconds = 180, .agents = 11, .sl_seconds = 20});
  EXPECT_NEAR(c.p_wait, 0.6821, 1e-4);               // 10 Erlangs, 11 agents
  EXPECT_NEAR(c.asa_seconds, 0.6821 * 180 / 1, 0.1);
  EXPECT_NEAR(c.service_level, 1 - 0.68214 * std::exp(-1.0 * 20 / 180), 1e-4);
  EXPECT_FALSE(erlang_c({.arrival_rate = 1, .handle_seconds = 10, .agents = 10}).stable);
}

TEST(Erlang, StableForHundredsOfAgents) {
  // 500 Erlangs on 520 agents: factorials would overflow a double.
  const auto c = erlang_c({.arrival_rate = 500.0 / 300, .handle_seconds = 300, .agents = 520, .sl_seconds = 20});
  EXPECT_TRUE(std::isfinite(c.p_wait));
  EXPECT_GT(c.p_wait, 0.05);
  EXPECT_LT(c.p_wait, 0.5);
  const auto a = erlang_a({.arrival_rate = 500.0 / 300, .handle_seconds = 300, .agents = 480, .sl_seconds = 20,
                           .patience_seconds = 120});
  EXPECT_TRUE(std::isfinite(a.p_abandon));
  EXPECT_GT(a.p_abandon, 0.0);
  EXPECT_LT(a.p_abandon, 0.2);
}

TEST(Erlang, ErlangAReducesToErlangCAsPatienceGrows) {
  const ErlangInputs in{.arrival_rate = 10.0 / 180, .handle_seconds = 180, .agents = 12, .sl_seconds = 20,
                        .patience_seconds = 1e7};
  const auto a = erlang_a(in);
  auto c_in = in;
  c_in.patience_seconds = 0;
  const auto c = erlang_c(c_in);
  EXPECT_NEAR(a.p_wait, c.p_wait, 1e-3);
  EXPECT_LT(a.p_abandon, 1e-3);
}

struct Load {
  double erlangs;
  int agents;
};

class SimulatorVsErlangC : public ::testing::TestWithParam<Load> {};

// A million calls through the real engine: service level within ±1.5
// percentage points and ASA within ±10% of Erlang C.
TEST_P(SimulatorVsErlangC, WithinTolerance) {
  const auto [erlangs, agents] = GetParam();
  SimulationOptions o;
  o.aht_seconds = 180;
  o.arrival_rate = erlangs / o.aht_seconds;
  o.agents = agents;
  o.sl_seconds = 20;
  o.calls = 1'000'000;
  o.seed = 42 + static_cast<std::uint64_t>(agents);
  auto r = simulate(o);
  ASSERT_TRUE(r) << r.status().to_string();
  std::printf("%.0f Erlangs on %d agents: SL %.2f%% (C %.2f%%), ASA %.1fs (C %.1fs), P(wait) %.2f%% (C %.2f%%), %.0f calls/s\n",
              erlangs, agents, 100 * r->service_level, 100 * r->theory.service_level, r->asa_seconds,
              r->theory.asa_seconds, 100 * r->p_wait, 100 * r->theory.p_wait, r->calls_per_wall_second);
  EXPECT_EQ(r->calls, 1'000'000u);
  EXPECT_EQ(r->answered, 1'000'000u);
  EXPECT_NEAR(r->service_level, r->theory.service_level, 0.015);
  EXPECT_NEAR(r->asa_seconds, r->theory.asa_seconds, 0.10 * r->theory.asa_seconds);
}

// 100 calls per 30 minutes at 180 s AHT is 10 Erlangs; and a large centre.
INSTANTIATE_TEST_SUITE_P(Loads, SimulatorVsErlangC,
                         ::testing::Values(Load{10, 11}, Load{10, 12}, Load{10, 13}, Load{10, 14}, Load{48, 55}),
                         [](const auto& p) {
                           return std::to_string(static_cast<int>(p.param.erlangs)) + "E_" + std::to_string(p.param.agents) + "agents";
                         });

class SimulatorVsErlangA : public ::testing::TestWithParam<Load> {};

// With exponential patience: abandon rate and P(wait) within ±10% of
// Erlang A.
TEST_P(SimulatorVsErlangA, WithinTolerance) {
  const auto [erlangs, agents] = GetParam();
  SimulationOptions o;
  o.aht_seconds = 180;
  o.arrival_rate = erlangs / o.aht_seconds;
  o.agents = agents;
  o.patience_seconds = 90;
  o.calls = 1'000'000;
  o.seed = 7 + static_cast<std::uint64_t>(agents);
  auto r = simulate(o);
  ASSERT_TRUE(r) << r.status().to_string();
  std::printf("%.0f Erlangs on %d agents, patience 90 s: abandon %.2f%% (A %.2f%%), P(wait) %.2f%% (A %.2f%%)\n",
              erlangs, agents, 100 * r->abandon_rate, 100 * r->theory.p_abandon, 100 * r->p_wait, 100 * r->theory.p_wait);
  EXPECT_NEAR(r->abandon_rate, r->theory.p_abandon, 0.10 * r->theory.p_abandon);
  EXPECT_NEAR(r->p_wait, r->theory.p_wait, 0.10 * r->theory.p_wait);
}

// Including overload (12 Erlangs on 11 agents), where only abandonment
// keeps the queue finite.
INSTANTIATE_TEST_SUITE_P(Loads, SimulatorVsErlangA, ::testing::Values(Load{10, 11}, Load{12, 11}, Load{48, 50}),
                         [](const auto& p) {
                           return std::to_string(static_cast<int>(p.param.erlangs)) + "E_" + std::to_string(p.param.agents) + "agents";
                         });

TEST(Simulator, RejectsBadOptions) {
  SimulationOptions o;
  EXPECT_NE(simulate(o).status().message().find("--arrival-rate"), std::string::npos);
  o.arrival_rate = 1;
  o.agents = 1;
  EXPECT_NE(simulate(o).status().message().find("--calls"), std::string::npos);
}

TEST(Simulator, LogNormalAndMultiQueueRun) {
  SimulationOptions o;
  o.aht_seconds = 180;
  o.arrival_rate = 20.0 / 180;
  o.agents = 24;
  o.calls = 50'000;
  o.lognormal = true;
  o.queues = 3;
  o.cross_skilled = 0.5;
  auto r = simulate(o);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->answered, 50'000u);
  EXPECT_GT(r->service_level, 0.5);
  EXPECT_NEAR(r->occupancy, 20.0 / 24, 0.05);
}

}  // namespace
}  // namespace sb::acd
