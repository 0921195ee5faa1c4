// Internal state of the ACD engine (acd/engine.hpp): records, ordered sets,
// the timer heap. Shared by engine.cpp (requests, state machine, timers) and
// dispatch.cpp (matching calls and agents). Not part of the public API.
#pragma once

#include <ext/pb_ds/assoc_container.hpp>
#include <ext/pb_ds/tree_policy.hpp>

#include <queue>
#include <random>
#include <set>
#include <unordered_map>

#include "acd/engine.hpp"
#include "common/node_pool.hpp"

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
// Every index node comes from the engine thread's node pool
// (common/node_pool.hpp): no malloc header per node, which is what keeps
// memory per agent and per waiting call within budget (docs/acd.md).
using AgentTree = __gnu_pbds::tree<AgentKey, __gnu_pbds::null_type, std::less<AgentKey>, __gnu_pbds::rb_tree_tag,
                                   __gnu_pbds::tree_order_statistics_node_update, NodePoolAllocator<char>>;

struct Class {
  AgentTree ready;
  std::set<CallKey, AgeingOrder, NodePoolAllocator<CallKey>> ageing;
  std::set<CallKey, ArrivalOrder, NodePoolAllocator<CallKey>> capped;
};

// Order-statistics tree: a waiting call's position in its queue in O(log n).
using FifoTree = __gnu_pbds::tree<std::pair<std::int64_t, CallId>, __gnu_pbds::null_type,
                                  std::less<std::pair<std::int64_t, CallId>>, __gnu_pbds::rb_tree_tag,
                                  __gnu_pbds::tree_order_statistics_node_update, NodePoolAllocator<char>>;

// Agents a call is offered to: one, except under ring-all. One is stored
// inline so a call record stays small.
class OfferedTo {
 public:
  OfferedTo() = default;
  OfferedTo(const OfferedTo& o) { *this = o; }
  OfferedTo& operator=(const OfferedTo& o) {
    if (this != &o) assign(o.begin(), o.end());
    return *this;
  }
  ~OfferedTo() { delete[] heap_; }
  template <typename It>
  void assign(It first, It last) {
    clear();
    const auto n = static_cast<std::uint32_t>(last - first);
    if (n > 1) heap_ = new AgentIndex[n];
    AgentIndex* d = data();
    for (std::uint32_t i = 0; i < n; ++i) d[i] = first[i];
    size_ = n;
  }
  void clear() noexcept {
    delete[] heap_;
    heap_ = nullptr;
    size_ = 0;
  }
  void erase(AgentIndex a) noexcept {
    AgentIndex* d = data();
    std::uint32_t k = 0;
    for (std::uint32_t i = 0; i < size_; ++i)
      if (d[i] != a) d[k++] = d[i];
    size_ = k;
  }
  bool contains(AgentIndex a) const noexcept { return std::find(begin(), end(), a) != end(); }
  bool empty() const noexcept { return size_ == 0; }
  AgentIndex* begin() noexcept { return data(); }
  AgentIndex* end() noexcept { return data() + size_; }
  const AgentIndex* begin() const noexcept { return heap_ ? heap_ : &one_; }
  const AgentIndex* end() const noexcept { return begin() + size_; }

 private:
  AgentIndex* data() noexcept { return heap_ ? heap_ : &one_; }
  AgentIndex* heap_ = nullptr;
  AgentIndex one_ = 0;
  std::uint32_t size_ = 0;
};

// Reason codes ("lunch", "training", "no-answer") are few and repeat: each
// agent keeps a 16-bit id into this table instead of the text.
class ReasonTable {
 public:
  static constexpr std::size_t kMax = 4096;  // beyond: "other"
  ReasonTable() { intern(""); }
  std::uint16_t intern(const char* text) {
    const std::string key(text ? text : "");
    if (auto it = ids_.find(key); it != ids_.end()) return it->second;
    if (names_.size() >= kMax) return intern("other");
    const auto id = static_cast<std::uint16_t>(names_.size());
    names_.push_back(key);
    ids_.emplace(key, id);
    return id;
  }
  const char* name(std::uint16_t id) const noexcept { return names_[id].c_str(); }

 private:
  std::vector<std::string> names_;
  std::unordered_map<std::string, std::uint16_t> ids_;
};

// Where a ready agent sits: one entry per queue it serves and is eligible
// for (the class of the lowest level whose requirements it meets), with the
// key it was inserted under while ready.
struct ReadySlot {
  std::int32_t queue = 0;
  std::uint32_t level = 0;
  AgentKey key{};
};

