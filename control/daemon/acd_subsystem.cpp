#include "control/daemon/acd_subsystem.hpp"

#include <chrono>

#include "control/api/json_validation.hpp"
#include "control/api/request_bodies.hpp"
#include "control/daemon/acd_section.hpp"
#include "control/metrics/metric_catalogue.hpp"

namespace sb::daemon {

namespace {

using api::HttpRequest;
using api::HttpResponse;
using api::Method;

// Metric label values for agent states (docs/metrics.md).
const char* metric_state(acd::AgentState s) {
  switch (s) {
    case acd::AgentState::kReady: return "ready";
    case acd::AgentState::kNotReady: return "not_ready";
    case acd::AgentState::kReserved: return "reserved";
    case acd::AgentState::kOnCall: return "on_call";
    case acd::AgentState::kAfterCallWork: return "wrap_up";
    case acd::AgentState::kLoggedOut: return "logged_out";
  }
  return "unknown";
}

nlohmann::json counters_json(const acd::QueueCounters& c) {
  return {{"offered", c.offered},
          {"answered", c.answered},
          {"answered_within_threshold", c.answered_in_sl},
          {"abandoned", c.abandoned},
          {"abandoned_short", c.abandoned_short},
          {"overflowed_in", c.overflowed_in},
          {"overflowed_out", c.overflowed_out},
          {"handled", c.handled},
          {"service_level", c.service_level()},
          {"asa_seconds", c.asa_seconds()},
          {"aht_seconds", c.aht_seconds()},
          {"abandon_rate", c.abandon_rate()}};
}

nlohmann::json queue_json(const acd::QueueSnapshot& q, const acd::QueueConfig* cfg) {
  nlohmann::json agents = nlohmann::json::object();
  for (std::size_t s = 0; s < acd::kAgentStateCount; ++s)
    agents[acd::agent_state_name(static_cast<acd::AgentState>(s))] = q.agents[s];
  nlohmann::json j = {{"name", q.name},
                      {"waiting", q.waiting},
                      {"longest_wait_seconds", q.longest_wait_seconds},
                      {"agents", agents},
                      {"total", counters_json(q.stats.total)},
                      {"interval", counters_json(q.stats.interval)}};
  if (cfg) {
    j["strategy"] = acd::strategy_name(cfg->strategy);
    j["service_level_seconds"] = cfg->service_level_seconds;
    j["service_level_target"] = cfg->service_level_target;
  }
  return j;
}

nlohmann::json agent_json(const acd::AgentSnapshot& a) {
  const auto& t = a.stats.total;
  return {{"id", a.id},
          {"name", a.name},
          {"state", acd::agent_state_name(a.state)},
          {"reason", a.reason},
          {"calls_handled", t.calls},
          {"offers", t.offers},
          {"missed", t.missed},
          {"talk_seconds", t.talk_seconds},
          {"occupancy", t.occupancy()}};
}

const char* request_name(acd::Request::Kind k) {
  switch (k) {
    case acd::Request::kLogin: return "login";
    case acd::Request::kLogout: return "logout";
    case acd::Request::kReady: return "ready";
    case acd::Request::kNotReady: return "not-ready";
    case acd::Request::kEndWrapUp: return "end-wrap-up";
    default: return "other";
  }
}

HttpResponse not_running() { return api::error_response(503, "unavailable", "the ACD engine is not running"); }

}  // namespace

// Queue and agent figures from the published snapshot, at scrape time.
class AcdSubsystem::Collector final : public metrics::Collector {
 public:
  Collector(const acd::Shard& shard, const config::ConfigStore& store) : shard_(shard), store_(store) {}

  std::vector<const metrics::MetricSpec*> describe() const override {
    using namespace metrics::catalogue;
    return {&acd_waiting,   &acd_longest_wait,    &acd_offered,    &acd_answered,      &acd_answered_in_sl,
            &acd_abandoned, &acd_abandoned_short, &acd_overflowed, &acd_service_level, &acd_service_level_target,
            &acd_agents,    &acd_queue_agents_ready};
  }

