// The checks a server makes on a parsed request before it creates a
// transaction for it (RFC 3261 §8.2 and §16.3): the parser only frames a
// message, so a request with two CSeq fields or an unreadable To still
// parses. Whatever fails here is answered with 400 (builder.hpp:
// make_bad_request_response) rather than processed.
//
// Layering, as the RFC 4475 tests use it:
//   parse_sip_message   framing, start line, Request-URI, Content-Length
//   validate_request    mandatory fields present, single and readable;
//                       CSeq method equal to the request method; the
//                       optional fields a server acts on readable
//   the application     schemes it serves (416), extensions (420),
//                       media types (415), Max-Forwards 0 (483), ...
#pragma once

#include "common/status.hpp"
#include "control/sip/message.hpp"

namespace sb::sip {

// OK when `request` is a request with exactly one To, From, CSeq and
// Call-ID, at least one Via, all readable; at most one readable
// Max-Forwards (absence is tolerated: RFC 3261 §8.1.1.6 says SHOULD);
// a CSeq method equal to the request method (byte for byte: methods are
// case-sensitive); a Content-Type when there is a body; and readable
// Contact, Route, Record-Route, Expires and Date fields when present.
// Errors are invalid-argument naming the header, or not-found for a
// missing mandatory header; failed-precondition when given a response.
Status validate_request(const SipMessage& request);

// The fields a client transaction matches a response on: at least one
// Via, exactly one From, To, Call-ID and CSeq, all readable.
Status validate_response(const SipMessage& response);

}  // namespace sb::sip
