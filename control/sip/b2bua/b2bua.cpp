// The B2BUA's core and its caller side (UAS): request dispatch, new
// INVITEs, in-dialog requests, CANCEL, timers. The agent side (UAC) and
// tear-down are in agent_leg.cpp.
#include "control/sip/b2bua/b2bua.hpp"

#include <arpa/inet.h>

#include <boost/asio/ip/address.hpp>

#include "common/log.hpp"
#include "control/sip/b2bua/session.hpp"
#include "control/sip/headers.hpp"
#include "control/sip/transport/protection.hpp"

namespace sb::sip::b2bua {

namespace {

std::size_t method_index(std::string_view m) {
  for (std::size_t i = 0; i + 1 < B2buaCounters::kMethodCount; ++i)
    if (m == B2buaCounters::kMethods[i]) return i;
  return B2buaCounters::kMethodCount - 1;
}

}  // namespace

// Caller ids end up in the From of the agent's INVITE and in history.
std::string sanitize_user(std::string_view user) {
  std::string out;
  for (char c : user) {
    if (out.size() >= 64) break;
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '*' || c == '#' || c == '.' || c == '-' ||
        c == '_')
      out.push_back(c);
  }
  return out.empty() ? "anonymous" : out;
}

dataplane::Endpoint media_endpoint(const sdp::NegotiatedMedia& m) {
  in_addr a{};
  if (m.addr_type != sdp::AddrType::kIp4 || inet_pton(AF_INET, m.remote_address.c_str(), &a) != 1) return {};
  return {ntohl(a.s_addr), m.remote_port};
}

codecs::CodecId codec_id(const std::string& name) {
  return sdp::iequals(name, "PCMA") ? codecs::CodecId::kPcma : codecs::CodecId::kPcmu;
}

B2bua::B2bua(const Clock& clock, B2buaOptions options, CallPort& calls, WireSink& wire)
    : clock_(clock),
      options_(std::move(options)),
      calls_(calls),
      wire_(wire),
      registrar_(clock, options_.registrar),
      layer_(clock, *this, options_.transactions) {
  bool any_trunk_auth = false;
  for (const auto& t : options_.trunks) any_trunk_auth = any_trunk_auth || !t.user.empty();
  if (any_trunk_auth)
    trunk_auth_.emplace(options_.domain, clock, options_.registrar.nonce_lifetime, options_.registrar.nonce_secret,
                        options_.registrar.algorithms);
}

B2bua::~B2bua() = default;

// ---- plumbing -------------------------------------------------------------

void B2bua::count_response(std::string_view bytes) {
  if (bytes.size() > 9 && bytes.substr(0, 8) == "SIP/2.0 " && bytes[8] >= '1' && bytes[8] <= '6')
    counters_.responses[bytes[8] - '1'].fetch_add(1, std::memory_order_relaxed);
}

Status B2bua::send(const OutboundMessage& m) {
  count_response(m.bytes);
  wire_.send(*m.destination, std::string(m.bytes));
  return Status::ok();
}

void B2bua::on_message(OwnedMessage message, const Peer& source) {
  if (message->is_request())
    counters_.requests[method_index(message->method())].fetch_add(1, std::memory_order_relaxed);
  layer_.on_message(std::move(message), source);
}

B2bua::Session* B2bua::session_by_token(std::uint64_t token) {
  const auto it = sessions_.find(token);
  return it == sessions_.end() ? nullptr : it->second.get();
}

B2bua::Session* B2bua::session_by_call(CallId call) {
  const auto it = by_call_.find(call);
  return it == by_call_.end() ? nullptr : session_by_token(it->second);
}

const TrunkAcl* B2bua::trunk_for(const std::string& host) const {
  boost::system::error_code ec;
  std::string h = host;
  if (h.size() > 2 && h.front() == '[') h = h.substr(1, h.size() - 2);
  const auto addr = boost::asio::ip::make_address(h, ec);
  if (ec) return nullptr;
  for (const auto& t : options_.trunks)
    for (const auto& c : t.cidrs) {
      auto cidr = Cidr::parse(c);
      if (cidr && cidr->contains(addr)) return &t;
    }
  return nullptr;
}

