// What a server does to the top Via of a request it receives, and where the
// responses to that request go (RFC 3261 §18.2.1, §18.2.2; RFC 3581).
//
// A request's sent-by says where its sender believes it is; behind a NAT or
// with a domain name in sent-by that is not where the packet came from. The
// server therefore records the packet's source in `received` (and in
// `rport` when the client asked for it) so that the response finds its way
// back, and every layer above the transport answers to that corrected Via.
//
//   auto top = correct_top_via(request, source);   // source = packet's IP:port
//   if (!top) answer 400: the top Via is unreadable
//   top->corrected == "SIP/2.0/UDP pc33.example.com;branch=z9hG4bK77;rport=5062;received=192.0.2.9"
//   auto to = response_target(top->via, Transport::kUdp, source, 0);
//
// Pure functions: no sockets, no clock, no allocation beyond the result.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.hpp"
#include "control/sip/headers.hpp"
#include "control/sip/message.hpp"
#include "control/sip/transport/types.hpp"

namespace sb::sip {

// 0 means "no connection" (UDP).
using ConnectionId = std::uint64_t;

// One via-parm (the text of one Via value, not a whole Via row) with
// `received` and `rport` set for a request that arrived from `source`:
// - received=<source address> when sent-by is a domain name or an address
//   other than the source (§18.2.1), and always when rport was asked for
//   (RFC 3581 §4); a received the client wrote itself is replaced;
// - rport=<source port> when the client sent a valueless rport.
// Other parameters keep their order and text; whitespace around separators
// is normalised away. IPv6 sources are written in brackets
// (received=[2001:db8::1]) because that is the form the project's Via
// parser, and every stack we interoperate with, reads back.
// Errors: invalid-argument when `via_parm` does not parse as one Via value.
Result<std::string> correct_via_value(std::string_view via_parm, const Endpoint& source);

struct CorrectedTopVia {
  std::string_view written;  // the top via-parm as written: a view into the message
  std::string corrected;     // correct_via_value(written, source)
  bool changed = false;      // corrected != written
  // Whether the view `written` lies inside the message's raw bytes (it does
  // not when the Via row was folded and the parser unfolded it), i.e.
  // whether the raw message can be rewritten in place.
  bool in_raw = true;
};

// The top via-parm of `request`, corrected. Errors: not-found without a
// Via, invalid-argument when the top Via row is unreadable.
Result<CorrectedTopVia> correct_top_via(const SipMessage& request, std::string_view raw, const Endpoint& source);

// Where the responses to a request go (§18.2.2), given its top Via (as
// written or corrected: only sent-by's port and the presence of rport count).
struct ResponseTarget {
  Transport transport = Transport::kUdp;
  // Reliable transports: the connection the request came on. When it has
  // closed, the server should connect to `endpoint` instead.
  ConnectionId connection = 0;
  // Unreliable: the source address, with the source port when rport was
  // asked for, else the sent-by port (5060 when absent). Reliable: the
  // source address and the sent-by port, for reconnecting. `maddr` is
  // ignored: we do not send responses to multicast groups.
  Endpoint endpoint;
};

ResponseTarget response_target(const Via& corrected_top, Transport transport, const Endpoint& source,
                               ConnectionId connection);

}  // namespace sb::sip
