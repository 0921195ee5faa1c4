// Calls the B2BUA places through the [sip.outbound] trunk: an INVITE with
// our offer in the call's codec to <number>@trunk, Digest answered once
// when the trunk challenges (401/407) and credentials are set; 2xx -> ACK
// and CallPort::outbound_answered with the answer's media; failure, no
// answer before ring_timeout, or an unreachable trunk ->
// CallPort::outbound_failed. BYE either way, CANCEL when call control ends
// the call while it rings, and re-INVITEs work as for any leg.
//
// Two uses. A callback: the call has no SIP legs left (its caller was let
// go), so the dialled party gets a new session as its caller leg (leg 0
// of the media session faces it). A blind transfer to a number of a call
// whose caller is on SIP: the caller's leg stays and the dialled party
// takes the agent's place in the same session (its media is leg 1); if
// that dial fails the call lives on (call control re-queues the caller).

#include "control/sip/b2bua/b2bua.hpp"
#include "control/sip/b2bua/digest.hpp"
#include "control/sip/b2bua/session.hpp"
#include "control/sip/headers.hpp"

namespace sb::sip::b2bua {

void B2bua::place_outbound(const calls::OutboundCall& oc) {
  if (!options_.outbound) return outbound_failed(oc.call, "no outbound SIP trunk configured");
  // A callback's caller was let go (on_call_ended "callback_waiting"),
  // which detached its session, so a session still attached is a call
  // with a live caller leg here: a transfer out, which needs the caller's
  // leg up and the agent's gone (released or ended).
  Session* existing = session_by_call(oc.call);
  if (existing) {
    const bool caller_up = existing->caller && existing->caller->state == Leg::State::kUp;
    const bool agent_gone =
        !existing->agent || existing->agent->released || existing->agent->state == Leg::State::kDone;
    if (existing->call_ended || !caller_up || !agent_gone)
      return outbound_failed(oc.call, "the call already has a SIP leg");
  } else if (sessions_.size() >= options_.max_dialogs) {
    return outbound_failed(oc.call, "sip-dialog-limit");
  }
  const OutboundTrunk& trunk = *options_.outbound;
  const std::string number = sanitize_user(oc.number);
  // The trunk's presented identity, else the call's, else its account.
  const std::string presented =
      sanitize_user(!trunk.caller_id.empty() ? trunk.caller_id : !oc.caller_id.empty() ? oc.caller_id : trunk.user);
  if (!existing) {
    auto fresh = std::make_unique<Session>();
    existing = fresh.get();
    fresh->token = next_token_++;
    fresh->call = oc.call;
    by_call_[oc.call] = fresh->token;
    sessions_.emplace(fresh->token, std::move(fresh));
  }
  Session& s = *existing;
  // For a transfer this replaces the released agent's leg; requests still
  // arriving in that dialog (a crossing BYE) are answered by the dialog
  // match in on_request, which no longer finds it.
  Leg& leg = s.caller ? s.agent.emplace() : s.caller.emplace();
  leg.outbound = true;
  leg.state = Leg::State::kOutgoing;
  leg.call_id = layer_.new_tag() + layer_.new_tag() + "@" + options_.sip_host;
  leg.local_tag = layer_.new_tag();
  leg.local_uri = "\"" + presented + "\" <sip:" + presented + "@" + options_.domain + ">";
  // With a domain the carrier sees its own name; the INVITE still goes to
  // the trunk's address (leg.peer), no DNS being done here.
  leg.remote_target = "sip:" + number + "@" +
                      (trunk.domain.empty() ? trunk.peer.host + ":" + std::to_string(trunk.peer.port) : trunk.domain) +
                      (trunk.peer.transport == "TCP" ? ";transport=tcp" : "");
  leg.remote_uri = "<" + leg.remote_target + ">";
  leg.origin = trunk.peer;
  leg.peer = trunk.peer;
  leg.local_cseq = 1;
  leg.local_port = oc.local_media.port;
  leg.codecs = {oc.codec == codecs::CodecId::kPcma ? "PCMA" : "PCMU"};
  leg.sdp_origin = std::make_unique<sdp::LocalOrigin>("switchboard", 3000 + oc.call, sdp::AddrType::kIp4,
                                                      options_.media_address);
  auto c = caps(leg.local_port, leg.codecs);
  if (oc.telephone_event_pt >= 96) c.telephone_event_pt = oc.telephone_event_pt;
  if (!send_invite(s, leg, c)) {
    outbound_failed(oc.call, "sip-send-failed");
    return maybe_erase(s.token);
  }
  counters_.outbound_placed.fetch_add(1, std::memory_order_relaxed);
}

void B2bua::outbound_failed(CallId call, const std::string& why) {
  counters_.outbound_failed.fetch_add(1, std::memory_order_relaxed);
  calls_.outbound_failed(call, why);
}

bool B2bua::answer_challenge(Session& s, Leg& leg, const SipMessage& resp) {
  const OutboundTrunk& trunk = *options_.outbound;
  const bool proxy = resp.status_code() == 407;
  const Header* h = resp.find(proxy ? HeaderId::kProxyAuthenticate : HeaderId::kWwwAuthenticate);
  if (trunk.user.empty() || leg.auth_attempts > 0 || !h) return false;
  auto challenge = parse_digest(h->value, proxy ? "Proxy-Authenticate" : "WWW-Authenticate");
  if (!challenge) return false;
  const auto alg = digest_algorithm(challenge->algorithm.empty() ? "MD5" : challenge->algorithm);
  // qop may list several options; we answer "auth" or RFC 2069 style.
  const bool qop_auth = challenge->qop.find("auth") != std::string::npos;
  if (!alg || (!challenge->qop.empty() && !qop_auth)) return false;
  ++leg.auth_attempts;
  const std::string cnonce = layer_.new_tag();
  const std::string nc = "00000001";
  const std::string response = digest_response(*alg, trunk.user, challenge->realm, trunk.password, "INVITE",
                                               leg.remote_target, challenge->nonce, qop_auth ? nc : "",
                                               qop_auth ? cnonce : "", qop_auth ? "auth" : "");
  std::string value = "Digest username=\"" + trunk.user + "\", realm=\"" + challenge->realm + "\", nonce=\"" +
                      challenge->nonce + "\", uri=\"" + leg.remote_target + "\", response=\"" + response +
                      "\", algorithm=" + std::string(digest_algorithm_name(*alg));
  if (qop_auth) value += ", qop=auth, nc=" + nc + ", cnonce=\"" + cnonce + "\"";
  if (!challenge->opaque.empty()) value += ", opaque=\"" + challenge->opaque + "\"";
  by_txn_.erase(leg.invite_txn);
  ++leg.local_cseq;
  leg.state = Leg::State::kOutgoing;
  return send_invite(s, leg, {}, {{proxy ? "Proxy-Authorization" : "Authorization", value}});
}

void B2bua::on_outbound_response(const SipMessage& resp, Session& s, Leg& leg) {
  const int code = resp.status_code();
  if (code < 200) return;  // ringing: call control times the dial
  if (code >= 300) {
    const bool we_cancelled = leg.state == Leg::State::kCancelling;
    if ((code == 401 || code == 407) && !we_cancelled && answer_challenge(s, leg, resp)) return;
    end_leg(leg);
    if (!we_cancelled && !s.call_ended) dial_failed(s, leg, std::to_string(code) + " " + std::string(resp.reason()));
    return maybe_erase(s.token);
  }
  dataplane::Endpoint ep;
  switch (confirm_2xx(s, leg, resp, ep)) {
    case TwoXx::kDone: return;
    case TwoXx::kBadAnswer:
      dial_failed(s, leg, "bad-sdp-answer");
      return maybe_erase(s.token);
    case TwoXx::kAnswered:
      counters_.outbound_answered.fetch_add(1, std::memory_order_relaxed);
      calls_.outbound_answered(s.call, ep);
      return;
  }
}

void B2bua::cancel_outbound(Session& s, Leg& leg, const std::string& why, bool tell_calls) {
  if (leg.state != Leg::State::kOutgoing) return;
  leg.state = Leg::State::kCancelling;
  if (const Transaction* t = layer_.find(leg.invite_txn))
    if (auto cancel = make_cancel(t->request().message())) (void)layer_.send_request(*cancel, leg.peer);
  if (tell_calls && !s.call_ended) dial_failed(s, leg, why);
}

void B2bua::cancel_outbound_dial(CallId call) {
  Session* s = session_by_call(call);
  if (!s) return;
  for (Leg* leg : {s->caller ? &*s->caller : nullptr, s->agent ? &*s->agent : nullptr})
    if (leg && leg->outbound) cancel_outbound(*s, *leg, "dial-timeout", false);
}

void B2bua::dial_failed(Session& s, const Leg& leg, const std::string& why) {
  // A callback's dialled party is the whole call; a transfer's is not:
  // the caller's leg stays up for call control to re-queue.
  if (s.caller && &leg == &*s.caller) s.call_ended = true;
  outbound_failed(s.call, why);
}

B2bua::Leg* B2bua::dialling_leg(Session& s, TransactionId invite) {
  for (Leg* leg : {s.caller ? &*s.caller : nullptr, s.agent ? &*s.agent : nullptr})
    if (leg && leg->outbound && leg->invite_txn == invite) return leg;
  return nullptr;
}

}  // namespace sb::sip::b2bua