sdp::LocalCapabilities B2bua::caps(std::uint16_t port, const std::vector<std::string>& codecs) const {
  sdp::LocalCapabilities c;
  for (const auto& name : codecs)
    if (auto lc = sdp::standard_codec(name)) c.codecs.push_back(*lc);
  c.address = options_.media_address;
  c.rtp_port = port;
  return c;
}

std::string B2bua::via(const Peer& to, const std::string& branch) const {
  const bool tcp = to.transport == "TCP";
  return "SIP/2.0/" + std::string(tcp ? "TCP " : "UDP ") + options_.sip_host + ":" +
         std::to_string(tcp ? options_.tcp_port : options_.udp_port) + ";branch=" + branch + ";rport";
}

std::string B2bua::contact(const Peer& to) const {
  const bool tcp = to.transport == "TCP";
  return "<sip:switchboard@" + options_.sip_host + ":" + std::to_string(tcp ? options_.tcp_port : options_.udp_port) +
         (tcp ? ";transport=tcp>" : ">");
}

void B2bua::respond(TransactionId id, int code, std::string_view reason,
                    std::vector<std::pair<std::string, std::string>> headers, std::string_view body,
                    std::string_view to_tag, bool dialog) {
  ResponseOptions o;
  o.to_tag = to_tag;
  o.copy_record_route = dialog;
  headers.emplace_back("Server", options_.user_agent);
  for (const auto& [n, v] : headers) o.headers.emplace_back(n, v);
  if (!body.empty()) {
    o.content_type = "application/sdp";
    o.body = body;
  }
  // A response only fails for a transaction that has gone or a request
  // whose fields cannot be copied: nothing more to do for either.
  layer_.respond(id, code, reason, o).ignore_error();
}

void B2bua::respond_2xx(TransactionId id, const SipMessage& req, Leg& leg, const std::string& sdp,
                        const std::vector<std::pair<std::string, std::string>>& extra_headers) {
  ResponseOptions o;
  o.to_tag = leg.local_tag;
  o.copy_record_route = true;
  const std::string ct = contact(leg.origin);
  o.headers = {{"Contact", ct}, {"Allow", kAllow}, {"Supported", kSupported}, {"Server", options_.user_agent}};
  for (const auto& [name, value] : extra_headers) o.headers.emplace_back(name, value);
  o.content_type = "application/sdp";
  o.body = sdp;
  auto bytes = make_response(req, 200, "OK", o);
  if (!bytes) return;
  const Transaction* t = layer_.find(id);
  const Peer peer = t ? t->peer() : leg.origin;
  if (!layer_.respond(id, *bytes).is_ok()) return;
  leg.two_xx = std::make_unique<TwoXxRetransmitter>(id, *bytes, peer, options_.transactions.timers, clock_.now());
}

// ---- requests ---------------------------------------------------------------

