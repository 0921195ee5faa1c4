// Internal state of the ACD engine (acd/engine.hpp): records, ordered sets,
// the timer heap. Shared by engine.cpp (requests, state machine, timers) and
// dispatch.cpp (matching calls and agents). Not part of the public API.
#pragma once

#include <ext/pb_ds/assoc_container.hpp>
#include <ext/pb_ds/tree_policy.hpp>

#include <queue>
#include <random>

#include "acd/engine.hpp"

namespace sb::acd {

// Agents in a class, ordered by the queue's strategy (smaller is better).
struct AgentKey {
  double k1 = 0, k2 = 0;
  AgentIndex agent = 0;
  bool operator<(const AgentKey& o) const noexcept {
    if (k1 != o.k1) return k1 < o.k1;
    if (k2 != o.k2) return k2 < o.k2;
    return agent < o.agent;
  }
};

// Waiting calls. Ageing set: by priority key descending (the key orders by
// effective priority at every later instant), then arrival. Capped set: by
// arrival only (all share the maximum priority).
struct CallKey {
  double priority_key = 0;
  std::int64_t arrived_ns = 0;
  CallId call = 0;
};
struct AgeingOrder {
  bool operator()(const CallKey& a, const CallKey& b) const noexcept {
    if (a.priority_key != b.priority_key) return a.priority_key > b.priority_key;
    if (a.arrived_ns != b.arrived_ns) return a.arrived_ns < b.arrived_ns;
    return a.call < b.call;
  }
};
struct ArrivalOrder {
  bool operator()(const CallKey& a, const CallKey& b) const noexcept {
    if (a.arrived_ns != b.arrived_ns) return a.arrived_ns < b.arrived_ns;
    return a.call < b.call;
  }
};

// Ready agents per class: an order-statistics tree, so the random strategy
// can pick the k-th agent in O(log n).
using AgentTree = __gnu_pbds::tree<AgentKey, __gnu_pbds::null_type, std::less<AgentKey>, __gnu_pbds::rb_tree_tag,
                                   __gnu_pbds::tree_order_statistics_node_update>;

struct Class {
  AgentTree ready;
  std::set<CallKey, AgeingOrder> ageing;
  std::set<CallKey, ArrivalOrder> capped;
};

// Order-statistics tree: a waiting call's position in its queue in O(log n).
using FifoTree = __gnu_pbds::tree<std::pair<std::int64_t, CallId>, __gnu_pbds::null_type,
                                  std::less<std::pair<std::int64_t, CallId>>, __gnu_pbds::rb_tree_tag,
                                  __gnu_pbds::tree_order_statistics_node_update>;

struct AgentRec {
  AgentState state = AgentState::kLoggedOut;
  char reason[32] = {};
  Nanos state_since{0};
  Nanos ready_since{0};
  Nanos last_offer{0};
  std::uint32_t calls_handled = 0;
  double talk_total = 0;
  int misses = 0;
  CallId call = 0;               // offered or connected
  CallId last_missed = 0;        // not offered again straight away
  std::uint64_t timer_seq = 0;   // validates offer-timeout and wrap-up timers
  std::vector<std::pair<int, std::size_t>> min_level;  // (queue, lowest eligible level)
  std::vector<std::pair<std::pair<int, std::size_t>, AgentKey>> in_ready;  // where it sits
  bool pending_not_ready = false;
  char pending_reason[32] = {};
  bool pending_logout = false;
  Nanos talk_started{0}, hold_started{0}, wrap_started{0};
  bool on_hold = false;
  int call_queue = -1;           // queue of the connected call, for its statistics
};

struct CallRec {
  enum State : std::uint8_t { kWaiting, kOffered, kConnected };
  CallId id = 0;
  State state = kWaiting;
  int queue = 0;
  std::size_t level = 0;
  int priority0 = 0;
  bool explicit_priority = false;
  Nanos arrived{0};              // into the ACD: orders the queue
  Nanos entered_queue{0};        // into this queue: service level and ASA
  bool capped = false;
  bool callback = false;
  char number[32] = {};
  std::vector<AgentIndex> offered_to;
  AgentIndex agent = 0;
  std::uint64_t timer_seq = 0;   // validates expansion, overflow and cap timers
  bool expansion_due = false, overflow_due = false;
  CallKey key{};
};

struct Timer {
  enum Kind : std::uint8_t { kExpand, kOverflow, kCap, kOfferTimeout, kWrapEnd, kInterval };
  Nanos when{0};
  Kind kind = kInterval;
  std::uint64_t target = 0;
  std::uint64_t seq = 0;
  bool operator>(const Timer& o) const noexcept { return when > o.when; }
};

struct Engine::Impl {
  AcdModel model;
  const Clock& clock;
  Sink sink;
  std::mt19937_64 rng;
  std::vector<std::vector<Class>> classes;   // [queue][level]
  std::vector<FifoTree> fifo;                // [queue]
  std::vector<std::size_t> eligible_logged_in;  // [queue]
  std::vector<AgentRec> agents;
  std::unordered_map<CallId, CallRec> calls;
  std::priority_queue<Timer, std::vector<Timer>, std::greater<Timer>> timers;
  std::vector<QueueStats> queue_stats;
  std::vector<AgentStats> agent_stats;
  std::vector<IntervalStats> closed_intervals;
  Nanos interval_start_wall{0};
  // Timer validation numbers come from one counter, so a call id reused
  // (a transfer re-enqueues the same call) never matches an old timer.
  std::uint64_t next_seq = 0;

  Impl(AcdModel m, const Clock& c, Sink s, std::uint64_t seed);

  // engine.cpp
  Nanos now() const { return clock.now(); }
  void emit(Output o);
  void emit_agent_state(AgentIndex a);
  void account(AgentIndex a);
  void set_state(AgentIndex a, AgentState s, const char* reason);
  void schedule(Timer::Kind kind, Nanos when, std::uint64_t target, std::uint64_t seq);
  void build_indices();
  void compute_min_levels(AgentIndex a);
  void close_interval();
  void schedule_interval();
  void handle(const Request& r);
  void fire(const Timer& t);
  void reject(const Request& r, const char* why);

  // Call lifecycle.
  void enqueue(CallId id, int queue, int priority, Nanos arrived);
  void abandon(CallId id);
  void hangup(CallId id);
  void accept(CallId id, AgentIndex a);
  void miss(CallId id, AgentIndex a, bool counts_as_miss);
  void overflow(CallRec& c, const char* why, std::size_t hops = 0);
  void finish_wrap(AgentIndex a);
  void logout(AgentIndex a);

  // dispatch.cpp
  AgentKey agent_key(AgentIndex a, int queue) const;
  double effective_priority(const CallRec& c, Nanos t) const;
  void insert_waiting(CallRec& c);
  void remove_waiting(CallRec& c);
  void schedule_call_timers(CallRec& c);
  void insert_ready(AgentIndex a);
  void remove_ready(AgentIndex a);
  bool dispatch_call(CallRec& c);
  bool dispatch_agent(AgentIndex a);
  void offer(CallRec& c, const std::vector<AgentIndex>& to);
  void make_ready(AgentIndex a);
};

inline void copy_text(char (&dst)[32], const char* src) {
  std::size_t i = 0;
  for (; src && src[i] && i < sizeof dst - 1; ++i) dst[i] = src[i];
  dst[i] = 0;
}

}  // namespace sb::acd
