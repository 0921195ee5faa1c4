#include "control/sip/message.hpp"

#include <array>
#include <cstdio>
#include <cstring>
#include <string>

#include "control/sip/grammar.hpp"
#include "control/sip/uri.hpp"

namespace sb::sip {
namespace {

using grammar::iequals;
using grammar::is_wsp;

struct KnownHeader {
  HeaderId id;
  std::string_view name;
  char compact;  // '\0' when the header has no compact form
};

constexpr std::array<KnownHeader, 30> kKnown = {{
    {HeaderId::kVia, "Via", 'v'},
    {HeaderId::kFrom, "From", 'f'},
    {HeaderId::kTo, "To", 't'},
    {HeaderId::kCallId, "Call-ID", 'i'},
    {HeaderId::kCSeq, "CSeq", '\0'},
    {HeaderId::kContact, "Contact", 'm'},
    {HeaderId::kMaxForwards, "Max-Forwards", '\0'},
    {HeaderId::kRoute, "Route", '\0'},
    {HeaderId::kRecordRoute, "Record-Route", '\0'},
    {HeaderId::kContentType, "Content-Type", 'c'},
    {HeaderId::kContentLength, "Content-Length", 'l'},
    {HeaderId::kContentEncoding, "Content-Encoding", 'e'},
    {HeaderId::kAuthorization, "Authorization", '\0'},
    {HeaderId::kWwwAuthenticate, "WWW-Authenticate", '\0'},
    {HeaderId::kProxyAuthorization, "Proxy-Authorization", '\0'},
    {HeaderId::kProxyAuthenticate, "Proxy-Authenticate", '\0'},
    {HeaderId::kExpires, "Expires", '\0'},
    {HeaderId::kAllow, "Allow", '\0'},
    {HeaderId::kSupported, "Supported", 'k'},
    {HeaderId::kRequire, "Require", '\0'},
    {HeaderId::kProxyRequire, "Proxy-Require", '\0'},
    {HeaderId::kUserAgent, "User-Agent", '\0'},
    {HeaderId::kSubject, "Subject", 's'},
    {HeaderId::kDate, "Date", '\0'},
    {HeaderId::kEvent, "Event", 'o'},             // RFC 6665
    {HeaderId::kAllowEvents, "Allow-Events", 'u'},  // RFC 6665
    {HeaderId::kReferTo, "Refer-To", 'r'},          // RFC 3515
    {HeaderId::kReferredBy, "Referred-By", 'b'},    // RFC 3892
    {HeaderId::kSessionExpires, "Session-Expires", 'x'},  // RFC 4028
    {HeaderId::kIdentity, "Identity", 'y'},         // RFC 8224
}};

std::string hex_byte(char c) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%02x", static_cast<unsigned>(static_cast<unsigned char>(c)));
  return buf;
}

std::string line_ref(std::size_t line_no) { return "line " + std::to_string(line_no); }

// One physical line: [begin, end) without its CRLF; `next` is where the
// following line starts.
struct Line {
  std::string_view text;
  std::size_t next = 0;
};

// The line starting at `pos`. Lines end in CRLF; a bare CR or LF, or a line
// longer than the limit, is an error. `found` is false when no line end is
// left (the caller decides what that means).
Status next_line(std::string_view bytes, std::size_t pos, const ParseLimits& limits, std::size_t line_no,
                 bool& found, Line& out) {
  found = false;
  const std::size_t lf = bytes.find('\n', pos);
  std::size_t text_end = bytes.size();
  if (lf != std::string_view::npos) {
    if (lf == pos || bytes[lf - 1] != '\r') {
      return invalid_argument(line_ref(line_no) + " ends in a bare LF (lines end in CRLF)");
    }
    text_end = lf - 1;
  }
  const auto text = bytes.substr(pos, text_end - pos);
  if (text.find('\r') != std::string_view::npos) return invalid_argument(line_ref(line_no) + " contains a bare CR");
  if (text.size() > limits.max_line_bytes) {
    return out_of_range(line_ref(line_no) + " is " + std::to_string(text.size()) + " bytes, the limit is " +
                        std::to_string(limits.max_line_bytes));
  }
  if (lf == std::string_view::npos) return Status::ok();
  found = true;
  out.text = text;
  out.next = lf + 1;
  return Status::ok();
}

bool has_ctl(std::string_view s, bool allow_tab) {
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && !(allow_tab && c == '\t')) || u == 0x7f) return true;
  }
  return false;
}

Status parse_version(std::string_view v, std::string_view where) {
  // RFC 3261 §7.1: the version string is case-insensitive; only 2.0 exists.
  if (!iequals(v, "SIP/2.0")) {
    return invalid_argument(std::string(where) + ": SIP-Version must be SIP/2.0, got '" +
                            std::string(v.substr(0, 32)) + "'");
  }
  return Status::ok();
}