void B2bua::on_request(TransactionId id, const SipMessage& req) {
  const std::string_view method = req.method();
  auto cid = call_id(req);
  auto to_hdr = to(req);
  if (!cid || !to_hdr) return;  // validated by the layer; defensive
  const auto sit = by_call_id_.find(std::string(*cid));
  Session* s = sit == by_call_id_.end() ? nullptr : session_by_token(sit->second);

  if (method == "ACK") {
    if (!s) return;  // an ACK for nothing we know: dropped (RFC 3261 §17.2.3)
    for (auto* leg : {s->caller ? &*s->caller : nullptr, s->agent ? &*s->agent : nullptr}) {
      if (!leg || leg->call_id != *cid || !leg->two_xx) continue;
      leg->two_xx->on_ack();
      leg->two_xx.reset();
      if (leg->offer_in_2xx) return on_reoffer_ack(*s, *leg, req);
      if (leg->state != Leg::State::kWaitAck) continue;
      leg->state = Leg::State::kUp;
      if (leg == &*s->caller && leg->our_offer) return on_ack_answer(*s, *leg, req);
    }
    return;
  }
  if (method == "REGISTER") {
    if (options_.registrar.agents.empty()) return respond(id, 405, "Method Not Allowed", {{"Allow", std::string(kAllow)}});
    const Transaction* t = layer_.find(id);
    auto out = registrar_.on_register(req, t ? t->peer() : Peer{});
    if (out.auth_failed) counters_.auth_failures.fetch_add(1, std::memory_order_relaxed);
    respond(id, out.code, out.reason, std::move(out.headers));
    return after_registrar_change("registration-removed");
  }
  if (method == "OPTIONS") {
    return respond(id, 200, "OK",
                   {{"Allow", std::string(kAllow)}, {"Accept", "application/sdp, application/dtmf-relay, application/dtmf"},
                    {"Supported", std::string(kSupported)}});
  }
  if (!to_hdr->tag.empty()) {
    if (!s) return respond(id, 481, "Call/Transaction Does Not Exist");
    const bool agent_leg = s->agent && s->agent->call_id == *cid;
    // A dialog the session no longer holds: a transferred agent's leg
    // replaced by the number it was transferred to. Its crossing BYE asks
    // for what is done already.
    if (!agent_leg && !(s->caller && s->caller->call_id == *cid))
      return method == "BYE" ? respond(id, 200, "OK") : respond(id, 481, "Call/Transaction Does Not Exist");
    return on_in_dialog(id, req, *s, agent_leg);
  }
  if (method == "INVITE") return on_new_invite(id, req);
  if (method == "BYE" || method == "INFO" || method == "UPDATE") return respond(id, 481, "Call/Transaction Does Not Exist");
  // REFER outside a dialog (there is no call to transfer) and everything
  // else: say so rather than accept and ignore.
  respond(id, 501, "Not Implemented", {{"Allow", std::string(kAllow)}});
}

