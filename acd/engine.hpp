// The ACD engine: queues, agents and calls, and the decision of which agent
// takes which call. Single writer: one thread owns all state and calls
// handle() for each request and advance() when a timer is due; nothing here
// locks. acd/actor.hpp wraps it in a thread with a lock-free inbox and a
// published snapshot for the daemon; the simulator and the tests drive it
// directly in virtual time.
//
// Work per event is O(log n) in calls and agents (times the small number of
// queues an agent serves and expansion levels a queue has):
//  * Each queue has one "class" per expansion level. A ready agent sits in
//    one ordered set per queue it serves: the class of the lowest level
//    whose requirements it meets (a call at level L accepts agents of levels
//    0..L), ordered by the queue's strategy key.
//  * A waiting call sits in its (queue, level) class, in one of two ordered
//    sets: still ageing (key = initial priority - ageing x enqueue time,
//    which orders calls by effective priority at any later time), or capped
//    (at the maximum priority, by enqueue time). A timer moves it across.
//  * A call arriving looks at the top agent of each level <= its own; an
//    agent becoming ready looks at the top calls of each level >= its own,
//    in every queue it serves. Expansion, overflow, priority caps, offer
//    timeouts and wrap-up are timers on one heap: no polling over calls.
//
// Everything is timed by the injected Clock.
#pragma once

#include <climits>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "acd/model.hpp"
#include "acd/stats.hpp"
#include "common/clock.hpp"
#include "common/status.hpp"

namespace sb::acd {

using CallId = std::uint64_t;
using AgentIndex = std::uint32_t;

enum class AgentState : std::uint8_t { kLoggedOut, kReady, kNotReady, kReserved, kOnCall, kAfterCallWork };
inline constexpr std::size_t kAgentStateCount = 6;
const char* agent_state_name(AgentState s) noexcept;

// Requests into the engine. Plain data so they can travel through the
// actor's lock-free inbox.
struct Request {
  enum Kind : std::uint8_t {
    kLogin,            // agent -> Not ready (reason "login")
    kLogout,
    kReady,
    kNotReady,         // text: reason code
    kEndWrapUp,        // manual end of after-call work
    kAccept,           // agent answered the offered call
    kReject,           // agent declined (or its phone failed)
    kEnqueue,          // call into queue (priority: kDefaultPriority = the queue's)
    kAbandon,          // the caller hung up while waiting
    kHangup,           // a connected call ended (text "transfer": left the ACD)
    kHold,             // a connected call went on hold / came back
    kUnhold,
    kRequestCallback,  // virtual hold: keep the place, call back on `text`;
                       // a call the engine does not know yet enters `queue`
                       // as a callback
    kTransferToQueue,  // a connected call goes back into `queue`
    kTransferToAgent,  // a connected call (or a new one, into `queue` or
                       // the agent's first queue) is offered to `agent`
                       // alone; a connected call is rejected
                       // "agent-not-ready" unless that agent is ready, a new
                       // one then waits in the queue
    kPositionQuery,    // where is `call`? answered with kCallPosition
    kCallbackAnswered, // the dialled party of `call` (a kPlaceCallback to
                       // `agent`) answered: it is now a live call offered
                       // to that agent, whose ring time starts again
    kCallbackFailed,   // the callback to `call` could not be placed (text:
                       // why): `agent` is released without a miss, the call
                       // leaves the queue (counted abandoned and
                       // callbacks_failed)
  };
  static constexpr std::int32_t kDefaultPriority = INT32_MIN;
  Kind kind = kEnqueue;
  AgentIndex agent = 0;
  CallId call = 0;
  std::int32_t queue = -1;
  std::int32_t priority = kDefaultPriority;
  char text[32] = {};

  static Request make(Kind kind, AgentIndex agent = 0, CallId call = 0, std::int32_t queue = -1) noexcept {
    Request r;
    r.kind = kind;
    r.agent = agent;
    r.call = call;
    r.queue = queue;
    return r;
  }
};

// Decisions and events out of the engine, in order, each time-stamped.
struct Output {
  enum Kind : std::uint8_t {
    kOfferCall,        // ring `agent` with `call`
    kCancelOffer,      // stop ringing `agent` (ring-all loser, timeout)
    kPlaceCallback,    // virtual hold: `agent` is reserved; dial text for `call`
    kCallQueued,
    kCallConnected,
    kCallOverflowed,   // from `from_queue` to `queue`
    kCallAbandoned,
    kCallEnded,        // text "transfer": the agent's part ended, the call goes on
    kAgentState,       // `agent` entered `state` (text: reason)
    kRequestRejected,  // a request that made no sense in the current state (text: why)
    kCallPosition,     // answers kPositionQuery: `position` (0: not waiting,
                       // e.g. ringing or unknown) and `wait_seconds` in `queue`
  };
  Kind kind = kCallQueued;
  Nanos time{0};
  CallId call = 0;
  AgentIndex agent = 0;
  std::int32_t queue = -1;
  std::int32_t from_queue = -1;
  AgentState state = AgentState::kLoggedOut;
  std::uint32_t position = 0;      // kCallPosition
  double wait_seconds = 0;         // kCallPosition: estimated wait
  char text[32] = {};
};

struct CallPosition {
  std::size_t position = 0;        // 1 = next
  double estimated_wait_seconds = 0;
};

class Engine {
 public:
  using Sink = std::function<void(const Output&)>;

  // Errors from the constructor are impossible: the model is validated by
  // its builder (acd/config.cpp). `seed` drives the random strategy.
  Engine(AcdModel model, const Clock& clock, Sink sink, std::uint64_t seed = 1);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  void handle(const Request& r);
  // Fires every timer due at clock.now().
  void advance();
  // The earliest pending timer (Nanos::max() when none).
  Nanos next_deadline() const;

  // Replaces queues, agents and skills. Agents keep their state (matched by
  // id; new ones start logged out, removed ones are logged out); waiting
  // calls keep their place (matched by queue name; a call whose queue is
  // gone overflows to its old overflow target if it survives, else it is
  // ended with kCallAbandoned, text "queue-removed").
  Status reload(AcdModel model);

  const AcdModel& model() const noexcept;
  AgentState agent_state(AgentIndex a) const;
  // The reason code of the current state ("lunch", "no-answer", "" when none).
  const char* agent_reason(AgentIndex a) const;
  std::size_t waiting(int queue) const;
  std::optional<CallPosition> position(CallId call) const;
  const QueueStats& queue_stats(int queue) const;
  const AgentStats& agent_stats(AgentIndex a) const;
  // Closed 15-minute statistics intervals (a timer closes them on the
  // wall clock at :00, :15, :30 and :45), oldest first; the last
  // kRetainedIntervals are kept.
  static constexpr std::size_t kRetainedIntervals = 4;
  const std::vector<IntervalStats>& intervals() const noexcept;
  std::size_t agents_in_state(int queue, AgentState s) const;
  double longest_wait_seconds(int queue) const;
  std::size_t live_calls() const noexcept;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace sb::acd
