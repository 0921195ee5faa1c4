// Matching calls and agents: the ordered sets, the strategies, offers.
#include <algorithm>
#include <cmath>

#include "acd/engine_impl.hpp"

namespace sb::acd {

namespace {
double secs(Nanos t) { return to_seconds(t); }
constexpr std::size_t kRingAllLimit = 64;
}  // namespace

AgentKey Engine::Impl::agent_key(AgentIndex a, int queue) const {
  const AgentRec& r = agents[a];
  const double idle_since = secs(r.ready_since);
  switch (model.queues[static_cast<std::size_t>(queue)].strategy) {
    case Strategy::kLongestIdle:
    case Strategy::kRingAll:
      return {idle_since, 0, a};
    case Strategy::kLeastTalkTime:
      return {r.talk_total, idle_since, a};
    case Strategy::kFewestCalls:
      return {static_cast<double>(r.calls_handled), idle_since, a};
    case Strategy::kRoundRobin:
      return {secs(r.last_offer), static_cast<double>(model.agents[a].order), a};
    case Strategy::kLinear:
      return {static_cast<double>(model.agents[a].order), 0, a};
    case Strategy::kRandom:
      return {0, 0, a};  // chosen by position at dispatch, see dispatch_call
  }
  return {idle_since, 0, a};
}

double Engine::Impl::effective_priority(const CallRec& c, Nanos t) const {
  const QueueConfig& q = model.queues[static_cast<std::size_t>(c.queue)];
  if (q.priority_per_minute <= 0) return c.priority0;
  const double p = c.priority0 + q.priority_per_minute * secs(t - c.arrived) / 60.0;
  return std::min(p, static_cast<double>(std::max(q.max_priority, c.priority0)));
}

void Engine::Impl::insert_waiting(CallRec& c) {
  const QueueConfig& q = model.queues[static_cast<std::size_t>(c.queue)];
  Class& cl = classes[static_cast<std::size_t>(c.queue)][c.level];
  // Time-invariant ordering key: effective priority minus the part every
  // call of this queue gains at the same rate.
  c.priority_key = c.priority0 - q.priority_per_minute * secs(c.arrived) / 60.0;
  if (q.priority_per_minute > 0 && effective_priority(c, now()) >= std::max(q.max_priority, c.priority0) &&
      q.max_priority > c.priority0)
    c.capped = true;
  if (c.capped)
    cl.capped.insert(c.key());
  else
    cl.ageing.insert(c.key());
  fifo[static_cast<std::size_t>(c.queue)].insert({c.entered_queue.count(), c.id});
  c.state = CallRec::kWaiting;
}

void Engine::Impl::remove_waiting(CallRec& c) {
  Class& cl = classes[static_cast<std::size_t>(c.queue)][c.level];
  if (c.capped)
    cl.capped.erase(c.key());
  else
    cl.ageing.erase(c.key());
  fifo[static_cast<std::size_t>(c.queue)].erase({c.entered_queue.count(), c.id});
}

void Engine::Impl::schedule_call_timers(CallRec& c) {
  c.timer_seq = ++next_seq;
  // Events already due (an expansion level passed while the call rang an
  // agent) fire at once: the timer is set in the past.
  const Nanos next = next_call_event(c, Nanos::min());
  if (next != Nanos::max()) schedule(Timer::kCallDue, next, c.id, c.timer_seq);
}

Nanos Engine::Impl::next_call_event(const CallRec& c, Nanos after) const {
  const QueueConfig& q = model.queues[static_cast<std::size_t>(c.queue)];
  Nanos next = Nanos::max();
  auto consider = [&](Nanos t) {
    if (t > after && t < next) next = t;
  };
  if (c.level < q.expansions.size()) consider(c.entered_queue + from_seconds(q.expansions[c.level].after_seconds));
  if (q.max_wait_seconds > 0 && q.overflow_target >= 0) consider(c.entered_queue + from_seconds(q.max_wait_seconds));
  if (!c.capped && q.priority_per_minute > 0 && q.max_priority > c.priority0)
    consider(c.arrived + from_seconds((q.max_priority - c.priority0) / q.priority_per_minute * 60.0));
  return next;
}

void Engine::Impl::call_due(CallRec& c) {
  const QueueConfig& q = model.queues[static_cast<std::size_t>(c.queue)];
  const Nanos t = now();
  const bool overflow_now = q.max_wait_seconds > 0 && q.overflow_target >= 0 &&
                            c.entered_queue + from_seconds(q.max_wait_seconds) <= t;
  const bool expand_now =
      c.level < q.expansions.size() && c.entered_queue + from_seconds(q.expansions[c.level].after_seconds) <= t;
  if (c.state == CallRec::kOffered) {
    // Ringing an agent: apply when (if) the call comes back to the queue
    // (a priority cap is recomputed then anyway); wait for what comes later.
    c.expansion_due |= expand_now;
    c.overflow_due |= overflow_now;
    const Nanos next = next_call_event(c, t);
    if (next != Nanos::max()) schedule(Timer::kCallDue, next, c.id, c.timer_seq);
    return;
  }
  if (c.state != CallRec::kWaiting) return;
  if (overflow_now) return overflow(c, "max-wait");
  const bool cap_now = !c.capped && q.priority_per_minute > 0 && q.max_priority > c.priority0 &&
                       c.arrived + from_seconds((q.max_priority - c.priority0) / q.priority_per_minute * 60.0) <= t;
  remove_waiting(c);
  // Set here, not left to insert_waiting()'s floating-point test, so a cap
  // that is due is applied exactly once.
  if (cap_now) c.capped = true;
  // Expansion: the call moves up a level (or several, if it was away),
  // keeping its arrival time and so its place; the cap is recomputed by
  // insert_waiting().
  const std::size_t level_before = c.level;
  while (c.level < q.expansions.size() && c.entered_queue + from_seconds(q.expansions[c.level].after_seconds) <= t)
    ++c.level;
  insert_waiting(c);
  schedule_call_timers(c);
  if (c.level != level_before) dispatch_call(c);
}

void Engine::Impl::insert_ready(AgentIndex a) {
  AgentRec& r = agents[a];
  for (ReadySlot& s : r.slots) {
    s.key = agent_key(a, s.queue);
    classes[static_cast<std::size_t>(s.queue)][s.level].ready.insert(s.key);
  }
  r.indexed = true;
}

void Engine::Impl::remove_ready(AgentIndex a) {
  AgentRec& r = agents[a];
  if (!r.indexed) return;
  for (const ReadySlot& s : r.slots) classes[static_cast<std::size_t>(s.queue)][s.level].ready.erase(s.key);
  r.indexed = false;
}

// The best ready agent for a waiting call: the top of each level up to the
// call's (a call at level L accepts agents eligible at any level <= L).
bool Engine::Impl::dispatch_call(CallRec& c) {
  const QueueConfig& q = model.queues[static_cast<std::size_t>(c.queue)];
  auto& levels = classes[static_cast<std::size_t>(c.queue)];
  if (q.strategy == Strategy::kRingAll) {
    std::vector<AgentIndex> all;
    for (std::size_t l = 0; l <= c.level && all.size() < kRingAllLimit; ++l)
      for (const AgentKey& k : levels[l].ready) {
        if (all.size() >= kRingAllLimit) break;
        if (agents[k.agent].last_missed != c.id) all.push_back(k.agent);
      }
    if (all.empty()) return false;
    remove_waiting(c);
    offer(c, all);
    return true;
  }
  if (q.strategy == Strategy::kRandom) {
    // Uniform over every eligible ready agent: the k-th of all levels'
    // trees, skipping one that just refused this call.
    std::size_t total = 0;
    for (std::size_t l = 0; l <= c.level; ++l) total += levels[l].ready.size();
    for (std::size_t tries = 0; tries < total && tries < 2; ++tries) {
      std::size_t k = (static_cast<std::size_t>(rng()) + tries) % total;
      std::size_t l = 0;
      while (k >= levels[l].ready.size()) k -= levels[l++].ready.size();
      const AgentIndex a = levels[l].ready.find_by_order(k)->agent;
      if (agents[a].last_missed == c.id && total > 1) continue;
      remove_waiting(c);
      offer(c, {a});
      return true;
    }
    return false;
  }
  const AgentKey* best = nullptr;
  for (std::size_t l = 0; l <= c.level; ++l) {
    for (const AgentKey& k : levels[l].ready) {
      if (agents[k.agent].last_missed == c.id) continue;  // it just refused this call
      if (!best || k < *best) best = &k;
      break;
    }
  }
  if (!best) return false;
  const AgentIndex a = best->agent;
  remove_waiting(c);
  offer(c, {a});
  return true;
}

// The best waiting call for an agent becoming ready: across every queue it
// serves, the highest effective priority, then the longest wait, then the
// heavier queue.
bool Engine::Impl::dispatch_agent(AgentIndex a) {
  AgentRec& r = agents[a];
  const Nanos t = now();
  CallRec* best = nullptr;
  double best_priority = 0;
  double best_weight = 0;
  auto consider = [&](const CallKey& k) -> bool {
    if (k.call == r.last_missed) return false;
    CallRec& c = calls.at(k.call);
    const double p = effective_priority(c, t);
    const double w = model.queues[static_cast<std::size_t>(c.queue)].weight;
    if (!best || p > best_priority || (p == best_priority && c.arrived < best->arrived) ||
        (p == best_priority && c.arrived == best->arrived && w > best_weight)) {
      best = &c;
      best_priority = p;
      best_weight = w;
    }
    return true;
  };
  for (const ReadySlot& slot : r.slots) {
    const std::size_t min_level = slot.level;
    auto& levels = classes[static_cast<std::size_t>(slot.queue)];
    for (std::size_t l = min_level; l < levels.size(); ++l) {
      // The top call of each set (or the next one if the top is the call
      // this agent just missed).
      for (const CallKey& k : levels[l].capped)
        if (consider(k)) break;
      for (const CallKey& k : levels[l].ageing)
        if (consider(k)) break;
    }
  }
  r.last_missed = 0;
  if (!best) return false;
  remove_waiting(*best);
  offer(*best, {a});
  return true;
}

void Engine::Impl::offer(CallRec& c, const std::vector<AgentIndex>& to) {
  // One number is dialled once: a callback reserves a single agent, even
  // in a ring-all queue.
  if (c.callback && to.size() > 1) return offer(c, {to.front()});
  const QueueConfig& q = model.queues[static_cast<std::size_t>(c.queue)];
  c.state = CallRec::kOffered;
  c.offered_to.assign(to.begin(), to.end());
  for (AgentIndex a : to) {
    AgentRec& r = agents[a];
    remove_ready(a);
    r.call = c.id;
    r.last_offer = now();
    ++agent_stats[a].total.offers;
    ++agent_stats[a].interval.offers;
    set_state(a, AgentState::kReserved, "");
    r.timer_seq = ++next_seq;
    // A callback's agent waits while the number is dialled; its ring time
    // starts when the party answers (kCallbackAnswered).
    schedule(Timer::kOfferTimeout, now() + from_seconds(c.callback ? q.callback_dial_seconds : q.offer_timeout_seconds), a,
             r.timer_seq);
    Output o;
    o.kind = c.callback ? Output::kPlaceCallback : Output::kOfferCall;
    o.call = c.id;
    o.agent = a;
    o.queue = c.queue;
    if (c.callback) {
      const auto number = callback_numbers.find(c.id);
      if (number != callback_numbers.end()) copy_text(o.text, number->second.data());
    }
    emit(o);
  }
}

void Engine::Impl::make_ready(AgentIndex a) {
  AgentRec& r = agents[a];
  r.ready_since = now();
  set_state(a, AgentState::kReady, "");
  if (!dispatch_agent(a)) insert_ready(a);
}

}  // namespace sb::acd
