// The SIP back-to-back user agent: the transaction user on top of the
// transaction layer that turns SIP into call control and back.
//
//   caller (trunk or softphone)            agent's phone (registered)
//        INVITE ->  [caller leg]  B2bua  [agent leg]  -> INVITE
//                         |                  ^
//            CallPort::start_call      on_agent_offered (call control)
//
// Inbound: an INVITE from a trunk's address block (or a registered agent)
// is checked (ACL, Digest when the trunk has credentials, SDP), call
// control starts the call (the media session gives our caller-side port),
// and the 200 carries our SDP answer; the 2xx is retransmitted until ACK.
// CANCEL, BYE, re-INVITE (media change, hold; without SDP our offer goes
// in the 2xx, reoffer.cpp), UPDATE, INFO (DTMF), OPTIONS are
// served in or out of the dialog as RFC 3261 says; REGISTER goes to the
// registrar. An INVITE without SDP (late offer) gets our offer in the 200
// (one G.711 codec, so the media session can start before the answer)
// and call control starts the call with the caller's media address
// pending; the ACK's answer gives it, and a missing or bad one ends the
// call with BYE. REFER in a dialog is a blind transfer to a
// queue or an agent (transfer.cpp).
//
// Agents: when the ACD offers a call to an agent with a live registration,
// call control tells us (on_agent_offered) and we INVITE the phone with an
// offer in the caller's codec; 200 -> ACK and CallPort::answer; a failure
// or the ring timeout -> CANCEL and CallPort::reject_offer, so the ACD
// moves on. Agents without a registration answer through the API.
// Whichever side hangs up, call control reports the end (on_call_ended)
// and we tear down the legs that are still up.
//
// Testable without sockets: bytes leave through WireSink, call control is
// reached through CallPort (asynchronous; results come back through
// on_call_started / on_answer_result), and time is the injected clock.
// Not thread-safe: one SIP thread calls everything.
#pragma once

#include <atomic>
#include <functional>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "control/calls/call_control.hpp"
#include "control/sip/b2bua/registrar.hpp"
#include "control/sip/b2bua/session_timer.hpp"
#include "control/sip/sdp/offer_answer.hpp"
#include "control/sip/transaction_layer.hpp"

