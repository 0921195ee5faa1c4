#include "control/sip/uri.hpp"

#include <cstdio>
#include <string>

namespace sb::sip {
namespace {

using grammar::is_alnum;
using grammar::is_alpha;
using grammar::is_digit;
using grammar::is_hex;
using grammar::is_unreserved;

std::string describe(char c) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%02x", static_cast<unsigned>(static_cast<unsigned char>(c)));
  return buf;
}

bool is_user_unreserved(char c) noexcept {
  switch (c) {
    case '&': case '=': case '+': case '$': case ',': case ';': case '?': case '/':
      return true;
    default:
      return false;
  }
}

bool is_password_char(char c) noexcept {
  switch (c) {
    case '&': case '=': case '+': case '$': case ',':
      return true;
    default:
      return is_unreserved(c);
  }
}

bool is_param_char(char c) noexcept {
  switch (c) {
    case '[': case ']': case '/': case ':': case '&': case '+': case '$':
      return true;
    default:
      return is_unreserved(c);
  }
}

bool is_header_char(char c) noexcept {
  switch (c) {
    case '[': case ']': case '/': case '?': case ':': case '+': case '$':
      return true;
    default:
      return is_unreserved(c);
  }
}

bool is_reserved(char c) noexcept {
  switch (c) {
    case ';': case '/': case '?': case ':': case '@': case '&': case '=': case '+': case '$': case ',':
      return true;
    default:
      return false;
  }
}

// Checks that `s` holds only characters `ok` accepts or well-formed %HH.
template <typename Pred>
Status check_chars(std::string_view s, Pred ok, std::string_view part) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '%') {
      if (i + 2 >= s.size() || !is_hex(s[i + 1]) || !is_hex(s[i + 2])) {
        return invalid_argument("URI " + std::string(part) + ": '%' is not followed by two hex digits");
      }
      i += 2;
      continue;
    }
    if (!ok(c)) {
      return invalid_argument("URI " + std::string(part) + ": character " + describe(c) + " is not allowed");
    }
  }
  return Status::ok();
}

Status check_hostname(std::string_view host) {
  // hostname = *( domainlabel "." ) toplabel [ "." ]; IPv4address has the
  // same characters. Labels are alphanumerics and inner hyphens.
  std::string_view h = host;
  if (!h.empty() && h.back() == '.') h.remove_suffix(1);
  if (h.empty()) return invalid_argument("host is empty");
  std::size_t label_start = 0;
  for (std::size_t i = 0; i <= h.size(); ++i) {
    if (i == h.size() || h[i] == '.') {
      const auto label = h.substr(label_start, i - label_start);
      if (label.empty()) return invalid_argument("host '" + std::string(host) + "' has an empty label");
      if (label.front() == '-' || label.back() == '-') {
        return invalid_argument("host '" + std::string(host) + "' has a label starting or ending with '-'");
      }
      label_start = i + 1;
      continue;
    }
    if (!is_alnum(h[i]) && h[i] != '-') {
      return invalid_argument("host: character " + describe(h[i]) + " is not allowed");
    }
  }
  return Status::ok();
}

Status check_ipv6(std::string_view ref) {
  // "[" IPv6address "]": hex groups, colons, an optional embedded IPv4 tail.
  if (ref.size() < 4 || ref.front() != '[' || ref.back() != ']') {
    return invalid_argument("host: malformed IPv6 reference");
  }
  const auto inner = ref.substr(1, ref.size() - 2);
  int colons = 0;
  for (char c : inner) {
    if (c == ':') {
      ++colons;
    } else if (!is_hex(c) && c != '.') {
      return invalid_argument("host: character " + describe(c) + " is not allowed in an IPv6 reference");
    }
  }
  if (colons < 2 || colons > 7) return invalid_argument("host: malformed IPv6 reference");
  return Status::ok();
}

// ;name[=value] pairs of a SIP URI, up to '?' or the end.
Status uri_params(std::string_view s, ParamList& out) {
  std::size_t i = 0;
  while (i < s.size()) {
    if (s[i] != ';') return invalid_argument("URI parameters: expected ';'");
    ++i;
    std::size_t end = s.find(';', i);
    if (end == std::string_view::npos) end = s.size();
    const auto item = s.substr(i, end - i);
    GenericParam p;
    const auto eq = item.find('=');
    p.name = item.substr(0, eq);
    if (p.name.empty()) return invalid_argument("URI parameters: empty parameter name");
    SB_RETURN_IF_ERROR(check_chars(p.name, is_param_char, "parameter name"));
    if (eq != std::string_view::npos) {
      p.has_value = true;
      p.value = item.substr(eq + 1);
      if (p.value.empty()) return invalid_argument("URI parameter '" + std::string(p.name) + "' has '=' but no value");
      SB_RETURN_IF_ERROR(check_chars(p.value, is_param_char, "parameter value"));
    }
    out.push_back(p);
    i = end;
  }
  return Status::ok();
}

