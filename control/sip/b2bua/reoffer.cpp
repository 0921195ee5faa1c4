// Offer/answer inside a confirmed dialog (RFC 3261 §14, RFC 3264 §8,
// RFC 3311): a re-INVITE with an offer is answered in its 2xx; a re-INVITE
// without one (carriers refreshing a session, PBXs re-syncing media) gets
// our current offer in the 2xx, and the ACK answers it; an UPDATE with an
// offer is answered in its 200, one without is a plain refresh. Every
// applied answer moves the leg's media through call control's
// update_media (address, hold), whichever side made the offer.
//
// Our offer in a 2xx is the leg's current media (same codec and payload
// numbers), stamped by the leg's LocalOrigin: the o= session id stays and
// the version goes up only when the description changed (RFC 3264 §8).
//
// A missing or unusable answer in the ACK to such a re-INVITE: RFC 3261
// gives the UAS no response to refuse it with, and unlike a call's first
// INVITE (where there is no session to fall back on and we BYE) the
// previous offer/answer exchange still describes a working session. The
// call keeps its previous media; the broken refresh is logged and counted
// (switchboard_sip_session_events_total{event="offerless_reinvite_bad_answer"}).
#include "common/log.hpp"
#include "control/sip/b2bua/b2bua.hpp"
#include "control/sip/b2bua/session.hpp"
#include "control/sip/headers.hpp"