Status parse_request_line(std::string_view line, std::string_view& method, std::string_view& uri) {
  const auto sp1 = line.find(' ');
  if (sp1 == std::string_view::npos) return invalid_argument("request line: expected 'Method SP Request-URI SP SIP/2.0'");
  method = line.substr(0, sp1);
  if (!grammar::is_token(method)) return invalid_argument("request line: the method is not a token");
  const auto sp2 = line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos) return invalid_argument("request line: expected 'Method SP Request-URI SP SIP/2.0'");
  uri = line.substr(sp1 + 1, sp2 - sp1 - 1);
  if (uri.empty()) return invalid_argument("request line: empty Request-URI (elements are separated by one SP)");
  const auto version = line.substr(sp2 + 1);
  if (version.find_first_of(" \t") != std::string_view::npos || uri.find('\t') != std::string_view::npos) {
    return invalid_argument("request line: whitespace inside the Request-URI or after the SIP-Version");
  }
  SB_RETURN_IF_ERROR(parse_version(version, "request line"));
  auto parsed = parse_uri(uri);
  if (!parsed) return invalid_argument("Request-URI: " + parsed.status().message());
  if (parsed->is_sip() && !parsed->headers.empty()) {
    return invalid_argument("Request-URI: a SIP URI here must not carry headers ('?...', RFC 3261 §19.1.1)");
  }
  return Status::ok();
}

Status parse_status_line(std::string_view line, int& code, std::string_view& reason) {
  // Status-Line = SIP-Version SP Status-Code SP Reason-Phrase
  const auto sp1 = line.find(' ');
  if (sp1 == std::string_view::npos) return invalid_argument("status line: expected 'SIP/2.0 SP code SP reason'");
  SB_RETURN_IF_ERROR(parse_version(line.substr(0, sp1), "status line"));
  const auto rest = line.substr(sp1 + 1);
  std::size_t digits = 0;
  while (digits < rest.size() && grammar::is_digit(rest[digits])) ++digits;
  if (digits != 3) return invalid_argument("status line: the status code must be three digits");
  code = (rest[0] - '0') * 100 + (rest[1] - '0') * 10 + (rest[2] - '0');
  if (code < 100 || code > 699) {
    return invalid_argument("status line: status code " + std::to_string(code) + " is outside 100..699");
  }
  if (rest.size() < 4 || rest[3] != ' ') return invalid_argument("status line: expected SP after the status code");
  reason = rest.substr(4);
  if (has_ctl(reason, true)) return invalid_argument("status line: control character in the reason phrase");
  return Status::ok();
}

}  // namespace

std::string_view header_name(HeaderId id) noexcept {
  for (const auto& k : kKnown) {
    if (k.id == id) return k.name;
  }
  return {};
}

HeaderId header_id(std::string_view name) noexcept {
  if (name.size() == 1) {
    const char c = static_cast<char>(name[0] | 0x20);
    for (const auto& k : kKnown) {
      if (k.compact == c) return k.id;
    }
    return HeaderId::kOther;
  }
  for (const auto& k : kKnown) {
    if (iequals(k.name, name)) return k.id;
  }
  return HeaderId::kOther;
}

const Header* SipMessage::find(HeaderId id) const noexcept {
  for (const auto& h : headers_) {
    if (h.id == id) return &h;
  }
  return nullptr;
}

const Header* SipMessage::find(std::string_view name) const noexcept {
  const HeaderId id = header_id(name);
  if (id != HeaderId::kOther) return find(id);
  for (const auto& h : headers_) {
    if (h.id == HeaderId::kOther && iequals(h.name, name)) return &h;
  }
  return nullptr;
}

std::size_t SipMessage::count(HeaderId id) const noexcept {
  std::size_t n = 0;
  for (const auto& h : headers_) n += h.id == id ? 1 : 0;
  return n;
}