namespace sb::sip::b2bua {

using CallId = calls::CallId;

// Call control as seen from the SIP thread. Every call is asynchronous.
class CallPort {
 public:
  virtual ~CallPort() = default;
  // Reply with B2bua::on_call_started(token, ...).
  virtual void start_call(std::uint64_t token, const calls::InboundCall& call) = 0;
  virtual void hangup(CallId call, const std::string& by) = 0;
  // Reply with B2bua::on_answer_result(call, agent, status).
  virtual void answer(CallId call, const std::string& agent, dataplane::Endpoint agent_media) = 0;
  virtual void reject_offer(CallId call, const std::string& agent, const std::string& why) = 0;
  virtual void digit(CallId call, char digit) = 0;
  virtual void update_media(CallId call, int leg, dataplane::Endpoint remote, bool hold) = 0;
  // A REFER (blind transfer); `by` is "agent" or "caller". Reply with
  // B2bua::on_transfer_result(call, status).
  virtual void transfer(CallId call, const calls::TransferTarget& to, const std::string& by) = 0;
  // The outcome of place_outbound: the dialled party answered (its media
  // address), or the leg could not be set up.
  virtual void outbound_answered(CallId call, dataplane::Endpoint remote_media) = 0;
  virtual void outbound_failed(CallId call, const std::string& why) = 0;
  // [sip] logout_on_expiry: the agent's phone's registration lapsed (it
  // expired or was removed); log the agent out in the ACD.
  virtual void logout_agent(const std::string& agent, const std::string& why) = 0;
};

class WireSink {
 public:
  virtual ~WireSink() = default;
  virtual void send(const Peer& to, std::string bytes) = 0;
};

struct TrunkAcl {
  std::string name;
  std::vector<std::string> cidrs;
  std::string user, password;  // empty: no Digest
};

// Where calls we place go ([sip.outbound]).
struct OutboundTrunk {
  Peer peer;                    // numeric address, port, transport
  std::string user, password;   // Digest credentials; empty: none
  std::string caller_id;        // presented in From; empty: the call's own
  std::string domain;           // Request-URI and To host; empty: peer.host
};

struct B2buaOptions {
  std::string domain = "switchboard.local";
  std::string user_agent = "Switchboard";
  std::vector<TrunkAcl> trunks;
  std::map<std::string, std::string> dids;   // user -> menu or "queue:<name>"
  std::vector<std::string> codecs = {"PCMU", "PCMA"};
  Nanos ring_timeout = std::chrono::seconds(30);
  std::size_t max_dialogs = 10000;
  std::string media_address = "127.0.0.1";  // the dataplane's, in our SDP
  // How we are reached (Via sent-by, Contact), per transport.
  std::string sip_host = "127.0.0.1";
  std::uint16_t udp_port = 5060;
  std::uint16_t tcp_port = 0;                // 0: no TCP listener
  RegistrarOptions registrar;
  TransactionLayerConfig transactions;
  std::optional<OutboundTrunk> outbound;     // none: callbacks cannot be placed
  SessionTimerPolicy session_timer;          // RFC 4028 on inbound calls
  bool logout_on_expiry = false;             // a lapsed registration logs its agent out
  // Whether an id is an ACD agent (a REFER's Refer-To user part that is
  // also a number is an agent if so, else dialled). Unset: the agents
  // with SIP credentials. Called on the SIP thread.
  std::function<bool(const std::string&)> is_agent;
};

// Relaxed atomics: written by the SIP thread, read by metric scrapes; each
// is an independent count, no ordering with other data is implied.
struct B2buaCounters {
  static constexpr const char* kMethods[] = {"INVITE", "ACK",  "BYE",   "CANCEL", "REGISTER", "OPTIONS",
                                             "INFO",   "REFER", "UPDATE", "other"};
  static constexpr std::size_t kMethodCount = 10;
  std::atomic<std::uint64_t> requests[kMethodCount] = {};
  std::atomic<std::uint64_t> responses[6] = {};   // 1xx .. 6xx sent
  std::atomic<std::uint64_t> auth_failures{0};
  std::atomic<std::uint64_t> acl_rejections{0};
  std::atomic<std::uint64_t> registrations{0};    // gauge
  std::atomic<std::uint64_t> dialogs{0};          // gauge: calls with a SIP leg
  // REFERs: answered 202; answered with an error; accepted, then refused
  // by call control (its NOTIFY carries the refusal).
  std::atomic<std::uint64_t> transfers_accepted{0}, transfers_refused{0}, transfers_failed{0};
  // Calls we place (callbacks): INVITEs sent; answered; not placed, refused,
  // not answered or unreachable (each reported as outbound_failed).
  std::atomic<std::uint64_t> outbound_placed{0}, outbound_answered{0}, outbound_failed{0};
  // Sessions kept up or ended by what peers send: a re-INVITE without SDP
  // whose ACK answered our offer; one whose ACK had no usable answer (the
  // previous media stays).
  std::atomic<std::uint64_t> offerless_reinvites_answered{0}, offerless_reinvites_bad_answer{0};
  // Session timers (RFC 4028): refreshes by the peer and by us; our
  // refreshes refused or unanswered; sessions ended because nobody
  // refreshed them; requests refused 422 (interval below min_se).
  std::atomic<std::uint64_t> session_refreshes_by_peer{0}, session_refreshes_by_us{0};
  std::atomic<std::uint64_t> session_refresh_failures{0}, sessions_expired{0}, session_intervals_too_small{0};
  // Agents logged out because their phone's registration lapsed.
  std::atomic<std::uint64_t> registration_logouts{0};
};

class B2bua final : public TransactionUser {
 public:
  B2bua(const Clock& clock, B2buaOptions options, CallPort& calls, WireSink& wire);
  ~B2bua() override;

  // ---- from the transport (SIP thread) ----
  void on_message(OwnedMessage message, const Peer& source);

