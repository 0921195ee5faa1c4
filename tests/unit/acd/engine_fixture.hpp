// A manual clock, an engine and the outputs it produced, with helpers to
// express requests the way call control would.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "acd/engine.hpp"

namespace sb::acd::test {

using namespace std::chrono_literals;

inline SkillSet skills(std::initializer_list<std::pair<SkillId, std::uint8_t>> l) {
  SkillSet s;
  for (auto [k, v] : l) s.set(k, v);
  return s;
}

inline QueueConfig queue(const std::string& name, Strategy st = Strategy::kLongestIdle) {
  QueueConfig q;
  q.name = name;
  q.strategy = st;
  q.short_abandon_seconds = 5;
  q.offer_timeout_seconds = 20;
  return q;
}

inline AgentConfig agent(const std::string& id, std::vector<int> queues, SkillSet s = {}, int order = 0) {
  AgentConfig a;
  a.id = id;
  a.name = id;
  a.queues = std::move(queues);
  a.skills = s;
  a.order = order;
  return a;
}

class EngineTest : public ::testing::Test {
 protected:
  void start(AcdModel m, std::uint64_t seed = 1) {
    model_ = m;
    engine_ = std::make_unique<Engine>(std::move(m), clock_, [this](const Output& o) { out_.push_back(o); }, seed);
  }
  void req(Request::Kind k, AgentIndex a = 0, CallId c = 0, int queue = -1, int priority = Request::kDefaultPriority,
           const char* text = "") {
    Request r;
    r.kind = k;
    r.agent = a;
    r.call = c;
    r.queue = queue;
    r.priority = priority;
    std::strncpy(r.text, text, sizeof r.text - 1);
    engine_->handle(r);
  }
  void ready(AgentIndex a) {
    if (engine_->agent_state(a) == AgentState::kLoggedOut) req(Request::kLogin, a);
    req(Request::kReady, a);
  }
  void enqueue(CallId c, int queue, int priority = Request::kDefaultPriority) {
    req(Request::kEnqueue, 0, c, queue, priority);
  }
  void accept(CallId c, AgentIndex a) { req(Request::kAccept, a, c); }
  void hangup(CallId c) { req(Request::kHangup, 0, c); }
  void wait(Nanos d) {
    // Step through every timer on the way, as the actor would.
    const Nanos until = clock_.now() + d;
    while (engine_->next_deadline() <= until) {
      clock_.set(std::max(clock_.now(), engine_->next_deadline()));
      engine_->advance();
    }
    clock_.set(until);
    engine_->advance();
  }
  std::vector<Output> take() {
    auto v = std::move(out_);
    out_.clear();
    return v;
  }
  std::vector<Output> of(Output::Kind k) {
    std::vector<Output> v;
    for (const auto& o : out_)
      if (o.kind == k) v.push_back(o);
    return v;
  }
  // The (call, agent) pairs offered since the last take().
  std::vector<std::pair<CallId, AgentIndex>> offers() {
    std::vector<std::pair<CallId, AgentIndex>> v;
    for (const auto& o : out_)
      if (o.kind == Output::kOfferCall || o.kind == Output::kPlaceCallback) v.push_back({o.call, o.agent});
    return v;
  }

  ManualClock clock_{Nanos{0}, std::chrono::seconds(1'700'000'000)};
  AcdModel model_;
  std::unique_ptr<Engine> engine_;
  std::vector<Output> out_;
};

}  // namespace sb::acd::test