void B2bua::on_new_invite(TransactionId id, const SipMessage& req) {
  const Transaction* t = layer_.find(id);
  if (!t) return;
  const Peer source = t->peer();
  const TrunkAcl* trunk = trunk_for(source.host);
  if (!trunk && !registrar_.is_registered_host(source.host)) {
    counters_.acl_rejections.fetch_add(1, std::memory_order_relaxed);
    return respond(id, 403, "Forbidden");
  }
  if (trunk && !trunk->user.empty() && trunk_auth_) {
    AuthOutcome out;
    auto lookup = [&](const std::string& u) -> std::optional<std::string> {
      if (u == trunk->user) return trunk->password;
      return std::nullopt;
    };
    if (!trunk_auth_->authenticate(req, lookup, out)) {
      if (out.auth_failed) counters_.auth_failures.fetch_add(1, std::memory_order_relaxed);
      return respond(id, out.code, out.reason, std::move(out.headers));
    }
  }
  if (req.find(HeaderId::kRequire)) {
    auto req_list = token_list(req, HeaderId::kRequire);
    std::string unsupported;
    if (req_list)
      for (auto tok : *req_list)
        if (!sdp::iequals(tok, kSupported)) unsupported += (unsupported.empty() ? "" : ", ") + std::string(tok);
    if (!unsupported.empty()) return respond(id, 420, "Bad Extension", {{"Unsupported", unsupported}});
  }
  TimerDecision timer;
  if (!negotiate_request_timer(id, req, Leg{}, true, timer)) return;
  if (sessions_.size() >= options_.max_dialogs)
    return respond(id, 503, "Service Unavailable", {{"Retry-After", "5"}});
  std::optional<sdp::SessionDescription> offer;
  std::optional<sdp::Answer> probe;
  dataplane::Endpoint caller_media;
  std::string late_codec;
  if (req.body().empty()) {
    // Late offer: we offer in the 200 and learn the caller's address from
    // the answer in the ACK; call control starts the call without it.
    late_codec = late_offer_codec();
    if (late_codec.empty()) return respond(id, 488, "Not Acceptable Here", {{"Warning", "399 - \"no G.711 codec to offer\""}});
  } else {
    auto type = content_type(req);
    if (!type || !sdp::iequals(type->type, "application") || !sdp::iequals(type->subtype, "sdp"))
      return respond(id, 415, "Unsupported Media Type", {{"Accept", "application/sdp"}});
    auto parsed = sdp::parse(req.body());
    if (!parsed) return respond(id, 400, "Bad Request", {{"Warning", "399 - \"SDP: unreadable\""}});
    offer = std::move(*parsed);
    // A dry run with a placeholder port: refuse 488 before call control
    // spends a media session on a call we cannot answer.
    sdp::LocalOrigin probe_origin("switchboard", 1, sdp::AddrType::kIp4, options_.media_address);
    auto a = sdp::answer_offer(*offer, caps(9, options_.codecs), probe_origin);
    if (!a) return respond(id, 488, "Not Acceptable Here");
    probe = std::move(*a);
    caller_media = media_endpoint(probe->media);
    if (!caller_media.valid()) return respond(id, 488, "Not Acceptable Here", {{"Warning", "305 - \"IPv4 media address needed\""}});
  }
  auto from_hdr = from(req);
  auto to_hdr = to(req);
  auto cid = call_id(req);
  auto cs = cseq(req);
  auto contact_list = contacts(req);
  if (!from_hdr || !to_hdr || !cid || !cs || !contact_list || contact_list->empty() || contact_list->front().star)
    return respond(id, 400, "Bad Request", {{"Warning", "399 - \"INVITE needs a Contact\""}});
  if (by_call_id_.count(std::string(*cid))) return respond(id, 482, "Loop Detected");

  auto s = std::make_unique<Session>();
  s->token = next_token_++;
  Leg& leg = s->caller.emplace();
  leg.state = Leg::State::kIncoming;
  leg.call_id = std::string(*cid);
  leg.remote_tag = std::string(from_hdr->tag);
  leg.local_tag = layer_.new_tag();
  leg.remote_uri = "<" + std::string(from_hdr->uri.text) + ">";
  leg.local_uri = "<" + std::string(to_hdr->uri.text) + ">";
  leg.remote_target = std::string(contact_list->front().address.uri.text);
  if (auto rr = record_routes(req); rr)
    for (const auto& r : *rr) leg.route_set.push_back("<" + std::string(r.uri.text) + ">");
  leg.remote_cseq = cs->number;
  leg.invite_txn = id;
  leg.pending_timer = timer;
  leg.origin = source;
  leg.peer = dialog_destination(leg.route_set, leg.remote_target, source);
  calls::InboundCall in;
  in.caller_media = caller_media;
  in.caller_media_pending = !probe;
  in.caller_id = sanitize_user(from_hdr->uri.user);
  if (probe) {
    leg.remote_offer = std::move(*offer);
    leg.media = probe->media;
    leg.codecs = options_.codecs;
    in.codec = codec_id(probe->media.codec);
    in.payload_type = static_cast<std::uint8_t>(probe->media.payload_type);
    in.telephone_event_pt = static_cast<std::uint8_t>(probe->media.telephone_event_pt.value_or(0));
  } else {
    // Our offer names one codec, so the answer cannot pick another one
    // than the media session was started with.
    leg.codecs = {late_codec};
    in.codec = codec_id(late_codec);
    in.payload_type = static_cast<std::uint8_t>(sdp::standard_codec(late_codec)->payload_type);
    in.telephone_event_pt = static_cast<std::uint8_t>(sdp::LocalCapabilities{}.telephone_event_pt);
  }
  auto ruri = parse_uri(req.request_uri());
  if (ruri && ruri->is_sip()) {
    const auto d = options_.dids.find(std::string(ruri->user));
    if (d != options_.dids.end()) {
      if (d->second.rfind("queue:", 0) == 0) in.queue = d->second.substr(6);
      else in.menu = d->second;
    }
  }
  const std::uint64_t token = s->token;
  by_call_id_[leg.call_id] = token;
  by_txn_[id] = token;
  sessions_.emplace(token, std::move(s));
  counters_.dialogs.store(sessions_.size(), std::memory_order_relaxed);
  calls_.start_call(token, in);
}

