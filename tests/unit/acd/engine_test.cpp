// The engine's state machine, routing rules and statistics, in virtual time.
#include "tests/unit/acd/engine_fixture.hpp"

namespace sb::acd::test {
namespace {

AcdModel one_queue(int agents, Strategy st = Strategy::kLongestIdle) {
  AcdModel m;
  m.queues.push_back(queue("sales", st));
  for (int i = 0; i < agents; ++i) m.agents.push_back(agent("a" + std::to_string(i), {0}, {}, i));
  return m;
}

TEST_F(EngineTest, AgentStateMachineEmitsEveryTransition) {
  start(one_queue(1));
  req(Request::kLogin, 0);
  EXPECT_EQ(engine_->agent_state(0), AgentState::kNotReady);
  req(Request::kReady, 0);
  EXPECT_EQ(engine_->agent_state(0), AgentState::kReady);
  req(Request::kNotReady, 0, 0, -1, 0, "lunch");
  EXPECT_EQ(engine_->agent_state(0), AgentState::kNotReady);
  req(Request::kReady, 0);
  req(Request::kLogout, 0);
  EXPECT_EQ(engine_->agent_state(0), AgentState::kLoggedOut);
  const auto states = of(Output::kAgentState);
  ASSERT_EQ(states.size(), 5u);
  EXPECT_EQ(states[0].state, AgentState::kNotReady);
  EXPECT_STREQ(states[0].text, "login");
  EXPECT_STREQ(states[2].text, "lunch");
  EXPECT_EQ(states[4].state, AgentState::kLoggedOut);
  // Nonsense requests are answered, not acted on.
  take();
  req(Request::kReady, 0);        // logged out
  req(Request::kLogout, 0);
  req(Request::kEndWrapUp, 0);
  req(Request::kLogin, 7);        // no such agent
  EXPECT_EQ(of(Output::kRequestRejected).size(), 4u);
  EXPECT_EQ(engine_->agent_state(0), AgentState::kLoggedOut);
}

TEST_F(EngineTest, CallLifecycleWithWrapUpAndStatistics) {
  AcdModel m = one_queue(1);
  m.queues[0].wrap_up_seconds = 30;
  m.queues[0].service_level_seconds = 20;
  start(m);
  ready(0);
  take();
  enqueue(100, 0);
  ASSERT_EQ(offers(), (std::vector<std::pair<CallId, AgentIndex>>{{100, 0}}));
  EXPECT_EQ(engine_->agent_state(0), AgentState::kReserved);
  wait(3s);
  accept(100, 0);
  EXPECT_EQ(engine_->agent_state(0), AgentState::kOnCall);
  wait(60s);
  req(Request::kHold, 0, 100);
  wait(10s);
  req(Request::kUnhold, 0, 100);
  wait(50s);
  hangup(100);
  EXPECT_EQ(engine_->agent_state(0), AgentState::kAfterCallWork);
  wait(29s);
  EXPECT_EQ(engine_->agent_state(0), AgentState::kAfterCallWork);
  wait(1s);
  EXPECT_EQ(engine_->agent_state(0), AgentState::kReady);
  const auto& q = engine_->queue_stats(0).total;
  EXPECT_EQ(q.offered, 1u);
  EXPECT_EQ(q.answered, 1u);
  EXPECT_EQ(q.answered_in_sl, 1u);
  EXPECT_DOUBLE_EQ(q.asa_seconds(), 3.0);
  EXPECT_DOUBLE_EQ(q.talk_seconds, 110.0);
  EXPECT_DOUBLE_EQ(q.hold_seconds, 10.0);
  EXPECT_DOUBLE_EQ(q.wrap_seconds, 30.0);
  EXPECT_DOUBLE_EQ(q.aht_seconds(), 150.0);  // talk + hold + wrap
  EXPECT_DOUBLE_EQ(q.service_level(), 1.0);
  const auto& a = engine_->agent_stats(0).total;
  EXPECT_EQ(a.calls, 1u);
  EXPECT_NEAR(a.occupancy(), (3.0 + 120 + 30) / (3.0 + 120 + 30), 1e-9);
  EXPECT_EQ(engine_->live_calls(), 0u);
}

TEST_F(EngineTest, ManualEndOfWrapUpAndAgentWrapOverride) {
  AcdModel m = one_queue(2);
  m.queues[0].wrap_up_seconds = 60;
  m.agents[1].wrap_up_override_seconds = 0;
  start(m);
  ready(0);
  enqueue(1, 0);
  accept(1, 0);
  hangup(1);
  EXPECT_EQ(engine_->agent_state(0), AgentState::kAfterCallWork);
  req(Request::kEndWrapUp, 0);
  EXPECT_EQ(engine_->agent_state(0), AgentState::kReady);
  req(Request::kNotReady, 0);
  ready(1);
  enqueue(2, 0);
  accept(2, 1);
  hangup(2);
  EXPECT_EQ(engine_->agent_state(1), AgentState::kReady);  // override: no wrap-up
}

TEST_F(EngineTest, OfferTimeoutReturnsAgentToReadyAndCallToAnother) {
  start(one_queue(2));
  ready(0);
  wait(1s);
  ready(1);
  take();
  enqueue(7, 0);
  ASSERT_EQ(offers().front(), (std::pair<CallId, AgentIndex>{7, 0}));  // longest idle
  take();
  wait(20s);  // agent 0 never answers
  EXPECT_EQ(of(Output::kCancelOffer).size(), 1u);
  ASSERT_EQ(offers().size(), 1u);
  EXPECT_EQ(offers()[0], (std::pair<CallId, AgentIndex>{7, 1}));
  EXPECT_EQ(engine_->agent_state(0), AgentState::kReady);
  EXPECT_EQ(engine_->agent_stats(0).total.missed, 1u);
}

TEST_F(EngineTest, ConsecutiveMissesMakeTheAgentNotReady) {
  AcdModel m = one_queue(1);
  m.max_consecutive_misses = 3;
  start(m);
  ready(0);
  enqueue(1, 0);
  enqueue(2, 0);
  for (int i = 0; i < 3; ++i) {
    // Whatever the agent is offered, it refuses.
    ASSERT_FALSE(offers().empty());
    const CallId c = offers().back().first;
    take();
    req(Request::kReject, 0, c);
  }
  EXPECT_EQ(engine_->agent_state(0), AgentState::kNotReady);
  EXPECT_STREQ(of(Output::kAgentState).back().text, "no-answer");
  EXPECT_EQ(engine_->agent_stats(0).total.missed, 3u);
  // Ready again: the count starts over, and an answer resets it.
  take();
  req(Request::kReady, 0);
  ASSERT_FALSE(offers().empty());
  req(Request::kReject, 0, offers().back().first);
  EXPECT_EQ(engine_->agent_state(0), AgentState::kReserved);  // one miss is not enough
  accept(offers().back().first, 0);
  EXPECT_EQ(engine_->agent_state(0), AgentState::kOnCall);
}

TEST_F(EngineTest, RejectedCallKeepsItsPlace) {
  start(one_queue(1));
  ready(0);
  enqueue(1, 0);  // offered to agent 0
  wait(5s);
  enqueue(2, 0);  // waits
  req(Request::kReject, 0, 1);
  // The agent is not offered call 1 again straight away: call 2 is next.
  ASSERT_EQ(offers().back(), (std::pair<CallId, AgentIndex>{2, 0}));
  accept(2, 0);
  hangup(2);
  // Then call 1, which never lost its place.
  EXPECT_EQ(offers().back(), (std::pair<CallId, AgentIndex>{1, 0}));
}

struct StrategyCase {
  Strategy strategy;
  std::vector<AgentIndex> expected;  // who gets calls 1..3
};

class Strategies : public EngineTest, public ::testing::WithParamInterface<StrategyCase> {};

TEST_P(Strategies, PickTheRightAgent) {
  AcdModel m = one_queue(3, GetParam().strategy);
  m.agents[0].order = 3;  // linear order: 2, 1, 0
  m.agents[1].order = 2;
  m.agents[2].order = 1;
  start(m);
  // History: agent 1 talked 300 s on 2 calls, agent 2 talked 100 s on 1
  // call, agent 0 talked nothing; then they become ready in order 2, 0, 1.
  auto talk = [&](AgentIndex a, CallId c, Nanos d) {
    ready(a);
    enqueue(c, 0);
    accept(c, a);
    wait(d);
    hangup(c);
    req(Request::kNotReady, a);
  };
  talk(1, 901, 150s);
  talk(1, 902, 150s);
  talk(2, 903, 100s);
  ready(2);
  wait(1s);
  ready(0);
  wait(1s);
  ready(1);
  wait(1s);
  take();
  std::vector<AgentIndex> got;
  for (CallId c = 1; c <= 3; ++c) {
    enqueue(c, 0);
    ASSERT_FALSE(offers().empty());
    got.push_back(offers().back().second);
    accept(c, offers().back().second);
    take();
  }
  EXPECT_EQ(got, GetParam().expected) << strategy_name(GetParam().strategy);
}

INSTANTIATE_TEST_SUITE_P(
    All, Strategies,
    ::testing::Values(StrategyCase{Strategy::kLongestIdle, {2, 0, 1}}, StrategyCase{Strategy::kLeastTalkTime, {0, 2, 1}},
                      StrategyCase{Strategy::kFewestCalls, {0, 2, 1}},
                      // Round robin: least recently offered first (agent 0 was never offered).
                      StrategyCase{Strategy::kRoundRobin, {0, 1, 2}}, StrategyCase{Strategy::kLinear, {2, 1, 0}}),
    [](const auto& p) { return std::string(strategy_name(p.param.strategy)).substr(0, 6) == "least-" ? "least_talk"
                                                                                                   : std::to_string(static_cast<int>(p.param.strategy)); });

TEST_F(EngineTest, RandomStrategySpreadsCallsAndIsSeeded) {
  auto run = [&](std::uint64_t seed) {
    out_.clear();
    start(one_queue(4, Strategy::kRandom), seed);
    std::vector<int> counts(4, 0);
    for (AgentIndex a = 0; a < 4; ++a) ready(a);
    for (CallId c = 1; c <= 400; ++c) {
      take();
      enqueue(c, 0);
      const AgentIndex a = offers().back().second;
      ++counts[a];
      accept(c, a);
      hangup(c);  // no wrap-up: ready again with a new random key
    }
    return counts;
  };
  const auto a = run(1), b = run(1), c = run(2);
  EXPECT_EQ(a, b);  // reproducible
  EXPECT_NE(a, c);
  for (int n : a) EXPECT_GT(n, 60);  // each about 100
}

TEST_F(EngineTest, RingAllOffersEveryoneFirstAnswerWins) {
  start(one_queue(3, Strategy::kRingAll));
  for (AgentIndex a = 0; a < 3; ++a) ready(a);
  take();
  enqueue(5, 0);
  ASSERT_EQ(offers().size(), 3u);
  take();
  accept(5, 2);
  EXPECT_EQ(of(Output::kCancelOffer).size(), 2u);
  EXPECT_EQ(engine_->agent_state(2), AgentState::kOnCall);
  EXPECT_EQ(engine_->agent_state(0), AgentState::kReady);
  EXPECT_EQ(engine_->agent_state(1), AgentState::kReady);
  // A late answer from a loser is refused.
  accept(5, 0);
  EXPECT_EQ(of(Output::kRequestRejected).size(), 1u);
}

TEST_F(EngineTest, HigherPriorityFirstThenLongestWait) {
  start(one_queue(1));
  req(Request::kLogin, 0);
  enqueue(1, 0, 1);
  wait(1s);
  enqueue(2, 0, 5);
  wait(1s);
  enqueue(3, 0, 5);
  wait(1s);
  enqueue(4, 0, 1);
  take();
  std::vector<CallId> order;
  req(Request::kReady, 0);
  for (int i = 0; i < 4; ++i) {
    const CallId c = offers().back().first;
    order.push_back(c);
    take();
    accept(c, 0);
    hangup(c);
  }
  EXPECT_EQ(order, (std::vector<CallId>{2, 3, 1, 4}));
}

TEST_F(EngineTest, PriorityAgeingLetsOldCallsOvertakeUpToTheCap) {
  AcdModel m = one_queue(1);
  m.queues[0].initial_priority = 0;
  m.queues[0].priority_per_minute = 1;  // +1 per minute waited
  m.queues[0].max_priority = 3;
  start(m);
  req(Request::kLogin, 0);
  enqueue(1, 0, 0);        // ages from 0
  wait(4min);              // now at the cap, 3
  enqueue(2, 0, 2);        // a newer call at priority 2
  enqueue(3, 0, 3);        // and one at 3: equal to the capped call, newer
  take();
  req(Request::kReady, 0);
  std::vector<CallId> order;
  for (int i = 0; i < 3; ++i) {
    const CallId c = offers().back().first;
    order.push_back(c);
    take();
    accept(c, 0);
    hangup(c);
  }
  // Call 1 is capped at 3 and older than call 3; call 2 (priority 2, but
  // ageing too) comes last.
  EXPECT_EQ(order, (std::vector<CallId>{1, 3, 2}));
}

TEST_F(EngineTest, AgentServingSeveralQueuesTakesTheBestCallAcrossThem) {
  AcdModel m;
  m.queues = {queue("sales"), queue("support"), queue("vip")};
  m.queues[2].weight = 5;
  m.agents = {agent("a", {0, 1, 2})};
  start(m);
  req(Request::kLogin, 0);
  enqueue(1, 0, 1);
  wait(10s);
  enqueue(2, 1, 1);  // same priority, newer
  wait(10s);
  enqueue(3, 1, 4);  // higher priority in another queue
  take();
  req(Request::kReady, 0);
  EXPECT_EQ(offers().back().first, 3u);
  accept(3, 0);
  take();
  hangup(3);
  EXPECT_EQ(offers().back().first, 1u);  // then the longest wait
}

TEST_F(EngineTest, QueueWeightBreaksExactTies) {
  AcdModel m;
  m.queues = {queue("low"), queue("high")};
  m.queues[1].weight = 10;
  m.agents = {agent("a", {0, 1})};
  start(m);
  req(Request::kLogin, 0);
  enqueue(1, 0, 1);
  enqueue(2, 1, 1);  // same instant, same priority
  take();
  req(Request::kReady, 0);
  EXPECT_EQ(offers().back().first, 2u);
}

TEST_F(EngineTest, SkillsAndExpansionKeepTheCallersPlace) {
  AcdModel m;
  m.skills = {"spanish", "english"};
  QueueConfig q = queue("es");
  q.requirements = {{0, 8}};                             // expert Spanish ...
  q.expansions = {{30, {{0, 5}}}, {60, {{1, 9}}}};       // ... any Spanish after 30 s, top English after 60 s
  m.queues = {q};
  m.agents = {agent("junior", {0}, skills({{0, 5}})), agent("english", {0}, skills({{1, 10}}))};
  start(m);
  ready(0);
  ready(1);
  take();
  enqueue(1, 0);
  EXPECT_TRUE(offers().empty());  // nobody qualifies yet
  wait(10s);
  enqueue(2, 0);
  wait(19s);
  EXPECT_TRUE(offers().empty());
  wait(1s);  // 30 s: call 1 expands; junior takes it (call 2 has not expanded)
  ASSERT_EQ(offers().size(), 1u);
  EXPECT_EQ(offers()[0], (std::pair<CallId, AgentIndex>{1, 0}));
  accept(1, 0);
  take();
  wait(10s);  // call 2 at 30 s: junior is busy
  EXPECT_TRUE(offers().empty());
  wait(30s);  // call 2 at 60 s: the English agent qualifies
  ASSERT_EQ(offers().size(), 1u);
  EXPECT_EQ(offers()[0], (std::pair<CallId, AgentIndex>{2, 1}));
}

TEST_F(EngineTest, ExpandedCallKeepsPlaceAheadOfNewerCalls) {
  AcdModel m;
  m.skills = {"s"};
  QueueConfig q = queue("q");
  q.requirements = {{0, 9}};
  q.expansions = {{20, {{0, 1}}}};
  m.queues = {q};
  m.agents = {agent("a", {0}, skills({{0, 3}}))};
  start(m);
  req(Request::kLogin, 0);
  enqueue(1, 0);
  wait(25s);  // expanded: the agent would qualify
  enqueue(2, 0);
  wait(25s);  // call 2 expanded too
  take();
  req(Request::kReady, 0);
  EXPECT_EQ(offers().back().first, 1u);
}

TEST_F(EngineTest, OverflowAfterMaxWaitAndWhenNobodyIsLoggedIn) {
  AcdModel m;
  m.queues = {queue("first"), queue("backup")};
  m.queues[0].max_wait_seconds = 60;
  m.queues[0].overflow_target = 1;
  m.agents = {agent("a", {0}), agent("b", {1})};
  start(m);
  // Nobody logged in for "first": the call overflows at once.
  enqueue(1, 0);
  auto ov = of(Output::kCallOverflowed);
  ASSERT_EQ(ov.size(), 1u);
  EXPECT_STREQ(ov[0].text, "no-agents");
  EXPECT_EQ(engine_->waiting(1), 1u);
  take();
  // With an agent logged in (but busy), it waits, then overflows at 60 s.
  req(Request::kLogin, 0);
  enqueue(2, 0);
  EXPECT_TRUE(of(Output::kCallOverflowed).empty());
  wait(59s);
  EXPECT_TRUE(of(Output::kCallOverflowed).empty());
  wait(1s);
  ASSERT_EQ(of(Output::kCallOverflowed).size(), 1u);
  EXPECT_STREQ(of(Output::kCallOverflowed)[0].text, "max-wait");
  // The backup agent takes the older one first.
  take();
  ready(1);
  EXPECT_EQ(offers().back().first, 1u);
  const auto& s0 = engine_->queue_stats(0).total;
  EXPECT_EQ(s0.overflowed_out, 2u);
  EXPECT_EQ(engine_->queue_stats(1).total.overflowed_in, 2u);
}

TEST_F(EngineTest, LastAgentLoggingOutOverflowsTheQueue) {
  AcdModel m;
  m.queues = {queue("first"), queue("backup")};
  m.queues[0].overflow_target = 1;
  m.agents = {agent("a", {0})};
  start(m);
  req(Request::kLogin, 0);
  enqueue(1, 0);
  enqueue(2, 0);
  EXPECT_EQ(engine_->waiting(0), 2u);
  req(Request::kLogout, 0);
  EXPECT_EQ(engine_->waiting(0), 0u);
  EXPECT_EQ(engine_->waiting(1), 2u);
}

TEST_F(EngineTest, CallbackKeepsThePlaceAndAsksForAnOutboundCall) {
  start(one_queue(1));
  req(Request::kLogin, 0);
  enqueue(1, 0);
  wait(5s);
  enqueue(2, 0);
  req(Request::kRequestCallback, 0, 1, -1, 0, "+4420700000");
  take();
  req(Request::kReady, 0);
  const auto cb = of(Output::kPlaceCallback);
  ASSERT_EQ(cb.size(), 1u);
  EXPECT_EQ(cb[0].call, 1u);
  EXPECT_STREQ(cb[0].text, "+4420700000");
  EXPECT_EQ(engine_->agent_state(0), AgentState::kReserved);
  req(Request::kRequestCallback, 0, 99, -1, 0, "1");  // unknown call
  EXPECT_EQ(of(Output::kRequestRejected).size(), 1u);
}

TEST_F(EngineTest, AbandonsAreCountedShortAndLong) {
  start(one_queue(1));
  req(Request::kLogin, 0);
  enqueue(1, 0);
  wait(2s);
  req(Request::kAbandon, 0, 1);  // short
  enqueue(2, 0);
  wait(30s);
  req(Request::kAbandon, 0, 2);
  const auto& q = engine_->queue_stats(0).total;
  EXPECT_EQ(q.abandoned, 2u);
  EXPECT_EQ(q.abandoned_short, 1u);
  EXPECT_EQ(engine_->live_calls(), 0u);
  // Abandoning while an agent rings releases it without a miss.
  ready(0);
  enqueue(3, 0);
  req(Request::kAbandon, 0, 3);
  EXPECT_EQ(engine_->agent_state(0), AgentState::kReady);
  EXPECT_EQ(engine_->agent_stats(0).total.missed, 0u);
  // SL = answered in SL / (answered + abandoned - short): nothing answered.
  EXPECT_DOUBLE_EQ(engine_->queue_stats(0).total.service_level(), 0.0);
}

TEST_F(EngineTest, PositionAndEstimatedWait) {
  start(one_queue(2));
  req(Request::kLogin, 0);
  req(Request::kLogin, 1);
  for (CallId c = 1; c <= 5; ++c) {
    enqueue(c, 0);
    wait(1s);
  }
  EXPECT_EQ(engine_->position(1)->position, 1u);
  EXPECT_EQ(engine_->position(4)->position, 4u);
  // No history: 180 s per call ahead, shared by 2 agents.
  EXPECT_DOUBLE_EQ(engine_->position(4)->estimated_wait_seconds, 4 * 180.0 / 2);
  EXPECT_NEAR(engine_->longest_wait_seconds(0), 5.0, 1e-9);
  req(Request::kAbandon, 0, 2);
  EXPECT_EQ(engine_->position(4)->position, 3u);
  EXPECT_FALSE(engine_->position(99));
}

TEST_F(EngineTest, TransferToAnotherQueue) {
  AcdModel m;
  m.queues = {queue("front"), queue("billing")};
  m.agents = {agent("a", {0}), agent("b", {1})};
  start(m);
  ready(0);
  enqueue(1, 0);
  accept(1, 0);
  wait(30s);
  take();
  req(Request::kTransferToQueue, 0, 1, 1);
  EXPECT_EQ(engine_->agent_state(0), AgentState::kReady);
  EXPECT_EQ(engine_->waiting(1), 1u);
  ready(1);
  EXPECT_EQ(offers().back(), (std::pair<CallId, AgentIndex>{1, 1}));
  EXPECT_EQ(engine_->queue_stats(0).total.handled, 1u);
  EXPECT_EQ(engine_->queue_stats(1).total.offered, 1u);
}

// A transfer to a named agent offers the call to that agent alone; one
// that is not ready is refused with nothing changed; a missed direct offer
// leaves the call waiting in its queue.
TEST_F(EngineTest, TransferToANamedAgent) {
  AcdModel m;
  m.queues = {queue("front")};
  m.queues[0].wrap_up_seconds = 10;
  m.agents = {agent("a", {0}), agent("b", {0}), agent("c", {0})};
  start(m);
  ready(0);
  enqueue(1, 0);
  accept(1, 0);
  req(Request::kLogin, 1);
  take();
  // b is logged in but not ready: refused, a keeps the call.
  req(Request::kTransferToAgent, 1, 1);
  ASSERT_EQ(of(Output::kRequestRejected).size(), 1u);
  EXPECT_STREQ(of(Output::kRequestRejected)[0].text, "agent-not-ready");
  EXPECT_EQ(engine_->agent_state(0), AgentState::kOnCall);
  // The agent on the call and an unknown agent are refused too.
  take();
  req(Request::kTransferToAgent, 0, 1);
  req(Request::kTransferToAgent, 9, 1);
  ASSERT_EQ(of(Output::kRequestRejected).size(), 2u);
  EXPECT_STREQ(of(Output::kRequestRejected)[0].text, "same-agent");
  EXPECT_STREQ(of(Output::kRequestRejected)[1].text, "unknown-agent");
  // c is ready too, but b is named.
  ready(2);
  req(Request::kReady, 1);
  take();
  req(Request::kTransferToAgent, 1, 1);
  EXPECT_TRUE(of(Output::kRequestRejected).empty());
  ASSERT_EQ(of(Output::kCallEnded).size(), 1u);
  EXPECT_STREQ(of(Output::kCallEnded)[0].text, "transfer");
  EXPECT_EQ(offers(), (std::vector<std::pair<CallId, AgentIndex>>{{1, 1}}));
  EXPECT_EQ(engine_->agent_state(0), AgentState::kAfterCallWork);
  EXPECT_EQ(engine_->agent_state(2), AgentState::kReady);
  // b lets it ring out: the call waits in its queue and c gets it.
  take();
  req(Request::kReject, 1, 1);
  EXPECT_EQ(offers(), (std::vector<std::pair<CallId, AgentIndex>>{{1, 2}}));
  accept(1, 2);
  EXPECT_EQ(engine_->agent_state(2), AgentState::kOnCall);
  EXPECT_EQ(engine_->queue_stats(0).total.handled, 1u);
}

TEST_F(EngineTest, NotReadyOrLogoutDuringACallTakesEffectAfterWrapUp) {
  AcdModel m = one_queue(1);
  m.queues[0].wrap_up_seconds = 10;
  start(m);
  ready(0);
  enqueue(1, 0);
  accept(1, 0);
  req(Request::kNotReady, 0, 0, -1, 0, "break");
  EXPECT_EQ(engine_->agent_state(0), AgentState::kOnCall);
  hangup(1);
  wait(10s);
  EXPECT_EQ(engine_->agent_state(0), AgentState::kNotReady);
  EXPECT_STREQ(of(Output::kAgentState).back().text, "break");
  req(Request::kReady, 0);
  enqueue(2, 0);
  accept(2, 0);
  req(Request::kLogout, 0);
  hangup(2);
  wait(10s);
  EXPECT_EQ(engine_->agent_state(0), AgentState::kLoggedOut);
}

TEST_F(EngineTest, FifteenMinuteIntervalsCloseOnTheClock) {
  start(one_queue(1));
  ready(0);
  enqueue(1, 0);
  accept(1, 0);
  hangup(1);
  wait(16min);
  ASSERT_GE(engine_->intervals().size(), 1u);
  const auto& iv = engine_->intervals().front();
  EXPECT_EQ(iv.queues[0].answered, 1u);
  EXPECT_EQ((iv.end_wall_ns - 1) / (15LL * 60 * 1'000'000'000), iv.start_wall_ns / (15LL * 60 * 1'000'000'000));
  EXPECT_EQ(engine_->queue_stats(0).interval.answered, 0u);  // a fresh interval
  EXPECT_EQ(engine_->queue_stats(0).total.answered, 1u);
}

TEST_F(EngineTest, ReloadKeepsAgentsAndCallsInPlace) {
  AcdModel m;
  m.queues = {queue("sales"), queue("old")};
  m.agents = {agent("x", {0}), agent("y", {0})};
  start(m);
  ready(0);
  req(Request::kLogin, 1);
  enqueue(1, 0);   // to agent x
  enqueue(2, 0);   // waits
  enqueue(3, 1);   // in a queue that disappears
  wait(5s);
  AcdModel m2;
  m2.queues = {queue("support"), queue("sales")};  // sales moved to index 1
  m2.agents = {agent("z", {0}), agent("y", {1}), agent("x", {1})};
  take();
  ASSERT_TRUE(engine_->reload(m2).is_ok());
  EXPECT_EQ(engine_->agent_state(2), AgentState::kReserved);  // x still ringing
  EXPECT_EQ(engine_->agent_state(1), AgentState::kNotReady);  // y kept its state
  EXPECT_EQ(engine_->agent_state(0), AgentState::kLoggedOut);  // z is new
  EXPECT_EQ(engine_->waiting(1), 1u);
  const auto gone = of(Output::kCallAbandoned);
  ASSERT_EQ(gone.size(), 1u);
  EXPECT_EQ(gone[0].call, 3u);
  accept(1, 2);
  req(Request::kReady, 1);
  EXPECT_EQ(offers().back(), (std::pair<CallId, AgentIndex>{2, 1}));
  EXPECT_EQ(engine_->queue_stats(1).total.offered, 2u);  // sales kept its statistics
}

}  // namespace
}  // namespace sb::acd::test
