// The CTI event stream's fan-out: producers on any thread publish events;
// every subscribed client (a WebSocket of /api/v1/events) receives those
// that pass its filter, in one global order, each with a sequence number
// and a timestamp.
//
//   EventHub hub(clock, {}, &metrics);
//   hub.start();
//   hub.publish("call.state", {{"call_id", id}, {"state", "queued"}});   // any thread, lock-free
//
// Publication is lock-free: the event is moved to the heap and its pointer
// pushed into an MpscQueue (common/queues.hpp: Boost.Lockfree, fixed node
// pool, bounded_push, so a full queue is a counted drop, never a block or
// a hidden allocation). The producer wakes the dispatcher through an
// eventfd only when no wake-up is pending (one syscall per burst). The
// event's heap block and its JSON data come from the allocator, so a
// producer is as lock-free as malloc; producers are control-plane threads
// (call control, the ACD's event ring reader), never a dataplane worker.
//
// One dispatcher thread pops events, numbers them (seq is the delivery
// order, the same for every client), serialises each once and hands every
// client its filtered batch. It also keeps the last `replay` events, so a
// client that reconnects with ?since=<seq> resumes without a gap.
//
// Slow clients are disconnected, not fed with gaps: each client may have
// at most `per_client_limit` events accepted but not yet written; past
// that the hub closes it (WebSocket code 1008, "slow consumer"). A CTI
// consumer (agent desktop, wallboard) rebuilds its state from the stream,
// so a silently lossy stream would leave it wrong without knowing; a
// disconnect is explicit, bounds the server's memory per client, and the
// client resumes with ?since= from where it was.
#pragma once

#include <nlohmann/json.hpp>

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.hpp"
#include "common/queues.hpp"
#include "common/status.hpp"
#include "control/api/api_metrics.hpp"

namespace sb::api {

using EventMessage = std::shared_ptr<const std::string>;  // one serialised event, shared by every client

// A client of the stream. The hub calls both from its dispatcher thread,
// with its subscription lock held: implementations hand the batch to their
// own thread and return at once, and never call back into the hub.
class EventSink {
 public:
  virtual ~EventSink() = default;
  virtual bool wants(std::string_view type) const = 0;
  virtual void deliver(std::vector<EventMessage> batch) = 0;
};

// RFC 3339 UTC with milliseconds: "2024-05-01T12:34:56.789Z".
std::string format_utc(Nanos since_epoch);

class EventHub {
 public:
  struct Options {
    // Events published but not yet dispatched. Boost.Lockfree's fixed node
    // pool indexes nodes with 16 bits, so at most 65534.
    std::size_t queue_capacity = 16384;
    std::size_t replay = 4096;           // events kept for ?since= resumption
  };

  EventHub(const Clock& clock, Options options, const ApiMetrics* metrics = nullptr);
  ~EventHub();
  EventHub(const EventHub&) = delete;
  EventHub& operator=(const EventHub&) = delete;

  Status start();
  // Dispatches what was published before the call, then stops the thread.
  void stop();
  // Waits (at most `limit`) until everything published before the call has
  // been handed to the subscribers; false on timeout. A shutdown calls it
  // so the last events reach clients before their connections close.
  bool flush(std::chrono::milliseconds limit);

  // Any thread, lock-free. False (and counted) when the queue is full or
  // the type is not a dotted lower-case name.
  bool publish(std::string_view type, nlohmann::json data);

  struct Subscription {
    std::uint64_t last_seq = 0;        // the newest event dispatched so far
    bool gap = false;                  // `since` is older than the replay buffer
    std::uint64_t oldest_replayable = 0;
  };
  // Events after `since` still in the replay buffer are delivered to the
  // sink first, then everything new: no event is lost or repeated between
  // the two. Without `since`, only new events.
  Subscription subscribe(std::shared_ptr<EventSink> sink, std::optional<std::uint64_t> since);
  void unsubscribe(const EventSink* sink);

  std::uint64_t last_seq() const;
  std::size_t subscriber_count() const;

 private:
  struct Pending {
    std::string type;
    nlohmann::json data;
    Nanos wall;
  };
  struct Stored {
    std::uint64_t seq;
    std::string type;
    EventMessage message;
  };

  void run();
  void dispatch(std::vector<Pending*>& batch);
  void wake() noexcept;

  const Clock& clock_;
  Options options_;
  const ApiMetrics* metrics_;
  MpscQueue<Pending*> queue_;
  int wake_fd_ = -1;
  // True while a wake-up is written but not yet consumed: producers skip
  // the syscall then. acq_rel on both sides; see wake() and run().
  std::atomic<bool> wake_pending_{false};
  std::atomic<bool> running_{false};
  std::thread thread_;
  // Counts for flush(): release on increment, acquire on read, so a flush
  // that sees `dispatched_` reach a value also sees those deliveries done.
  std::atomic<std::uint64_t> accepted_{0};
  std::atomic<std::uint64_t> dispatched_{0};

  mutable std::mutex mu_;  // dispatcher vs. subscribe/unsubscribe; producers never take it
  std::uint64_t last_seq_ = 0;
  std::deque<Stored> replay_;
  std::vector<std::shared_ptr<EventSink>> sinks_;
};

}  // namespace sb::api
