#include "control/sip/builder.hpp"

#include <string>

#include "control/sip/grammar.hpp"
#include "control/sip/headers.hpp"
#include "control/sip/uri.hpp"

namespace sb::sip {
namespace {

// NUL may appear in a quoted-pair (RFC 4475 intmeth), so only CR and LF,
// which would end the field, are refused.
bool has_line_break(std::string_view v) { return v.find_first_of("\r\n") != std::string_view::npos; }

Status check_header(std::string_view name, std::string_view value) {
  if (!grammar::is_token(name)) return invalid_argument("header name '" + std::string(name.substr(0, 64)) + "' is not a token");
  if (header_id(name) == HeaderId::kContentLength) {
    return invalid_argument("Content-Length is written by the builder from the body");
  }
  if (has_line_break(value)) {
    return invalid_argument("header " + std::string(name) + ": value contains CR or LF");
  }
  return Status::ok();
}

Status check_reason(int code, std::string_view reason) {
  if (code < 100 || code > 699) return invalid_argument("status code " + std::to_string(code) + " is outside 100..699");
  for (char c : reason) {
    const auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\t') || u == 0x7f) return invalid_argument("reason phrase contains a control character");
  }
  return Status::ok();
}

void append_header(std::string& out, std::string_view name, std::string_view value) {
  out.append(name).append(": ").append(value).append("\r\n");
}

void append_body(std::string& out, std::string_view content_type, std::string_view body) {
  if (!content_type.empty()) append_header(out, "Content-Type", content_type);
  append_header(out, "Content-Length", std::to_string(body.size()));
  out.append("\r\n").append(body);
}

std::string status_line(int code, std::string_view reason) {
  return "SIP/2.0 " + std::to_string(code) + " " + std::string(reason) + "\r\n";
}

// The warning text as a quoted-string: quotes and backslashes escaped,
// control characters dropped, bounded.
std::string warning_text(std::string_view why) {
  std::string q = "\"";
  for (char c : why.substr(0, 200)) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) continue;
    if (c == '"' || c == '\\') q.push_back('\\');
    q.push_back(c);
  }
  return q + "\"";
}

// The fields a 400 copies, as written (unfolded), in message order.
struct CopiedFields {
  std::vector<std::string_view> via;
  std::string_view from, to, call_id, cseq;
  bool from_seen = false, to_seen = false, call_id_seen = false, cseq_seen = false;
};

void collect(CopiedFields& f, HeaderId id, std::string_view value) {
  switch (id) {
    case HeaderId::kVia: f.via.push_back(value); break;
    case HeaderId::kFrom: if (!f.from_seen) { f.from = value; f.from_seen = true; } break;
    case HeaderId::kTo: if (!f.to_seen) { f.to = value; f.to_seen = true; } break;
    case HeaderId::kCallId: if (!f.call_id_seen) { f.call_id = value; f.call_id_seen = true; } break;
    case HeaderId::kCSeq: if (!f.cseq_seen) { f.cseq = value; f.cseq_seen = true; } break;
    default: break;
  }
}

Result<std::string> bad_request_from(const CopiedFields& f, std::string_view why, std::string_view to_tag) {
  if (f.via.empty() || !f.from_seen || !f.to_seen || !f.call_id_seen || !f.cseq_seen) {
    return failed_precondition("cannot answer: the request lacks Via, From, To, Call-ID or CSeq");
  }
  for (auto v : f.via) {
    if (has_line_break(v)) return failed_precondition("cannot answer: a Via value contains CR or LF");
  }
  for (auto v : {f.from, f.to, f.call_id, f.cseq}) {
    if (has_line_break(v)) return failed_precondition("cannot answer: a copied value contains CR or LF");
  }
  std::string out = status_line(400, "Bad Request");
  for (auto v : f.via) append_header(out, "Via", v);
  append_header(out, "From", f.from);
  std::string to_value(f.to);
  if (!to_tag.empty() && grammar::is_token(to_tag)) {
    if (auto t = parse_name_addr(f.to, "To"); t && t->tag.empty()) to_value += ";tag=" + std::string(to_tag);
  }
  append_header(out, "To", to_value);
  append_header(out, "Call-ID", f.call_id);
  append_header(out, "CSeq", f.cseq);
  append_header(out, "Warning", "399 switchboard " + warning_text(why));
  append_body(out, {}, {});
  return out;
}

}  // namespace

SipMessageBuilder SipMessageBuilder::request(std::string_view method, std::string_view request_uri) {
  SipMessageBuilder b;
  b.is_request_ = true;
  b.method_ = std::string(method);
  b.uri_ = std::string(request_uri);
  return b;
}

SipMessageBuilder SipMessageBuilder::response(int code, std::string_view reason) {
  SipMessageBuilder b;
  b.code_ = code;
  b.reason_ = std::string(reason);
  return b;
}

SipMessageBuilder& SipMessageBuilder::add_header(std::string_view name, std::string_view value) {
  headers_.emplace_back(std::string(name), std::string(value));
  return *this;
}

SipMessageBuilder& SipMessageBuilder::set_body(std::string_view content_type, std::string_view body) {
  content_type_ = std::string(content_type);
  body_ = std::string(body);
  return *this;
}

