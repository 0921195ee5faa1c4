// The engine's state machine: requests, timers, agent states, statistics.
#include <algorithm>
#include <cstring>
#include <string_view>
#include <unordered_map>

#include "acd/engine_impl.hpp"

namespace sb::acd {

namespace {
constexpr std::int64_t kIntervalNs = 15LL * 60 * 1'000'000'000;
double secs(Nanos t) { return to_seconds(t); }
}  // namespace

const char* agent_state_name(AgentState s) noexcept {
  switch (s) {
    case AgentState::kLoggedOut: return "logged-out";
    case AgentState::kReady: return "ready";
    case AgentState::kNotReady: return "not-ready";
    case AgentState::kReserved: return "reserved";
    case AgentState::kOnCall: return "on-call";
    case AgentState::kAfterCallWork: return "after-call-work";
  }
  return "unknown";
}

Engine::Impl::Impl(AcdModel m, const Clock& c, Sink s, std::uint64_t seed)
    : model(std::move(m)), clock(c), sink(std::move(s)), rng(seed) {
  // Loaders build the model with push_back; the slack would cost up to half
  // again the model's size for the engine's whole life.
  model.agents.shrink_to_fit();
  model.queues.shrink_to_fit();
  agents.resize(model.agents.size());
  agent_stats.resize(model.agents.size());
  queue_stats.resize(model.queues.size());
  build_indices();
  for (AgentIndex a = 0; a < agents.size(); ++a) agents[a].state_since = now();
  schedule_interval();
}

void Engine::Impl::build_indices() {
  classes.assign(model.queues.size(), {});
  for (std::size_t q = 0; q < model.queues.size(); ++q) classes[q].resize(model.queues[q].levels());
  fifo.assign(model.queues.size(), {});
  eligible_logged_in.assign(model.queues.size(), 0);
  for (AgentIndex a = 0; a < agents.size(); ++a) compute_min_levels(a);
}

void Engine::Impl::compute_min_levels(AgentIndex a) {
  AgentRec& r = agents[a];
  r.slots.clear();
  r.indexed = false;
  const AgentConfig& cfg = model.agents[a];
  for (int q : cfg.queues) {
    const QueueConfig& qc = model.queues[static_cast<std::size_t>(q)];
    for (std::size_t l = 0; l < qc.levels(); ++l) {
      if (meets(cfg.skills, qc.requirements_at(l))) {
        r.slots.push_back({q, static_cast<std::uint32_t>(l), {}});
        break;
      }
    }
  }
  r.slots.shrink_to_fit();
  if (r.state != AgentState::kLoggedOut)
    for (const ReadySlot& s : r.slots) ++eligible_logged_in[static_cast<std::size_t>(s.queue)];
}

void Engine::Impl::emit(Output o) {
  o.time = now();
  if (sink) sink(o);
}

void Engine::Impl::emit_agent_state(AgentIndex a) {
  Output o;
  o.kind = Output::kAgentState;
  o.agent = a;
  o.state = agents[a].state;
  o.call = agents[a].call;
  copy_text(o.text, reasons.name(agents[a].reason));
  emit(o);
}

// Adds the time since the last change to the counter of the state the agent
// has been in.
void Engine::Impl::account(AgentIndex a) {
  AgentRec& r = agents[a];
  const double d = secs(now() - r.state_since);
  r.state_since = now();
  if (d <= 0) return;
  for (AgentCounters* c : {&agent_stats[a].total, &agent_stats[a].interval}) {
    switch (r.state) {
      case AgentState::kLoggedOut: continue;
      case AgentState::kReady: c->ready_seconds += d; break;
      case AgentState::kNotReady: c->not_ready_seconds += d; break;
      case AgentState::kReserved: c->reserved_seconds += d; break;
      case AgentState::kOnCall: break;  // talk and hold are counted per call
      case AgentState::kAfterCallWork: break;  // wrap is counted per call
    }
    c->logged_in_seconds += d;
  }
}

void Engine::Impl::set_state(AgentIndex a, AgentState s, const char* reason) {
  account(a);
  agents[a].state = s;
  agents[a].reason = reasons.intern(reason);
  emit_agent_state(a);
}

void Engine::Impl::schedule(Timer::Kind kind, Nanos when, std::uint64_t target, std::uint64_t seq) {
  Timer t;
  t.when = when;
  t.target = target;
  t.seq = seq;
  t.kind_bits = kind;
  timers.push(t);
}

void Engine::Impl::schedule_interval() {
  const std::int64_t wall = clock.wall_now().count();
  const std::int64_t boundary = (wall / kIntervalNs + 1) * kIntervalNs;
  interval_start_wall = Nanos{wall / kIntervalNs * kIntervalNs};
  schedule(Timer::kInterval, now() + Nanos{boundary - wall}, 0, 0);
}

void Engine::Impl::close_interval() {
  for (AgentIndex a = 0; a < agents.size(); ++a) account(a);
  IntervalStats iv;
  iv.start_wall_ns = interval_start_wall.count();
  iv.end_wall_ns = clock.wall_now().count();
  for (auto& q : queue_stats) {
    iv.queues.push_back(q.interval);
    q.interval = {};
  }
  for (auto& ag : agent_stats) {
    iv.agents.push_back(ag.interval);
    ag.interval = {};
  }
  closed_intervals.push_back(std::move(iv));
  // The history is for the reporting consumer to persist as intervals close
  // (the shard's snapshot carries the latest one); keeping a day of it here
  // would cost about 8 KiB per agent.
  if (closed_intervals.size() > kRetainedIntervals) closed_intervals.erase(closed_intervals.begin());
}

void Engine::Impl::forget(CallId id) { callback_numbers.erase(id); }

void Engine::Impl::reject(const Request& r, const char* why) {
  Output o;
  o.kind = Output::kRequestRejected;
  o.call = r.call;
  o.agent = r.agent;
  o.queue = r.queue;
  copy_text(o.text, why);
  emit(o);
}

CallRec& Engine::Impl::admit(CallId id, int queue, int priority, Nanos arrived) {
  const QueueConfig& q = model.queues[static_cast<std::size_t>(queue)];
  CallRec& c = calls[id];
  c.id = id;
  c.queue = queue;
  c.level = 0;
  c.explicit_priority = priority != Request::kDefaultPriority;
  c.priority0 = c.explicit_priority ? priority : q.initial_priority;
  c.arrived = arrived;
  c.entered_queue = now();
  for (QueueCounters* s : {&queue_stats[static_cast<std::size_t>(queue)].total,
                           &queue_stats[static_cast<std::size_t>(queue)].interval})
    ++s->offered;
  Output o;
  o.kind = Output::kCallQueued;
  o.call = id;
  o.queue = queue;
  emit(o);
  return c;
}

void Engine::Impl::enqueue(CallId id, int queue, int priority, Nanos arrived) {
  const QueueConfig& q = model.queues[static_cast<std::size_t>(queue)];
  CallRec& c = admit(id, queue, priority, arrived);
  // Nobody logged in who could ever take it: overflow now rather than wait.
  if (eligible_logged_in[static_cast<std::size_t>(queue)] == 0 && q.overflow_target >= 0) {
    insert_waiting(c);
    overflow(c, "no-agents");
    return;
  }
  insert_waiting(c);
  schedule_call_timers(c);
  dispatch_call(c);
}

void Engine::Impl::overflow(CallRec& c, const char* why, std::size_t hops) {
  const int from = c.queue;
  const int to = model.queues[static_cast<std::size_t>(from)].overflow_target;
  if (to < 0 || to == from) return;
  remove_waiting(c);
  for (QueueCounters* s : {&queue_stats[static_cast<std::size_t>(from)].total,
                           &queue_stats[static_cast<std::size_t>(from)].interval})
    ++s->overflowed_out;
  for (QueueCounters* s : {&queue_stats[static_cast<std::size_t>(to)].total,
                           &queue_stats[static_cast<std::size_t>(to)].interval}) {
    ++s->overflowed_in;
    ++s->offered;
  }
  c.queue = to;
  c.level = 0;
  c.capped = false;
  c.expansion_due = c.overflow_due = false;
  if (!c.explicit_priority) c.priority0 = model.queues[static_cast<std::size_t>(to)].initial_priority;
  c.entered_queue = now();
  Output o;
  o.kind = Output::kCallOverflowed;
  o.call = c.id;
  o.queue = to;
  o.from_queue = from;
  copy_text(o.text, why);
  emit(o);
  // Chains of overflows stop at a queue that has someone, at a queue with
  // no target, or after visiting every queue once (a cycle of empty queues).
  if (eligible_logged_in[static_cast<std::size_t>(to)] == 0 &&
      model.queues[static_cast<std::size_t>(to)].overflow_target >= 0 && hops + 1 < model.queues.size()) {
    insert_waiting(c);
    overflow(c, why, hops + 1);
    return;
  }
  insert_waiting(c);
  schedule_call_timers(c);
  dispatch_call(c);
}

void Engine::Impl::abandon(CallId id) {
  auto it = calls.find(id);
  if (it == calls.end()) return;
  CallRec& c = it->second;
  if (c.state == CallRec::kConnected) return hangup(id);
  if (c.state == CallRec::kWaiting) remove_waiting(c);
  if (c.state == CallRec::kOffered) {
    // The caller left while agents were ringing: release them, no miss.
    for (AgentIndex a : c.offered_to) {
      Output o;
      o.kind = Output::kCancelOffer;
      o.call = id;
      o.agent = a;
      emit(o);
      agents[a].call = 0;
      make_ready(a);
    }
  }
  const QueueConfig& q = model.queues[static_cast<std::size_t>(c.queue)];
  const double waited = secs(now() - c.entered_queue);
  for (QueueCounters* s : {&queue_stats[static_cast<std::size_t>(c.queue)].total,
                           &queue_stats[static_cast<std::size_t>(c.queue)].interval}) {
    ++s->abandoned;
    if (waited < q.short_abandon_seconds) ++s->abandoned_short;
  }
  Output o;
  o.kind = Output::kCallAbandoned;
  o.call = id;
  o.queue = c.queue;
  emit(o);
  const CallId gone = it->first;
  calls.erase(it);
  forget(gone);
}

void Engine::Impl::accept(CallId id, AgentIndex a) {
  auto it = calls.find(id);
  if (it == calls.end() || it->second.state != CallRec::kOffered ||
      std::find(it->second.offered_to.begin(), it->second.offered_to.end(), a) == it->second.offered_to.end()) {
    Request r;
    r.call = id;
    r.agent = a;
    return reject(r, "no-such-offer");
  }
  CallRec& c = it->second;
  for (AgentIndex other : c.offered_to) {
    if (other == a) continue;
    Output o;  // ring-all: the others stop ringing
    o.kind = Output::kCancelOffer;
    o.call = id;
    o.agent = other;
    emit(o);
    agents[other].call = 0;
    make_ready(other);
  }
  c.offered_to.clear();
  c.state = CallRec::kConnected;
  c.agent = a;
  c.timer_seq = ++next_seq;  // expansion/overflow/cap no longer apply
  AgentRec& r = agents[a];
  r.timer_seq = ++next_seq;  // cancels the offer timeout
  r.misses = 0;
  r.talk_started = now();
  r.call_queue = c.queue;
  set_state(a, AgentState::kOnCall, "");
  const QueueConfig& q = model.queues[static_cast<std::size_t>(c.queue)];
  const double waited = secs(now() - c.entered_queue);
  for (QueueCounters* s : {&queue_stats[static_cast<std::size_t>(c.queue)].total,
                           &queue_stats[static_cast<std::size_t>(c.queue)].interval}) {
    ++s->answered;
    if (waited <= q.service_level_seconds) ++s->answered_in_sl;
    s->wait_answered_seconds += waited;
  }
  for (AgentCounters* s : {&agent_stats[a].total, &agent_stats[a].interval}) ++s->calls;
  Output o;
  o.kind = Output::kCallConnected;
  o.call = id;
  o.agent = a;
  o.queue = c.queue;
  emit(o);
}

// An offer that ended without an answer: rejected, timed out, or withdrawn
// because the agent went not-ready.
void Engine::Impl::miss(CallId id, AgentIndex a, bool counts_as_miss) {
  auto it = calls.find(id);
  AgentRec& r = agents[a];
  r.timer_seq = ++next_seq;
  r.call = 0;
  if (counts_as_miss) {
    ++r.misses;
    for (AgentCounters* s : {&agent_stats[a].total, &agent_stats[a].interval}) ++s->missed;
  }
  if (it != calls.end() && it->second.state == CallRec::kOffered) {
    CallRec& c = it->second;
    c.offered_to.erase(a);
    if (c.offered_to.empty()) {
      // Back in queue, in its place (arrival time unchanged); timers that
      // fell due meanwhile apply now.
      insert_waiting(c);
      if (c.overflow_due) {
        overflow(c, "max-wait");
      } else {
        if (c.expansion_due) {
          c.expansion_due = false;
          remove_waiting(c);
          ++c.level;
          insert_waiting(c);
          schedule_call_timers(c);
        }
        r.last_missed = id;
        dispatch_call(c);
      }
    }
  }
  if (counts_as_miss && r.misses >= model.max_consecutive_misses) {
    r.misses = 0;
    set_state(a, AgentState::kNotReady, "no-answer");
    return;
  }
  if (r.pending_logout) return logout(a);
  if (r.pending_not_ready) {
    r.pending_not_ready = false;
    set_state(a, AgentState::kNotReady, reasons.name(r.pending_reason));
    return;
  }
  r.last_missed = id;
  make_ready(a);
}

// A transfer to a named agent: the connected call's agent goes to wrap-up
// (or, for a call the engine does not know yet, it is admitted into
// r.queue), and the call is offered to r.agent alone. If that agent lets the
// offer go by, the call waits in its queue like any other.
void Engine::Impl::transfer_to_agent(const Request& r) {
  if (r.agent >= agents.size()) return reject(r, "unknown-agent");
  auto it = calls.find(r.call);
  int queue = r.queue;
  if (it != calls.end()) {
    if (it->second.state != CallRec::kConnected) return reject(r, "not-connected");
    if (it->second.agent == r.agent) return reject(r, "same-agent");
    if (queue < 0) queue = it->second.queue;
  } else if (queue < 0 && !model.agents[r.agent].queues.empty()) {
    queue = model.agents[r.agent].queues.front();
  }
  if (queue < 0 || static_cast<std::size_t>(queue) >= model.queues.size()) return reject(r, "unknown-queue");
  if (agents[r.agent].state != AgentState::kReady) {
    // A new call (from an IVR) waits in the queue instead; a connected
    // one stays where it is.
    if (it == calls.end()) return enqueue(r.call, queue, r.priority, now());
    return reject(r, "agent-not-ready");
  }
  if (it != calls.end()) hangup(r.call, "transfer");
  // The target may have become busy through the old agent's wrap-up
  // ending at once and taking another call: then the call just waits.
  CallRec& c = admit(r.call, queue, r.priority, now());
  insert_waiting(c);
  schedule_call_timers(c);
  if (agents[r.agent].state != AgentState::kReady) {
    dispatch_call(c);
    return;
  }
  remove_waiting(c);
  offer(c, {r.agent});
}

void Engine::Impl::hangup(CallId id, const char* why) {
  auto it = calls.find(id);
  if (it == calls.end()) return;
  CallRec& c = it->second;
  if (c.state != CallRec::kConnected) return abandon(id);
  const AgentIndex a = c.agent;
  AgentRec& r = agents[a];
  const QueueConfig& q = model.queues[static_cast<std::size_t>(c.queue)];
  double hold = 0;
  if (r.on_hold) {
    hold = secs(now() - r.hold_started);
    r.on_hold = false;
  }
  const double talk = secs(now() - r.talk_started);
  r.talk_total += talk;
  ++r.calls_handled;
  for (QueueCounters* s : {&queue_stats[static_cast<std::size_t>(c.queue)].total,
                           &queue_stats[static_cast<std::size_t>(c.queue)].interval}) {
    ++s->handled;
    s->talk_seconds += talk;
    s->hold_seconds += hold;
  }
  for (AgentCounters* s : {&agent_stats[a].total, &agent_stats[a].interval}) {
    s->talk_seconds += talk;
    s->hold_seconds += hold;
  }
  Output o;
  o.kind = Output::kCallEnded;
  o.call = id;
  o.agent = a;
  o.queue = c.queue;
  copy_text(o.text, why);
  emit(o);
  const CallId gone = it->first;
  calls.erase(it);
  forget(gone);
  r.call = 0;
  const double wrap = model.agents[a].wrap_up_override_seconds >= 0 ? model.agents[a].wrap_up_override_seconds
                                                                     : q.wrap_up_seconds;
  r.wrap_started = now();
  set_state(a, AgentState::kAfterCallWork, "");
  if (wrap <= 0) return finish_wrap(a);
  r.timer_seq = ++next_seq;
  schedule(Timer::kWrapEnd, now() + from_seconds(wrap), a, r.timer_seq);
}

void Engine::Impl::finish_wrap(AgentIndex a) {
  AgentRec& r = agents[a];
  r.timer_seq = ++next_seq;
  const double wrap = secs(now() - r.wrap_started);
  if (r.call_queue >= 0)
    for (QueueCounters* s : {&queue_stats[static_cast<std::size_t>(r.call_queue)].total,
                             &queue_stats[static_cast<std::size_t>(r.call_queue)].interval})
      s->wrap_seconds += wrap;
  for (AgentCounters* s : {&agent_stats[a].total, &agent_stats[a].interval}) s->wrap_seconds += wrap;
  r.call_queue = -1;
  release(a);
}

void Engine::Impl::release(AgentIndex a) {
  AgentRec& r = agents[a];
  if (r.pending_logout) return logout(a);
  if (r.pending_not_ready) {
    r.pending_not_ready = false;
    set_state(a, AgentState::kNotReady, reasons.name(r.pending_reason));
    return;
  }
  make_ready(a);
}

void Engine::Impl::logout(AgentIndex a) {
  AgentRec& r = agents[a];
  r.pending_logout = false;
  remove_ready(a);
  set_state(a, AgentState::kLoggedOut, "");
  // This agent no longer counts for the queues it served; a queue left with
  // nobody overflows its waiting calls.
  for (const ReadySlot& s : r.slots) {
    const int q = s.queue;
    auto& n = eligible_logged_in[static_cast<std::size_t>(q)];
    if (n > 0) --n;
    if (n == 0 && model.queues[static_cast<std::size_t>(q)].overflow_target >= 0) {
      std::vector<CallId> waiting;
      for (const auto& cl : classes[static_cast<std::size_t>(q)]) {
        for (const auto& k : cl.ageing) waiting.push_back(k.call);
        for (const auto& k : cl.capped) waiting.push_back(k.call);
      }
      for (CallId id : waiting) overflow(calls.at(id), "no-agents");
    }
  }
}

void Engine::Impl::handle(const Request& req) {
  const bool agent_request = req.kind <= Request::kReject;
  if (agent_request && req.agent >= agents.size()) return reject(req, "unknown-agent");
  switch (req.kind) {
    case Request::kLogin: {
      AgentRec& r = agents[req.agent];
      if (r.state != AgentState::kLoggedOut) return reject(req, "already-logged-in");
      for (const ReadySlot& s : r.slots) ++eligible_logged_in[static_cast<std::size_t>(s.queue)];
      r.misses = 0;
      return set_state(req.agent, AgentState::kNotReady, "login");
    }
    case Request::kLogout: {
      AgentRec& r = agents[req.agent];
      switch (r.state) {
        case AgentState::kLoggedOut: return reject(req, "not-logged-in");
        case AgentState::kReserved: r.pending_logout = true; return miss(r.call, req.agent, false);
        case AgentState::kOnCall: r.pending_logout = true; return;  // after the call and its wrap-up
        case AgentState::kAfterCallWork: r.pending_logout = true; return finish_wrap(req.agent);
        default: return logout(req.agent);
      }
    }
    case Request::kReady: {
      AgentRec& r = agents[req.agent];
      r.pending_not_ready = false;
      if (r.state == AgentState::kNotReady) return make_ready(req.agent);
      if (r.state == AgentState::kAfterCallWork) return finish_wrap(req.agent);
      if (r.state == AgentState::kLoggedOut) return reject(req, "not-logged-in");
      return reject(req, r.state == AgentState::kReady ? "already-ready" : "not-now");
    }
    case Request::kNotReady: {
      AgentRec& r = agents[req.agent];
      switch (r.state) {
        case AgentState::kReady:
          remove_ready(req.agent);
          return set_state(req.agent, AgentState::kNotReady, req.text[0] ? req.text : "not-ready");
        case AgentState::kNotReady:
          return set_state(req.agent, AgentState::kNotReady, req.text[0] ? req.text : "not-ready");
        case AgentState::kReserved:
          r.pending_not_ready = true;
          r.pending_reason = reasons.intern(req.text[0] ? req.text : "not-ready");
          return miss(r.call, req.agent, false);
        case AgentState::kOnCall:
        case AgentState::kAfterCallWork:
          r.pending_not_ready = true;  // after the call and its wrap-up
          r.pending_reason = reasons.intern(req.text[0] ? req.text : "not-ready");
          return;
        case AgentState::kLoggedOut:
          return reject(req, "not-logged-in");
      }
      return;
    }
    case Request::kEndWrapUp:
      if (agents[req.agent].state != AgentState::kAfterCallWork) return reject(req, "not-in-wrap-up");
      return finish_wrap(req.agent);
    case Request::kAccept:
      return accept(req.call, req.agent);
    case Request::kReject: {
      auto it = calls.find(req.call);
      if (it == calls.end() || agents[req.agent].call != req.call || agents[req.agent].state != AgentState::kReserved)
        return reject(req, "no-such-offer");
      return miss(req.call, req.agent, true);
    }
    case Request::kEnqueue:
      if (req.queue < 0 || static_cast<std::size_t>(req.queue) >= model.queues.size()) return reject(req, "unknown-queue");
      if (calls.count(req.call)) return reject(req, "duplicate-call");
      return enqueue(req.call, req.queue, req.priority, now());
    case Request::kAbandon:
      if (!calls.count(req.call)) return reject(req, "unknown-call");
      return abandon(req.call);
    case Request::kHangup:
      if (!calls.count(req.call)) return reject(req, "unknown-call");
      // text "transfer": the call goes on outside the ACD (a blind transfer
      // to a number); the agent's part ends as for any transfer.
      return hangup(req.call, std::string_view(req.text) == "transfer" ? "transfer" : "");
    case Request::kHold:
    case Request::kUnhold: {
      auto it = calls.find(req.call);
      if (it == calls.end() || it->second.state != CallRec::kConnected) return reject(req, "not-connected");
      AgentRec& r = agents[it->second.agent];
      if (req.kind == Request::kHold && !r.on_hold) {
        r.on_hold = true;
        r.hold_started = now();
      } else if (req.kind == Request::kUnhold && r.on_hold) {
        r.on_hold = false;
        const double hold = secs(now() - r.hold_started);
        // Hold time is part of the call, not talk: move it across.
        r.talk_started += now() - r.hold_started;
        for (QueueCounters* s : {&queue_stats[static_cast<std::size_t>(it->second.queue)].total,
                                 &queue_stats[static_cast<std::size_t>(it->second.queue)].interval})
          s->hold_seconds += hold;
        for (AgentCounters* s : {&agent_stats[it->second.agent].total, &agent_stats[it->second.agent].interval})
          s->hold_seconds += hold;
      }
      return;
    }
    case Request::kRequestCallback: {
      auto it = calls.find(req.call);
      if (it == calls.end() && req.queue >= 0 && static_cast<std::size_t>(req.queue) < model.queues.size()) {
        // A call the engine does not know yet (the IVR's callback node)
        // enters `queue` as a callback, so a free agent is reserved for it
        // at once rather than offered a caller who has already left.
        CallRec& c = admit(req.call, req.queue, req.priority, now());
        c.callback = true;
        copy_text(callback_numbers[req.call], req.text);
        insert_waiting(c);
        schedule_call_timers(c);
        dispatch_call(c);
        return;
      }
      if (it == calls.end() || it->second.state != CallRec::kWaiting) return reject(req, "not-waiting");
      it->second.callback = true;
      copy_text(callback_numbers[req.call], req.text);
      return;
    }
    case Request::kTransferToQueue: {
      auto it = calls.find(req.call);
      if (it == calls.end() || it->second.state != CallRec::kConnected) return reject(req, "not-connected");
      if (req.queue < 0 || static_cast<std::size_t>(req.queue) >= model.queues.size()) return reject(req, "unknown-queue");
      // The agent's part of the call ends (wrap-up follows); the caller
      // enters the target queue as a new arrival there.
      const CallId id = req.call;
      hangup(id, "transfer");
      return enqueue(id, req.queue, req.priority, now());
    }
    case Request::kTransferToAgent:
      return transfer_to_agent(req);
    case Request::kPositionQuery:
      return answer_position(req.call);
    case Request::kCallbackAnswered:
      return callback_answered(req);
    case Request::kCallbackFailed: {
      auto it = calls.find(req.call);
      if (req.agent >= agents.size() || it == calls.end() || !it->second.callback ||
          it->second.state != CallRec::kOffered || !it->second.offered_to.contains(req.agent))
        return reject(req, "no-such-callback");
      return callback_failed(req.call, req.agent, req.text[0] ? req.text : "callback-failed");
    }
  }
}

void Engine::Impl::callback_answered(const Request& req) {
  auto it = calls.find(req.call);
  if (req.agent >= agents.size() || it == calls.end() || !it->second.callback ||
      it->second.state != CallRec::kOffered || !it->second.offered_to.contains(req.agent))
    return reject(req, "no-such-callback");
  CallRec& c = it->second;
  // From here on it is a call like any other: if its agent lets it ring
  // out, it waits in the queue and is offered (not dialled) again.
  c.callback = false;
  forget(c.id);
  AgentRec& r = agents[req.agent];
  r.timer_seq = ++next_seq;
  schedule(Timer::kOfferTimeout, now() + from_seconds(model.queues[static_cast<std::size_t>(c.queue)].offer_timeout_seconds),
           req.agent, r.timer_seq);
}

void Engine::Impl::callback_failed(CallId id, AgentIndex a, const char* why) {
  auto it = calls.find(id);
  if (it == calls.end()) return;
  CallRec& c = it->second;
  Output cancel;
  cancel.kind = Output::kCancelOffer;
  cancel.call = id;
  cancel.agent = a;
  copy_text(cancel.text, why);
  emit(cancel);
  AgentRec& r = agents[a];
  r.timer_seq = ++next_seq;
  r.call = 0;
  for (QueueCounters* s : {&queue_stats[static_cast<std::size_t>(c.queue)].total,
                           &queue_stats[static_cast<std::size_t>(c.queue)].interval}) {
    ++s->abandoned;
    ++s->callbacks_failed;
  }
  Output o;
  o.kind = Output::kCallAbandoned;
  o.call = id;
  o.queue = c.queue;
  copy_text(o.text, "callback-failed");
  emit(o);
  calls.erase(it);
  forget(id);
  // Not the agent's fault: no miss; requests made while reserved apply now.
  release(a);
}

void Engine::Impl::answer_position(CallId id) {
  Output o;
  o.kind = Output::kCallPosition;
  o.call = id;
  auto it = calls.find(id);
  if (it != calls.end()) {
    o.queue = it->second.queue;
    if (const auto p = position_of(it->second)) {
      o.position = static_cast<std::uint32_t>(p->position);
      o.wait_seconds = p->estimated_wait_seconds;
    }
  }
  emit(o);
}

std::optional<CallPosition> Engine::Impl::position_of(const CallRec& c) const {
  if (c.state != CallRec::kWaiting) return std::nullopt;
  const auto& tree = fifo[static_cast<std::size_t>(c.queue)];
  CallPosition p;
  p.position = tree.order_of_key({c.entered_queue.count(), c.id}) + 1;
  const double aht = queue_stats[static_cast<std::size_t>(c.queue)].total.aht_seconds();
  const double logged_in = static_cast<double>(std::max<std::size_t>(1, eligible_logged_in[static_cast<std::size_t>(c.queue)]));
  p.estimated_wait_seconds = static_cast<double>(p.position) * (aht > 0 ? aht : 180.0) / logged_in;
  return p;
}

void Engine::Impl::fire(const Timer& t) {
  switch (t.kind()) {
    case Timer::kInterval:
      close_interval();
      interval_start_wall = clock.wall_now();
      schedule(Timer::kInterval, now() + Nanos{kIntervalNs}, 0, 0);
      return;
    case Timer::kOfferTimeout: {
      AgentRec& r = agents[t.target];
      if (r.timer_seq != t.seq || r.state != AgentState::kReserved) return;
      if (auto c = calls.find(r.call); c != calls.end() && c->second.callback)
        // Nobody answered the dialled number in time: not the agent's miss.
        return callback_failed(r.call, static_cast<AgentIndex>(t.target), "dial-timeout");
      Output o;
      o.kind = Output::kCancelOffer;
      o.call = r.call;
      o.agent = static_cast<AgentIndex>(t.target);
      copy_text(o.text, "no-answer");
      emit(o);
      return miss(r.call, static_cast<AgentIndex>(t.target), true);
    }
    case Timer::kWrapEnd: {
      AgentRec& r = agents[t.target];
      if (r.timer_seq != t.seq || r.state != AgentState::kAfterCallWork) return;
      return finish_wrap(static_cast<AgentIndex>(t.target));
    }
    case Timer::kCallDue: {
      auto it = calls.find(t.target);
      if (it == calls.end() || it->second.timer_seq != t.seq) return;
      return call_due(it->second);
    }
  }
}

// ---- Engine ----------------------------------------------------------------

Engine::Engine(AcdModel model, const Clock& clock, Sink sink, std::uint64_t seed)
    : impl_(std::make_unique<Impl>(std::move(model), clock, std::move(sink), seed)) {}

Engine::~Engine() = default;

void Engine::handle(const Request& r) { impl_->handle(r); }

void Engine::advance() {
  const Nanos t = impl_->now();
  while (!impl_->timers.empty() && impl_->timers.top().when <= t) {
    const Timer timer = impl_->timers.top();
    impl_->timers.pop();
    impl_->fire(timer);
  }
}

Nanos Engine::next_deadline() const {
  return impl_->timers.empty() ? Nanos::max() : impl_->timers.top().when;
}

const AcdModel& Engine::model() const noexcept { return impl_->model; }

AgentState Engine::agent_state(AgentIndex a) const { return impl_->agents.at(a).state; }

const char* Engine::agent_reason(AgentIndex a) const { return impl_->reasons.name(impl_->agents.at(a).reason); }

std::size_t Engine::waiting(int queue) const { return impl_->fifo.at(static_cast<std::size_t>(queue)).size(); }

std::optional<CallPosition> Engine::position(CallId call) const {
  auto it = impl_->calls.find(call);
  if (it == impl_->calls.end()) return std::nullopt;
  return impl_->position_of(it->second);
}

const QueueStats& Engine::queue_stats(int queue) const { return impl_->queue_stats.at(static_cast<std::size_t>(queue)); }

const AgentStats& Engine::agent_stats(AgentIndex a) const { return impl_->agent_stats.at(a); }

const std::vector<IntervalStats>& Engine::intervals() const noexcept { return impl_->closed_intervals; }

std::size_t Engine::agents_in_state(int queue, AgentState s) const {
  std::size_t n = 0;
  for (AgentIndex a = 0; a < impl_->agents.size(); ++a) {
    if (impl_->agents[a].state != s) continue;
    const auto& qs = impl_->model.agents[a].queues;
    if (queue < 0 || std::find(qs.begin(), qs.end(), queue) != qs.end()) ++n;
  }
  return n;
}

double Engine::longest_wait_seconds(int queue) const {
  const auto& tree = impl_->fifo.at(static_cast<std::size_t>(queue));
  if (tree.empty()) return 0;
  return to_seconds(impl_->now() - Nanos{tree.begin()->first});
}

std::size_t Engine::live_calls() const noexcept { return impl_->calls.size(); }

Status Engine::reload(AcdModel model) {
  if (Status s = validate(model); !s) return s;
  Impl& m = *impl_;
  // Keep agents by id and calls by queue name.
  std::vector<AgentRec> old_agents = std::move(m.agents);
  std::vector<AgentStats> old_agent_stats = std::move(m.agent_stats);
  std::vector<QueueStats> old_queue_stats = std::move(m.queue_stats);
  const AcdModel old = std::move(m.model);
  std::vector<CallRec> waiting;
  for (auto& [id, c] : m.calls)
    if (c.state == CallRec::kWaiting) waiting.push_back(c);
  for (const auto& c : waiting) m.calls.erase(c.id);
  m.model = std::move(model);
  m.model.agents.shrink_to_fit();
  m.model.queues.shrink_to_fit();
  m.agents.assign(m.model.agents.size(), {});
  m.agent_stats.assign(m.model.agents.size(), {});
  m.queue_stats.assign(m.model.queues.size(), {});
  for (std::size_t q = 0; q < old.queues.size(); ++q) {
    const int nq = m.model.find_queue(old.queues[q].name);
    if (nq >= 0) m.queue_stats[static_cast<std::size_t>(nq)] = old_queue_stats[q];
  }
  // By id through a hash map: a centre reloads tens of thousands of agents.
  std::unordered_map<std::string_view, int> new_agent_index;
  for (std::size_t a = 0; a < m.model.agents.size(); ++a) new_agent_index.emplace(m.model.agents[a].id, static_cast<int>(a));
  std::vector<int> old_to_new(old.agents.size(), -1);
  for (std::size_t a = 0; a < old.agents.size(); ++a) {
    const auto found = new_agent_index.find(old.agents[a].id);
    const int na = found == new_agent_index.end() ? -1 : found->second;
    old_to_new[a] = na;
    if (na < 0) continue;
    AgentRec rec = std::move(old_agents[a]);
    rec.slots.clear();
    rec.indexed = false;
    m.agents[static_cast<std::size_t>(na)] = std::move(rec);
    m.agent_stats[static_cast<std::size_t>(na)] = old_agent_stats[a];
  }
  m.build_indices();
  // Calls ringing or connected keep their agent (re-indexed).
  for (auto& [id, c] : m.calls) {
    const int nq = m.model.find_queue(old.queues[static_cast<std::size_t>(c.queue)].name);
    c.queue = nq >= 0 ? nq : 0;
    for (auto& a : c.offered_to) a = static_cast<AgentIndex>(std::max(0, old_to_new[a]));
    c.agent = static_cast<AgentIndex>(std::max(0, old_to_new[c.agent]));
  }
  m.timers = {};
  m.schedule_interval();
  for (AgentIndex a = 0; a < m.agents.size(); ++a) {
    AgentRec& r = m.agents[a];
    if (r.state == AgentState::kReady) m.insert_ready(a);
    if (r.state == AgentState::kReserved) {
      // The ring time is the offering queue's, in the new model.
      const auto call = m.calls.find(r.call);
      const QueueConfig* q = call != m.calls.end() && !m.model.queues.empty()
                                 ? &m.model.queues[static_cast<std::size_t>(call->second.queue)]
                                 : nullptr;
      const double ring = !q ? 0 : call->second.callback ? q->callback_dial_seconds : q->offer_timeout_seconds;
      m.schedule(Timer::kOfferTimeout, m.now() + from_seconds(ring), a, r.timer_seq = ++m.next_seq);
    }
    if (r.state == AgentState::kAfterCallWork) m.schedule(Timer::kWrapEnd, m.now(), a, r.timer_seq = ++m.next_seq);
  }
  for (std::size_t a = 0; a < old.agents.size(); ++a)
    if (old_to_new[a] < 0 && old_agents[a].state != AgentState::kLoggedOut) {
      Output o;
      o.kind = Output::kAgentState;
      o.agent = static_cast<AgentIndex>(a);
      o.state = AgentState::kLoggedOut;
      copy_text(o.text, "removed");
      m.emit(o);
    }
  for (CallRec c : waiting) {
    const int nq = m.model.find_queue(old.queues[static_cast<std::size_t>(c.queue)].name);
    if (nq < 0) {
      Output o;
      o.kind = Output::kCallAbandoned;
      o.call = c.id;
      copy_text(o.text, "queue-removed");
      m.emit(o);
      m.forget(c.id);
      continue;
    }
    c.queue = nq;
    c.level = static_cast<std::uint8_t>(
        std::min<std::size_t>(c.level, m.model.queues[static_cast<std::size_t>(nq)].expansions.size()));
    c.capped = false;
    CallRec& placed = m.calls[c.id] = c;
    m.insert_waiting(placed);
    m.schedule_call_timers(placed);
  }
  // New matches the reload made possible.
  std::vector<CallId> ids;
  for (auto& [id, c] : m.calls)
    if (c.state == CallRec::kWaiting) ids.push_back(id);
  for (CallId id : ids) {
    auto it = m.calls.find(id);
    if (it != m.calls.end() && it->second.state == CallRec::kWaiting) m.dispatch_call(it->second);
  }
  return Status::ok();
}

}  // namespace sb::acd
