// Call control for talking calls: hold and unhold (the agent desktop's hold
// button), and transfer to a queue, to a named agent or to a number (the
// API's and the IVR's transfer; the dialling itself is in
// call_transfer_out.cpp). See CallControl::hold and CallControl::transfer.
#include "control/calls/call_control.hpp"
#include "control/calls/call_record.hpp"

#include "control/api/call_requests.hpp"

namespace sb::calls {

using api::is_dial_number;
using dataplane::MediaSessions;

Status CallControl::hold(CallId id, bool on, const std::string& by, MediaSessions& ms) {
  Call* c = find(id);
  if (!c || c->state == CallState::kEnded) return not_found("no live call " + std::to_string(id));
  if (c->state != CallState::kTalking || !c->agent)
    return failed_precondition("call " + std::to_string(id) + " is " + std::string(call_state_name(c->state)) +
                               ", not talking to an agent");
  if (c->held == on)
    return failed_precondition("call " + std::to_string(id) + (on ? " is already on hold" : " is not on hold"));
  // The ACD first: hold time is part of handle time, not talk time.
  if (!acd_.submit(acd::Request::make(on ? acd::Request::kHold : acd::Request::kUnhold, *c->agent, c->id)))
    return unavailable("the ACD's inbox is full; retry");
  if (on) {
    drop_supervisor(*c, "held", ms);
    // The agent's phone may keep sending; nothing of it reaches the caller
    // (the music plays on the caller's leg) and nothing is sent to it.
    SB_RETURN_IF_ERROR(ms.set_mode(c->session, 1, dataplane::LegMode::kInactive));
    start_hold_music(*c, ms);
    if (c->recording) ms.pause_recording(c->session).ignore_error();
  } else {
    ms.stop_playback(c->session, 0).ignore_error();
    SB_RETURN_IF_ERROR(ms.set_mode(c->session, 1, dataplane::LegMode::kRelay));
    if (c->recording) ms.resume_recording(c->session).ignore_error();
  }
  c->held = on;
  if (on) counters_.holds.fetch_add(1, std::memory_order_relaxed);
  note(*c, on ? "held" : "resumed", {{"by", by}, {"agent", c->agent_id}});
  if (events_) events_->publish(on ? "call.held" : "call.resumed", {{"call_id", c->id}, {"agent", c->agent_id}, {"by", by}});
  return Status::ok();
}

Status CallControl::transfer(CallId id, const TransferTarget& to, const std::string& by, MediaSessions& ms) {
  Call* c = find(id);
  if (!c || c->state == CallState::kEnded) return not_found("no live call " + std::to_string(id));
  if (c->state != CallState::kTalking || !c->agent)
    return failed_precondition("call " + std::to_string(id) + " is " + std::string(call_state_name(c->state)) +
                               ", not talking to an agent");
  acd::Request r;
  if (to.kind == TransferTarget::Kind::kNumber) {
    if (!is_dial_number(to.name)) return invalid_argument("\"" + to.name + "\" is not a number to dial");
    if (!signalling_) return failed_precondition("no signalling layer can place calls (SIP is not running)");
    // The agent's part ends (handled, wrap-up) and the call leaves the ACD.
    r = acd::Request::make(acd::Request::kHangup, *c->agent, c->id);
    std::string("transfer").copy(r.text, sizeof r.text - 1);
  } else if (to.kind == TransferTarget::Kind::kQueue) {
    const auto queue = acd_.queue_index(to.name);
    if (!queue) return invalid_argument("no queue \"" + to.name + "\"");
    r = acd::Request::make(acd::Request::kTransferToQueue, *c->agent, c->id, *queue);
  } else {
    const auto agent = acd_.agent_index(to.name);
    if (!agent) return invalid_argument("no agent \"" + to.name + "\"");
    if (to.name == c->agent_id) return failed_precondition("agent " + to.name + " is already on call " + std::to_string(id));
    // The snapshot may be a moment old; if the agent left "ready" since,
    // the ACD refuses and the call goes to its queue instead (on_acd_output).
    const auto state = acd_.agent_state(to.name);
    if (state != acd::AgentState::kReady)
      return failed_precondition("agent " + to.name + " is " + (state ? acd::agent_state_name(*state) : "unknown") +
                                 ", not ready to take a transfer");
    r = acd::Request::make(acd::Request::kTransferToAgent, *agent, c->id);
  }
  if (!acd_.submit(r)) return unavailable("the ACD's inbox is full; retry");

  const std::string from = c->agent_id;
  release_agent_leg(*c, ms);
  if (to.kind == TransferTarget::Kind::kNumber) {
    c->acd_knows = false;  // the ACD's part ended: call control reports the end
    dial_transfer(*c, to.name, by, ms);
    return Status::ok();
  }
  counters_.transfers[static_cast<std::size_t>(to.kind)].fetch_add(1, std::memory_order_relaxed);
  c->transfer_agent = to.kind == TransferTarget::Kind::kAgent ? to.name : std::string();
  if (to.kind == TransferTarget::Kind::kQueue) c->queue = to.name;
  const char* kind = to.kind == TransferTarget::Kind::kQueue ? "queue" : "agent";
  note(*c, "transferred", {{"by", by}, {"from_agent", from}, {kind, to.name}});
  if (events_) events_->publish("call.transferred", {{"call_id", c->id}, {"from_agent", from}, {kind, to.name}, {"by", by}});
  set_state(*c, CallState::kQueued);
  start_hold_music(*c, ms);
  start_announcements(*c);
  return Status::ok();
}

void CallControl::release_agent_leg(Call& c, MediaSessions& ms) {
  drop_supervisor(c, "transferred", ms);
  const std::string from = c.agent_id;
  // The agent's leg leaves: no address, nothing played to it, the phone
  // hung up by signalling. The recording of that agent's part is complete.
  ms.stop_playback(c.session, 1).ignore_error();
  ms.update(c.session, 1, dataplane::LegRequest{}).ignore_error();
  if (c.recording) {
    ms.stop_recording(c.session).ignore_error();
    c.recording.reset();
  }
  if (signalling_) signalling_->on_agent_released(c.id, from);
  c.previous_agents.push_back(from);
  c.agent.reset();
  c.agent_id.clear();
  c.agent_media = {};
  c.held = false;
}

// The IVR's transfer node: "queue:<name>" or "agent:<id>", or a bare name
// that is a queue or an agent; "number:<digits>", "tel:<digits>" or bare
// digits (not a queue or agent) dial out. Anything else (a SIP URI) needs
// signalling call control does not drive: the call fails.
void CallControl::transfer_from_ivr(Call& c, const std::string& destination, MediaSessions& ms) {
  std::string queue, agent, number;
  if (destination.rfind("queue:", 0) == 0) queue = destination.substr(6);
  else if (destination.rfind("agent:", 0) == 0) agent = destination.substr(6);
  else if (destination.rfind("number:", 0) == 0) number = destination.substr(7);
  else if (destination.rfind("tel:", 0) == 0) number = destination.substr(4);
  else if (acd_.queue_index(destination)) queue = destination;
  else if (acd_.agent_index(destination)) agent = destination;
  else if (is_dial_number(destination)) number = destination;
  if (!queue.empty()) {
    counters_.transfers[static_cast<std::size_t>(TransferTarget::Kind::kQueue)].fetch_add(1, std::memory_order_relaxed);
    return route_to_queue(c, queue, 0, ms);
  }
  if (!number.empty()) {
    if (!is_dial_number(number)) {
      note(c, "transfer_unavailable", {{"destination", destination}, {"error", "not a number to dial"}});
      return finish(c, "failed", ms);
    }
    if (!signalling_) {
      note(c, "transfer_unavailable", {{"destination", destination}, {"error", "no signalling layer can place calls"}});
      return finish(c, "failed", ms);
    }
    return dial_transfer(c, number, "ivr", ms);
  }
  const auto index = agent.empty() ? std::nullopt : acd_.agent_index(agent);
  if (!index) {
    note(c, "transfer_unavailable", {{"destination", destination}, {"error", "not a queue or agent of the ACD"}});
    return finish(c, "failed", ms);
  }
  if (!acd_.submit(acd::Request::make(acd::Request::kTransferToAgent, *index, c.id))) {
    note(c, "route_failed", {{"agent", agent}, {"error", "the ACD is not running or its inbox is full"}});
    return finish(c, "failed", ms);
  }
  c.acd_knows = true;
  counters_.transfers[static_cast<std::size_t>(TransferTarget::Kind::kAgent)].fetch_add(1, std::memory_order_relaxed);
  note(c, "transferred", {{"by", "ivr"}, {"agent", agent}});
  if (events_) events_->publish("call.transferred", {{"call_id", c.id}, {"agent", agent}, {"by", "ivr"}});
  set_state(c, CallState::kQueued);
  start_hold_music(c, ms);
  start_announcements(c);
}

}  // namespace sb::calls