  // ---- from call control (posted to the SIP thread) ----
  struct Started {
    CallId call = 0;
    dataplane::Endpoint local_media;
    // The IVR let the caller go at once to wait for a callback (a callback
    // node with nothing to play): call control's on_call_ended came before
    // this, while the call had no SIP session yet.
    bool caller_released = false;
  };
  void on_call_started(std::uint64_t token, Result<Started> started);
  void on_answer_result(CallId call, const std::string& agent, const Status& status);
  void on_agent_offered(const calls::CallSignalling::AgentOffer& offer);
  void on_offer_cancelled(CallId call, const std::string& agent);
  void on_call_ended(CallId call, const std::string& reason, const std::string& by);
  void on_transfer_result(CallId call, const Status& status);
  // Dial a callback through the outbound trunk (outbound_leg.cpp).
  void place_outbound(const calls::OutboundCall& call);
  // Call control gave up on that dial: CANCEL it if it still rings; its
  // final response is then reported to nobody.
  void cancel_outbound_dial(CallId call);
  void on_agent_released(CallId call, const std::string& agent);

  // ---- timers ----
  std::optional<Nanos> next_deadline() const;
  void on_tick(Nanos now);

  const B2buaCounters& counters() const noexcept { return counters_; }
  Registrar& registrar() noexcept { return registrar_; }
  std::size_t sessions() const noexcept { return sessions_.size(); }

  // TransactionUser
  Status send(const OutboundMessage& message) override;
  void on_request(TransactionId id, const SipMessage& request) override;
  void on_response(TransactionId id, const SipMessage& response) override;
  void on_timeout(TransactionId id) override;
  void on_transport_error(TransactionId id, const Status& error) override;
  void on_cancel(TransactionId invite, const SipMessage& cancel) override;
  void on_terminated(TransactionId id) override;

  struct Leg;
  struct Session;

