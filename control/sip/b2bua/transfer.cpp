// Blind transfer (RFC 3515 REFER) in the B2BUA: a REFER in the agent's or
// the caller's dialog whose Refer-To names a queue (a DID mapped to
// "queue:<name>"), an ACD agent id, or an outside number (a sip: user
// part or a tel: URI of digits with an optional +, when it is neither a
// DID nor an agent) is accepted with 202, reported with
// NOTIFYs carrying message/sipfrag (100 Trying, then 200 OK or the error),
// and handed to call control's transfer(). Call control releases the agent
// who had the call (on_agent_released): its leg is hung up, and its BYE no
// longer ends the call; the caller stays and is offered to the next agent.
#include "common/log.hpp"
#include "control/sip/b2bua/b2bua.hpp"
#include "control/sip/b2bua/session.hpp"
#include "control/sip/headers.hpp"

namespace sb::sip::b2bua {

namespace {

// The sipfrag status line reporting call control's answer to transfer().
std::pair<int, std::string_view> sipfrag_status(const Status& st) {
  switch (st.code()) {
    case StatusCode::kOk: return {200, "OK"};
    case StatusCode::kNotFound:
    case StatusCode::kInvalidArgument: return {404, "Not Found"};
    case StatusCode::kFailedPrecondition: return {480, "Temporarily Unavailable"};
    case StatusCode::kUnavailable:
    case StatusCode::kResourceExhausted: return {503, "Service Unavailable"};
    case StatusCode::kUnsupported: return {501, "Not Implemented"};
    default: return {500, "Server Internal Error"};
  }
}

// The number a Refer-To names: digits with an optional leading '+', RFC
// 3966 visual separators dropped; "" when it is not one.
std::string dialable_number(std::string_view text) {
  text = text.substr(0, text.find(';'));  // tel: parameters
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c >= '0' && c <= '9') out.push_back(c);
    else if (c == '+' && i == 0) out.push_back(c);
    else if (c != '-' && c != '.' && c != '(' && c != ')') return "";
  }
  const bool has_digit = out.size() > (out.rfind('+', 0) == 0 ? 1u : 0u);
  return has_digit && out.size() <= 32 ? out : "";
}

}  // namespace

bool B2bua::is_agent(const std::string& id) const {
  if (options_.is_agent) return options_.is_agent(id);
  for (const auto& c : options_.registrar.agents)
    if (c.user == id) return true;
  return false;
}

void B2bua::on_refer(TransactionId id, const SipMessage& req, Session& s, Leg& leg, bool agent_leg) {
  auto refuse = [&](int code, std::string_view reason, std::vector<std::pair<std::string, std::string>> headers = {}) {
    counters_.transfers_refused.fetch_add(1, std::memory_order_relaxed);
    respond(id, code, reason, std::move(headers));
  };
  const Header* refer_to = req.find(HeaderId::kReferTo);
  if (!refer_to || req.count(HeaderId::kReferTo) != 1)
    return refuse(400, "Bad Request", {{"Warning", "399 - \"a REFER needs one Refer-To\""}});
  auto target = parse_name_addr(refer_to->value, "Refer-To");
  const bool tel = target && !target->uri.is_sip() && sdp::iequals(target->uri.scheme_text, "tel");
  if (!target || (!target->uri.is_sip() && !tel) || (!tel && target->uri.user.empty()))
    return refuse(400, "Bad Request",
                  {{"Warning", "399 - \"Refer-To: a SIP URI naming a queue, an agent or a number, or a tel: URI\""}});
  // Attended transfer (Refer-To with Replaces) would need the target's
  // dialog; only blind transfers are served.
  if (!target->uri.headers.empty())
    return refuse(403, "Forbidden", {{"Warning", "399 - \"attended transfer is not supported\""}});
  if (leg.state != Leg::State::kUp || !s.call || s.call_ended)
    return refuse(481, "Call/Transaction Does Not Exist");
  if (s.refer) return refuse(491, "Request Pending");

  calls::TransferTarget to;
  const std::string user(tel ? target->uri.opaque : target->uri.user);
  const auto did = tel ? options_.dids.end() : options_.dids.find(user);
  const std::string number = dialable_number(user);
  if (tel && number.empty())
    return refuse(400, "Bad Request", {{"Warning", "399 - \"Refer-To: the tel: URI is not a number\""}});
  if (did != options_.dids.end()) {
    if (did->second.rfind("queue:", 0) != 0)
      return refuse(403, "Forbidden", {{"Warning", "399 - \"the DID leads to an IVR menu, not a queue\""}});
    to.kind = calls::TransferTarget::Kind::kQueue;
    to.name = did->second.substr(6);
  } else if (!number.empty() && (tel || !is_agent(user))) {
    to.kind = calls::TransferTarget::Kind::kNumber;
    to.name = number;
  } else {
    to.kind = calls::TransferTarget::Kind::kAgent;
    to.name = user;
  }
  counters_.transfers_accepted.fetch_add(1, std::memory_order_relaxed);
  respond(id, 202, "Accepted");
  s.refer = Session::Refer{agent_leg};
  notify_refer(s, 100, "Trying", false);
  calls_.transfer(s.call, to, agent_leg ? "agent" : "caller");
}

void B2bua::notify_refer(Session& s, int code, std::string_view reason, bool final) {
  if (!s.refer) return;
  Leg* leg = s.refer->from_agent_leg ? (s.agent ? &*s.agent : nullptr) : (s.caller ? &*s.caller : nullptr);
  if (final) s.refer.reset();
  if (!leg || leg->state == Leg::State::kDone) return;
  const std::string frag = "SIP/2.0 " + std::to_string(code) + " " + std::string(reason) + "\r\n";
  const std::string notify =
      dialog_request(*leg, "NOTIFY", ++leg->local_cseq, layer_.new_branch(), "message/sipfrag;version=2.0", frag,
                     {{"Event", "refer"},
                      {"Subscription-State", final ? "terminated;reason=noresource" : "active;expires=60"}});
  // A lost NOTIFY only leaves the referrer without the report.
  if (!notify.empty()) (void)layer_.send_request(notify, leg->peer);
}

void B2bua::on_transfer_result(CallId call, const Status& status) {
  Session* s = session_by_call(call);
  if (!s || !s->refer) return;  // reported already by the agent's release
  const auto [code, reason] = sipfrag_status(status);
  if (!status.is_ok()) {
    counters_.transfers_failed.fetch_add(1, std::memory_order_relaxed);
    spdlog::info("sip: call {}: transfer refused: {}", call, status.message());
  }
  notify_refer(*s, code, reason, true);
  // The referring agent hung up while call control was deciding and the
  // transfer did not happen: nobody is left with the caller.
  if (!status.is_ok() && s->agent && s->agent->released && !s->call_ended) {
    s->call_ended = true;
    calls_.hangup(call, "agent");
  }
  maybe_erase(s->token);
}

void B2bua::on_agent_released(CallId call, const std::string& agent) {
  Session* s = session_by_call(call);
  if (!s || !s->agent || s->agent->agent != agent) return;
  // Released means transferred: report success before the referrer's
  // dialog (when it is the agent's) is ended.
  notify_refer(*s, 200, "OK", true);
  Leg& leg = *s->agent;
  leg.released = true;
  if (leg.state == Leg::State::kOutgoing) cancel_agent(*s, "released", false);
  else if (leg.state == Leg::State::kUp || leg.state == Leg::State::kWaitAck) send_bye(*s, leg);
}

}  // namespace sb::sip::b2bua
