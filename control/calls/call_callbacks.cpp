// Callbacks ("virtual hold"): a caller who chose to be called back keeps
// its place in the queue and hangs up; when its turn comes the ACD
// reserves an agent (kPlaceCallback), call control opens a media session
// whose leg 0 faces the party to dial and asks signalling to place the
// call (CallSignalling::place_outbound). When the party answers
// (outbound_answered) the call is what an inbound call is at that point:
// offered to the reserved agent (its phone rings; the party hears music),
// then answered, bridged and recorded as usual. When it cannot be placed
// (outbound_failed, no signalling, no media, or nobody answered within the
// queue's callback_dial_seconds, which the ACD times) the call ends as
// failed with the reason in its history and on the event stream, and the
// ACD frees the reserved agent without counting a miss.
//
//   ivr -> callback_waiting (no media) -> dialling (agent reserved)
//       -> ringing (the party answered; the agent's phone rings)
//       -> connecting -> talking                                   (as inbound)
//       \-> ended "failed" (callback.failure says why)
#include "control/calls/call_control.hpp"
#include "control/calls/call_record.hpp"

#include <algorithm>

namespace sb::calls {

using dataplane::MediaSessions;

namespace {

// Request texts are fixed-size (callers check numbers fit first).
acd::Request with_text(acd::Request r, const std::string& text) {
  const std::size_t n = std::min(text.size(), sizeof r.text - 1);
  text.copy(r.text, n);
  r.text[n] = 0;
  return r;
}

}  // namespace

void CallControl::request_callback(Call& c, const ivr::menu::RequestCallback& cb, MediaSessions& ms) {
  const std::string number = cb.number.empty() ? c.caller_id : cb.number;
  c.callback_number = number;
  if (!cb.language.empty()) c.language = cb.language;
  counters_.callbacks_requested.fetch_add(1, std::memory_order_relaxed);
  note(c, "callback_requested", {{"queue", cb.queue}, {"number", number}});
  if (events_) events_->publish("call.callback_requested", {{"call_id", c.id}, {"queue", cb.queue}, {"number", number}});
  if (number.empty()) return fail_callback(c, "no number to call back (the caller's id is empty)", false, ms);
  if (number.size() >= sizeof(acd::Request::text))
    return fail_callback(c, "the number to call back is longer than 31 characters", false, ms);
  const auto queue = acd_.queue_index(cb.queue);
  if (!queue) return fail_callback(c, "no queue \"" + cb.queue + "\" in the ACD", false, ms);
  // One request: the engine admits the call as a callback, so an agent who
  // is free now is reserved for dialling, never offered a caller who left.
  acd::Request r = with_text(acd::Request::make(acd::Request::kRequestCallback, 0, c.id, *queue), number);
  r.priority = cb.priority;
  if (!acd_.submit(r)) return fail_callback(c, "the ACD is not running or its inbox is full", false, ms);
  c.queue = cb.queue;
  c.acd_knows = true;
  set_state(c, CallState::kCallbackWaiting);
  // The caller leaves: its media goes now and signalling hangs up its leg
  // (on_call_ended with reason "callback_waiting"); the call lives on here
  // and in the ACD, and gets a new session when it is placed.
  ms.remove(c.session).ignore_error();
  by_session_.erase(c.session);
  c.session = 0;
  c.caller_media = {};
  if (signalling_) signalling_->on_call_ended(c.id, "callback_waiting", "system");
}

void CallControl::place_callback(Call& c, const acd::Output& o, MediaSessions& ms) {
  const std::string agent = acd_.agent_id(o.agent);
  if (c.state == CallState::kDialling) {
    // The reserved agent left (logged out, went not ready) and the ACD
    // reserved another: the dial already under way goes on for this one.
    note(c, "callback_agent_changed", {{"from_agent", c.agent_id}, {"agent", agent}});
    c.agent = o.agent;
    c.agent_id = agent;
    return;
  }
  if (c.state != CallState::kCallbackWaiting) {
    note(c, "callback_unexpected", {{"state", call_state_name(c.state)}});
    if (!acd_.submit(with_text(acd::Request::make(acd::Request::kCallbackFailed, o.agent, c.id), "bad-state")))
      note(c, "acd_unreachable");
    return;
  }
  c.agent = o.agent;
  c.agent_id = agent;
  if (o.text[0]) c.callback_number = o.text;
  note(c, "callback_dialling", {{"agent", agent}, {"number", c.callback_number}});
  if (!signalling_) return fail_callback(c, "no signalling layer can place calls (SIP is not running)", true, ms);
  // Leg 0 faces the dialled party, exactly like an inbound caller's; its
  // address comes with the answer.
  const dataplane::LegRequest party = caller_leg_request({}, 0, c.codec, c.payload_type, c.telephone_event_pt);
  auto session = ms.create(party, dataplane::LegRequest{});
  if (!session) return fail_callback(c, "no media for the call: " + session.status().to_string(), true, ms);
  c.session = session->id;
  c.local_port = session->local_port[0];
  c.agent_local_port = session->local_port[1];
  by_session_[c.session] = c.id;
  set_state(c, CallState::kDialling);
  OutboundCall out;
  out.call = c.id;
  out.number = c.callback_number;
  out.local_media = {c.local_ip, c.local_port};
  out.codec = c.codec;
  out.payload_type = c.payload_type;
  out.telephone_event_pt = c.telephone_event_pt;
  counters_.callbacks_placed.fetch_add(1, std::memory_order_relaxed);
  signalling_->place_outbound(out);
}

void CallControl::fail_callback(Call& c, const std::string& why, bool tell_acd, MediaSessions& ms,
                                const std::string& end_reason) {
  c.callback_failure = why;
  counters_.callbacks_failed.fetch_add(1, std::memory_order_relaxed);
  note(c, "callback_failed", {{"reason", why}, {"agent", c.agent_id}});
  if (events_)
    events_->publish("call.callback_failed",
                     {{"call_id", c.id}, {"reason", why}, {"agent", c.agent_id}, {"number", c.callback_number}});
  if (tell_acd && c.agent &&
      !acd_.submit(with_text(acd::Request::make(acd::Request::kCallbackFailed, *c.agent, c.id), "callback-failed")))
    note(c, "acd_unreachable");
  c.ended_by = "system";
  finish(c, end_reason, ms);
}

std::vector<std::string> CallControl::end_waiting_callbacks(MediaSessions& ms) {
  std::vector<std::string> numbers;
  std::vector<Call*> waiting;
  for (auto& [id, c] : calls_)
    if (c->state == CallState::kCallbackWaiting) waiting.push_back(c.get());
  for (Call* c : waiting) {
    // Nothing keeps the promise across a restart: the ACD forgets the
    // place, and ops get the number to call back by hand.
    if (!acd_.submit(acd::Request::make(acd::Request::kAbandon, 0, c->id))) note(*c, "acd_unreachable");
    numbers.push_back(c->callback_number);
    fail_callback(*c, "shutdown: the daemon stopped before the callback was placed", false, ms, "shutdown");
  }
  return numbers;
}

Status CallControl::outbound_answered(CallId id, dataplane::Endpoint remote_media, MediaSessions& ms) {
  Call* c = find(id);
  if (!c || c->state == CallState::kEnded) return not_found("no live call " + std::to_string(id));
  // Which dial answered: a transfer's (the caller is on the line) or a
  // callback's (an agent is reserved).
  if (c->state == CallState::kTransferring) return transfer_answered(*c, remote_media, ms);
  if (c->state != CallState::kDialling || !c->agent)
    return failed_precondition("call " + std::to_string(id) + " is " + std::string(call_state_name(c->state)) +
                               ", not dialling");
  if (!remote_media.valid()) return invalid_argument("the answered party's media address is missing");
  SB_RETURN_IF_ERROR(ms.update(
      c->session, 0, caller_leg_request(remote_media, kCallerMediaTimeoutMs, c->codec, c->payload_type, c->telephone_event_pt)));
  // The agent's ring time starts now (it waited through the dial).
  if (!acd_.submit(acd::Request::make(acd::Request::kCallbackAnswered, *c->agent, c->id)))
    return unavailable("the ACD's inbox is full; retry");
  c->caller_media = remote_media;
  counters_.callbacks_answered.fetch_add(1, std::memory_order_relaxed);
  note(*c, "callback_answered", {{"media", dataplane::to_string(remote_media)}});
  if (events_) events_->publish("call.callback_answered", {{"call_id", c->id}, {"agent", c->agent_id}});
  // From here it is an inbound call being offered: music to the party,
  // the reserved agent's phone rings, answer() bridges.
  set_state(*c, CallState::kRinging);
  if (events_)
    events_->publish("call.state", {{"call_id", c->id}, {"state", "ringing"}, {"agent", c->agent_id}, {"queue", c->queue}});
  start_hold_music(*c, ms);
  if (signalling_)
    signalling_->on_agent_offered({c->id, c->agent_id, c->callback_number, {c->local_ip, c->agent_local_port}, c->codec,
                                   c->payload_type, c->telephone_event_pt});
  return Status::ok();
}

Status CallControl::outbound_failed(CallId id, const std::string& why, MediaSessions& ms) {
  Call* c = find(id);
  if (!c || c->state == CallState::kEnded) return not_found("no live call " + std::to_string(id));
  if (c->state == CallState::kTransferring) {
    transfer_failed(*c, why.empty() ? "the call could not be placed" : why, ms);
    return Status::ok();
  }
  if (c->state != CallState::kDialling)
    return failed_precondition("call " + std::to_string(id) + " is " + std::string(call_state_name(c->state)) +
                               ", not dialling");
  fail_callback(*c, why.empty() ? "the call could not be placed" : why, true, ms);
  return Status::ok();
}

}  // namespace sb::calls