void B2bua::on_call_started(std::uint64_t token, Result<Started> started) {
  Session* s = session_by_token(token);
  if (!s || !s->caller) {
    if (started) calls_.hangup(started->call, "caller");
    return;
  }
  Leg& leg = *s->caller;
  if (started) {
    s->call = started->call;
    by_call_[s->call] = token;
  }
  if (leg.state != Leg::State::kIncoming) {
    // CANCELled while call control was starting it.
    if (started && !s->call_ended) {
      s->call_ended = true;
      calls_.hangup(s->call, "caller");
    }
    return maybe_erase(token);
  }
  if (started && started->caller_released) {
    // The call lives on without this leg (it waits for its callback).
    respond(leg.invite_txn, 480, "Temporarily Unavailable", {{"Warning", "399 - \"callback requested\""}});
    by_call_.erase(s->call);
    end_leg(leg);
    return maybe_erase(token);
  }
  if (!started) {
    const auto code = started.status().code();
    if (code == StatusCode::kUnavailable || code == StatusCode::kResourceExhausted)
      respond(leg.invite_txn, 503, "Service Unavailable", {{"Retry-After", "10"}});
    else if (code == StatusCode::kInvalidArgument)
      respond(leg.invite_txn, 488, "Not Acceptable Here");
    else
      respond(leg.invite_txn, 500, "Server Internal Error");
    end_leg(leg);
    return maybe_erase(token);
  }
  leg.local_port = started->local_media.port;
  leg.sdp_origin = std::make_unique<sdp::LocalOrigin>("switchboard", 1000 + s->call, sdp::AddrType::kIp4,
                                                      options_.media_address);
  const Transaction* t = layer_.find(leg.invite_txn);
  std::string body;
  if (leg.remote_offer) {
    auto a = sdp::answer_offer(*leg.remote_offer, caps(leg.local_port, leg.codecs), *leg.sdp_origin);
    if (a) {
      leg.media = a->media;
      // The answer may name only the codec the call runs; later offers in
      // this dialog must keep it (the agent leg relays it unchanged).
      leg.codecs = {a->media.codec};
      body = sdp::serialize(a->answer);
    }
  } else if (auto o = sdp::make_offer(caps(leg.local_port, leg.codecs), *leg.sdp_origin)) {
    leg.our_offer = *o;  // late offer: the ACK answers it
    body = sdp::serialize(*o);
  }
  if (body.empty() || !t) {
    if (t) respond(leg.invite_txn, 488, "Not Acceptable Here");
    end_leg(leg);
    s->call_ended = true;
    calls_.hangup(s->call, "caller");
    return maybe_erase(token);
  }
  respond_2xx(leg.invite_txn, t->request().message(), leg, body, timer_headers(leg.pending_timer));
  start_timer(leg, leg.pending_timer.interval, leg.pending_timer.uas_refreshes);
  leg.state = Leg::State::kWaitAck;
}

std::string B2bua::late_offer_codec() const {
  for (const auto& c : options_.codecs)
    if (sdp::iequals(c, "PCMU") || sdp::iequals(c, "PCMA")) return sdp::standard_codec(c)->name;
  return "";
}

void B2bua::on_ack_answer(Session& s, Leg& leg, const SipMessage& ack) {
  std::string why;
  const std::optional<sdp::NegotiatedMedia> media = answer_in_ack(*leg.our_offer, ack, why);
  if (!media) {
    // RFC 3261 §13.2.2.4 leaves a UAS no way to refuse an answer but to
    // end the session.
    spdlog::info("sip: call {}: {}: BYE", s.call, why);
    send_bye(s, leg);
    if (s.call && !s.call_ended) {
      s.call_ended = true;
      calls_.hangup(s.call, "bad-sdp-answer");
    }
    return maybe_erase(s.token);
  }
  leg.media = *media;
  leg.codecs = {media->codec};
  if (s.call && !s.call_ended) calls_.update_media(s.call, 0, media_endpoint(*media), media->remote_hold);
}

