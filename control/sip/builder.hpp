// Writing SIP messages: responses to a parsed request (the copied fields
// are what lets the client transaction match them, RFC 3261 §8.2.6) and
// requests the server originates. Output is wire text with CRLF line ends
// and a Content-Length that always matches the body.
//
//   auto ok = make_response(request, 200, "OK", {.to_tag = local_tag});
//   auto bye = SipMessageBuilder::request("BYE", "sip:bob@192.0.2.4")
//                  .add_header("Via", "SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK77")
//                  ...
//                  .build();
//
// Every input is checked before it is written, because some of it comes
// from the network (copied header values) or from API clients (reasons,
// header values): a CR or LF in a value would let a caller inject header
// fields. Errors are invalid-argument naming the offending part, or
// failed-precondition when a response cannot be formed at all (no Via,
// Call-ID or CSeq to copy; the request is an ACK, which is never answered).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.hpp"
#include "control/sip/message.hpp"

namespace sb::sip {

class SipMessageBuilder {
 public:
  static SipMessageBuilder request(std::string_view method, std::string_view request_uri);
  static SipMessageBuilder response(int code, std::string_view reason);

  // Header fields are written in the order added. Content-Length is the
  // builder's own and may not be added.
  SipMessageBuilder& add_header(std::string_view name, std::string_view value);
  SipMessageBuilder& set_body(std::string_view content_type, std::string_view body);

  // The message, or the first problem found in what was given.
  Result<std::string> build() const;

 private:
  SipMessageBuilder() = default;

  bool is_request_ = false;
  std::string method_, uri_, reason_;
  int code_ = 0;
  std::vector<std::pair<std::string, std::string>> headers_;
  std::string content_type_, body_;
};

struct ResponseOptions {
  // Added to To as ";tag=..." unless To already has a tag (RFC 3261
  // §8.2.6.2). Leave empty for 100 Trying.
  std::string_view to_tag = {};
  // Copy Record-Route, as a dialog-creating 1xx/2xx must (§12.1.1).
  bool copy_record_route = false;
  std::vector<std::pair<std::string_view, std::string_view>> headers = {};
  std::string_view content_type = {};
  std::string_view body = {};
};

// A response to `request`: every Via row in order, From, To (with the tag),
// Call-ID and CSeq copied, then `options.headers`, then the body.
// Requires a request whose To parses when a tag must be added.
Result<std::string> make_response(const SipMessage& request, int code, std::string_view reason,
                                  const ResponseOptions& options = {});

// "400 Bad Request" for a request that parsed but failed validation, with
// the reason in a Warning field (code 399). The copied fields are taken as
// written, so this works when one of From/To is the malformed field; a
// to-tag is added only if To parses.
Result<std::string> make_bad_request_response(const SipMessage& request, std::string_view why,
                                              std::string_view to_tag = {});

// The same for bytes parse_sip_message rejected: a best-effort scan of the
// start line and header rows that stops at the first row it cannot read.
// Fails (failed-precondition) unless the bytes start with a request line
// that is not ACK and the rows read carry Via, From, To, Call-ID and CSeq:
// without them no client could match the response, so the request is
// dropped instead.
Result<std::string> salvage_bad_request_response(std::string_view raw_request, std::string_view why,
                                                 const ParseLimits& limits);

}  // namespace sb::sip
