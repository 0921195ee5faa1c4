// Finding SIP message boundaries in a TCP byte stream (RFC 3261 §18.3):
// a message is its header section up to the empty line plus exactly
// Content-Length bytes of body, and between messages a peer may send
// keep-alives (RFC 5626 §3.5.1: CRLFCRLF "ping", answered with a CRLF
// "pong"; a lone CRLF is ignored).
//
// Framing is done here, before the message parser, because the parser
// needs a whole message and only the framer can say when one has arrived;
// it reads just the Content-Length field. Stateless: the connection keeps
// its unconsumed bytes and asks again after every read.
//
//   for (;;) {
//     auto f = frame_stream(pending, max_message_bytes);
//     if (f.kind == StreamFrame::kNeedMore) break;       // read more
//     ... act on f, then pending.erase(0, f.size) ...
//   }
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace sb::sip {

struct StreamFrame {
  enum Kind : std::uint8_t {
    kNeedMore,         // no decision yet: read more bytes
    kSkip,             // `size` bytes of a lone CRLF to discard
    kPing,             // `size` bytes of CRLFCRLF: answer CRLF
    kMessage,          // a whole message of `size` bytes
    // Framing errors: the stream cannot be resynchronised, so the
    // connection is closed (after a 400 when the headers allow one).
    kNoContentLength,  // header section complete, no Content-Length
    kBadContentLength, // repeated, or not a decimal number
    kTooLarge,         // the message would exceed max_message_bytes
  };
  Kind kind = kNeedMore;
  std::size_t size = 0;
};

// Looks at the start of `pending` (which begins at a message boundary).
// A message is at most `max_message_bytes` (header section, empty line and
// body); a header section that has not ended within that many bytes, or a
// Content-Length that would overrun it, is kTooLarge.
StreamFrame frame_stream(std::string_view pending, std::size_t max_message_bytes) noexcept;

}  // namespace sb::sip
