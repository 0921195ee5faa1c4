// RFC 3264 offer/answer for the one audio stream a contact-centre call has.
//
// Three uses: a carrier or softphone sends an offer and we answer it
// (answer_offer); we originate a call to an agent or a trunk and offer
// (make_offer), then read the far end's answer (process_answer). Each yields
// a NegotiatedMedia: the plain facts call control maps onto a dataplane
// LegRequest (where to send, with which payload type, whether to send at
// all). Video and any second audio stream are declined with port 0, keeping
// the m= lines in the offer's order as RFC 3264 §6 requires.
//
// Codec choice follows the LOCAL preference list, not the offer's order:
// the operator decides whether a call runs G.722 or G.711 (transcoding
// cost, recording format), and peers tend to list their favourite first.
// Codecs are matched by encoding name (case-insensitive), clock rate and
// channels; dynamic payload type numbers belong to the offerer and are
// echoed back unchanged.
//
// No SRTP yet: a stream offered only as RTP/SAVP(F) is declined, and an
// offer with no plain RTP audio is refused with `unsupported`, which the
// SIP layer turns into 488 Not Acceptable Here.
//
//   LocalOrigin origin("switchboard", session_id, local_ip);   // per dialog
//   auto a = sdp::answer_offer(*offer, caps, origin);
//   if (!a) return reply(a.status().code() == StatusCode::kUnsupported ? 488 : 400);
//   send_200(sdp::serialize(a->answer));
//   map_to_leg(a->media);
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.hpp"
#include "control/sip/sdp/sdp.hpp"

namespace sb::sdp {

// One codec we are willing to run.
struct LocalCodec {
  std::string name;                    // SDP encoding name: PCMU, PCMA, G722, opus
  std::uint32_t clock_rate = 8000;     // the RTP clock (8000 for G.722)
  std::uint32_t channels = 1;
  int payload_type = -1;               // in our offers: the static PT, or the dynamic one we use
  std::string fmtp;                    // written in our offers and answers; empty: none
};

// The codecs the media side implements, by SDP name (case-insensitive):
// PCMU, PCMA, G722, opus (opus/48000/2, PT 111 in our offers). nullopt for
// anything else.
std::optional<LocalCodec> standard_codec(std::string_view name);

struct LocalCapabilities {
  std::vector<LocalCodec> codecs;      // preference order, best first
  bool telephone_event = true;         // telephone-event/8000 (RFC 4733)
  bool telephone_event_48k = false;    // telephone-event/48000, paired with opus
  int telephone_event_pt = 101;        // PTs used in our offers
  int telephone_event_48k_pt = 110;
  std::string telephone_events = "0-16";  // the fmtp: DTMF digits and flash
  AddrType addr_type = AddrType::kIp4;
  std::string address;                 // our media address, in c=
  std::uint16_t rtp_port = 0;
  std::uint16_t rtcp_port = 0;         // 0: rtp_port + 1 (not written); ignored when muxed
  std::uint32_t ptime_ms = 20;         // what we ask to receive, and send when the peer does not say
  bool rtcp_mux = false;               // accept (and offer) RTCP on the RTP port
  // Our side's direction: sendrecv normally; sendonly while we hold the
  // call (music on hold), inactive to stop media altogether.
  Direction direction = Direction::kSendRecv;
  std::string session_name = "-";
};

// What was agreed for the audio stream, from our point of view.
struct NegotiatedMedia {
  std::size_t media_index = 0;         // the m= line it came from
  AddrType addr_type = AddrType::kIp4;
  std::string remote_address;          // numeric, or a name to resolve; "0.0.0.0" on legacy hold
  std::uint16_t remote_port = 0;
  std::string remote_rtcp_address;     // from a=rtcp when it names one, else remote_address
  std::uint16_t remote_rtcp_port = 0;  // remote_port when muxed, a=rtcp, else remote_port + 1
  std::string codec;                   // encoding name as our capabilities spell it
  int payload_type = 0;                // used in both directions (the offerer's number)
  std::uint32_t clock_rate = 0;
  std::uint32_t channels = 1;
  std::string fmtp;                    // the peer's fmtp for the codec, raw; empty if none
  std::optional<int> telephone_event_pt;
  std::uint32_t ptime_ms = 20;         // for what we send
  Direction direction = Direction::kSendRecv;  // ours: whether we send and/or receive
  bool rtcp_mux = false;
  // The peer put the stream on hold: it offered or answered sendonly or
  // inactive, or the RFC 2543 c=0.0.0.0.
  bool remote_hold = false;
};

// Our o= line across a dialog. RFC 3264 §8: every new offer or answer we
// send in the dialog repeats the origin, and the version goes up by one
// exactly when the description changed.
class LocalOrigin {
 public:
  LocalOrigin(std::string username, std::uint64_t session_id, AddrType addr_type, std::string address);
  // Sets sdp.origin, bumping the version if the body differs from the one
  // last stamped (the first one keeps the initial version).
  void stamp(SessionDescription& sdp);
  std::uint64_t version() const noexcept { return origin_.session_version; }

 private:
  Origin origin_;
  std::optional<std::string> last_body_;  // serialised without the o= line
};

// Answers `offer`. Errors: unsupported when no audio stream can be
// accepted (no common codec, only SRTP, all ports 0): the SIP layer answers
// 488; invalid-argument for a bad local configuration.
struct Answer {
  SessionDescription answer;
  NegotiatedMedia media;
};
Result<Answer> answer_offer(const SessionDescription& offer, const LocalCapabilities& local, LocalOrigin& origin);

// An offer of one audio stream with every local codec (in preference order)
// and telephone-event. Errors: invalid-argument when the capabilities name
// no codec or give two formats one payload type.
Result<SessionDescription> make_offer(const LocalCapabilities& local, LocalOrigin& origin);

// Checks the far end's answer to `our_offer` (same m= lines in the same
// order, only formats we offered, under the numbers we offered them with)
// and returns what was agreed: the first codec in the answer's list.
// Errors: unsupported when the audio stream was declined (port 0) or the
// answer has no codec in common; invalid-argument when the answer is not a
// valid answer to the offer.
Result<NegotiatedMedia> process_answer(const SessionDescription& our_offer, const SessionDescription& answer);

// How a re-offer relates to the previous offer in the same dialog.
enum class Revision { kUnchanged, kChanged };
// Errors: invalid-argument when the origin's username, session id or
// address changed, or the version went backwards (RFC 3264 §8).
Result<Revision> compare_revision(const SessionDescription& previous, const SessionDescription& reoffer);

// Whether the peer holds the stream (sendonly, inactive, or c=0.0.0.0).
bool is_hold(const SessionDescription& sdp, const MediaDescription& m);

}  // namespace sb::sdp