void B2bua::on_cancel(TransactionId invite, const SipMessage&) {
  const auto it = by_txn_.find(invite);
  if (it == by_txn_.end()) return;
  Session* s = session_by_token(it->second);
  if (!s || !s->caller || s->caller->invite_txn != invite || s->caller->state != Leg::State::kIncoming) return;
  respond(invite, 487, "Request Terminated");
  end_leg(*s->caller);
  if (s->call && !s->call_ended) {
    s->call_ended = true;
    calls_.hangup(s->call, "caller");
  }
  maybe_erase(s->token);
}

void B2bua::on_in_dialog(TransactionId id, const SipMessage& req, Session& s, bool agent_leg) {
  Leg* leg = agent_leg ? (s.agent ? &*s.agent : nullptr) : (s.caller ? &*s.caller : nullptr);
  if (!leg) return respond(id, 481, "Call/Transaction Does Not Exist");
  if (leg->state == Leg::State::kDone) {
    // A BYE crossing ours (a transferring phone hangs up when told NOTIFY
    // 200, as we hang it up) asks for what is done already.
    if (req.method() == "BYE") return respond(id, 200, "OK");
    return respond(id, 481, "Call/Transaction Does Not Exist");
  }
  auto cs = cseq(req);
  if (cs) {
    // §12.2.2: lower than the last one is out of order.
    if (leg->remote_cseq != 0 && cs->number < leg->remote_cseq) return respond(id, 500, "Server Internal Error");
    leg->remote_cseq = cs->number;
  }
  const std::string_view method = req.method();
  if (method == "BYE") {
    respond(id, 200, "OK");
    end_leg(*leg);
    if (agent_leg && (leg->released || (s.refer && s.refer->from_agent_leg))) {
      // The agent transferred the call and leaves; the caller stays.
      leg->released = true;
      return maybe_erase(s.token);
    }
    if (s.call && !s.call_ended) {
      s.call_ended = true;
      calls_.hangup(s.call, agent_leg ? "agent" : "caller");
    }
    return;  // the other leg is torn down when call control reports the end
  }
  if (method == "INVITE") return on_reinvite(id, req, s, *leg, agent_leg);
  if (method == "UPDATE") return on_update(id, req, s, *leg, agent_leg);
  if (method == "INFO") return on_info(id, req, s);
  if (method == "REFER") return on_refer(id, req, s, *leg, agent_leg);
  respond(id, 501, "Not Implemented", {{"Allow", std::string(kAllow)}});
}

void B2bua::on_info(TransactionId id, const SipMessage& req, Session& s) {
  auto type = content_type(req);
  char digit = 0;
  const std::string_view body = req.body();
  if (type && sdp::iequals(type->type, "application") && sdp::iequals(type->subtype, "dtmf-relay")) {
    // "Signal=5\r\nDuration=160"
    const auto p = body.find("Signal=");
    if (p != std::string_view::npos) {
      std::size_t q = p + 7;
      while (q < body.size() && body[q] == ' ') ++q;
      if (q < body.size()) digit = body[q];
    }
  } else if (type && sdp::iequals(type->type, "application") && sdp::iequals(type->subtype, "dtmf")) {
    for (char c : body)
      if (c != ' ' && c != '\r' && c != '\n') {
        digit = c;
        break;
      }
    // RFC 2833-style event numbers in application/dtmf: 10 = *, 11 = #.
    if (body.find("10") != std::string_view::npos) digit = '*';
    if (body.find("11") != std::string_view::npos) digit = '#';
  } else {
    return respond(id, 415, "Unsupported Media Type", {{"Accept", "application/dtmf-relay, application/dtmf"}});
  }
  if (digit >= 'a' && digit <= 'd') digit = static_cast<char>(digit - 'a' + 'A');
  if (std::string_view("0123456789*#ABCD").find(digit) == std::string_view::npos || digit == 0)
    return respond(id, 400, "Bad Request", {{"Warning", "399 - \"no DTMF digit in the body\""}});
  if (s.call && !s.call_ended) calls_.digit(s.call, digit);
  respond(id, 200, "OK");
}