Status uri_headers(std::string_view s, ParamList& out) {
  if (s.empty()) return invalid_argument("URI headers: nothing after '?'");
  std::size_t i = 0;
  while (i <= s.size()) {
    std::size_t end = s.find('&', i);
    if (end == std::string_view::npos) end = s.size();
    const auto item = s.substr(i, end - i);
    const auto eq = item.find('=');
    if (eq == std::string_view::npos) return invalid_argument("URI headers: a header has no '='");
    GenericParam h;
    h.name = item.substr(0, eq);
    h.value = item.substr(eq + 1);
    h.has_value = true;
    if (h.name.empty()) return invalid_argument("URI headers: empty header name");
    SB_RETURN_IF_ERROR(check_chars(h.name, is_header_char, "header name"));
    SB_RETURN_IF_ERROR(check_chars(h.value, is_header_char, "header value"));
    out.push_back(h);
    if (end == s.size()) break;
    i = end + 1;
  }
  return Status::ok();
}

Status parse_sip_part(std::string_view rest, SipUri& uri) {
  const auto at = rest.find('@');
  if (at != std::string_view::npos) {
    const auto userinfo = rest.substr(0, at);
    const auto colon = userinfo.find(':');
    uri.user = userinfo.substr(0, colon);
    if (uri.user.empty()) return invalid_argument("URI user is empty before '@'");
    SB_RETURN_IF_ERROR(check_chars(uri.user, [](char c) { return is_unreserved(c) || is_user_unreserved(c); }, "user"));
    if (colon != std::string_view::npos) {
      uri.has_password = true;
      uri.password = userinfo.substr(colon + 1);
      SB_RETURN_IF_ERROR(check_chars(uri.password, is_password_char, "password"));
    }
    rest = rest.substr(at + 1);
  }
  // hostport
  std::size_t i = 0;
  if (!rest.empty() && rest[0] == '[') {
    const auto close = rest.find(']');
    if (close == std::string_view::npos) return invalid_argument("URI host: '[' without ']'");
    uri.host = rest.substr(0, close + 1);
    uri.host_is_ipv6 = true;
    if (auto st = check_ipv6(uri.host); !st) return invalid_argument("URI " + st.message());
    i = close + 1;
  } else {
    while (i < rest.size() && rest[i] != ':' && rest[i] != ';' && rest[i] != '?') ++i;
    uri.host = rest.substr(0, i);
    if (auto st = check_hostname(uri.host); !st) return invalid_argument("URI " + st.message());
  }
  if (i < rest.size() && rest[i] == ':') {
    const std::size_t start = ++i;
    while (i < rest.size() && is_digit(rest[i])) ++i;
    const auto digits = rest.substr(start, i - start);
    if (digits.empty()) return invalid_argument("URI port is empty or not a number");
    const auto port = grammar::parse_decimal(digits, 65535);
    if (!port) return invalid_argument("URI port " + std::string(digits) + " is out of range");
    uri.port = static_cast<std::uint16_t>(*port);
  }
  rest = rest.substr(i);
  const auto q = rest.find('?');
  SB_RETURN_IF_ERROR(uri_params(rest.substr(0, q), uri.params));
  if (q != std::string_view::npos) SB_RETURN_IF_ERROR(uri_headers(rest.substr(q + 1), uri.headers));
  return Status::ok();
}

}  // namespace

Result<SipUri> parse_uri(std::string_view text) {
  SipUri uri;
  uri.text = text;
  std::size_t i = 0;
  if (text.empty() || !is_alpha(text[0])) return invalid_argument("URI must start with a scheme");
  while (i < text.size() && (is_alnum(text[i]) || text[i] == '+' || text[i] == '-' || text[i] == '.')) ++i;
  if (i >= text.size() || text[i] != ':') return invalid_argument("URI has no ':' after its scheme");
  uri.scheme_text = text.substr(0, i);
  const auto rest = text.substr(i + 1);
  if (grammar::iequals(uri.scheme_text, "sip") || grammar::iequals(uri.scheme_text, "sips")) {
    uri.scheme = uri.scheme_text.size() == 3 ? SipUri::Scheme::kSip : SipUri::Scheme::kSips;
    SB_RETURN_IF_ERROR(parse_sip_part(rest, uri));
    return uri;
  }
  uri.scheme = SipUri::Scheme::kOther;
  uri.opaque = rest;
  if (rest.empty()) return invalid_argument("URI has nothing after '" + std::string(uri.scheme_text) + ":'");
  SB_RETURN_IF_ERROR(check_chars(rest, [](char c) { return is_unreserved(c) || is_reserved(c); }, "body"));
  return uri;
}

Status validate_host(std::string_view host) {
  if (!host.empty() && host.front() == '[') return check_ipv6(host);
  return check_hostname(host);
}

Result<std::string> percent_decode(std::string_view escaped) {
  std::string out;
  out.reserve(escaped.size());
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return c - 'A' + 10;
  };
  for (std::size_t i = 0; i < escaped.size(); ++i) {
    if (escaped[i] != '%') {
      out.push_back(escaped[i]);
      continue;
    }
    if (i + 2 >= escaped.size() || !is_hex(escaped[i + 1]) || !is_hex(escaped[i + 2])) {
      return invalid_argument("'%' is not followed by two hex digits");
    }
    out.push_back(static_cast<char>(hex(escaped[i + 1]) * 16 + hex(escaped[i + 2])));
    i += 2;
  }
  return out;
}

}  // namespace sb::sip
