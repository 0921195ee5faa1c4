// Thousands of random event sequences against the engine; after every step
// the invariants hold: no agent holds two offers, a call rings one agent at
// a time (ring-all excepted), connected calls and on-call agents match, and
// every call that entered a queue is accounted for exactly once.
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>

#include "tests/unit/acd/engine_fixture.hpp"

namespace sb::acd::test {
namespace {

class Invariants : public EngineTest {
 protected:
  AcdModel random_model(std::mt19937& rng) {
    AcdModel m;
    m.skills = {"a", "b", "c"};
    m.max_consecutive_misses = 2;
    const Strategy strategies[] = {Strategy::kLongestIdle, Strategy::kLeastTalkTime, Strategy::kFewestCalls,
                                   Strategy::kRoundRobin,  Strategy::kLinear,        Strategy::kRandom,
                                   Strategy::kRingAll};
    for (int q = 0; q < 3; ++q) {
      QueueConfig qc = queue("q" + std::to_string(q), strategies[rng() % 7]);
      qc.requirements = {{static_cast<SkillId>(q), static_cast<std::uint8_t>(1 + rng() % 8)}};
      if (rng() % 2) qc.expansions = {{5.0 + rng() % 20, {{static_cast<SkillId>(q), 1}}}};
      if (rng() % 2) {
        qc.max_wait_seconds = 10 + rng() % 50;
        qc.overflow_target = (q + 1) % 3;
      }
      qc.wrap_up_seconds = rng() % 10;
      qc.offer_timeout_seconds = 3 + rng() % 10;
      qc.priority_per_minute = rng() % 3;
      qc.max_priority = static_cast<int>(rng() % 5);
      m.queues.push_back(qc);
    }
    for (int a = 0; a < 8; ++a) {
      AgentConfig ac = agent("ag" + std::to_string(a), {}, {}, a);
      for (int q = 0; q < 3; ++q)
        if (rng() % 3) {
          ac.queues.push_back(q);
          ac.skills.set(static_cast<SkillId>(q), static_cast<std::uint8_t>(1 + rng() % 10));
        }
      m.agents.push_back(ac);
    }
    return m;
  }

  void check(const std::string& where) {
    // Replay outputs into a shadow of offers and connections.
    for (const Output& o : out_) {
      switch (o.kind) {
        case Output::kOfferCall:
        case Output::kPlaceCallback:
          ASSERT_EQ(agent_offer_.count(o.agent), 0u) << where << ": agent " << o.agent << " got a second offer";
          agent_offer_[o.agent] = o.call;
          call_offers_[o.call].insert(o.agent);
          break;
        case Output::kCancelOffer:
          agent_offer_.erase(o.agent);
          call_offers_[o.call].erase(o.agent);
          break;
        case Output::kCallConnected:
          for (AgentIndex a : call_offers_[o.call]) agent_offer_.erase(a);
          call_offers_.erase(o.call);
          agent_offer_.erase(o.agent);
          connected_[o.call] = o.agent;
          break;
        case Output::kCallEnded:
          connected_.erase(o.call);
          break;
        case Output::kCallAbandoned:
          for (AgentIndex a : call_offers_[o.call]) agent_offer_.erase(a);
          call_offers_.erase(o.call);
          connected_.erase(o.call);
          break;
        case Output::kAgentState:
          if (o.state != AgentState::kReserved) {
            // An agent leaving Reserved no longer holds an offer.
            auto it = agent_offer_.find(o.agent);
            if (it != agent_offer_.end()) {
              call_offers_[it->second].erase(o.agent);
              agent_offer_.erase(it);
            }
          }
          break;
        default:
          break;
      }
    }
    out_.clear();
    for (const auto& [call, agents] : call_offers_) {
      if (agents.size() > 1) {
        // Only ring-all may ring several agents for one call.
        bool ring_all = false;
        for (AgentIndex a : agents)
          for (int q : model_.agents[a].queues) ring_all |= model_.queues[static_cast<std::size_t>(q)].strategy == Strategy::kRingAll;
        ASSERT_TRUE(ring_all) << where << ": call " << call << " rings " << agents.size() << " agents";
      }
    }
    for (AgentIndex a = 0; a < model_.agents.size(); ++a) {
      const AgentState s = engine_->agent_state(a);
      ASSERT_EQ(s == AgentState::kReserved, agent_offer_.count(a) == 1) << where << ": agent " << a << " "
                                                                       << agent_state_name(s);
    }
    std::map<AgentIndex, int> on_call;
    for (const auto& [call, a] : connected_) ++on_call[a];
    for (AgentIndex a = 0; a < model_.agents.size(); ++a) {
      const bool busy = engine_->agent_state(a) == AgentState::kOnCall;
      ASSERT_EQ(busy ? 1 : 0, on_call[a]) << where << ": agent " << a;
    }
    // Conservation: every queue visit ends answered, abandoned or
    // overflowed, or is still waiting or ringing.
    std::uint64_t offered = 0, gone = 0;
    std::size_t waiting = 0;
    for (int q = 0; q < 3; ++q) {
      const auto& s = engine_->queue_stats(q).total;
      offered += s.offered;
      gone += s.answered + s.abandoned + s.overflowed_out;
      waiting += engine_->waiting(q);
    }
    std::size_t ringing = 0;
    for (const auto& [call, agents] : call_offers_) ringing += agents.empty() ? 0 : 1;
    ASSERT_EQ(offered, gone + waiting + ringing) << where;
  }