  void collect(std::vector<metrics::FamilySnapshot>& out) const override {
    auto snap = shard_.snapshot();
    const auto cfg = store_.config();
    const auto* section = cfg->section<AcdSection>("acd");
    for (const metrics::MetricSpec* spec : describe()) {
      metrics::FamilySnapshot f;
      f.spec = spec;
      f.label_names = metrics::label_names_of(*spec);
      for (const auto& tenant : snap->tenants) {
        if (spec == &metrics::catalogue::acd_agents) {
          std::array<double, acd::kAgentStateCount> by_state{};
          for (const auto& a : tenant.agents) ++by_state[static_cast<std::size_t>(a.state)];
          for (std::size_t s = 0; s < by_state.size(); ++s) {
            if (static_cast<acd::AgentState>(s) == acd::AgentState::kLoggedOut) continue;
            f.samples.push_back({{metric_state(static_cast<acd::AgentState>(s))}, by_state[s]});
          }
          continue;
        }
        for (const auto& q : tenant.queues) {
          const auto& t = q.stats.total;
          double v = 0;
          if (spec == &metrics::catalogue::acd_waiting) v = static_cast<double>(q.waiting);
          else if (spec == &metrics::catalogue::acd_longest_wait) v = q.longest_wait_seconds;
          else if (spec == &metrics::catalogue::acd_offered) v = static_cast<double>(t.offered);
          else if (spec == &metrics::catalogue::acd_answered) v = static_cast<double>(t.answered);
          else if (spec == &metrics::catalogue::acd_answered_in_sl) v = static_cast<double>(t.answered_in_sl);
          else if (spec == &metrics::catalogue::acd_abandoned) v = static_cast<double>(t.abandoned);
          else if (spec == &metrics::catalogue::acd_abandoned_short) v = static_cast<double>(t.abandoned_short);
          else if (spec == &metrics::catalogue::acd_overflowed) v = static_cast<double>(t.overflowed_out);
          else if (spec == &metrics::catalogue::acd_service_level) v = q.stats.interval.service_level();
          else if (spec == &metrics::catalogue::acd_service_level_target) {
            const int idx = section ? section->model.find_queue(q.name) : -1;
            if (idx < 0) continue;
            v = section->model.queues[static_cast<std::size_t>(idx)].service_level_target;
          }
          else if (spec == &metrics::catalogue::acd_queue_agents_ready)
            v = q.agents[static_cast<std::size_t>(acd::AgentState::kReady)];
          f.samples.push_back({{q.name}, v});
        }
      }
      out.push_back(std::move(f));
    }
  }

