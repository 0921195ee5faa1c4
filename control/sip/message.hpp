// The SIP message parser: the first code that touches bytes from a SIP
// peer, so it is strict, bounded and never throws. It frames one message
// (start line, header fields, body per Content-Length) and indexes its
// header fields; the typed parsers in headers.hpp read the fields the server
// acts on, and validate.hpp checks a request before a transaction is made
// for it.
//
//   ParseLimits limits;                       // datagram defaults
//   auto msg = parse_sip_message(datagram, limits);
//   if (!msg) { drop or answer 400/513, see builder.hpp; }
//   if (msg->is_request() && msg->method() == "INVITE") ...
//
// Zero copy and lifetime: the message holds string_views into the caller's
// buffer (start line parts, header names and values, body), so the buffer
// must outlive the SipMessage and must not change while it is used. The one
// exception is a header field folded over several lines (RFC 3261 §7.3.1):
// its value is unfolded (each line break and the whitespace around it
// become one SP) into a buffer the message owns, allocated only when a
// message has a folded field. That is why a SipMessage can be moved but not
// copied.
//
// Errors: invalid-argument for malformed input (answer 400 when the start
// line and the headers a response needs were readable), out-of-range when a
// ParseLimits bound is exceeded (answer 513 Message Too Large, or drop).
// The message names the line and what is wrong.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "common/status.hpp"

namespace sb::sip {

// Header fields the server reads or that have a compact form (RFC 3261
// §7.3.3 and the extensions that define i v f t m l c k s e o r b u x y).
// Everything else is kOther and kept as written, in order.
enum class HeaderId : std::uint8_t {
  kOther = 0,
  kVia,
  kFrom,
  kTo,
  kCallId,
  kCSeq,
  kContact,
  kMaxForwards,
  kRoute,
  kRecordRoute,
  kContentType,
  kContentLength,
  kContentEncoding,
  kAuthorization,
  kWwwAuthenticate,
  kProxyAuthorization,
  kProxyAuthenticate,
  kExpires,
  kAllow,
  kSupported,
  kRequire,
  kProxyRequire,
  kUserAgent,
  kSubject,
  kDate,
  kEvent,
  kAllowEvents,
  kReferTo,
  kReferredBy,
  kSessionExpires,
  kIdentity,
};

// The canonical (full, as RFC 3261 capitalises it) name of a known header;
// empty for kOther.
std::string_view header_name(HeaderId id) noexcept;
// The HeaderId of a name as written: case-insensitive, compact forms
// included ("v" and "VIA" are both kVia).
HeaderId header_id(std::string_view name) noexcept;

struct Header {
  HeaderId id = HeaderId::kOther;
  std::string_view name;   // as written ("v", "MaX-fOrWaRdS")
  std::string_view value;  // leading/trailing whitespace removed; unfolded
  bool folded = false;     // the value was unfolded into the message's buffer
};

struct ParseLimits {
  // Datagram rules (RFC 3261 §18.3): without Content-Length the body is the
  // rest of the datagram, and bytes beyond Content-Length are discarded.
  // Stream rules: Content-Length is mandatory and bytes beyond the body
  // belong to the next message (SipMessage::wire_size says where it starts).
  enum class Transport : std::uint8_t { kDatagram, kStream };
  Transport transport = Transport::kDatagram;
  std::size_t max_message_bytes = 65535;  // a UDP datagram's maximum payload
  std::size_t max_headers = 128;          // header field rows, after unfolding
  std::size_t max_line_bytes = 4096;      // one physical line, CRLF excluded
};

class SipMessage {
 public:
  SipMessage() = default;
  SipMessage(SipMessage&&) noexcept = default;
  SipMessage& operator=(SipMessage&&) noexcept = default;
  SipMessage(const SipMessage&) = delete;
  SipMessage& operator=(const SipMessage&) = delete;

  bool is_request() const noexcept { return status_code_ == 0; }
  bool is_response() const noexcept { return status_code_ != 0; }

  // Requests: the method token exactly as written (case-sensitive, RFC 3261
  // §7.1) and the Request-URI text (parse it with parse_uri; the parser has
  // already checked it does).
  std::string_view method() const noexcept { return method_; }
  std::string_view request_uri() const noexcept { return request_uri_; }
  // Responses: 100..699 and the reason phrase (may be empty).
  int status_code() const noexcept { return status_code_; }
  std::string_view reason() const noexcept { return reason_; }
  std::string_view start_line() const noexcept { return start_line_; }

  // Every header field row in message order.
  std::span<const Header> headers() const noexcept { return headers_; }
  // The first row of a header, or nullptr.
  const Header* find(HeaderId id) const noexcept;
  // By name as written or canonical, case-insensitive, compact forms
  // included; unknown names are compared as given.
  const Header* find(std::string_view name) const noexcept;
  std::size_t count(HeaderId id) const noexcept;

  std::string_view body() const noexcept { return body_; }
  // Content-Length when the message had one.
  std::optional<std::uint32_t> content_length() const noexcept { return content_length_; }
  // Bytes of the input this message took, from the start of the buffer
  // (skipped leading CRLFs included) to the end of its body. Over a stream
  // the next message begins there; in a datagram anything after it was
  // discarded (RFC 3261 §18.3).
  std::size_t wire_size() const noexcept { return wire_size_; }

 private:
  friend Result<SipMessage> parse_sip_message(std::string_view bytes, const ParseLimits& limits);

  std::string_view start_line_;
  std::string_view method_;
  std::string_view request_uri_;
  std::string_view reason_;
  int status_code_ = 0;
  std::vector<Header> headers_;
  std::string_view body_;
  std::optional<std::uint32_t> content_length_;
  std::size_t wire_size_ = 0;
  // Unfolded values of folded header fields; a heap block so that views
  // into it survive moves of the message.
  std::unique_ptr<char[]> unfolded_;
  std::size_t unfolded_used_ = 0;
};

// Parses one SIP message from `bytes`. See the file comment for lifetime
// and error conventions. Leading CRLFs (keep-alives, RFC 5626 §4.4.1) are
// skipped. The Request-URI must parse (parse_uri) and, being a SIP/SIPS
// URI, must not carry URI headers (RFC 3261 §19.1.1). More than one
// Content-Length, a value that is not a decimal number, or a body shorter
// than it declares are errors: the message cannot be framed.
Result<SipMessage> parse_sip_message(std::string_view bytes, const ParseLimits& limits);

}  // namespace sb::sip