  std::map<AgentIndex, CallId> agent_offer_;
  std::map<CallId, std::set<AgentIndex>> call_offers_;
  std::map<CallId, AgentIndex> connected_;
};

TEST_F(Invariants, HoldUnderRandomEventSequences) {
  std::uint64_t steps = 0, connected = 0;
  for (unsigned seed = 1; seed <= 2000; ++seed) {
    std::mt19937 rng(seed);
    agent_offer_.clear();
    call_offers_.clear();
    connected_.clear();
    out_.clear();
    start(random_model(rng), seed);
    CallId next_call = 1;
    std::vector<CallId> known;
    for (int step = 0; step < 200; ++step, ++steps) {
      const AgentIndex a = static_cast<AgentIndex>(rng() % 8);
      const CallId some_call = known.empty() ? 1 : known[rng() % known.size()];
      switch (rng() % 17) {
        case 0: req(Request::kLogin, a); break;
        case 1: req(Request::kLogout, a); break;
        case 2:
        case 3: req(Request::kReady, a); break;
        case 4: req(Request::kNotReady, a, 0, -1, 0, "break"); break;
        case 5:
        case 6:
          known.push_back(next_call);
          enqueue(next_call++, static_cast<int>(rng() % 3), rng() % 2 ? Request::kDefaultPriority : static_cast<int>(rng() % 4));
          break;
        case 7: {
          // Answer some outstanding offer.
          if (!agent_offer_.empty()) {
            auto it = agent_offer_.begin();
            std::advance(it, static_cast<long>(rng() % agent_offer_.size()));
            accept(it->second, it->first);
          }
          break;
        }
        case 8:
          if (!agent_offer_.empty()) {
            auto it = agent_offer_.begin();
            req(Request::kReject, it->first, it->second);
          }
          break;
        case 9:
          if (!connected_.empty()) hangup(connected_.begin()->first);
          break;
        case 10: req(Request::kAbandon, 0, some_call); break;
        case 11: req(Request::kRequestCallback, 0, some_call, -1, 0, "555"); break;
        case 12:
          if (!connected_.empty()) req(Request::kTransferToQueue, 0, connected_.begin()->first, static_cast<int>(rng() % 3));
          break;
        case 13: req(Request::kEndWrapUp, a); break;
        case 14: req(Request::kPositionQuery, 0, some_call); break;
        case 15:
        case 16:
          // The outcome of dialling a callback (or of a call that is not one).
          if (!agent_offer_.empty()) {
            auto it = agent_offer_.begin();
            req(rng() % 2 ? Request::kCallbackAnswered : Request::kCallbackFailed, it->first, it->second, -1, 0, "busy");
          } else {
            req(Request::kCallbackFailed, a, some_call);
          }
          break;
      }
      if (rng() % 3 == 0) wait(std::chrono::milliseconds(rng() % 15000));
      for (const auto& o : out_) connected += o.kind == Output::kCallConnected;
      check("seed " + std::to_string(seed) + " step " + std::to_string(step));
      if (HasFatalFailure()) return;
    }
  }
  EXPECT_EQ(steps, 2000u * 200u);
  EXPECT_GT(connected, 3000u);  // the sequences really routed calls
}

}  // namespace
}  // namespace sb::acd::test