struct AgentRec {
  AgentState state = AgentState::kLoggedOut;
  bool indexed = false;          // in the ready sets (slots[].key valid)
  bool pending_not_ready = false;
  bool pending_logout = false;
  bool on_hold = false;
  std::uint16_t reason = 0;      // ReasonTable ids
  std::uint16_t pending_reason = 0;
  Nanos state_since{0};
  Nanos ready_since{0};
  Nanos last_offer{0};
  std::uint32_t calls_handled = 0;
  double talk_total = 0;
  int misses = 0;
  CallId call = 0;               // offered or connected
  CallId last_missed = 0;        // not offered again straight away
  std::uint64_t timer_seq = 0;   // validates offer-timeout and wrap-up timers
  std::vector<ReadySlot> slots;
  Nanos talk_started{0}, hold_started{0}, wrap_started{0};
  int call_queue = -1;           // queue of the connected call, for its statistics
};

// Kept small (docs/acd.md: memory per waiting call): callback numbers live
// in a side table, ring-all offer lists spill to the heap.
struct CallRec {
  enum State : std::uint8_t { kWaiting, kOffered, kConnected };
  CallId id = 0;
  Nanos arrived{0};              // into the ACD: orders the queue
  Nanos entered_queue{0};        // into this queue: service level and ASA
  std::uint64_t timer_seq = 0;   // validates expansion, overflow and cap timers
  double priority_key = 0;       // see insert_waiting()
  OfferedTo offered_to;
  std::int32_t queue = 0;
  AgentIndex agent = 0;
  std::int32_t priority0 = 0;
  std::uint8_t level = 0;        // expansion level (kMaxExpansions bounds it)
  State state = kWaiting;
  bool explicit_priority = false;
  bool capped = false;
  bool callback = false;
  bool expansion_due = false, overflow_due = false;
  CallKey key() const noexcept { return CallKey{priority_key, arrived.count(), id}; }
};

struct Timer {
  // kCallDue: a waiting call's next expansion, overflow or priority cap,
  // whichever comes first (one heap entry per call, not three).
  enum Kind : std::uint8_t { kCallDue, kOfferTimeout, kWrapEnd, kInterval };
  Nanos when{0};
  std::uint64_t target = 0;
  std::uint64_t seq : 56 = 0;    // 2^56 timers: centuries at a million a second
  std::uint64_t kind_bits : 8 = kInterval;
  Kind kind() const noexcept { return static_cast<Kind>(kind_bits); }
  bool operator>(const Timer& o) const noexcept { return when > o.when; }
};
static_assert(sizeof(Timer) == 24, "a timer per waiting call: keep it packed");

struct Engine::Impl {
  AcdModel model;
  const Clock& clock;
  Sink sink;
  std::mt19937_64 rng;
  std::vector<std::vector<Class>> classes;   // [queue][level]
  std::vector<FifoTree> fifo;                // [queue]
  std::vector<std::size_t> eligible_logged_in;  // [queue]
  std::vector<AgentRec> agents;
  std::unordered_map<CallId, CallRec, std::hash<CallId>, std::equal_to<CallId>,
                     NodePoolAllocator<std::pair<const CallId, CallRec>>>
      calls;
  std::unordered_map<CallId, std::array<char, 32>> callback_numbers;
  ReasonTable reasons;
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
  void forget(CallId id);  // after calls.erase: side tables

  // Call lifecycle.
  // The call's record in `queue`, counted as offered there and announced
  // (kCallQueued); not yet in the waiting sets.
  CallRec& admit(CallId id, int queue, int priority, Nanos arrived);
  void enqueue(CallId id, int queue, int priority, Nanos arrived);
  void transfer_to_agent(const Request& r);
  void abandon(CallId id);
  void hangup(CallId id, const char* why = "");
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
  // The next expansion / overflow / cap instant strictly after `after`.
  Nanos next_call_event(const CallRec& c, Nanos after) const;
  void call_due(CallRec& c);
  void insert_ready(AgentIndex a);
  void remove_ready(AgentIndex a);
  bool dispatch_call(CallRec& c);
  bool dispatch_agent(AgentIndex a);
  void offer(CallRec& c, const std::vector<AgentIndex>& to);
  void make_ready(AgentIndex a);
};

inline void copy_text(char* dst, std::size_t size, const char* src) {
  std::size_t i = 0;
  for (; src && src[i] && i < size - 1; ++i) dst[i] = src[i];
  dst[i] = 0;
}
inline void copy_text(char (&dst)[32], const char* src) { copy_text(dst, sizeof dst, src); }
inline void copy_text(std::array<char, 32>& dst, const char* src) { copy_text(dst.data(), dst.size(), src); }

}  // namespace sb::acd
