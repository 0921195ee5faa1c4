// The B2BUA's per-call state (internal to b2bua.cpp and agent_leg.cpp):
// one Session per call with a SIP leg, holding the caller's dialog (UAS)
// and the agent's (UAC), each with what RFC 3261 §12 keeps for a dialog.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "control/sip/b2bua/b2bua.hpp"
#include "control/sip/b2bua/session_timer.hpp"

namespace sb::sip::b2bua {

// on_call_ended's reason for a caller let go to wait for its callback.
inline constexpr std::string_view kCallbackWaiting = "callback_waiting";

// The extensions we support (RFC 4028 session timers), in Supported.
inline constexpr std::string_view kSupported = "timer";

// What we serve, in Allow headers.
inline constexpr std::string_view kAllow = "INVITE, ACK, BYE, CANCEL, OPTIONS, INFO, REGISTER, REFER, UPDATE";

struct B2bua::Leg {
  enum class State : std::uint8_t {
    kIncoming,   // caller: INVITE received, no final response yet
    kOutgoing,   // agent: INVITE sent, no answer yet
    kWaitAck,    // caller: 2xx sent, no ACK yet
    kUp,         // confirmed
    kCancelling, // agent: CANCEL sent
    kDone,       // BYE sent or received, or failed
  };
  State state = State::kIncoming;
  std::string call_id;
  std::string local_tag, remote_tag;
  std::string local_uri, remote_uri;    // From/To URIs as name-addr without tags
  std::string remote_target;            // the peer's Contact URI
  std::vector<std::string> route_set;   // Route values, in sending order
  Peer peer;                            // where the dialog's requests go
  Peer origin;                          // where its first request came from / went to
  std::uint32_t local_cseq = 0;
  std::uint32_t remote_cseq = 0;
  TransactionId invite_txn = 0;
  bool reinvite_pending = false;
  std::unique_ptr<TwoXxRetransmitter> two_xx;
  std::unique_ptr<sdp::LocalOrigin> sdp_origin;
  std::optional<sdp::SessionDescription> our_offer;    // agent leg: our INVITE's SDP
  std::optional<sdp::SessionDescription> remote_offer; // caller leg: the INVITE's SDP
  // The offer in the 2xx we are sending to a re-INVITE without SDP; the
  // ACK brings the answer (reoffer.cpp).
  std::optional<sdp::SessionDescription> offer_in_2xx;
  sdp::NegotiatedMedia media;
  std::vector<std::string> codecs;      // what we offer/accept on this leg
  std::uint16_t local_port = 0;
  std::string ack;                      // agent leg: our ACK of its 2xx, resent on retransmissions
  std::string agent;                    // agent leg: the ACD agent id
  Nanos ring_deadline{0};
  // Agent leg: released from the call (transfer); its BYE no longer ends
  // the call.
  bool released = false;
  // RFC 4028 (session_timer.cpp): interval 0 is no timer.
  struct Timer {
    std::uint32_t interval = 0;         // seconds
    bool we_refresh = false;
    Nanos refresh_at{0};                // we_refresh: our next re-INVITE
    Nanos expires_at{0};
    bool refresh_in_flight = false;     // our refresh re-INVITE awaits its final answer
    TransactionId refresh_txn = 0;      // the last one we sent
    std::uint32_t refresh_cseq = 0;
    bool retried_422 = false;
    std::optional<sdp::SessionDescription> refresh_offer;
  } timer;
  TimerDecision pending_timer;          // caller leg: decided on the INVITE, started with our 2xx
  bool outbound = false;                // dialled through the outbound trunk (callback or transfer out)
  int auth_attempts = 0;                // outbound: Digest answers sent
};

struct B2bua::Session {
  std::uint64_t token = 0;
  CallId call = 0;                      // 0 until call control started it
  bool call_ended = false;              // call control reported the end, or we hung it up
  std::optional<Leg> caller;
  std::optional<Leg> agent;
  // A REFER accepted (202) whose outcome call control has not given yet;
  // its NOTIFYs go in the dialog of the leg it came on.
  struct Refer {
    bool from_agent_leg = false;
  };
  std::optional<Refer> refer;
};

// NegotiatedMedia -> the dataplane's address (IPv4 only, like the dataplane).
dataplane::Endpoint media_endpoint(const sdp::NegotiatedMedia& m);
codecs::CodecId codec_id(const std::string& name);
// A user part fit for From/To and history: the characters a SIP user part
// and a phone number need, at most 64; "anonymous" when nothing is left.
std::string sanitize_user(std::string_view user);
// Where requests of a dialog go (RFC 3261 §12.2.1.1, loose routing): the
// first Route, else the remote target; `fallback` when that is no numeric
// address (no DNS on the SIP thread).
Peer dialog_destination(const std::vector<std::string>& route_set, const std::string& remote_target,
                        const Peer& fallback);

}  // namespace sb::sip::b2bua
