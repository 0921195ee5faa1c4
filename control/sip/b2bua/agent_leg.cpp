// The B2BUA's agent side (UAC): ringing a registered agent's phone when
// the ACD offers it a call, its answer, CANCEL on ring timeout or when the
// offer is withdrawn, and tearing down legs when a call ends.
#include <boost/asio/ip/address.hpp>

#include "control/sip/b2bua/b2bua.hpp"
#include "control/sip/b2bua/session.hpp"
#include "control/sip/builder.hpp"
#include "control/sip/headers.hpp"

namespace sb::sip::b2bua {

// Where requests of a dialog go (RFC 3261 §12.2.1.1, loose routing): the
// first Route, else the remote target. Only numeric hosts are used (the
// daemon does no DNS on the SIP thread); otherwise the address the dialog
// started from, which is also what a NATed phone needs.
Peer dialog_destination(const std::vector<std::string>& route_set, const std::string& remote_target, const Peer& fallback) {
  std::string text = route_set.empty() ? remote_target : route_set.front();
  if (!text.empty() && text.front() == '<') text = text.substr(1, text.find('>') - 1);
  auto uri = parse_uri(text);
  if (!uri || !uri->is_sip()) return fallback;
  std::string host(uri->host);
  std::string bare = host;
  if (bare.size() > 2 && bare.front() == '[') bare = bare.substr(1, bare.size() - 2);
  boost::system::error_code ec;
  (void)boost::asio::ip::make_address(bare, ec);
  if (ec) return fallback;
  Peer p;
  p.host = host;
  p.port = uri->port.value_or(5060);
  const auto* tp = uri->param("transport");
  p.transport = tp ? (sdp::iequals(tp->value, "tcp") ? "TCP" : "UDP") : fallback.transport;
  p.reliable = p.transport == "TCP";
  return p;
}

std::string B2bua::dialog_request(Leg& leg, std::string_view method, std::uint32_t cseq, const std::string& branch,
                                  std::string_view body_type, std::string_view body,
                                  const std::vector<std::pair<std::string, std::string>>& extra_headers) {
  auto b = SipMessageBuilder::request(method, leg.remote_target);
  b.add_header("Via", via(leg.peer, branch));
  b.add_header("Max-Forwards", "70");
  for (const auto& r : leg.route_set) b.add_header("Route", r);
  b.add_header("From", leg.local_uri + ";tag=" + leg.local_tag);
  b.add_header("To", leg.remote_tag.empty() ? leg.remote_uri : leg.remote_uri + ";tag=" + leg.remote_tag);
  b.add_header("Call-ID", leg.call_id);
  b.add_header("CSeq", std::to_string(cseq) + " " + std::string(method));
  if (method == "INVITE" || method == "NOTIFY") b.add_header("Contact", contact(leg.peer));
  if (method == "INVITE") b.add_header("Allow", std::string(kAllow));
  for (const auto& [name, value] : extra_headers) b.add_header(name, value);
  b.add_header("User-Agent", options_.user_agent);
  if (!body.empty()) b.set_body(body_type, body);
  auto bytes = b.build();
  return bytes ? *bytes : std::string();
}

void B2bua::end_leg(Leg& leg) {
  leg.state = Leg::State::kDone;
  leg.two_xx.reset();
}

void B2bua::send_bye(Session&, Leg& leg) {
  if (leg.state == Leg::State::kDone) return;
  leg.two_xx.reset();
  const std::string bye = dialog_request(leg, "BYE", ++leg.local_cseq, layer_.new_branch());
  end_leg(leg);
  if (bye.empty()) return;
  // Errors (limit, a bad stored field) leave the far end to time out.
  (void)layer_.send_request(bye, leg.peer);
}

void B2bua::cancel_agent(Session& s, const std::string& why, bool tell_acd) {
  if (!s.agent || s.agent->state != Leg::State::kOutgoing) return;
  Leg& leg = *s.agent;
  leg.state = Leg::State::kCancelling;
  if (const Transaction* t = layer_.find(leg.invite_txn)) {
    if (auto cancel = make_cancel(t->request().message())) (void)layer_.send_request(*cancel, leg.peer);
  }
  if (tell_acd && s.call && !s.call_ended) calls_.reject_offer(s.call, leg.agent, why);
}

void B2bua::maybe_erase(std::uint64_t token) {
  Session* s = session_by_token(token);
  if (!s) return;
  for (const auto* leg : {s->caller ? &*s->caller : nullptr, s->agent ? &*s->agent : nullptr})
    if (leg && leg->state != Leg::State::kDone) return;
  for (const auto* leg : {s->caller ? &*s->caller : nullptr, s->agent ? &*s->agent : nullptr})
    if (leg) by_call_id_.erase(leg->call_id);
  // A session detached by a callback's outbound leg no longer owns the
  // call's entry (place_outbound).
  if (const auto it = by_call_.find(s->call); s->call && it != by_call_.end() && it->second == token) by_call_.erase(it);
  sessions_.erase(token);
  counters_.dialogs.store(sessions_.size(), std::memory_order_relaxed);
}

void B2bua::on_agent_offered(const calls::CallSignalling::AgentOffer& offer) {
  auto binding = registrar_.lookup(offer.agent);
  if (!binding) return;  // no phone registered: the agent answers through the API
  Session* s = session_by_call(offer.call);
  if (!s) {
    if (sessions_.size() >= options_.max_dialogs) {
      calls_.reject_offer(offer.call, offer.agent, "sip-dialog-limit");
      return;
    }
    auto fresh = std::make_unique<Session>();
    fresh->token = next_token_++;
    fresh->call = offer.call;
    s = fresh.get();
    by_call_[offer.call] = s->token;
    sessions_.emplace(s->token, std::move(fresh));
  }
  if (s->agent && s->agent->state != Leg::State::kDone) {
    if (s->agent->state == Leg::State::kOutgoing) cancel_agent(*s, "re-offered", false);
    if (s->agent->state == Leg::State::kUp) send_bye(*s, *s->agent);
  }
  if (s->agent) by_call_id_.erase(s->agent->call_id);
  Leg& leg = s->agent.emplace();
  leg.state = Leg::State::kOutgoing;
  leg.agent = offer.agent;
  leg.call_id = layer_.new_tag() + layer_.new_tag() + "@" + options_.sip_host;
  leg.local_tag = layer_.new_tag();
  leg.local_uri = "\"" + offer.caller_id + "\" <sip:" + offer.caller_id + "@" + options_.domain + ">";
  leg.remote_uri = "<sip:" + offer.agent + "@" + options_.domain + ">";
  leg.remote_target = binding->contact;
  leg.origin = binding->peer;
  leg.peer = binding->peer;
  leg.local_cseq = 1;
  leg.local_port = offer.local_media.port;
  const char* codec = offer.codec == codecs::CodecId::kPcma ? "PCMA" : "PCMU";
  leg.codecs = {codec};
  auto c = caps(leg.local_port, leg.codecs);
  if (offer.telephone_event_pt >= 96) c.telephone_event_pt = offer.telephone_event_pt;
  leg.sdp_origin = std::make_unique<sdp::LocalOrigin>("switchboard", 2000 + offer.call, sdp::AddrType::kIp4,
                                                      options_.media_address);
  if (!send_invite(*s, leg, c)) {
    calls_.reject_offer(offer.call, offer.agent, "sip-send-failed");
    return maybe_erase(s->token);
  }
}

bool B2bua::send_invite(Session& s, Leg& leg, const sdp::LocalCapabilities& c,
                        const std::vector<std::pair<std::string, std::string>>& extra_headers) {
  if (!leg.our_offer) {
    auto sdp_offer = sdp::make_offer(c, *leg.sdp_origin);
    if (sdp_offer) leg.our_offer = *sdp_offer;
  }
  std::string invite;
  if (leg.our_offer)
    invite = dialog_request(leg, "INVITE", leg.local_cseq, layer_.new_branch(), "application/sdp",
                            sdp::serialize(*leg.our_offer), extra_headers);
  auto id = invite.empty() ? Result<TransactionId>(internal_error("could not build the INVITE"))
                           : layer_.send_request(invite, leg.peer);
  if (!id) {
    end_leg(leg);
    return false;
  }
  leg.invite_txn = *id;
  leg.ring_deadline = clock_.now() + options_.ring_timeout;
  by_txn_[*id] = s.token;
  by_call_id_[leg.call_id] = s.token;
  counters_.dialogs.store(sessions_.size(), std::memory_order_relaxed);
  return true;
}

void B2bua::on_response(TransactionId id, const SipMessage& resp) {
  if (id == kNoTransaction) {
    // A retransmitted 2xx to our INVITE after its transaction ended: the
    // ACK was lost, send it again (§13.2.2.4).
    auto cid = call_id(resp);
    if (!cid) return;
    const auto it = by_call_id_.find(std::string(*cid));
    Session* s = it == by_call_id_.end() ? nullptr : session_by_token(it->second);
    if (!s) return;
    for (const Leg* leg : {s->caller ? &*s->caller : nullptr, s->agent ? &*s->agent : nullptr})
      if (leg && leg->call_id == *cid && !leg->ack.empty()) wire_.send(leg->peer, leg->ack);
    return;
  }
  const auto it = by_txn_.find(id);
  if (it == by_txn_.end()) return;
  Session* s = session_by_token(it->second);
  if (Leg* leg = s ? refreshing_leg(*s, id) : nullptr) return on_refresh_response(resp, *s, *leg);
  if (s)
    if (Leg* dialled = dialling_leg(*s, id)) return on_outbound_response(resp, *s, *dialled);
  if (!s || !s->agent || s->agent->invite_txn != id) return;  // BYE / CANCEL answers: nothing to do
  on_agent_response(id, resp, *s);
}

void B2bua::on_agent_response(TransactionId, const SipMessage& resp, Session& s) {
  Leg& leg = *s.agent;
  const int code = resp.status_code();
  if (code < 200) return;  // 100, 180, 183: the phone rings; the ACD times the ring
  if (code >= 300) {
    const bool we_cancelled = leg.state == Leg::State::kCancelling;
    end_leg(leg);
    if (!we_cancelled && s.call && !s.call_ended) calls_.reject_offer(s.call, leg.agent, std::to_string(code));
    return maybe_erase(s.token);
  }
  dataplane::Endpoint ep;
  switch (confirm_2xx(s, leg, resp, ep)) {
    case TwoXx::kDone: return;
    case TwoXx::kBadAnswer:
      calls_.reject_offer(s.call, leg.agent, "bad-sdp-answer");
      return maybe_erase(s.token);
    case TwoXx::kAnswered: calls_.answer(s.call, leg.agent, ep); return;
  }
}

B2bua::TwoXx B2bua::confirm_2xx(Session& s, Leg& leg, const SipMessage& resp, dataplane::Endpoint& media_out) {
  if (leg.state == Leg::State::kUp || leg.state == Leg::State::kDone) {
    if (!leg.ack.empty()) wire_.send(leg.peer, leg.ack);  // a retransmitted 2xx
    return TwoXx::kDone;
  }
  // 2xx: the dialog is confirmed (§12.1.2): its tag, target and route set.
  if (auto t = to(resp)) leg.remote_tag = std::string(t->tag);
  if (auto c = contacts(resp); c && !c->empty() && !c->front().star)
    leg.remote_target = std::string(c->front().address.uri.text);
  leg.route_set.clear();
  if (auto rr = record_routes(resp))
    for (auto r = rr->rbegin(); r != rr->rend(); ++r) leg.route_set.push_back("<" + std::string(r->uri.text) + ">");
  leg.peer = dialog_destination(leg.route_set, leg.remote_target, leg.origin);
  leg.ack = dialog_request(leg, "ACK", leg.local_cseq, layer_.new_branch());
  if (!leg.ack.empty()) wire_.send(leg.peer, leg.ack);
  const bool wanted = leg.state == Leg::State::kOutgoing && s.call && !s.call_ended;
  leg.state = Leg::State::kUp;
  if (!wanted) {
    send_bye(s, leg);
    maybe_erase(s.token);
    return TwoXx::kDone;
  }
  std::optional<sdp::NegotiatedMedia> media;
  if (auto answer = sdp::parse(resp.body()); answer && leg.our_offer)
    if (auto m = sdp::process_answer(*leg.our_offer, *answer)) media = *m;
  media_out = media ? media_endpoint(*media) : dataplane::Endpoint{};
  if (!media || !media_out.valid()) {
    send_bye(s, leg);
    return TwoXx::kBadAnswer;
  }
  leg.media = *media;
  return TwoXx::kAnswered;
}

void B2bua::on_answer_result(CallId call, const std::string& agent, const Status& status) {
  if (status.is_ok()) return;
  Session* s = session_by_call(call);
  if (!s || !s->agent || s->agent->agent != agent) return;
  // Call control no longer rings this agent (the offer timed out, the
  // caller left): the phone that just answered is hung up.
  send_bye(*s, *s->agent);
  maybe_erase(s->token);
}

void B2bua::on_offer_cancelled(CallId call, const std::string& agent) {
  Session* s = session_by_call(call);
  if (!s || !s->agent || s->agent->agent != agent) return;
  cancel_agent(*s, "offer-cancelled", false);
}

void B2bua::on_call_ended(CallId call, const std::string& reason, const std::string&) {
  Session* s = session_by_call(call);
  if (!s) return;
  // Also for "callback_waiting": the caller is let go while the call lives
  // on in call control. Its legs go like any ended call's, and nothing
  // more from their dialogs reaches call control (call_ended); the
  // session is detached from the call so that a later place_outbound for
  // the same id starts afresh even while these legs finish tearing down.
  s->call_ended = true;
  if (reason == kCallbackWaiting) by_call_.erase(call);
  if (s->caller) {
    Leg& leg = *s->caller;
    if (leg.state == Leg::State::kIncoming) {
      respond(leg.invite_txn, 480, "Temporarily Unavailable");
      end_leg(leg);
    } else if (leg.state == Leg::State::kOutgoing) {
      cancel_outbound(*s, leg, "call-ended", false);
    } else if (leg.state == Leg::State::kWaitAck || leg.state == Leg::State::kUp) {
      send_bye(*s, leg);
    }
  }
  if (s->agent) {
    if (s->agent->state == Leg::State::kOutgoing) cancel_agent(*s, "call-ended", false);
    else if (s->agent->state == Leg::State::kUp) send_bye(*s, *s->agent);
  }
  maybe_erase(s->token);
}

void B2bua::on_transport_error(TransactionId id, const Status&) {
  const auto it = by_txn_.find(id);
  if (it == by_txn_.end()) return;
  Session* s = session_by_token(it->second);
  if (Leg* leg = s ? refreshing_leg(*s, id) : nullptr) {
    if (leg->timer.refresh_in_flight) on_refresh_failed(*s, *leg);
    return maybe_erase(s->token);
  }
  if (Leg* dialled = s ? dialling_leg(*s, id) : nullptr) {
    // The trunk never answered our INVITE (timer B) or cannot be reached.
    const bool outgoing = dialled->state == Leg::State::kOutgoing;
    end_leg(*dialled);
    if (outgoing && !s->call_ended) dial_failed(*s, *dialled, "unreachable");
    return maybe_erase(s->token);
  }
  if (!s || !s->agent || s->agent->invite_txn != id) return;
  // The phone never answered our INVITE (timer B) or cannot be reached.
  const bool outgoing = s->agent->state == Leg::State::kOutgoing;
  end_leg(*s->agent);
  if (outgoing && s->call && !s->call_ended) calls_.reject_offer(s->call, s->agent->agent, "unreachable");
  maybe_erase(s->token);
}

}  // namespace sb::sip::b2bua