Result<std::string> SipMessageBuilder::build() const {
  std::string out;
  if (is_request_) {
    if (!grammar::is_token(method_)) return invalid_argument("method '" + method_.substr(0, 64) + "' is not a token");
    auto uri = parse_uri(uri_);
    if (!uri) return invalid_argument("Request-URI: " + uri.status().message());
    out = method_ + " " + uri_ + " SIP/2.0\r\n";
  } else {
    SB_RETURN_IF_ERROR(check_reason(code_, reason_));
    out = status_line(code_, reason_);
  }
  for (const auto& [name, value] : headers_) {
    SB_RETURN_IF_ERROR(check_header(name, value));
    append_header(out, name, value);
  }
  if (!body_.empty() && content_type_.empty()) return invalid_argument("a body needs a Content-Type");
  if (!content_type_.empty()) {
    if (auto mt = parse_media_type(content_type_); !mt) return mt.status();
    if (has_line_break(content_type_)) return invalid_argument("Content-Type contains CR or LF");
  }
  append_body(out, content_type_, body_);
  return out;
}

Result<std::string> make_response(const SipMessage& request, int code, std::string_view reason,
                                  const ResponseOptions& options) {
  if (!request.is_request()) return failed_precondition("cannot answer a response");
  if (request.method() == "ACK") return failed_precondition("an ACK is never answered");
  SB_RETURN_IF_ERROR(check_reason(code, reason));
  const Header* f = request.find(HeaderId::kFrom);
  const Header* t = request.find(HeaderId::kTo);
  const Header* c = request.find(HeaderId::kCallId);
  const Header* s = request.find(HeaderId::kCSeq);
  if (request.find(HeaderId::kVia) == nullptr || f == nullptr || t == nullptr || c == nullptr || s == nullptr) {
    return failed_precondition("cannot answer: the request lacks Via, From, To, Call-ID or CSeq");
  }
  auto b = SipMessageBuilder::response(code, reason);
  for (const auto& h : request.headers()) {
    if (h.id == HeaderId::kVia) b.add_header("Via", h.value);
  }
  if (options.copy_record_route) {
    for (const auto& h : request.headers()) {
      if (h.id == HeaderId::kRecordRoute) b.add_header("Record-Route", h.value);
    }
  }
  b.add_header("From", f->value);
  std::string to_value(t->value);
  if (!options.to_tag.empty()) {
    if (!grammar::is_token(options.to_tag)) return invalid_argument("to-tag is not a token");
    auto parsed = parse_name_addr(t->value, "To");
    if (!parsed) return parsed.status();
    if (parsed->tag.empty()) to_value += ";tag=" + std::string(options.to_tag);
  }
  b.add_header("To", to_value);
  b.add_header("Call-ID", c->value);
  b.add_header("CSeq", s->value);
  for (const auto& [name, value] : options.headers) b.add_header(name, value);
  b.set_body(options.content_type, options.body);
  return b.build();
}

Result<std::string> make_bad_request_response(const SipMessage& request, std::string_view why,
                                              std::string_view to_tag) {
  if (!request.is_request()) return failed_precondition("cannot answer a response");
  if (request.method() == "ACK") return failed_precondition("an ACK is never answered");
  CopiedFields f;
  for (const auto& h : request.headers()) collect(f, h.id, h.value);
  return bad_request_from(f, why, to_tag);
}

Result<std::string> salvage_bad_request_response(std::string_view raw, std::string_view why,
                                                 const ParseLimits& limits) {
  if (raw.size() > limits.max_message_bytes) raw = raw.substr(0, limits.max_message_bytes);
  std::size_t pos = 0;
  while (raw.substr(pos, 2) == "\r\n") pos += 2;
  auto line_end = raw.find("\r\n", pos);
  if (line_end == std::string_view::npos) return failed_precondition("cannot answer: no complete request line");
  const auto start = raw.substr(pos, line_end - pos);
  const auto sp = start.find(' ');
  const auto method = start.substr(0, sp);
  if (sp == std::string_view::npos || !grammar::is_token(method) || grammar::iequals(start.substr(0, 4), "SIP/")) {
    return failed_precondition("cannot answer: not a request line");
  }
  if (method == "ACK") return failed_precondition("an ACK is never answered");

  // Header rows, unfolded into owned strings; stop at the first row that
  // is not `token [WSP] ":" value` or at the empty line.
  std::vector<std::pair<HeaderId, std::string>> rows;
  pos = line_end + 2;
  while (pos < raw.size() && rows.size() < limits.max_headers) {
    line_end = raw.find("\r\n", pos);
    if (line_end == std::string_view::npos || line_end == pos) break;
    const auto line = raw.substr(pos, line_end - pos);
    pos = line_end + 2;
    if (line.size() > limits.max_line_bytes) break;
    if (grammar::is_wsp(line[0])) {
      if (rows.empty()) break;
      rows.back().second.append(" ").append(grammar::trim(line));
      continue;
    }
    std::size_t i = 0;
    while (i < line.size() && grammar::is_token_char(line[i])) ++i;
    const auto name = line.substr(0, i);
    while (i < line.size() && grammar::is_wsp(line[i])) ++i;
    if (name.empty() || i >= line.size() || line[i] != ':') break;
    rows.emplace_back(header_id(name), std::string(grammar::trim(line.substr(i + 1))));
  }
  CopiedFields f;
  for (const auto& [id, value] : rows) collect(f, id, grammar::trim(value));
  return bad_request_from(f, why, {});
}

}  // namespace sb::sip
