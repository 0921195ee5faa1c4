// The ACD inside the daemon: starts the engine thread (acd/actor.hpp) on
// the [acd] section, serves the agents and queues endpoints, turns the
// engine's outputs into CTI events (agent.state, call.state, call.ended) on
// the event stream, and exposes queue and agent figures to /metrics.
//
// Agent actions (login, ready, not-ready, end-wrap-up, logout) are requests
// into the engine's lock-free inbox: the endpoint answers 202 once the
// request is queued, and the outcome arrives on the event stream
// (agent.state, or agent.request_rejected with the reason), which is what
// an agent desktop listens to anyway. Reads (GET agents, queues) and metric
// scrapes use the engine's published snapshot (at most 100 ms old) and
// never wait for the engine thread.
//
// Add it before the API subsystem: the daemon starts subsystems in order and
// stops them in reverse, so the engine exists whenever the API serves its
// routes. `service_` is written only by start() and stop().
//
// Calls reach the ACD from call control (control/calls): it submits call
// requests (enqueue, accept, hang-up ...) through submit() and receives the
// engine's decisions about calls (offers, connections, abandons) through the
// call sink, on the consumer thread, before they are published as events.
#pragma once

#include <atomic>
#include <functional>
#include <optional>
#include <memory>
#include <string>
#include <thread>
#include <unordered_map>

#include "acd/actor.hpp"
#include "common/published.hpp"
#include "control/daemon/daemon.hpp"

namespace sb::daemon {

class AcdSubsystem final : public Subsystem {
 public:
  explicit AcdSubsystem(DaemonContext& context);
  ~AcdSubsystem() override;

  std::string_view name() const override { return "acd"; }
  Status register_routes(api::Router& router) override;
  Status start(std::shared_ptr<const config::DaemonConfig> config) override;
  void apply_reload(std::shared_ptr<const config::DaemonConfig> next) override;
  std::uint64_t live_work() const override;
  void stop() override;
  std::vector<std::string> banner() const override;

  // Any thread: a request into the engine's lock-free inbox. False when the
  // engine is not running or its inbox is full.
  bool submit(const acd::Request& r);
  // Set before start(): receives every output that names a call.
  void set_call_sink(std::function<void(const acd::Output&)> sink) { call_sink_ = std::move(sink); }
  // Names <-> engine indexes of the model the engine runs now.
  std::optional<int> queue_index(std::string_view name) const;
  std::string queue_name(int index) const;
  std::optional<acd::AgentIndex> agent_index(std::string_view id) const;
  std::string agent_id(acd::AgentIndex index) const;
  // An agent's state in the latest published snapshot (at most one
  // snapshot interval old); nullopt for an unknown agent or no engine.
  std::optional<acd::AgentState> agent_state(std::string_view id) const;

  // Agent id -> the engine's index, for the model the engine runs now.
  // (and back, for events). Replaced after the engine applied a reload;
  // outputs the engine emitted just before a reload may be labelled with
  // the new model's names during that instant.
  struct Directory {
    std::unordered_map<std::string, acd::AgentIndex> agents;
    std::unordered_map<std::string, int> queues;
    std::vector<std::string> agent_ids;
    std::vector<std::string> queue_names;
  };

 private:
  class Collector;
  void consume_outputs();
  void publish_event(const acd::Output& o, const Directory& names);
  void set_directory(const acd::AcdModel& model);
  api::HttpResponse agent_action(const std::string& id, acd::Request::Kind kind, const char* reason);

  DaemonContext& ctx_;
  std::unique_ptr<acd::AcdService> service_;
  Published<Directory> directory_{std::make_unique<Directory>()};
  std::shared_ptr<const config::DaemonConfig> config_;  // control thread only (banner)
  std::thread consumer_;
  std::atomic<bool> stop_{false};
  std::shared_ptr<Collector> collector_;
  std::function<void(const acd::Output&)> call_sink_;
};

}  // namespace sb::daemon
