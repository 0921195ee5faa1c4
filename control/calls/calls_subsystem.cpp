#include "control/calls/calls_subsystem.hpp"

#include <thread>

#include "codecs/registry.hpp"
#include "common/log.hpp"
#include "control/api/call_requests.hpp"
#include "control/metrics/metric_catalogue.hpp"

namespace sb::calls {

namespace {

using api::HttpRequest;
using api::HttpResponse;
using api::Method;

// A call id in a path: decimal like the media API's ids, and at most 18
// digits (the call API's limit).
std::optional<CallId> parse_call_id(const std::string& text) {
  if (text.size() > 18) return std::nullopt;
  return daemon::parse_media_id(text);
}

// The answer to a path whose {id} is not a call id.
HttpResponse no_call(const std::string& text) {
  return api::error_response(404, "not_found", "no call \"" + text + "\"");
}

// Calls by state, started and ended, read from call control's relaxed
// atomics at scrape time.
class CallsCollector final : public metrics::Collector {
 public:
  explicit CallsCollector(const CallControl& control) : control_(control) {}
  std::vector<const metrics::MetricSpec*> describe() const override {
    using namespace metrics::catalogue;
    return {&calls_active,          &calls_started,         &calls_ended,
            &calls_supervised,      &call_supervisions,     &call_announcements,
            &call_callbacks_requested, &call_callbacks_placed, &call_callbacks_answered,
            &call_callbacks_failed, &call_transfers,        &call_transfer_dials_failed,
            &call_holds};
  }
  void collect(std::vector<metrics::FamilySnapshot>& out) const override {
    using namespace metrics::catalogue;
    const CallCounters& c = control_.counters();
    auto family = [&](const metrics::MetricSpec& spec) -> metrics::FamilySnapshot& { return metrics::add_family(out, spec); };
    auto& active = family(calls_active);
    for (std::size_t s = 0; s < kCallStateCount; ++s) {
      if (static_cast<CallState>(s) == CallState::kEnded) continue;
      active.samples.push_back({{std::string(call_state_name(static_cast<CallState>(s)))},
                                static_cast<double>(c.by_state[s].load(std::memory_order_relaxed))});
    }
    family(calls_started).samples.push_back({{"inbound"}, static_cast<double>(c.started.load(std::memory_order_relaxed))});
    auto& ended = family(calls_ended);
    ended.samples.push_back({{"completed"}, static_cast<double>(c.completed.load(std::memory_order_relaxed))});
    ended.samples.push_back({{"abandoned"}, static_cast<double>(c.abandoned.load(std::memory_order_relaxed))});
    ended.samples.push_back({{"failed"}, static_cast<double>(c.failed.load(std::memory_order_relaxed))});
    ended.samples.push_back({{"rejected"}, static_cast<double>(c.rejected.load(std::memory_order_relaxed))});
    family(calls_supervised).samples.push_back({{}, static_cast<double>(control_.supervised_calls())});
    family(call_supervisions).samples.push_back({{}, static_cast<double>(control_.supervisions_started())});
    auto count = [&](const metrics::MetricSpec& spec, const std::atomic<std::uint64_t>& n) {
      family(spec).samples.push_back({{}, static_cast<double>(n.load(std::memory_order_relaxed))});
    };
    count(call_announcements, c.announcements);
    count(call_callbacks_requested, c.callbacks_requested);
    count(call_callbacks_placed, c.callbacks_placed);
    count(call_callbacks_answered, c.callbacks_answered);
    count(call_callbacks_failed, c.callbacks_failed);
    auto& transfers = family(call_transfers);
    for (std::size_t k = 0; k < kTransferKindCount; ++k)
      transfers.samples.push_back({{std::string(transfer_kind_name(static_cast<TransferTarget::Kind>(k)))},
                                   static_cast<double>(c.transfers[k].load(std::memory_order_relaxed))});
    count(call_transfer_dials_failed, c.transfer_dials_failed);
    count(call_holds, c.holds);
  }

