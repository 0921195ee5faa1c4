// Call control for supervisors: a supervisor joins a talking call on a
// media leg of its own and listens (hears caller and agent, heard by
// nobody), whispers (the agent hears it too, the caller does not) or barges
// in (everyone hears everyone). The dataplane mixes the call on its worker
// while supervised (MediaSessions::add_supervisor) and relays it again
// when the supervisor leaves. See CallControl::supervise.
//
// Lifetime: a supervisor stays until DELETE .../supervise, or until the
// call is put on hold, transferred or ends: each of those removes it
// (history "supervisor_left" and a call.supervisor event with the reason),
// because the party it listened to is no longer there (transfer), hears
// music (hold) or is gone. Its leg has no media timeout: a muted phone may
// legitimately send nothing.
#include <chrono>

#include "codecs/registry.hpp"
#include "control/calls/call_control.hpp"
#include "control/calls/call_record.hpp"

namespace sb::calls {

namespace {

using dataplane::Event;
using dataplane::MediaSessions;

const char* mode_name(media::SupervisorMode m) {
  switch (m) {
    case media::SupervisorMode::kListen:
      return "listen";
    case media::SupervisorMode::kWhisper:
      return "whisper";
    case media::SupervisorMode::kBarge:
      return "barge";
  }
  return "listen";
}

bool wideband(codecs::CodecId c) {
  return c == codecs::CodecId::kG722 || c == codecs::CodecId::kOpus;
}

}  // namespace

nlohmann::json CallControl::supervision_json(const Call& c) const {
  const Call::Supervision& s = *c.supervision;
  return {{"call_id", c.id},
          {"supervisor", s.supervisor},
          {"mode", mode_name(s.mode)},
          {"media", dataplane::to_string({c.local_ip, s.local_port})},
          {"supervisor_media", dataplane::to_string(s.media)},
          {"codec", s.codec},
          {"party", std::to_string(s.party)},
          {"ready", !s.ready},
          {"started_unix_ms", s.started_ms}};
}

Status CallControl::supervise(CallId id, const SupervisorJoin& join, MediaSessions& ms, SupervisorReady ready) {
  Call* c = find(id);
  if (!c || c->state == CallState::kEnded) return not_found("no live call " + std::to_string(id));
  if (c->state != CallState::kTalking || !c->agent)
    return failed_precondition("call " + std::to_string(id) + " is " + std::string(call_state_name(c->state)) +
                               ", not talking to an agent");
  if (c->held) return failed_precondition("call " + std::to_string(id) + " is on hold");
  if (c->supervision)
    return failed_precondition("call " + std::to_string(id) + " is already supervised by " +
                               c->supervision->supervisor);
  if (!join.media.valid()) return invalid_argument("the supervisor's media address is missing");

  dataplane::SupervisorRequest r;
  r.supervisor.leg.remote = join.media;
  r.supervisor.leg.clock_rate = static_cast<std::uint32_t>(codecs::codec(join.codec).rtp_clock_rate);
  r.supervisor.codec = {join.payload_type, join.codec, 0};
  // Both legs of a call talk the caller's codec (the dataplane relays them).
  r.call_legs[0] = {c->payload_type, c->codec, 0};
  r.call_legs[1] = {c->payload_type, c->codec, 0};
  r.mode = join.mode;
  // A wideband party keeps its band only in a 16 kHz mix.
  r.sample_rate = wideband(join.codec) || wideband(c->codec) ? 16000 : 8000;
  auto party = ms.add_supervisor(c->session, r);
  if (!party) return party.status();

  auto s = std::make_unique<Call::Supervision>();
  s->supervisor = join.supervisor;
  s->mode = join.mode;
  s->party = party->id;
  s->media = join.media;
  s->local_port = party->local_port;
  s->codec = join.codec_name;
  s->started_ms = std::chrono::duration_cast<std::chrono::milliseconds>(clock_.wall_now()).count();
  s->ready = std::move(ready);
  c->supervision = std::move(s);
  supervised_.fetch_add(1, std::memory_order_relaxed);
  return Status::ok();
}

Status CallControl::set_supervisor_mode(CallId id, media::SupervisorMode mode, MediaSessions& ms) {
  Call* c = find(id);
  if (!c || c->state == CallState::kEnded) return not_found("no live call " + std::to_string(id));
  if (!c->supervision) return failed_precondition("call " + std::to_string(id) + " has no supervisor");
  Call::Supervision& s = *c->supervision;
  if (s.mode == mode) return Status::ok();
  SB_RETURN_IF_ERROR(ms.set_supervisor_mode(c->session, mode));
  const char* from = mode_name(s.mode);
  s.mode = mode;
  note(*c, "supervisor_mode", {{"supervisor", s.supervisor}, {"mode", mode_name(mode)}, {"from", from}});
  if (events_)
    events_->publish("call.supervisor", {{"call_id", c->id},
                                         {"supervisor", s.supervisor},
                                         {"action", "mode"},
                                         {"mode", mode_name(mode)},
                                         {"from", from}});
  return Status::ok();
}

Status CallControl::end_supervision(CallId id, MediaSessions& ms) {
  Call* c = find(id);
  if (!c || c->state == CallState::kEnded) return not_found("no live call " + std::to_string(id));
  if (!c->supervision) return failed_precondition("call " + std::to_string(id) + " has no supervisor");
  SB_RETURN_IF_ERROR(ms.remove_supervisor(c->session));
  drop_supervisor(*c, "removed", ms);
  return Status::ok();
}

void CallControl::drop_supervisor(Call& c, const std::string& why, MediaSessions& ms) {
  if (!c.supervision) return;
  // Already gone from the dataplane when `why` is "removed" or the worker
  // refused it; otherwise this ends it (a second removal is a not-found).
  if (why != "removed" && why != "refused") ms.remove_supervisor(c.session).ignore_error();
  auto s = std::move(c.supervision);
  supervised_.fetch_sub(1, std::memory_order_relaxed);
  if (s->ready) {
    // Never confirmed: the API's POST still waits for its answer, and the
    // supervisor never joined, so nobody hears of it leaving.
    auto ready = std::move(s->ready);
    if (why == "refused") return ready(unavailable("the media worker refused the supervisor"));
    note(c, "supervisor_cancelled", {{"supervisor", s->supervisor}, {"reason", why}});
    return ready(failed_precondition("the supervision ended (" + why + ") before its media was ready"));
  }
  note(c, "supervisor_left", {{"supervisor", s->supervisor}, {"reason", why}});
  if (events_)
    events_->publish("call.supervisor",
                     {{"call_id", c.id}, {"supervisor", s->supervisor}, {"action", "left"}, {"reason", why}});
}

void CallControl::on_supervisor_event(const Event& e, MediaSessions& ms) {
  // A supervisor's party names its call's session as `owner`.
  const auto it = by_session_.find(e.owner);
  if (it == by_session_.end()) return;
  Call* c = find(it->second);
  if (!c || !c->supervision || c->supervision->party != e.session) return;
  Call::Supervision& s = *c->supervision;
  switch (e.kind) {
    case Event::kSessionCreated: {
      if (!s.ready) return;
      supervisions_.fetch_add(1, std::memory_order_relaxed);
      note(*c, "supervisor_joined",
           {{"supervisor", s.supervisor}, {"mode", mode_name(s.mode)}, {"media", dataplane::to_string(s.media)}});
      if (events_)
        events_->publish("call.supervisor", {{"call_id", c->id},
                                             {"supervisor", s.supervisor},
                                             {"action", "joined"},
                                             {"mode", mode_name(s.mode)},
                                             {"agent", c->agent_id}});
      auto ready = std::move(s.ready);
      s.ready = nullptr;
      ready(supervision_json(*c));
      return;
    }
    case Event::kCommandFailed:
      note(*c, "supervisor_failed", {{"supervisor", s.supervisor}, {"error", std::string(e.error)}});
      // MediaSessions released the party when it polled the failure (if it
      // was never confirmed); a failure after that leaves it as it is.
      if (s.ready) drop_supervisor(*c, "refused", ms);
      return;
    default:
      return;
  }
}

}  // namespace sb::calls
