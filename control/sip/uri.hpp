// SIP and SIPS URIs (RFC 3261 §19.1, §25.1), read without copying: the
// server routes on the Request-URI, matches registrations on the To/Contact
// URIs and answers 416 for schemes it does not serve, so it needs the parts
// but not a decoded copy of each.
//
//   auto uri = parse_uri("sip:alice@[2001:db8::1]:5070;transport=tcp");
//   if (!uri) return uri.status();
//   uri->host  == "[2001:db8::1]", uri->port == 5070
//
// Every field is a view into the parsed text, %-escapes left as written
// (`percent_decode` resolves them when a comparison needs it, RFC 3261
// §19.1.4). A URI of another scheme (tel:, urn:, http:, ...) parses as
// `Scheme::kOther` with only `scheme` and `opaque` set: such a URI is a valid
// value that the application may refuse, not a syntax error.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.hpp"
#include "control/sip/grammar.hpp"

namespace sb::sip {

struct SipUri {
  enum class Scheme : std::uint8_t { kSip, kSips, kOther };
  Scheme scheme = Scheme::kSip;
  std::string_view scheme_text;  // as written ("sip", "SIP", "tel")
  std::string_view user;         // escaped form; empty when absent
  std::string_view password;
  bool has_password = false;
  // A hostname, an IPv4 address, or an IPv6 reference including its [ ].
  std::string_view host;
  bool host_is_ipv6 = false;
  std::optional<std::uint16_t> port;
  ParamList params;   // uri-parameters: ;transport=tcp ;lr ...
  ParamList headers;  // ?name=value&name=value (values never quoted)
  std::string_view opaque;  // other schemes: everything after the ':'
  std::string_view text;    // the whole URI

  bool is_sip() const noexcept { return scheme != Scheme::kOther; }
  // The `transport`, `lr`, `maddr` ... parameter, or nullptr.
  const GenericParam* param(std::string_view name) const noexcept { return find_param(params, name); }
};

// Parses a URI. Errors (invalid-argument) name the part that is wrong:
// "URI host: ...", "URI port 70000 is out of range", "URI user: character
// 0x20 is not allowed". An absoluteURI of another scheme is accepted when
// its scheme and characters fit RFC 3261's absoluteURI.
Result<SipUri> parse_uri(std::string_view text);

// A host as RFC 3261 writes it (hostname, IPv4address or IPv6reference
// with its [ ]): for Via sent-by and received, which are not URIs.
Status validate_host(std::string_view host);

// Resolves %HH escapes. Error on a '%' not followed by two hex digits.
// %00 yields a NUL byte (RFC 4475 escnull): callers must not treat the
// result as a C string.
Result<std::string> percent_decode(std::string_view escaped);

}  // namespace sb::sip