// ---- transaction reports -----------------------------------------------------

void B2bua::on_timeout(TransactionId id) { on_transport_error(id, unavailable("timeout")); }

void B2bua::on_terminated(TransactionId id) { by_txn_.erase(id); }

// ---- timers -------------------------------------------------------------------

std::optional<Nanos> B2bua::next_deadline() const {
  std::optional<Nanos> d = layer_.next_deadline();
  auto take = [&](Nanos t) {
    if (!d || t < *d) d = t;
  };
  for (const auto& [token, s] : sessions_) {
    for (const auto* leg : {s->caller ? &*s->caller : nullptr, s->agent ? &*s->agent : nullptr}) {
      if (!leg) continue;
      if (leg->two_xx)
        if (auto t = leg->two_xx->next_deadline()) take(*t);
      if (leg->state == Leg::State::kOutgoing && leg->ring_deadline.count() > 0) take(leg->ring_deadline);
      if (auto t = timer_deadline(*leg)) take(*t);
    }
  }
  // Registrations expire on their own; look once a second.
  take(clock_.now() + std::chrono::seconds(1));
  return d;
}

void B2bua::on_tick(Nanos now) {
  layer_.on_tick(now);
  std::vector<std::uint64_t> tokens;
  tokens.reserve(sessions_.size());
  for (const auto& [token, s] : sessions_) tokens.push_back(token);
  for (const std::uint64_t token : tokens) {
    Session* s = session_by_token(token);
    if (!s) continue;
    for (Leg* leg : {s->caller ? &*s->caller : nullptr, s->agent ? &*s->agent : nullptr}) {
      if (!leg || !leg->two_xx) continue;
      const auto outcome = leg->two_xx->on_tick(now, *this);
      if (outcome == TwoXxRetransmitter::Outcome::kGaveUp || outcome == TwoXxRetransmitter::Outcome::kTransportError) {
        // §13.3.1.4: no ACK in 64*T1 -> BYE, and the call ends.
        leg->two_xx.reset();
        send_bye(*s, *leg);
        if (s->call && !s->call_ended) {
          s->call_ended = true;
          calls_.hangup(s->call, "no-ack");
        }
      }
    }
    if (s->agent && !s->agent->outbound && s->agent->state == Leg::State::kOutgoing &&
        s->agent->ring_deadline.count() > 0 && now >= s->agent->ring_deadline)
      cancel_agent(*s, "ring-timeout", true);
    for (Leg* leg : {s->caller ? &*s->caller : nullptr, s->agent ? &*s->agent : nullptr})
      if (leg && leg->outbound && leg->state == Leg::State::kOutgoing && now >= leg->ring_deadline)
        cancel_outbound(*s, *leg, "no-answer", true);
    for (Leg* leg : {s->caller ? &*s->caller : nullptr, s->agent ? &*s->agent : nullptr})
      if (leg) tick_timer(*s, *leg, now);
    maybe_erase(token);
  }
  registrar_.expire();
  after_registrar_change("registration-expired");
}

void B2bua::after_registrar_change(std::string_view why) {
  counters_.registrations.store(registrar_.active(), std::memory_order_relaxed);
  for (const std::string& agent : registrar_.take_lapsed()) {
    if (!options_.logout_on_expiry) continue;
    spdlog::info("sip: agent {}: {}: logged out", agent, why);
    counters_.registration_logouts.fetch_add(1, std::memory_order_relaxed);
    calls_.logout_agent(agent, std::string(why));
  }
}

}  // namespace sb::sip::b2bua
