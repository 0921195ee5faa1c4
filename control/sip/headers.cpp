#include "control/sip/headers.hpp"

#include <string>

namespace sb::sip {
namespace {

using grammar::Cursor;
using grammar::is_digit;
using grammar::is_wsp;

std::string s(std::string_view v) { return std::string(v); }

Status fail(std::string_view what, const std::string& why) { return invalid_argument(s(what) + ": " + why); }

// "…" around a quoted excerpt of bad input, bounded so a huge value does
// not make a huge log line.
std::string excerpt(std::string_view v) { return "'" + s(v.substr(0, 40)) + (v.size() > 40 ? "...'" : "'"); }

Status expect_end(Cursor& c, std::string_view what) {
  c.skip_ws();
  if (!c.at_end()) return fail(what, "unexpected text " + excerpt(c.rest()));
  return Status::ok();
}

Result<std::uint16_t> port_value(std::string_view digits, std::string_view what) {
  const auto v = grammar::parse_decimal(digits, 65535);
  if (!v) return fail(what, "port " + excerpt(digits) + " is not a number in 0..65535");
  return static_cast<std::uint16_t>(*v);
}

Result<Via> parse_one_via(std::string_view text) {
  constexpr std::string_view kWhat = "Via";
  Via via;
  Cursor c(text);
  via.protocol_name = c.token();
  if (via.protocol_name.empty()) return fail(kWhat, "expected a protocol name (SIP)");
  if (!c.eat_sep('/')) return fail(kWhat, "expected '/' after the protocol name");
  via.protocol_version = c.token();
  if (via.protocol_version.empty()) return fail(kWhat, "expected a protocol version");
  if (!c.eat_sep('/')) return fail(kWhat, "expected '/' after the protocol version");
  via.transport = c.token();
  if (via.transport.empty()) return fail(kWhat, "expected a transport");
  const std::size_t before_ws = c.pos();
  c.skip_ws();
  if (c.pos() == before_ws) return fail(kWhat, "expected whitespace before sent-by");
  const std::size_t host_start = c.pos();
  if (c.peek() == '[') {
    while (!c.at_end() && c.peek() != ']') c.set_pos(c.pos() + 1);
    if (!c.eat(']')) return fail(kWhat, "'[' without ']' in sent-by");
  } else {
    while (!c.at_end() && (grammar::is_alnum(c.peek()) || c.peek() == '-' || c.peek() == '.')) c.set_pos(c.pos() + 1);
  }
  via.host = text.substr(host_start, c.pos() - host_start);
  if (auto st = validate_host(via.host); !st) return fail(kWhat, "sent-by " + st.message());
  if (c.eat_sep(':')) {
    const std::size_t p = c.pos();
    while (!c.at_end() && is_digit(c.peek())) c.set_pos(c.pos() + 1);
    auto port = port_value(text.substr(p, c.pos() - p), kWhat);
    if (!port) return port.status();
    via.port = *port;
  }
  SB_RETURN_IF_ERROR(c.params(via.params, kWhat));
  SB_RETURN_IF_ERROR(expect_end(c, kWhat));
  for (const auto& p : via.params) {
    if (grammar::iequals(p.name, "branch")) {
      if (!p.has_value || p.quoted) return fail(kWhat, "branch needs a token value");
      via.branch = p.value;
    } else if (grammar::iequals(p.name, "received")) {
      if (!p.has_value || p.quoted) return fail(kWhat, "received needs an address");
      if (auto st = validate_host(p.value); !st) return fail(kWhat, "received " + st.message());
      via.received = p.value;
    } else if (grammar::iequals(p.name, "rport")) {
      via.has_rport = true;
      if (p.has_value) {
        auto port = port_value(p.value, kWhat);
        if (!port) return port.status();
        via.rport = *port;
      }
    }
  }
  return via;
}

Result<std::uint16_t> parse_qvalue(std::string_view v) {
  // qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] )
  if (v.empty() || (v[0] != '0' && v[0] != '1')) return fail("Contact", "q " + excerpt(v) + " is not in 0..1");
  std::uint16_t q = v[0] == '1' ? 1000 : 0;
  if (v.size() > 1) {
    if (v[1] != '.' || v.size() > 5) return fail("Contact", "q " + excerpt(v) + " is not a qvalue");
    std::uint16_t scale = 100;
    for (std::size_t i = 2; i < v.size(); ++i, scale = static_cast<std::uint16_t>(scale / 10)) {
      if (!is_digit(v[i]) || (q == 1000 && v[i] != '0')) return fail("Contact", "q " + excerpt(v) + " is not a qvalue");
      q = static_cast<std::uint16_t>(q + (v[i] - '0') * scale);
    }
  }
  return q;
}

bool is_word_char(char c) noexcept {
  if (grammar::is_alnum(c)) return true;
  switch (c) {
    case '-': case '.': case '!': case '%': case '*': case '_': case '+': case '`': case '\'': case '~':
    case '(': case ')': case '<': case '>': case ':': case '\\': case '"': case '/': case '[': case ']':
    case '?': case '{': case '}':
      return true;
    default:
      return false;
  }
}

Result<const Header*> single(const SipMessage& m, HeaderId id) {
  const Header* found = nullptr;
  for (const auto& h : m.headers()) {
    if (h.id != id) continue;
    if (found != nullptr) return invalid_argument(s(header_name(id)) + ": more than one header field");
    found = &h;
  }
  if (found == nullptr) return not_found(s(header_name(id)) + ": missing");
  return found;
}

template <typename T, typename Parse>
Result<T> single_value(const SipMessage& m, HeaderId id, Parse parse) {
  auto h = single(m, id);
  if (!h) return h.status();
  return parse((*h)->value);
}

}  // namespace

Result<std::vector<Via>> parse_via(std::string_view value) {
  std::vector<std::string_view> parts;
  SB_RETURN_IF_ERROR(grammar::split_list(value, "Via", parts));
  std::vector<Via> out;
  out.reserve(parts.size());
  for (auto p : parts) {
    auto v = parse_one_via(p);
    if (!v) return v.status();
    out.push_back(std::move(*v));
  }
  return out;
}

Result<NameAddr> parse_name_addr(std::string_view value, std::string_view what) {
  NameAddr na;
  const auto text = grammar::trim(value);
  Cursor c(text);
  if (text.empty()) return fail(what, "empty value");
  if (c.peek() == '"') {
    auto q = c.quoted_string();
    if (!q) return fail(what, "display name: " + q.status().message());
    na.display_name = grammar::unquote(*q);
    na.has_display_name = true;
    c.skip_ws();
    if (c.peek() != '<') return fail(what, "expected '<' after the quoted display name");
  } else {
    // A '<' before any quote means name-addr with a token display name
    // (possibly empty); otherwise the value is an addr-spec.
    const auto quote = text.find('"');
    const auto angle = text.substr(0, quote).find('<');
    if (angle != std::string_view::npos) {
      const auto dn = grammar::trim(text.substr(0, angle));
      for (char ch : dn) {
        if (!grammar::is_token_char(ch) && !is_wsp(ch)) {
          return fail(what, "display name: character '" + std::string(1, ch) +
                                "' is not allowed in an unquoted display name (quote it)");
        }
      }
      na.display_name = s(dn);
      na.has_display_name = !dn.empty();
      c.set_pos(angle);
    }
  }
  if (c.eat('<')) {
    na.angle_brackets = true;
    const std::size_t start = c.pos();
    const auto close = text.find('>', start);
    if (close == std::string_view::npos) return fail(what, "'<' without '>'");
    const auto uri_text = text.substr(start, close - start);
    if (!uri_text.empty() && (is_wsp(uri_text.front()) || is_wsp(uri_text.back()))) {
      return fail(what, "whitespace inside <...> around the URI");
    }
    auto uri = parse_uri(uri_text);
    if (!uri) return fail(what, uri.status().message());
    na.uri = std::move(*uri);
    c.set_pos(close + 1);
  } else {
    // addr-spec: the URI ends where header parameters begin. A URI with
    // ';', ',' or '?' of its own must be in <> (RFC 3261 §20).
    const std::size_t start = c.pos();
    while (!c.at_end() && c.peek() != ';' && !is_wsp(c.peek())) c.set_pos(c.pos() + 1);
    const auto uri_text = text.substr(start, c.pos() - start);
    if (uri_text.find('?') != std::string_view::npos) {
      return fail(what, "a URI with headers ('?') must be enclosed in <> (RFC 3261 §20)");
    }
    auto uri = parse_uri(uri_text);
    if (!uri) return fail(what, uri.status().message());
    na.uri = std::move(*uri);
  }
  SB_RETURN_IF_ERROR(c.params(na.params, what));
  SB_RETURN_IF_ERROR(expect_end(c, what));
  if (const auto* tag = find_param(na.params, "tag")) {
    if (!tag->has_value || tag->quoted) return fail(what, "tag needs a token value");
    na.tag = tag->value;
  }
  return na;
}

Result<std::vector<ContactValue>> parse_contact(std::string_view value) {
  std::vector<ContactValue> out;
  if (grammar::trim(value) == "*") {
    out.emplace_back().star = true;
    return out;
  }
  std::vector<std::string_view> parts;
  SB_RETURN_IF_ERROR(grammar::split_list(value, "Contact", parts));
  for (auto p : parts) {
    if (p == "*") return fail("Contact", "'*' must be the only value");
    auto na = parse_name_addr(p, "Contact");
    if (!na) return na.status();
    ContactValue cv;
    cv.address = std::move(*na);
    for (const auto& param : cv.address.params) {
      if (grammar::iequals(param.name, "expires")) {
        const auto e = param.has_value ? grammar::parse_decimal(param.value, 0xffffffffu) : std::nullopt;
        if (!e) return fail("Contact", "expires " + excerpt(param.value) + " is not a number in 0..2^32-1");
        cv.expires = static_cast<std::uint32_t>(*e);
      } else if (grammar::iequals(param.name, "q")) {
        auto q = parse_qvalue(param.value);
        if (!q) return q.status();
        cv.q_thousandths = *q;
      }
    }
    out.push_back(std::move(cv));
  }
  return out;
}

Result<std::vector<NameAddr>> parse_route(std::string_view value, std::string_view what) {
  std::vector<std::string_view> parts;
  SB_RETURN_IF_ERROR(grammar::split_list(value, what, parts));
  std::vector<NameAddr> out;
  for (auto p : parts) {
    auto na = parse_name_addr(p, what);
    if (!na) return na.status();
    if (!na->angle_brackets) return fail(what, "values must be name-addr (<uri>)");
    out.push_back(std::move(*na));
  }
  return out;
}

Result<std::string_view> parse_call_id(std::string_view value) {
  const auto v = grammar::trim(value);
  if (v.empty()) return fail("Call-ID", "empty");
  const auto at = v.find('@');
  if (at == 0 || at + 1 == v.size() || (at != std::string_view::npos && v.find('@', at + 1) != std::string_view::npos)) {
    return fail("Call-ID", "expected word [ \"@\" word ]");
  }
  for (char ch : v) {
    if (ch != '@' && !is_word_char(ch)) return fail("Call-ID", "character not allowed in a word");
  }
  return v;
}

Result<CSeq> parse_cseq(std::string_view value) {
  Cursor c(grammar::trim(value));
  const std::size_t start = c.pos();
  while (!c.at_end() && is_digit(c.peek())) c.set_pos(c.pos() + 1);
  const auto digits = c.text().substr(start, c.pos() - start);
  if (digits.empty()) return fail("CSeq", "expected a sequence number");
  const auto n = grammar::parse_decimal(digits, 0x7fffffffu);
  if (!n) return fail("CSeq", "sequence number " + excerpt(digits) + " is larger than 2^31-1");
  const std::size_t before_ws = c.pos();
  c.skip_ws();
  if (c.pos() == before_ws) return fail("CSeq", "expected whitespace between number and method");
  CSeq out;
  out.number = static_cast<std::uint32_t>(*n);
  out.method = c.token();
  if (out.method.empty()) return fail("CSeq", "expected a method");
  SB_RETURN_IF_ERROR(expect_end(c, "CSeq"));
  return out;
}

Result<std::uint8_t> parse_max_forwards(std::string_view value) {
  const auto v = grammar::parse_decimal(grammar::trim(value), 255);
  if (!v) return fail("Max-Forwards", excerpt(grammar::trim(value)) + " is not a number in 0..255");
  return static_cast<std::uint8_t>(*v);
}

Result<std::uint32_t> parse_expires(std::string_view value) {
  const auto v = grammar::parse_decimal(grammar::trim(value), 0xffffffffu);
  if (!v) return fail("Expires", excerpt(grammar::trim(value)) + " is not a number of seconds in 0..2^32-1");
  return static_cast<std::uint32_t>(*v);
}

Result<MediaType> parse_media_type(std::string_view value) {
  MediaType mt;
  Cursor c(grammar::trim(value));
  mt.type = c.token();
  if (mt.type.empty()) return fail("Content-Type", "expected a media type");
  if (!c.eat_sep('/')) return fail("Content-Type", "expected '/' after the type");
  mt.subtype = c.token();
  if (mt.subtype.empty()) return fail("Content-Type", "expected a subtype");
  SB_RETURN_IF_ERROR(c.params(mt.params, "Content-Type"));
  SB_RETURN_IF_ERROR(expect_end(c, "Content-Type"));
  return mt;
}

Result<std::vector<std::string_view>> parse_token_list(std::string_view value, std::string_view what) {
  std::vector<std::string_view> out;
  if (grammar::trim(value).empty()) return out;
  SB_RETURN_IF_ERROR(grammar::split_list(value, what, out));
  for (auto t : out) {
    if (!grammar::is_token(t)) return fail(what, excerpt(t) + " is not a token");
  }
  return out;
}

Result<std::int64_t> parse_date(std::string_view value) {
  // rfc1123-date: "Sun, 06 Nov 1994 08:49:37 GMT", exactly this layout.
  static constexpr std::string_view kDays[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
  static constexpr std::string_view kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const auto v = grammar::trim(value);
  auto num = [&](std::size_t at, std::size_t len) -> int {
    const auto n = grammar::parse_decimal(v.substr(at, len), 9999);
    return n ? static_cast<int>(*n) : -1;
  };
  if (v.size() != 29 || v.substr(3, 2) != ", " || v[7] != ' ' || v[11] != ' ' || v[16] != ' ' || v[19] != ':' ||
      v[22] != ':' || v[25] != ' ') {
    return fail("Date", "expected 'Wkd, DD Mon YYYY HH:MM:SS GMT'");
  }
  if (v.substr(26) != "GMT") return fail("Date", "the time zone must be GMT, got " + excerpt(v.substr(26)));
  bool day_ok = false;
  for (auto d : kDays) day_ok = day_ok || v.substr(0, 3) == d;
  int month = -1;
  for (int i = 0; i < 12; ++i) {
    if (v.substr(8, 3) == kMonths[i]) month = i + 1;
  }
  const int day = num(5, 2), year = num(12, 4), hh = num(17, 2), mm = num(20, 2), ss = num(23, 2);
  if (!day_ok || month < 0 || day < 1 || day > 31 || year < 0 || hh < 0 || hh > 23 || mm < 0 || mm > 59 || ss < 0 ||
      ss > 60) {
    return fail("Date", "bad day, month or time in " + excerpt(v));
  }
  // Days from civil (proleptic Gregorian), to seconds since 1970-01-01.
  const int y = year - (month <= 2 ? 1 : 0);
  const int era = y / 400;
  const int yoe = y - era * 400;
  const int doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  const int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  const std::int64_t days = static_cast<std::int64_t>(era) * 146097 + doe - 719468;
  return days * 86400 + hh * 3600 + mm * 60 + ss;
}

Result<std::vector<Via>> vias(const SipMessage& m) {
  std::vector<Via> out;
  for (const auto& h : m.headers()) {
    if (h.id != HeaderId::kVia) continue;
    auto v = parse_via(h.value);
    if (!v) return v.status();
    for (auto& one : *v) out.push_back(std::move(one));
  }
  if (out.empty()) return not_found("Via: missing");
  return out;
}

Result<NameAddr> from(const SipMessage& m) {
  return single_value<NameAddr>(m, HeaderId::kFrom, [](std::string_view v) { return parse_name_addr(v, "From"); });
}

Result<NameAddr> to(const SipMessage& m) {
  return single_value<NameAddr>(m, HeaderId::kTo, [](std::string_view v) { return parse_name_addr(v, "To"); });
}

Result<std::string_view> call_id(const SipMessage& m) {
  return single_value<std::string_view>(m, HeaderId::kCallId, parse_call_id);
}

Result<CSeq> cseq(const SipMessage& m) { return single_value<CSeq>(m, HeaderId::kCSeq, parse_cseq); }

Result<std::vector<ContactValue>> contacts(const SipMessage& m) {
  std::vector<ContactValue> out;
  for (const auto& h : m.headers()) {
    if (h.id != HeaderId::kContact) continue;
    auto v = parse_contact(h.value);
    if (!v) return v.status();
    for (auto& one : *v) out.push_back(std::move(one));
  }
  for (const auto& c : out) {
    if (c.star && out.size() > 1) return fail("Contact", "'*' must be the only value");
  }
  return out;
}

Result<std::uint8_t> max_forwards(const SipMessage& m) {
  return single_value<std::uint8_t>(m, HeaderId::kMaxForwards, parse_max_forwards);
}

static Result<std::vector<NameAddr>> route_rows(const SipMessage& m, HeaderId id) {
  std::vector<NameAddr> out;
  for (const auto& h : m.headers()) {
    if (h.id != id) continue;
    auto v = parse_route(h.value, header_name(id));
    if (!v) return v.status();
    for (auto& one : *v) out.push_back(std::move(one));
  }
  return out;
}

Result<std::vector<NameAddr>> routes(const SipMessage& m) { return route_rows(m, HeaderId::kRoute); }
Result<std::vector<NameAddr>> record_routes(const SipMessage& m) { return route_rows(m, HeaderId::kRecordRoute); }

Result<MediaType> content_type(const SipMessage& m) {
  return single_value<MediaType>(m, HeaderId::kContentType, parse_media_type);
}

Result<std::uint32_t> expires(const SipMessage& m) {
  return single_value<std::uint32_t>(m, HeaderId::kExpires, parse_expires);
}

Result<DigestParams> authorization(const SipMessage& m) {
  return single_value<DigestParams>(m, HeaderId::kAuthorization,
                                    [](std::string_view v) { return parse_digest(v, "Authorization"); });
}

Result<DigestParams> proxy_authorization(const SipMessage& m) {
  return single_value<DigestParams>(m, HeaderId::kProxyAuthorization,
                                    [](std::string_view v) { return parse_digest(v, "Proxy-Authorization"); });
}

Result<DigestParams> www_authenticate(const SipMessage& m) {
  return single_value<DigestParams>(m, HeaderId::kWwwAuthenticate,
                                    [](std::string_view v) { return parse_digest(v, "WWW-Authenticate"); });
}

Result<std::vector<std::string_view>> token_list(const SipMessage& m, HeaderId id) {
  std::vector<std::string_view> out;
  for (const auto& h : m.headers()) {
    if (h.id != id) continue;
    auto v = parse_token_list(h.value, header_name(id));
    if (!v) return v.status();
    out.insert(out.end(), v->begin(), v->end());
  }
  return out;
}

Result<std::string_view> user_agent(const SipMessage& m) {
  return single_value<std::string_view>(m, HeaderId::kUserAgent, [](std::string_view v) -> Result<std::string_view> {
    if (v.empty()) return fail("User-Agent", "empty");
    return v;
  });
}

}  // namespace sb::sip
