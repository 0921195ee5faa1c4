// Blind transfers to a number: a talking call's agent (or the IVR's
// transfer node) sends the caller to a party outside the contact centre.
//
//   talking (agent) -> transferring (agent leg released, ringback to the
//   caller, the number dialled on the agent-side leg) -> talking (caller
//   <-> dialled party, no agent, not recorded) -> ended "completed"
//                   \-> dial failed or unanswered: queued again in the
//                       call's queue (music), or ended "failed" without one
//
// The ACD's part ends when the transfer starts (kHangup with text
// "transfer": the agent's handle time is counted and it goes to wrap-up),
// so after it the ACD does not know the call and call control reports its
// end. The contact centre's recording stops with the agent's part, as a
// carrier-style transfer out does: what the caller and the outside party
// say is not the contact centre's conversation. A failed dial puts the
// caller back in line rather than dropping it: the customer called the
// contact centre and is still owed an answer.
#include "control/calls/call_control.hpp"
#include "control/calls/call_record.hpp"

#include "control/api/call_requests.hpp"

namespace sb::calls {

using dataplane::MediaSessions;

std::string_view transfer_kind_name(TransferTarget::Kind k) noexcept {
  switch (k) {
    case TransferTarget::Kind::kQueue: return "queue";
    case TransferTarget::Kind::kAgent: return "agent";
    case TransferTarget::Kind::kNumber: return "number";
  }
  return "unknown";
}

void CallControl::start_ringback(Call& c, MediaSessions& ms) {
  ms.stop_playback(c.session, 0).ignore_error();  // hold music, an IVR prompt
  // One whole cadence (2 s on, 4 s off), looped.
  if (!prompts_.contains("ringback") &&
      !prompts_.add_tone("ringback", ivr::ToneKind::kRingback, ivr::ToneRegion::kNorthAmerica, 6000).is_ok())
    return start_hold_music(c, ms);
  auto enc = prompts_.encoded("ringback", {c.codec});
  if (!enc) return start_hold_music(c, ms);
  const std::shared_ptr<const ivr::EncodedPrompt> list[] = {*enc};
  auto id = ms.play(c.session, 0, list, {.payload_type = c.payload_type, .loop = true, .barge_in = false});
  if (!id) note(c, "ringback_failed", {{"error", id.status().to_string()}});
}

void CallControl::dial_transfer(Call& c, const std::string& number, const std::string& by, MediaSessions& ms) {
  const bool from_agent = c.state == CallState::kTalking && !c.previous_agents.empty();
  const std::string from = from_agent ? c.previous_agents.back() : std::string();
  counters_.transfers[static_cast<std::size_t>(TransferTarget::Kind::kNumber)].fetch_add(1, std::memory_order_relaxed);
  c.transfer_number = number;
  c.transfer_failure.clear();
  c.transferred_out = false;
  c.transfer_agent.clear();
  nlohmann::json what = {{"by", by}, {"number", number}};
  if (from_agent) what["from_agent"] = from;
  note(c, "transferred", what);
  if (events_) {
    what["call_id"] = c.id;
    events_->publish("call.transferred", std::move(what));
  }
  set_state(c, CallState::kTransferring);
  start_ringback(c, ms);
  c.transfer_timer = next_announcement_timer_++;
  const auto after = std::chrono::duration_cast<Nanos>(std::chrono::duration<double>(kTransferDialTimeoutSeconds));
  timers_.push({(clock_.now() + after).count(), c.id, c.transfer_timer, Timer::Kind::kTransferDial});
  OutboundCall out;
  out.call = c.id;
  out.number = number;
  out.caller_id = c.caller_id;  // the dialled party sees who is calling, not the contact centre
  out.local_media = {c.local_ip, c.agent_local_port};
  out.codec = c.codec;
  out.payload_type = c.payload_type;
  out.telephone_event_pt = c.telephone_event_pt;
  signalling_->place_outbound(out);
}

Status CallControl::transfer_answered(Call& c, dataplane::Endpoint remote_media, MediaSessions& ms) {
  if (!remote_media.valid()) return invalid_argument("the answered party's media address is missing");
  dataplane::LegRequest party;
  party.remote = remote_media;
  party.media_timeout_ms = kCallerMediaTimeoutMs;
  SB_RETURN_IF_ERROR(ms.update(c.session, 1, party));
  // A transfer made while on hold left the agent-side leg inactive.
  ms.set_mode(c.session, 1, dataplane::LegMode::kRelay).ignore_error();
  ms.stop_playback(c.session, 0).ignore_error();  // ringback
  c.transfer_timer = 0;
  c.transferred_out = true;
  c.agent_media = remote_media;
  note(c, "transfer_answered", {{"number", c.transfer_number}, {"media", dataplane::to_string(remote_media)}});
  set_state(c, CallState::kTalking);
  if (events_) {
    events_->publish("call.transfer_answered", {{"call_id", c.id}, {"number", c.transfer_number}});
    events_->publish("call.state", {{"call_id", c.id}, {"state", "talking"}, {"number", c.transfer_number}});
  }
  return Status::ok();
}

void CallControl::transfer_failed(Call& c, const std::string& why, MediaSessions& ms) {
  counters_.transfer_dials_failed.fetch_add(1, std::memory_order_relaxed);
  c.transfer_timer = 0;
  c.transfer_failure = why;
  note(c, "transfer_failed", {{"number", c.transfer_number}, {"reason", why}, {"queue", c.queue}});
  if (events_)
    events_->publish("call.transfer_failed",
                     {{"call_id", c.id}, {"number", c.transfer_number}, {"reason", why}, {"queue", c.queue}});
  // The agent-side leg is free again for the next agent.
  ms.update(c.session, 1, dataplane::LegRequest{}).ignore_error();
  if (c.queue.empty()) {
    c.ended_by = "system";
    return finish(c, "failed", ms);
  }
  ms.stop_playback(c.session, 0).ignore_error();  // ringback; the queue's music follows
  route_to_queue(c, c.queue, 0, ms, c.language);
}

}  // namespace sb::calls