 private:
  const acd::Shard& shard_;
  const config::ConfigStore& store_;
};

AcdSubsystem::AcdSubsystem(DaemonContext& context) : ctx_(context) {}

AcdSubsystem::~AcdSubsystem() { stop(); }

void AcdSubsystem::set_directory(const acd::AcdModel& model) {
  auto d = std::make_unique<Directory>();
  for (std::size_t a = 0; a < model.agents.size(); ++a) {
    d->agents.emplace(model.agents[a].id, static_cast<acd::AgentIndex>(a));
    d->agent_ids.push_back(model.agents[a].id);
  }
  for (std::size_t q = 0; q < model.queues.size(); ++q) {
    d->queues.emplace(model.queues[q].name, static_cast<int>(q));
    d->queue_names.push_back(model.queues[q].name);
  }
  directory_.publish(std::move(d));
}

Status AcdSubsystem::start(std::shared_ptr<const config::DaemonConfig> config) {
  const auto* section = config->section<AcdSection>("acd");
  if (!section) return internal_error("no [acd] section parser in this build");
  config_ = config;
  set_directory(section->model);
  std::vector<acd::Tenant> tenants;
  tenants.push_back({"default", section->model});
  service_ = std::make_unique<acd::AcdService>(std::move(tenants), *ctx_.clock, 1);
  stop_.store(false, std::memory_order_relaxed);
  consumer_ = std::thread([this] { consume_outputs(); });
  collector_ = std::make_shared<Collector>(service_->shard(0), *ctx_.config);
  if (ctx_.metrics) SB_RETURN_IF_ERROR(ctx_.metrics->add_collector("acd", collector_));
  return Status::ok();
}

void AcdSubsystem::apply_reload(std::shared_ptr<const config::DaemonConfig> next) {
  const auto* section = next->section<AcdSection>("acd");
  if (!service_ || !section) return;
  // Waits for the engine thread to apply it between two requests; the
  // loader validated the model, so a refusal here would be a bug worth
  // seeing on the event stream.
  Status s = service_->shard(0).reload(0, section->model);
  if (!s.is_ok()) {
    if (ctx_.events) ctx_.events->publish("system.config_reload_failed", {{"source", "acd"}, {"errors", {s.message()}}});
    return;
  }
  config_ = next;
  set_directory(section->model);
}

std::uint64_t AcdSubsystem::live_work() const {
  if (!service_) return 0;
  auto snap = service_->shard(0).snapshot();
  std::uint64_t live = 0;
  for (const auto& t : snap->tenants) live += t.live_calls;
  return live;
}

void AcdSubsystem::stop() {
  if (!service_) return;
  stop_.store(true, std::memory_order_relaxed);
  if (consumer_.joinable()) consumer_.join();
  if (ctx_.metrics) ctx_.metrics->remove_collector("acd").ignore_error();
  collector_.reset();
  service_.reset();
}

std::vector<std::string> AcdSubsystem::banner() const {
  const auto* section = config_ ? config_->section<AcdSection>("acd") : nullptr;
  if (!section) return {};
  return {"acd        " + std::to_string(section->model.queues.size()) + " queues, " +
          std::to_string(section->model.agents.size()) + " agents, " + std::to_string(section->model.skills.size()) +
          " skills; engine thread running"};
}

void AcdSubsystem::publish_event(const acd::Output& o, const Directory& names) {
  if (!ctx_.events) return;
  auto agent_id = [&](acd::AgentIndex a) { return a < names.agent_ids.size() ? names.agent_ids[a] : std::string(); };
  auto queue_name = [&](int q) {
    return q >= 0 && static_cast<std::size_t>(q) < names.queue_names.size() ? names.queue_names[static_cast<std::size_t>(q)]
                                                                             : std::string();
  };
  using K = acd::Output::Kind;
  switch (o.kind) {
    case K::kAgentState: {
      nlohmann::json d = {{"agent", agent_id(o.agent)}, {"state", acd::agent_state_name(o.state)}, {"reason", o.text}};
      if (o.call) d["call_id"] = o.call;
      ctx_.events->publish("agent.state", std::move(d));
      return;
    }
    case K::kRequestRejected:
      ctx_.events->publish("agent.request_rejected", {{"agent", agent_id(o.agent)}, {"call_id", o.call}, {"reason", o.text}});
      return;
    case K::kCallQueued:
      ctx_.events->publish("call.state", {{"call_id", o.call}, {"state", "queued"}, {"queue", queue_name(o.queue)}});
      return;
    case K::kCallOverflowed:
      ctx_.events->publish("call.state", {{"call_id", o.call},
                                          {"state", "queued"},
                                          {"queue", queue_name(o.queue)},
                                          {"from_queue", queue_name(o.from_queue)},
                                          {"reason", o.text}});
      return;
    case K::kOfferCall:
    case K::kPlaceCallback:
      ctx_.events->publish("call.state", {{"call_id", o.call},
                                          {"state", o.kind == K::kPlaceCallback ? "callback" : "ringing"},
                                          {"agent", agent_id(o.agent)},
                                          {"queue", queue_name(o.queue)}});
      return;
    case K::kCancelOffer:
      ctx_.events->publish("call.state", {{"call_id", o.call}, {"state", "ring_cancelled"}, {"agent", agent_id(o.agent)}, {"reason", o.text}});
      return;
    case K::kCallConnected:
      ctx_.events->publish("call.state", {{"call_id", o.call}, {"state", "talking"}, {"agent", agent_id(o.agent)}});
      return;
    case K::kCallAbandoned:
      ctx_.events->publish("call.ended", {{"call_id", o.call}, {"reason", o.text[0] ? o.text : "abandoned"}});
      return;
    case K::kCallEnded:
      // A transfer ends the agent's part only; call control publishes
      // call.transferred and the call's next state.
      if (std::string_view(o.text) == "transfer") return;
      ctx_.events->publish("call.ended", {{"call_id", o.call}, {"reason", "hangup"}});
      return;
  }
}

void AcdSubsystem::consume_outputs() {
  std::array<acd::TenantOutput, 256> batch;
  acd::Shard& shard = service_->shard(0);
  // Relaxed: the flag only asks the loop to end; join() orders the rest.
  while (!stop_.load(std::memory_order_relaxed)) {
    const std::size_t n = shard.poll(batch);
    if (n == 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
      continue;
    }
    auto names = directory_.read();
    for (std::size_t i = 0; i < n; ++i) {
      const acd::Output& o = batch[i].output;
      if (call_sink_ && o.call != 0) call_sink_(o);
      publish_event(o, *names);
    }
  }
}

bool AcdSubsystem::submit(const acd::Request& r) { return service_ && service_->submit(0, r); }

std::optional<int> AcdSubsystem::queue_index(std::string_view name) const {
  auto d = directory_.read();
  const auto it = d->queues.find(std::string(name));
  if (it == d->queues.end()) return std::nullopt;
  return it->second;
}

std::string AcdSubsystem::queue_name(int index) const {
  auto d = directory_.read();
  return index >= 0 && static_cast<std::size_t>(index) < d->queue_names.size() ? d->queue_names[static_cast<std::size_t>(index)]
                                                                               : std::string();
}

std::optional<acd::AgentIndex> AcdSubsystem::agent_index(std::string_view id) const {
  auto d = directory_.read();
  const auto it = d->agents.find(std::string(id));
  if (it == d->agents.end()) return std::nullopt;
  return it->second;
}

std::optional<acd::AgentState> AcdSubsystem::agent_state(std::string_view id) const {
  if (!service_) return std::nullopt;
  auto snap = service_->shard(0).snapshot();
  if (snap->tenants.empty()) return std::nullopt;
  for (const auto& a : snap->tenants.front().agents)
    if (a.id == id) return a.state;
  return std::nullopt;
}

std::string AcdSubsystem::agent_id(acd::AgentIndex index) const {
  auto d = directory_.read();
  return index < d->agent_ids.size() ? d->agent_ids[index] : std::string();
}

HttpResponse AcdSubsystem::agent_action(const std::string& id, acd::Request::Kind kind, const char* reason) {
  if (!service_) return not_running();
  auto dir = directory_.read();
  const auto it = dir->agents.find(id);
  if (it == dir->agents.end())
    return api::error_response(404, "not_found", "no agent with id \"" + id + "\"", {{"id", "no such agent"}});
  acd::Request r = acd::Request::make(kind, it->second);
  if (reason) {
    std::size_t i = 0;
    for (; reason[i] && i < sizeof r.text - 1; ++i) r.text[i] = reason[i];
    r.text[i] = 0;
  }
  if (!service_->submit(0, r))
    return api::error_response(503, "busy", "the ACD's request queue is full; retry");
  return HttpResponse::json(202, {{"agent", id}, {"request", request_name(kind)}, {"accepted", true}});
}

Status AcdSubsystem::register_routes(api::Router& router) {
  SB_RETURN_IF_ERROR(router.add(Method::kGet, "/api/v1/agents", api::sync([this](const HttpRequest&) {
    if (!service_) return not_running();
    auto snap = service_->shard(0).snapshot();
    nlohmann::json agents = nlohmann::json::array();
    for (const auto& a : snap->tenants.at(0).agents) agents.push_back(agent_json(a));
    return HttpResponse::json(200, {{"agents", agents}});
  })));
  SB_RETURN_IF_ERROR(router.add(Method::kGet, "/api/v1/agents/{id}", api::sync([this](const HttpRequest& req) {
    if (!service_) return not_running();
    auto snap = service_->shard(0).snapshot();
    for (const auto& a : snap->tenants.at(0).agents)
      if (a.id == req.param("id")) return HttpResponse::json(200, agent_json(a));
    return api::error_response(404, "not_found", "no agent with id \"" + req.param("id") + "\"", {{"id", "no such agent"}});
  })));
  struct Action {
    const char* path;
    acd::Request::Kind kind;
  };
  for (const Action& act : {Action{"login", acd::Request::kLogin}, Action{"ready", acd::Request::kReady},
                            Action{"end-wrap-up", acd::Request::kEndWrapUp}, Action{"logout", acd::Request::kLogout}}) {
    SB_RETURN_IF_ERROR(router.add(Method::kPost, std::string("/api/v1/agents/{id}/") + act.path,
                                  api::sync([this, kind = act.kind](const HttpRequest& req) {
                                    auto body = api::parse_empty_request(req);
                                    if (auto* error = std::get_if<HttpResponse>(&body)) return std::move(*error);
                                    return agent_action(req.param("id"), kind, nullptr);
                                  })));
  }
  SB_RETURN_IF_ERROR(router.add(Method::kPost, "/api/v1/agents/{id}/not-ready", api::sync([this](const HttpRequest& req) {
    auto body = api::parse_not_ready_request(req);
    if (auto* error = std::get_if<HttpResponse>(&body)) return std::move(*error);
    return agent_action(req.param("id"), acd::Request::kNotReady, std::get<api::NotReadyRequest>(body).reason.c_str());
  })));
  SB_RETURN_IF_ERROR(router.add(Method::kGet, "/api/v1/queues", api::sync([this](const HttpRequest&) {
    if (!service_) return not_running();
    auto snap = service_->shard(0).snapshot();
    const auto cfg = ctx_.config->config();
    const auto* section = cfg->section<AcdSection>("acd");
    nlohmann::json queues = nlohmann::json::array();
    for (const auto& q : snap->tenants.at(0).queues) {
      const int idx = section ? section->model.find_queue(q.name) : -1;
      queues.push_back(queue_json(q, idx >= 0 ? &section->model.queues[static_cast<std::size_t>(idx)] : nullptr));
    }
    return HttpResponse::json(200, {{"queues", queues}});
  })));
  return router.add(Method::kGet, "/api/v1/queues/{name}", api::sync([this](const HttpRequest& req) {
    if (!service_) return not_running();
    auto snap = service_->shard(0).snapshot();
    const auto cfg = ctx_.config->config();
    const auto* section = cfg->section<AcdSection>("acd");
    for (const auto& q : snap->tenants.at(0).queues) {
      if (q.name != req.param("name")) continue;
      const int idx = section ? section->model.find_queue(q.name) : -1;
      return HttpResponse::json(200, queue_json(q, idx >= 0 ? &section->model.queues[static_cast<std::size_t>(idx)] : nullptr));
    }
    return api::error_response(404, "not_found", "no queue named \"" + req.param("name") + "\"", {{"name", "no such queue"}});
  }));
}

}  // namespace sb::daemon