Result<SipMessage> parse_sip_message(std::string_view bytes, const ParseLimits& limits) {
  if (bytes.size() > limits.max_message_bytes) {
    return out_of_range("message is " + std::to_string(bytes.size()) + " bytes, the limit is " +
                        std::to_string(limits.max_message_bytes));
  }
  std::size_t pos = 0;
  while (bytes.substr(pos, 2) == "\r\n") pos += 2;

  SipMessage msg;
  std::size_t line_no = 1;
  bool found = false;
  Line line;
  SB_RETURN_IF_ERROR(next_line(bytes, pos, limits, line_no, found, line));
  if (!found) return invalid_argument("no complete start line (missing CRLF)");
  msg.start_line_ = line.text;
  if (line.text.empty()) return invalid_argument("empty start line");
  if (iequals(line.text.substr(0, 4), "SIP/")) {  // a method token has no '/'
    SB_RETURN_IF_ERROR(parse_status_line(line.text, msg.status_code_, msg.reason_));
  } else {
    SB_RETURN_IF_ERROR(parse_request_line(line.text, msg.method_, msg.request_uri_));
  }
  pos = line.next;

  // Header rows: a row starting with SP/HTAB continues the previous field.
  struct Row {
    std::string_view name;
    std::size_t first_line_start;
    std::size_t value_start;  // offset of the value on its first line
    std::size_t end;          // end of the last line's text
    std::size_t line_no;
    bool folded;
  };
  std::vector<Row> rows;
  bool terminated = false;
  while (pos < bytes.size()) {
    ++line_no;
    SB_RETURN_IF_ERROR(next_line(bytes, pos, limits, line_no, found, line));
    if (!found) break;
    if (line.text.empty()) {
      terminated = true;
      pos = line.next;
      break;
    }
    if (is_wsp(line.text[0])) {
      if (rows.empty()) return invalid_argument(line_ref(line_no) + ": continuation line before any header field");
      rows.back().end = pos + line.text.size();
      rows.back().folded = true;
      pos = line.next;
      continue;
    }
    std::size_t i = 0;
    while (i < line.text.size() && grammar::is_token_char(line.text[i])) ++i;
    if (i == 0) {
      return invalid_argument(line_ref(line_no) + ": header field name expected, found " + hex_byte(line.text[0]));
    }
    const auto name = line.text.substr(0, i);
    while (i < line.text.size() && is_wsp(line.text[i])) ++i;
    if (i >= line.text.size() || line.text[i] != ':') {
      return invalid_argument(line_ref(line_no) + ": header field '" + std::string(name.substr(0, 64)) +
                              "' has no ':' after its name");
    }
    if (rows.size() >= limits.max_headers) {
      return out_of_range("more than " + std::to_string(limits.max_headers) + " header fields");
    }
    rows.push_back({name, pos, pos + i + 1, pos + line.text.size(), line_no, false});
    pos = line.next;
  }
  if (!terminated) return invalid_argument("the header fields are not terminated by an empty line");
  const std::size_t body_start = pos;

  msg.headers_.reserve(rows.size());
  for (const auto& row : rows) {
    Header h;
    h.name = row.name;
    h.id = header_id(row.name);
    const auto raw = bytes.substr(row.value_start, row.end - row.value_start);
    if (!row.folded) {
      h.value = grammar::trim(raw);
    } else {
      // Unfold: every CRLF and the whitespace around it becomes one SP.
      // The result is never longer than the input, so one block the size
      // of the message holds every folded value.
      if (!msg.unfolded_) msg.unfolded_ = std::make_unique<char[]>(bytes.size());
      char* const out = msg.unfolded_.get() + msg.unfolded_used_;
      std::size_t n = 0;
      const auto value = grammar::trim(raw);
      for (std::size_t k = 0; k < value.size(); ++k) {
        if (value[k] == '\r') {
          while (n > 0 && is_wsp(out[n - 1])) --n;
          k += 2;  // CRLF; the next line starts with at least one WSP
          while (k < value.size() && is_wsp(value[k])) ++k;
          if (n > 0) out[n++] = ' ';
          --k;
          continue;
        }
        out[n++] = value[k];
      }
      while (n > 0 && is_wsp(out[n - 1])) --n;
      h.value = std::string_view(out, n);
      h.folded = true;
      msg.unfolded_used_ += n;
    }
    msg.headers_.push_back(h);
  }

  // Content-Length frames the body; without an unambiguous one the
  // message cannot be delimited.
  const Header* cl = nullptr;
  for (const auto& h : msg.headers_) {
    if (h.id != HeaderId::kContentLength) continue;
    if (cl != nullptr) return invalid_argument("Content-Length: more than one header field");
    cl = &h;
  }
  const std::size_t available = bytes.size() - body_start;
  std::size_t body_size = available;
  if (cl != nullptr) {
    const auto v = grammar::parse_decimal(cl->value, 0xffffffffu);
    if (!v) {
      return invalid_argument("Content-Length: '" + std::string(cl->value.substr(0, 32)) +
                              "' is not a decimal number of bytes");
    }
    msg.content_length_ = static_cast<std::uint32_t>(*v);
    if (*v > available) {
      return invalid_argument("Content-Length: says " + std::to_string(*v) + " bytes but the body has " +
                              std::to_string(available));
    }
    body_size = static_cast<std::size_t>(*v);
  } else if (limits.transport == ParseLimits::Transport::kStream) {
    return invalid_argument("Content-Length: required on a stream transport (RFC 3261 §18.3)");
  }
  msg.body_ = bytes.substr(body_start, body_size);
  msg.wire_size_ = body_start + body_size;
  return msg;
}

}  // namespace sb::sip
