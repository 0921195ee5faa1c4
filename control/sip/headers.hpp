// Typed readers for the header fields the server acts on: Via for routing
// responses back, From/To/Call-ID/CSeq for transactions and dialogs,
// Contact and Expires for registrations, Route/Record-Route for loose
// routing, Max-Forwards for loop prevention, the Digest headers for
// authentication, and a few lists (Allow, Supported, Require).
//
// The message parser (message.hpp) keeps every field opaque; these parse a
// field only when asked, so a malformed field the server never reads does
// not cost a 400. Each reader comes in two forms:
//   parse_xxx(std::string_view value)   one field value
//   xxx(const SipMessage&)              the field(s) of a message
// The message forms return not-found when the header is absent and
// invalid-argument, naming the header and the fault, when it is malformed
// or (for single-valued headers) repeated. Results hold views into the
// message (see its lifetime rules) except where unescaping quoted strings
// needs an owned std::string (display names, Digest parameters).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.hpp"
#include "control/sip/grammar.hpp"
#include "control/sip/message.hpp"
#include "control/sip/uri.hpp"

namespace sb::sip {

// The RFC 3261 branch prefix that marks a globally unique transaction id.
inline constexpr std::string_view kBranchMagicCookie = "z9hG4bK";

struct Via {
  std::string_view protocol_name;     // "SIP"
  std::string_view protocol_version;  // "2.0"
  std::string_view transport;         // "UDP", "TCP", "TLS", "SCTP", "WS", ... as written
  std::string_view host;              // sent-by host; IPv6 keeps its [ ]
  std::optional<std::uint16_t> port;
  ParamList params;
  std::string_view branch;    // empty when absent (RFC 2543 peers)
  std::string_view received;  // empty when absent
  bool has_rport = false;     // ";rport" with or without a value (RFC 3581)
  std::optional<std::uint16_t> rport;

  // True when the branch starts with the magic cookie and has more after
  // it: only then can it identify the transaction (RFC 3261 §17.2.3;
  // RFC 4475 badbranch has the cookie alone).
  bool has_rfc3261_branch() const noexcept {
    return branch.size() > kBranchMagicCookie.size() && branch.substr(0, kBranchMagicCookie.size()) == kBranchMagicCookie;
  }
};

// A name-addr ("Display" <uri>;params) or addr-spec (uri;params) value:
// From, To, Contact, Route, Record-Route, Refer-To.
struct NameAddr {
  std::string display_name;  // unquoted and unescaped; token form keeps its inner LWS
  bool has_display_name = false;
  bool angle_brackets = false;  // written as name-addr (<uri>)
  SipUri uri;
  ParamList params;      // header parameters after the URI
  std::string_view tag;  // the tag parameter, empty when absent
};

struct ContactValue {
  bool star = false;  // "Contact: *" (REGISTER removing all bindings)
  NameAddr address;
  std::optional<std::uint32_t> expires;
  std::optional<std::uint16_t> q_thousandths;  // q=0.5 -> 500
};

struct CSeq {
  std::uint32_t number = 0;  // 0 .. 2^31-1 (RFC 3261 §8.1.1.5)
  std::string_view method;
};

struct MediaType {
  std::string_view type;
  std::string_view subtype;
  ParamList params;
};

// Digest challenge (WWW-/Proxy-Authenticate) or credentials
// (Authorization, Proxy-Authorization), RFC 3261 §25 and RFC 2617.
// Quoted values are unescaped; absent parameters are empty.
struct DigestParams {
  std::string username, realm, nonce, uri, response, algorithm, qop, nc, cnonce, opaque, domain;
  bool stale = false;
  // Parameters with other names, unquoted: name -> value.
  std::vector<std::pair<std::string_view, std::string>> other;
};

// --- one field value ---------------------------------------------------
Result<std::vector<Via>> parse_via(std::string_view value);
// From, To (and other single name-addr/addr-spec values); `what` names the
// header in errors.
Result<NameAddr> parse_name_addr(std::string_view value, std::string_view what);
Result<std::vector<ContactValue>> parse_contact(std::string_view value);
// Route / Record-Route: comma-separated, name-addr form only.
Result<std::vector<NameAddr>> parse_route(std::string_view value, std::string_view what);
// Call-ID = word [ "@" word ]
Result<std::string_view> parse_call_id(std::string_view value);
Result<CSeq> parse_cseq(std::string_view value);
Result<std::uint8_t> parse_max_forwards(std::string_view value);
Result<std::uint32_t> parse_expires(std::string_view value);
Result<MediaType> parse_media_type(std::string_view value);
// Digest only: another scheme gives unsupported (RFC 4475 regaut01).
Result<DigestParams> parse_digest(std::string_view value, std::string_view what);
// A comma-separated token list (Allow, Supported, Require, Proxy-Require).
Result<std::vector<std::string_view>> parse_token_list(std::string_view value, std::string_view what);
// rfc1123-date in GMT, as RFC 3261 §20.17 requires; seconds since the epoch.
Result<std::int64_t> parse_date(std::string_view value);

// --- a message's fields ------------------------------------------------
// Every Via value of every Via row, topmost first.
Result<std::vector<Via>> vias(const SipMessage& m);
Result<NameAddr> from(const SipMessage& m);
Result<NameAddr> to(const SipMessage& m);
Result<std::string_view> call_id(const SipMessage& m);
Result<CSeq> cseq(const SipMessage& m);
// Contact values of every row; empty when there is none. A "*" must stand
// alone.
Result<std::vector<ContactValue>> contacts(const SipMessage& m);
Result<std::uint8_t> max_forwards(const SipMessage& m);
Result<std::vector<NameAddr>> routes(const SipMessage& m);
Result<std::vector<NameAddr>> record_routes(const SipMessage& m);
Result<MediaType> content_type(const SipMessage& m);
Result<std::uint32_t> expires(const SipMessage& m);
Result<DigestParams> authorization(const SipMessage& m);
Result<DigestParams> proxy_authorization(const SipMessage& m);
Result<DigestParams> www_authenticate(const SipMessage& m);
// Tokens of every row of a list header (kAllow, kSupported, kRequire, ...).
Result<std::vector<std::string_view>> token_list(const SipMessage& m, HeaderId id);
Result<std::string_view> user_agent(const SipMessage& m);

}  // namespace sb::sip
