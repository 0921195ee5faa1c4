// RFC 4028 session timers: the negotiation (session_timer.hpp) and the
// B2BUA's part. A caller leg's timer starts when our 2xx to its INVITE (or
// to a refreshing re-INVITE or UPDATE) is sent. When we are the refresher
// we send a re-INVITE with the leg's current offer at half the interval
// (its 2xx answer is applied, a 422 retried once with the peer's Min-SE, a
// 491 retried shortly, a 408/481 or a timeout ends the call); when the
// peer is, its re-INVITE or UPDATE restarts the timer. A session nobody
// refreshed is ended with BYE: at its expiry when we were the refresher,
// min(32 s, interval/3) before it otherwise (§10), and call control hears
// a hang-up by "session-expired".
#include "control/sip/b2bua/session_timer.hpp"

#include <algorithm>

#include "common/ascii.hpp"
#include "common/log.hpp"
#include "control/sip/b2bua/b2bua.hpp"
#include "control/sip/b2bua/session.hpp"
#include "control/sip/grammar.hpp"
#include "control/sip/headers.hpp"

namespace sb::sip::b2bua {

namespace {

// delta-seconds, then ;params. Returns the number and the params text.
Result<std::pair<std::uint32_t, std::string_view>> seconds_and_params(std::string_view value, std::string_view what) {
  const auto semi = value.find(';');
  const std::string_view digits = grammar::trim(value.substr(0, semi));
  if (digits.empty() || digits.size() > 9 || digits.find_first_not_of("0123456789") != std::string_view::npos)
    return invalid_argument(std::string(what) + ": expected delta-seconds");
  std::uint32_t n = 0;
  for (char c : digits) n = n * 10 + static_cast<std::uint32_t>(c - '0');
  return std::make_pair(n, semi == std::string_view::npos ? std::string_view{} : value.substr(semi + 1));
}

// The refresher parameter in a Session-Expires's params.
Result<Refresher> refresher_of(std::string_view params) {
  while (!params.empty()) {
    const auto semi = params.find(';');
    const std::string_view p = grammar::trim(params.substr(0, semi));
    params = semi == std::string_view::npos ? std::string_view{} : params.substr(semi + 1);
    const auto eq = p.find('=');
    if (eq == std::string_view::npos || !iequals(grammar::trim(p.substr(0, eq)), "refresher")) continue;
    const std::string_view v = grammar::trim(p.substr(eq + 1));
    if (iequals(v, "uac")) return Refresher::kUac;
    if (iequals(v, "uas")) return Refresher::kUas;
    return invalid_argument("Session-Expires: refresher is not uac or uas");
  }
  return Refresher::kUnspecified;
}

bool names_timer(const SipMessage& m, HeaderId id) {
  auto list = token_list(m, id);
  if (!list) return false;
  return std::any_of(list->begin(), list->end(), [](std::string_view t) { return iequals(t, "timer"); });
}

}  // namespace

Result<TimerRequest> read_timer_request(const SipMessage& m) {
  TimerRequest r;
  r.supported = names_timer(m, HeaderId::kSupported) || names_timer(m, HeaderId::kRequire);
  if (m.count(HeaderId::kSessionExpires) > 1) return invalid_argument("Session-Expires: given twice");
  if (const Header* h = m.find(HeaderId::kSessionExpires)) {
    auto v = seconds_and_params(h->value, "Session-Expires");
    if (!v) return v.status();
    auto refresher = refresher_of(v->second);
    if (!refresher) return refresher.status();
    r.session_expires = v->first;
    r.refresher = *refresher;
  }
  if (const Header* h = m.find("Min-SE")) {
    auto v = seconds_and_params(h->value, "Min-SE");
    if (!v) return v.status();
    r.min_se = v->first;
  }
  return r;
}

TimerDecision negotiate_timer(const SessionTimerPolicy& policy, const TimerRequest& request) {
  TimerDecision d;
  // Never below what the sender will accept, nor below the RFC's floor.
  const std::uint32_t floor = std::max(request.min_se, kMinSessionInterval);
  if (request.session_expires) {
    if (*request.session_expires < policy.min_se) {
      d.too_small = true;
      return d;
    }
    // §9: we may shorten the interval (to what we prefer) but never
    // lengthen it, nor go below the sender's Min-SE.
    d.interval = *request.session_expires;
    if (policy.session_expires != 0) d.interval = std::min(d.interval, std::max(policy.session_expires, floor));
    d.uas_refreshes = request.refresher == Refresher::kUas ||
                      (request.refresher == Refresher::kUnspecified && !request.supported);
  } else if (policy.session_expires != 0) {
    // Not asked for: we may still run one. A sender that supports timers
    // refreshes (carriers expect to); otherwise only we can.
    d.interval = std::max(policy.session_expires, floor);
    d.uas_refreshes = !request.supported;
  }
  d.require = d.interval != 0 && request.supported;
  return d;
}

std::vector<std::pair<std::string, std::string>> timer_headers(const TimerDecision& d) {
  if (d.interval == 0) return {};
  std::vector<std::pair<std::string, std::string>> h = {
      {"Session-Expires", std::to_string(d.interval) + ";refresher=" + (d.uas_refreshes ? "uas" : "uac")}};
  if (d.require) h.emplace_back("Require", "timer");
  return h;
}

std::optional<TimerAnswer> read_timer_answer(const SipMessage& response) {
  const Header* h = response.find(HeaderId::kSessionExpires);
  if (!h) return std::nullopt;
  auto v = seconds_and_params(h->value, "Session-Expires");
  if (!v || v->first < kMinSessionInterval) return std::nullopt;
  auto refresher = refresher_of(v->second);
  TimerAnswer a;
  a.interval = v->first;
  // We sent the request, so we are its UAC.
  a.we_refresh = !refresher || *refresher != Refresher::kUas;
  return a;
}

std::optional<std::uint32_t> min_se_of(const SipMessage& m) {
  const Header* h = m.find("Min-SE");
  if (!h) return std::nullopt;
  auto v = seconds_and_params(h->value, "Min-SE");
  if (!v) return std::nullopt;
  return v->first;
}

// ---- the B2BUA's part --------------------------------------------------------

bool B2bua::negotiate_request_timer(TransactionId id, const SipMessage& req, const Leg& leg, bool initial,
                                    TimerDecision& out) {
  out = {};
  // In a dialog only a running timer or a request naming one is
  // negotiated: agents' phones that never asked are not refreshed.
  if (!initial && leg.timer.interval == 0 && !req.find(HeaderId::kSessionExpires)) return true;
  auto asked = read_timer_request(req);
  if (!asked) {
    respond(id, 400, "Bad Request", {{"Warning", "399 - \"" + asked.status().message() + "\""}});
    return false;
  }
  out = negotiate_timer(options_.session_timer, *asked);
  if (out.too_small) {
    counters_.session_intervals_too_small.fetch_add(1, std::memory_order_relaxed);
    respond(id, 422, "Session Interval Too Small", {{"Min-SE", std::to_string(options_.session_timer.min_se)}});
    return false;
  }
  return true;
}

void B2bua::start_timer(Leg& leg, std::uint32_t interval, bool we_refresh) {
  Leg::Timer& t = leg.timer;
  t.interval = interval;
  t.we_refresh = we_refresh;
  t.retried_422 = false;
  if (interval == 0) return;
  const Nanos now = clock_.now();
  const Nanos length = std::chrono::seconds(interval);
  t.expires_at = now + length;
  t.refresh_at = now + length / 2;
}

Nanos B2bua::timer_bye_at(const Leg& leg) {
  const Leg::Timer& t = leg.timer;
  if (t.we_refresh) return t.expires_at;
  return t.expires_at - std::min<Nanos>(std::chrono::seconds(32), std::chrono::seconds(t.interval) / 3);
}

void B2bua::send_refresh(Session& s, Leg& leg) {
  Leg::Timer& t = leg.timer;
  std::optional<sdp::SessionDescription> offer;
  if (leg.sdp_origin)
    if (auto o = sdp::make_offer(current_caps(leg), *leg.sdp_origin)) offer = std::move(*o);
  std::vector<std::pair<std::string, std::string>> headers = {
      {"Session-Expires", std::to_string(t.interval) + ";refresher=uac"},
      {"Supported", "timer"},
      {"Min-SE", std::to_string(options_.session_timer.min_se)}};
  t.refresh_cseq = ++leg.local_cseq;
  const std::string invite = offer ? dialog_request(leg, "INVITE", t.refresh_cseq, layer_.new_branch(),
                                                    "application/sdp", sdp::serialize(*offer), headers)
                                   : std::string();
  auto id = invite.empty() ? Result<TransactionId>(internal_error("could not build the refresh"))
                           : layer_.send_request(invite, leg.peer);
  if (!id) {
    // No more tries: the session ends at its expiry unless the peer
    // refreshes it.
    spdlog::info("sip: call {}: session refresh not sent: {}", s.call, id.status().message());
    t.refresh_at = t.expires_at;
    return;
  }
  t.refresh_offer = std::move(offer);
  t.refresh_txn = *id;
  t.refresh_in_flight = true;
  leg.reinvite_pending = true;
  by_txn_[*id] = s.token;
}

void B2bua::end_for_timer(Session& s, Leg& leg, const char* reason) {
  leg.timer = {};
  leg.reinvite_pending = false;
  send_bye(s, leg);
  if (s.call && !s.call_ended) {
    s.call_ended = true;
    calls_.hangup(s.call, reason);
  }
}

void B2bua::on_refresh_response(const SipMessage& resp, Session& s, Leg& leg) {
  Leg::Timer& t = leg.timer;
  const int code = resp.status_code();
  if (code < 200) return;
  if (!t.refresh_in_flight) {
    // A retransmitted 2xx: our ACK was lost.
    if (code < 300 && !leg.ack.empty()) wire_.send(leg.peer, leg.ack);
    return;
  }
  t.refresh_in_flight = false;
  leg.reinvite_pending = false;
  if (code >= 300) {
    if (code == 422 && !t.retried_422) {
      // §10: try again with at least the interval the peer asks for.
      const auto min_se = min_se_of(resp);
      if (min_se && *min_se > t.interval) {
        t.interval = *min_se;
        t.retried_422 = true;
        return send_refresh(s, leg);
      }
    }
    if (code == 491) {
      // Crossing re-INVITEs (RFC 3261 §14.1): try again shortly.
      t.refresh_at = clock_.now() + std::chrono::seconds(2);
      return;
    }
    counters_.session_refresh_failures.fetch_add(1, std::memory_order_relaxed);
    spdlog::info("sip: call {}: session refresh answered {}", s.call, code);
    // §10 and RFC 3261 §12.2.1.2: the dialog is gone.
    if (code == 408 || code == 481) return end_for_timer(s, leg, "session-refresh-failed");
    // Anything else leaves the session as it was, until its expiry.
    t.refresh_at = t.expires_at;
    return;
  }
  leg.ack = dialog_request(leg, "ACK", t.refresh_cseq, layer_.new_branch());
  if (!leg.ack.empty()) wire_.send(leg.peer, leg.ack);
  if (auto c = contacts(resp); c && !c->empty() && !c->front().star)
    leg.remote_target = std::string(c->front().address.uri.text);
  if (t.refresh_offer) {
    auto answer = sdp::parse(resp.body());
    auto media = answer ? sdp::process_answer(*t.refresh_offer, *answer) : Result<sdp::NegotiatedMedia>(answer.status());
    const dataplane::Endpoint ep = media ? media_endpoint(*media) : dataplane::Endpoint{};
    if (!media || !ep.valid()) {
      spdlog::info("sip: call {}: no usable SDP answer to our session refresh; the previous media stays", s.call);
    } else if (ep != media_endpoint(leg.media) || media->remote_hold != leg.media.remote_hold) {
      leg.media = *media;
      const bool agent_leg = s.agent && &*s.agent == &leg;
      if (s.call && !s.call_ended) calls_.update_media(s.call, agent_leg ? 1 : 0, ep, media->remote_hold);
    }
    t.refresh_offer.reset();
  }
  counters_.session_refreshes_by_us.fetch_add(1, std::memory_order_relaxed);
  // No Session-Expires in the 2xx: the peer runs no timer; we keep ours
  // (refreshing is what tells a dead peer from a quiet one).
  const auto answer = read_timer_answer(resp);
  start_timer(leg, answer ? answer->interval : t.interval, answer ? answer->we_refresh : true);
}

B2bua::Leg* B2bua::refreshing_leg(Session& s, TransactionId id) {
  for (Leg* leg : {s.caller ? &*s.caller : nullptr, s.agent ? &*s.agent : nullptr})
    if (leg && id != kNoTransaction && leg->timer.refresh_txn == id) return leg;
  return nullptr;
}

void B2bua::on_refresh_failed(Session& s, Leg& leg) {
  leg.timer.refresh_in_flight = false;
  counters_.session_refresh_failures.fetch_add(1, std::memory_order_relaxed);
  spdlog::info("sip: call {}: session refresh not answered: BYE", s.call);
  end_for_timer(s, leg, "session-refresh-failed");
}

void B2bua::tick_timer(Session& s, Leg& leg, Nanos now) {
  Leg::Timer& t = leg.timer;
  if (t.interval == 0 || leg.state != Leg::State::kUp) return;
  if (now >= timer_bye_at(leg)) {
    counters_.sessions_expired.fetch_add(1, std::memory_order_relaxed);
    spdlog::info("sip: call {}: session expired without a refresh: BYE", s.call);
    return end_for_timer(s, leg, "session-expired");
  }
  if (t.we_refresh && !t.refresh_in_flight && !leg.two_xx && now >= t.refresh_at) send_refresh(s, leg);
}

std::optional<Nanos> B2bua::timer_deadline(const Leg& leg) {
  const Leg::Timer& t = leg.timer;
  if (t.interval == 0 || leg.state != Leg::State::kUp) return std::nullopt;
  Nanos d = timer_bye_at(leg);
  // While a 2xx of ours waits for its ACK the refresh waits too; the 2xx's
  // own deadline wakes us.
  if (t.we_refresh && !t.refresh_in_flight && !leg.two_xx) d = std::min(d, t.refresh_at);
  return d;
}

}  // namespace sb::sip::b2bua