 private:
  const CallControl& control_;
};

media::SupervisorMode supervisor_mode(const std::string& name) {
  if (name == "whisper") return media::SupervisorMode::kWhisper;
  if (name == "barge") return media::SupervisorMode::kBarge;
  return media::SupervisorMode::kListen;
}

using OnMediaThread = std::function<void(api::Responder, std::function<HttpResponse(dataplane::MediaSessions&)>)>;

// POST .../supervise (a supervisor joins, or with "mode" alone a mode
// change), PUT .../supervise (mode change), DELETE .../supervise.
Status register_supervisor_routes(api::Router& router, CallControl& control, daemon::DataplaneSubsystem& dataplane,
                                  const OnMediaThread& on_media_thread) {
  auto change_mode = [&control, on_media_thread](CallId id, const std::string& mode, api::Responder respond) {
    on_media_thread(std::move(respond), [&control, id, mode](dataplane::MediaSessions& ms) {
      const Status s = control.set_supervisor_mode(id, supervisor_mode(mode), ms);
      if (!s.is_ok()) return api::status_error_response(s);
      return HttpResponse::json(200, *control.show(id));
    });
  };
  SB_RETURN_IF_ERROR(router.add(Method::kPost, "/api/v1/calls/{id}/supervise", [&control, &dataplane, change_mode](const HttpRequest& req,
                                                                                                      api::Responder respond) {
    auto body = api::parse_supervise_request(req, /*mode_only=*/false);
    if (auto* error = std::get_if<HttpResponse>(&body)) return respond(std::move(*error));
    const auto id = parse_call_id(req.param("id"));
    if (!id) return respond(no_call(req.param("id")));
    const auto b = std::get<api::SuperviseBody>(body);
    if (!b.join) return change_mode(*id, b.mode, std::move(respond));
    // Answered once the worker has opened the supervisor's port (or refused).
    auto responder = std::make_shared<api::Responder>(std::move(respond));
    const bool posted = dataplane.post([&control, id, b, responder](dataplane::MediaSessions& ms) {
      CallControl::SupervisorJoin join;
      join.supervisor = b.supervisor;
      join.mode = supervisor_mode(b.mode);
      join.media = {b.media.ip, b.media.port};
      // The parser admits only the registry's names.
      const codecs::CodecDescriptor* codec = codecs::find_codec(b.codec);
      join.codec = codec ? codec->id : codecs::CodecId::kPcmu;
      join.payload_type = b.payload_type;
      join.codec_name = b.codec;
      const Status s = control.supervise(*id, join, ms, [responder](Result<nlohmann::json> ready) {
        (*responder)(ready ? HttpResponse::json(201, *ready) : api::status_error_response(ready.status()));
      });
      if (!s.is_ok()) (*responder)(api::status_error_response(s));
    });
    if (!posted) (*responder)(api::error_response(503, "unavailable", "call control is not running or is busy; retry"));
  }));
  SB_RETURN_IF_ERROR(router.add(Method::kPut, "/api/v1/calls/{id}/supervise", [change_mode](const HttpRequest& req,
                                                                                               api::Responder respond) {
    auto body = api::parse_supervise_request(req, /*mode_only=*/true);
    if (auto* error = std::get_if<HttpResponse>(&body)) return respond(std::move(*error));
    const auto id = parse_call_id(req.param("id"));
    if (!id) return respond(no_call(req.param("id")));
    change_mode(*id, std::get<api::SuperviseBody>(body).mode, std::move(respond));
  }));
  return router.add(Method::kDelete, "/api/v1/calls/{id}/supervise", [&control, on_media_thread](const HttpRequest& req,
                                                                                             api::Responder respond) {
    const auto id = parse_call_id(req.param("id"));
    if (!id) return respond(no_call(req.param("id")));
    on_media_thread(std::move(respond), [&control, id](dataplane::MediaSessions& ms) {
      const Status s = control.end_supervision(*id, ms);
      if (!s.is_ok()) return api::status_error_response(s);
      return HttpResponse::json(200, *control.show(*id));
    });
  });
}

}  // namespace

CallsSubsystem::CallsSubsystem(daemon::DaemonContext& context, daemon::DataplaneSubsystem& dataplane,
                               daemon::AcdSubsystem& acd)
    : ctx_(context), dataplane_(dataplane), acd_(acd), control_(*context.config, acd, context.events, *context.clock) {
  dataplane_.set_controller(&control_);
  acd_.set_call_sink([this](const acd::Output& o) {
    // The engine never drops an output, and neither may this hand-off: the
    // ACD consumer thread waits for room in the media thread's queue
    // (backpressure on the engine's output ring, which holds a backlog).
    while (!dataplane_.post([this, o](dataplane::MediaSessions& ms) { control_.on_acd_output(o, ms); })) {
      if (stopping_.load(std::memory_order_relaxed)) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  });
}

CallsSubsystem::~CallsSubsystem() { stop(); }

Status CallsSubsystem::start(std::shared_ptr<const config::DaemonConfig>) {
  stopping_.store(false, std::memory_order_relaxed);
  collector_ = std::make_shared<CallsCollector>(control_);
  if (ctx_.metrics) SB_RETURN_IF_ERROR(ctx_.metrics->add_collector("calls", collector_));
  return Status::ok();
}

void CallsSubsystem::stop_accepting() {
  // Calls are refused once this runs (meanwhile a POST still meets the
  // drain flag of the daemon's /healthz). Callers waiting for a callback
  // are ended here rather than waited for: nothing would call them back
  // before the drain timeout, and nothing keeps them across the restart,
  // so the log names their numbers for ops. Retried for a moment when the
  // media thread's queue is full, since the drain counts those calls as
  // live work until they are ended.
  auto sweep = [this](dataplane::MediaSessions& ms) {
    control_.set_accepting(false);
    const auto numbers = control_.end_waiting_callbacks(ms);
    if (numbers.empty()) return;
    std::string list;
    for (const auto& n : numbers) list += (list.empty() ? "" : ", ") + n;
    spdlog::warn("drain: {} caller(s) waiting for a callback were dropped (callbacks are not kept across a "
                 "restart); call them back: {}",
                 numbers.size(), list);
  };
  for (int attempt = 0; attempt < 1000 && !dataplane_.post(sweep); ++attempt)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

void CallsSubsystem::stop() {
  stopping_.store(true, std::memory_order_relaxed);
  if (ctx_.metrics && collector_) ctx_.metrics->remove_collector("calls").ignore_error();
  collector_.reset();
}

std::vector<std::string> CallsSubsystem::banner() const {
  return {"calls      call control: IVR -> queue -> agent -> recording (inbound calls through SIP or POST /api/v1/calls)"};
}

Status CallsSubsystem::register_routes(api::Router& router) {
  // Each handler validates on the API thread, then runs on the media
  // control thread, which owns the calls.
  auto on_media_thread = [this](api::Responder respond, std::function<HttpResponse(dataplane::MediaSessions&)> fn) {
    dataplane_.respond_on_media_thread(std::move(respond), std::move(fn), "call control");
  };
  SB_RETURN_IF_ERROR(router.add(Method::kPost, "/api/v1/calls", [this, on_media_thread](const HttpRequest& req,
                                                                                         api::Responder respond) {
    auto body = api::parse_new_call_request(req);
    if (auto* error = std::get_if<HttpResponse>(&body)) return respond(std::move(*error));
    const auto b = std::get<api::NewCallBody>(body);
    // Answered once the worker has opened the call's ports, so RTP the
    // caller sends after the 201 is never lost (nor the first digits).
    auto responder = std::make_shared<api::Responder>(std::move(respond));
    const bool posted = dataplane_.post([this, b, responder](dataplane::MediaSessions& ms) {
      InboundCall in;
      in.caller_media = {b.media.ip, b.media.port};
      in.caller_id = b.caller;
      in.menu = b.menu;
      auto r = control_.start_inbound(in, ms, [responder](Result<nlohmann::json> ready) {
        (*responder)(ready ? HttpResponse::json(201, *ready) : api::status_error_response(ready.status()));
      });
      if (!r) (*responder)(api::status_error_response(r.status()));
    });
    if (!posted) (*responder)(api::error_response(503, "unavailable", "call control is not running or is busy; retry"));
  }));
  SB_RETURN_IF_ERROR(router.add(Method::kGet, "/api/v1/calls", [this, on_media_thread](const HttpRequest&, api::Responder respond) {
    on_media_thread(std::move(respond), [this](dataplane::MediaSessions&) {
      return HttpResponse::json(200, {{"calls", control_.list()}});
    });
  }));
  SB_RETURN_IF_ERROR(router.add(Method::kGet, "/api/v1/calls/{id}", [this, on_media_thread](const HttpRequest& req,
                                                                                             api::Responder respond) {
    const auto id = parse_call_id(req.param("id"));
    const std::string text = req.param("id");
    on_media_thread(std::move(respond), [this, id, text](dataplane::MediaSessions&) {
      auto j = id ? control_.show(*id) : std::nullopt;
      if (!j) return api::error_response(404, "not_found", "no call \"" + text + "\"", {{"id", "no such call"}});
      return HttpResponse::json(200, *j);
    });
  }));
  SB_RETURN_IF_ERROR(router.add(Method::kPost, "/api/v1/calls/{id}/answer", [this, on_media_thread](const HttpRequest& req,
                                                                                                     api::Responder respond) {
    auto body = api::parse_answer_request(req);
    if (auto* error = std::get_if<HttpResponse>(&body)) return respond(std::move(*error));
    const auto id = parse_call_id(req.param("id"));
    if (!id) return respond(no_call(req.param("id")));
    const auto b = std::get<api::AnswerBody>(body);
    on_media_thread(std::move(respond), [this, id, b](dataplane::MediaSessions& ms) {
      const Status s = control_.answer(*id, b.agent, {b.media.ip, b.media.port}, ms);
      if (!s.is_ok()) return api::status_error_response(s);
      return HttpResponse::json(200, *control_.show(*id));
    });
  }));
  for (const bool on : {true, false}) {
    SB_RETURN_IF_ERROR(router.add(Method::kPost, on ? "/api/v1/calls/{id}/hold" : "/api/v1/calls/{id}/unhold",
                                  [this, on, on_media_thread](const HttpRequest& req, api::Responder respond) {
      auto body = api::parse_hold_request(req);
      if (auto* error = std::get_if<HttpResponse>(&body)) return respond(std::move(*error));
      const auto id = parse_call_id(req.param("id"));
      if (!id) return respond(no_call(req.param("id")));
      const auto b = std::get<api::HoldBody>(body);
      on_media_thread(std::move(respond), [this, id, b, on](dataplane::MediaSessions& ms) {
        const Status s = control_.hold(*id, on, b.by, ms);
        if (!s.is_ok()) return api::status_error_response(s);
        return HttpResponse::json(200, *control_.show(*id));
      });
    }));
  }
  SB_RETURN_IF_ERROR(router.add(Method::kPost, "/api/v1/calls/{id}/transfer", [this, on_media_thread](const HttpRequest& req,
                                                                                                       api::Responder respond) {
    auto body = api::parse_transfer_request(req);
    if (auto* error = std::get_if<HttpResponse>(&body)) return respond(std::move(*error));
    const auto id = parse_call_id(req.param("id"));
    if (!id) return respond(no_call(req.param("id")));
    const auto b = std::get<api::TransferBody>(body);
    on_media_thread(std::move(respond), [this, id, b](dataplane::MediaSessions& ms) {
      using To = api::TransferBody::To;
      const TransferTarget to{b.to == To::kNumber  ? TransferTarget::Kind::kNumber
                              : b.to == To::kAgent ? TransferTarget::Kind::kAgent
                                                   : TransferTarget::Kind::kQueue,
                              b.name};
      const Status s = control_.transfer(*id, to, b.by, ms);
      if (s.code() == StatusCode::kInvalidArgument)
        // The body named a queue or agent the ACD does not have.
        return api::error_response(422, "invalid_request", s.message(),
                                   {{std::string(transfer_kind_name(to.kind)), s.message()}});
      if (!s.is_ok()) return api::status_error_response(s);
      return HttpResponse::json(200, *control_.show(*id));
    });
  }));
  SB_RETURN_IF_ERROR(register_supervisor_routes(router, control_, dataplane_, on_media_thread));
  return router.add(Method::kPost, "/api/v1/calls/{id}/hangup", [this, on_media_thread](const HttpRequest& req,
                                                                                         api::Responder respond) {
    auto body = api::parse_hangup_request(req);
    if (auto* error = std::get_if<HttpResponse>(&body)) return respond(std::move(*error));
    const auto id = parse_call_id(req.param("id"));
    if (!id) return respond(no_call(req.param("id")));
    const auto b = std::get<api::HangupBody>(body);
    on_media_thread(std::move(respond), [this, id, b](dataplane::MediaSessions& ms) {
      const Status s = control_.hangup(*id, b.by, ms);
      if (!s.is_ok()) return api::status_error_response(s);
      return HttpResponse::json(200, *control_.show(*id));
    });
  });
}

}  // namespace sb::calls