namespace sb::sip::b2bua {

sdp::LocalCapabilities B2bua::current_caps(const Leg& leg) const {
  sdp::LocalCapabilities c = caps(leg.local_port, {leg.media.codec});
  if (!c.codecs.empty()) c.codecs.front().payload_type = leg.media.payload_type;
  if (leg.media.telephone_event_pt && *leg.media.telephone_event_pt >= 96)
    c.telephone_event_pt = *leg.media.telephone_event_pt;
  return c;
}

std::optional<std::string> B2bua::answer_reoffer(TransactionId id, const SipMessage& req, Session& s, Leg& leg,
                                                 bool agent_leg) {
  auto refuse = [&](int code, std::string_view reason,
                    std::vector<std::pair<std::string, std::string>> headers = {}) -> std::optional<std::string> {
    respond(id, code, reason, std::move(headers));
    return std::nullopt;
  };
  if (!leg.sdp_origin) return refuse(488, "Not Acceptable Here", {{"Warning", "399 - \"no media on this leg yet\""}});
  auto type = content_type(req);
  if (!type || !sdp::iequals(type->type, "application") || !sdp::iequals(type->subtype, "sdp"))
    return refuse(415, "Unsupported Media Type", {{"Accept", "application/sdp"}});
  auto offer = sdp::parse(req.body());
  if (!offer) return refuse(400, "Bad Request", {{"Warning", "399 - \"SDP: unreadable\""}});
  auto a = sdp::answer_offer(*offer, current_caps(leg), *leg.sdp_origin);
  if (!a) return refuse(488, "Not Acceptable Here");
  if (auto c = contacts(req); c && !c->empty() && !c->front().star)
    leg.remote_target = std::string(c->front().address.uri.text);
  leg.media = a->media;
  if (s.call && !s.call_ended)
    calls_.update_media(s.call, agent_leg ? 1 : 0, media_endpoint(a->media), a->media.remote_hold);
  return sdp::serialize(a->answer);
}

void B2bua::on_reinvite(TransactionId id, const SipMessage& req, Session& s, Leg& leg, bool agent_leg) {
  if (leg.reinvite_pending || leg.state == Leg::State::kWaitAck || leg.two_xx)
    return respond(id, 491, "Request Pending");
  TimerDecision timer;
  if (!negotiate_request_timer(id, req, leg, false, timer)) return;
  if (!req.body().empty()) {
    if (auto answer = answer_reoffer(id, req, s, leg, agent_leg)) {
      respond_2xx(id, req, leg, *answer, timer_headers(timer));
      restart_timer_for_peer(leg, timer);
    }
    return;
  }
  // §14.2: no offer, so the 2xx carries ours and the ACK the answer.
  std::optional<sdp::SessionDescription> offer;
  if (leg.sdp_origin)
    if (auto o = sdp::make_offer(current_caps(leg), *leg.sdp_origin)) offer = std::move(*o);
  if (!offer) return respond(id, 488, "Not Acceptable Here", {{"Warning", "399 - \"no media to offer on this leg\""}});
  if (auto c = contacts(req); c && !c->empty() && !c->front().star)
    leg.remote_target = std::string(c->front().address.uri.text);
  respond_2xx(id, req, leg, sdp::serialize(*offer), timer_headers(timer));
  if (!leg.two_xx) return;
  leg.offer_in_2xx = std::move(offer);
  restart_timer_for_peer(leg, timer);
}

void B2bua::on_update(TransactionId id, const SipMessage& req, Session& s, Leg& leg, bool agent_leg) {
  const bool has_offer = !req.body().empty();
  // RFC 3311 §5.2: an offer while one of ours waits for its answer.
  if (has_offer && (leg.offer_in_2xx || leg.state == Leg::State::kWaitAck || leg.reinvite_pending))
    return respond(id, 491, "Request Pending");
  TimerDecision timer;
  if (!negotiate_request_timer(id, req, leg, false, timer)) return;
  std::string answer;
  if (has_offer) {
    auto a = answer_reoffer(id, req, s, leg, agent_leg);
    if (!a) return;
    answer = std::move(*a);
  } else if (auto c = contacts(req); c && !c->empty() && !c->front().star) {
    leg.remote_target = std::string(c->front().address.uri.text);
  }
  auto headers = timer_headers(timer);
  headers.emplace_back("Contact", contact(leg.origin));
  headers.emplace_back("Supported", std::string(kSupported));
  respond(id, 200, "OK", std::move(headers), answer);
  restart_timer_for_peer(leg, timer);
}

void B2bua::restart_timer_for_peer(Leg& leg, const TimerDecision& timer) {
  // A refresh by the peer of a session whose timer runs (RFC 4028 §10).
  if (leg.timer.interval != 0 && timer.interval != 0)
    counters_.session_refreshes_by_peer.fetch_add(1, std::memory_order_relaxed);
  // With no timer negotiated in this request, a running one stops.
  if (leg.timer.interval != 0 || timer.interval != 0) start_timer(leg, timer.interval, timer.uas_refreshes);
}

std::optional<sdp::NegotiatedMedia> B2bua::answer_in_ack(const sdp::SessionDescription& offer, const SipMessage& ack,
                                                         std::string& why) const {
  if (ack.body().empty()) {
    why = "no SDP answer in the ACK";
    return std::nullopt;
  }
  auto answer = sdp::parse(ack.body());
  if (!answer) {
    why = "unreadable SDP answer in the ACK: " + answer.status().message();
    return std::nullopt;
  }
  auto media = sdp::process_answer(offer, *answer);
  if (!media) {
    why = "SDP answer refused: " + media.status().message();
    return std::nullopt;
  }
  if (!media_endpoint(*media).valid()) {
    why = "SDP answer without an IPv4 media address";
    return std::nullopt;
  }
  return *media;
}

void B2bua::on_reoffer_ack(Session& s, Leg& leg, const SipMessage& ack) {
  const sdp::SessionDescription offer = std::move(*leg.offer_in_2xx);
  leg.offer_in_2xx.reset();
  std::string why;
  const auto media = answer_in_ack(offer, ack, why);
  if (!media) {
    counters_.offerless_reinvites_bad_answer.fetch_add(1, std::memory_order_relaxed);
    spdlog::info("sip: call {}: re-INVITE without an offer: {}; the previous media stays", s.call, why);
    return;
  }
  counters_.offerless_reinvites_answered.fetch_add(1, std::memory_order_relaxed);
  leg.media = *media;
  const bool agent_leg = s.agent && &*s.agent == &leg;
  if (s.call && !s.call_ended)
    calls_.update_media(s.call, agent_leg ? 1 : 0, media_endpoint(*media), media->remote_hold);
}

}  // namespace sb::sip::b2bua