 private:
  void on_new_invite(TransactionId id, const SipMessage& req);
  void on_in_dialog(TransactionId id, const SipMessage& req, Session& s, bool agent_leg);
  // In-dialog offer/answer (reoffer.cpp): re-INVITE with or without an
  // offer, UPDATE, and the ACK answering the offer in our 2xx.
  void on_reinvite(TransactionId id, const SipMessage& req, Session& s, Leg& leg, bool agent_leg);
  void on_update(TransactionId id, const SipMessage& req, Session& s, Leg& leg, bool agent_leg);
  // Answers the offer in `req` and hands its media to call control; the
  // answer's SDP, or nullopt once an error response was sent.
  std::optional<std::string> answer_reoffer(TransactionId id, const SipMessage& req, Session& s, Leg& leg,
                                            bool agent_leg);
  void on_reoffer_ack(Session& s, Leg& leg, const SipMessage& ack);
  // The media agreed by the answer in `ack` to `offer`; nullopt with `why`
  // when it is missing, unreadable, refused or has no IPv4 address.
  std::optional<sdp::NegotiatedMedia> answer_in_ack(const sdp::SessionDescription& offer, const SipMessage& ack,
                                                     std::string& why) const;
  // RFC 4028 (session_timer.cpp). The request's timer negotiated into
  // `out`; false once 400 or 422 was sent.
  bool negotiate_request_timer(TransactionId id, const SipMessage& req, const Leg& leg, bool initial,
                               TimerDecision& out);
  void start_timer(Leg& leg, std::uint32_t interval, bool we_refresh);
  // After our 2xx to the peer's re-INVITE or UPDATE: its refresh.
  void restart_timer_for_peer(Leg& leg, const TimerDecision& timer);
  static Nanos timer_bye_at(const Leg& leg);
  static std::optional<Nanos> timer_deadline(const Leg& leg);
  void tick_timer(Session& s, Leg& leg, Nanos now);
  void send_refresh(Session& s, Leg& leg);
  void on_refresh_response(const SipMessage& resp, Session& s, Leg& leg);
  void on_refresh_failed(Session& s, Leg& leg);
  // The leg whose session refresh is transaction `id`, if any.
  static Leg* refreshing_leg(Session& s, TransactionId id);
  void end_for_timer(Session& s, Leg& leg, const char* reason);
  // What a leg offers once its media runs: the codec (under the payload
  // type) and telephone-event number already in use, so an answer cannot
  // move the call to something the media session does not run.
  sdp::LocalCapabilities current_caps(const Leg& leg) const;
  void on_info(TransactionId id, const SipMessage& req, Session& s);
  void on_outbound_response(const SipMessage& resp, Session& s, Leg& leg);
  // The session's leg whose INVITE `invite` is, when we dialled it through
  // the outbound trunk (a callback's caller slot or a transfer's agent slot).
  Leg* dialling_leg(Session& s, TransactionId invite);
  // outbound_failed for `leg`; a callback's failure also ends the session's call.
  void dial_failed(Session& s, const Leg& leg, const std::string& why);
  // Resends the INVITE with Digest credentials; false when it cannot.
  bool answer_challenge(Session& s, Leg& leg, const SipMessage& resp);
  void cancel_outbound(Session& s, Leg& leg, const std::string& why, bool tell_calls);
  // CallPort::outbound_failed, counted.
  void outbound_failed(CallId call, const std::string& why);
  // REFER in a dialog (transfer.cpp) and the NOTIFYs reporting it.
  void on_refer(TransactionId id, const SipMessage& req, Session& s, Leg& leg, bool agent_leg);
  void notify_refer(Session& s, int code, std::string_view reason, bool final);
  bool is_agent(const std::string& id) const;
  void on_agent_response(TransactionId id, const SipMessage& resp, Session& s);
  // Late offer: the caller's ACK carries the answer to the offer in our 200.
  void on_ack_answer(Session& s, Leg& leg, const SipMessage& ack);
  // The codec a late offer names: the first G.711 one we prefer; "" if none.
  std::string late_offer_codec() const;
  void respond(TransactionId id, int code, std::string_view reason,
               std::vector<std::pair<std::string, std::string>> headers = {}, std::string_view body = {},
               std::string_view to_tag = {}, bool dialog = false);
  // A 2xx to an INVITE with our SDP, retransmitted until ACK.
  void respond_2xx(TransactionId id, const SipMessage& req, Leg& leg, const std::string& sdp,
                   const std::vector<std::pair<std::string, std::string>>& extra_headers = {});
  // In-dialog requests we originate.
  std::string dialog_request(Leg& leg, std::string_view method, std::uint32_t cseq, const std::string& branch,
                             std::string_view body_type = {}, std::string_view body = {},
                             const std::vector<std::pair<std::string, std::string>>& extra_headers = {});
  void send_bye(Session& s, Leg& leg);
  // Sends leg's INVITE with our offer (made from `c` on first use) and
  // registers its transaction; false (leg ended) when it cannot be sent.
  bool send_invite(Session& s, Leg& leg, const sdp::LocalCapabilities& c,
                   const std::vector<std::pair<std::string, std::string>>& extra_headers = {});
  // A 2xx to an INVITE we sent: ACK, dialog confirmed, the answer checked.
  enum class TwoXx : std::uint8_t { kDone, kBadAnswer, kAnswered };
  TwoXx confirm_2xx(Session& s, Leg& leg, const SipMessage& resp, dataplane::Endpoint& media_out);
  void cancel_agent(Session& s, const std::string& why, bool tell_acd);
  void end_leg(Leg& leg);
  void maybe_erase(std::uint64_t token);
  Session* session_by_call(CallId call);
  Session* session_by_token(std::uint64_t token);
  const TrunkAcl* trunk_for(const std::string& host) const;
  sdp::LocalCapabilities caps(std::uint16_t port, const std::vector<std::string>& codecs) const;
  std::string via(const Peer& to, const std::string& branch) const;
  std::string contact(const Peer& to) const;
  void count_response(std::string_view bytes);
  // Registrations that lapsed since the last look: gauge, and logouts
  // when [sip] logout_on_expiry asks for them.
  void after_registrar_change(std::string_view why);

  const Clock& clock_;
  B2buaOptions options_;
  CallPort& calls_;
  WireSink& wire_;
  Registrar registrar_;
  std::optional<DigestAuthenticator> trunk_auth_;
  TransactionLayer layer_;
  std::uint64_t next_token_ = 1;
  std::unordered_map<std::uint64_t, std::unique_ptr<Session>> sessions_;
  std::unordered_map<CallId, std::uint64_t> by_call_;
  std::unordered_map<std::string, std::uint64_t> by_call_id_;     // SIP Call-ID -> session
  std::unordered_map<TransactionId, std::uint64_t> by_txn_;       // server INVITE and our client requests
  B2buaCounters counters_;
};

}  // namespace sb::sip::b2bua
