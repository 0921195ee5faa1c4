#include "control/sip/transport/stream_framer.hpp"

#include "control/sip/grammar.hpp"
#include "control/sip/message.hpp"

namespace sb::sip {
namespace {

constexpr std::string_view kCrlf = "\r\n";
constexpr std::string_view kPing = "\r\n\r\n";

struct ContentLength {
  std::size_t rows = 0;
  std::string_view text;  // the last row's value, trimmed
};

// Reads the Content-Length rows ("Content-Length" or compact "l", any
// case, optional whitespace before the colon) of a header section that
// ends with CRLFCRLF. A value on a continuation line ("Content-Length:"
// CRLF SP "12") is read from there, as the parser unfolds it.
ContentLength find_content_length(std::string_view headers) {
  ContentLength cl;
  std::size_t pos = headers.find(kCrlf);  // skip the start line
  bool in_cl = false;
  while (pos != std::string_view::npos && pos + 2 < headers.size()) {
    pos += 2;
    const auto end = headers.find(kCrlf, pos);
    const auto line = headers.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos);
    pos = end;
    if (line.empty()) break;
    if (grammar::is_wsp(line.front())) {
      if (in_cl && cl.text.empty()) cl.text = grammar::trim(line);
      continue;
    }
    in_cl = false;
    std::size_t i = 0;
    while (i < line.size() && grammar::is_token_char(line[i])) ++i;
    const auto name = line.substr(0, i);
    while (i < line.size() && grammar::is_wsp(line[i])) ++i;
    if (i >= line.size() || line[i] != ':') continue;  // the parser will reject it
    if (header_id(name) != HeaderId::kContentLength) continue;
    ++cl.rows;
    in_cl = true;
    cl.text = grammar::trim(line.substr(i + 1));
  }
  return cl;
}

bool all_digits(std::string_view s) noexcept {
  if (s.empty()) return false;
  for (char c : s)
    if (!grammar::is_digit(c)) return false;
  return true;
}

}  // namespace

StreamFrame frame_stream(std::string_view pending, std::size_t max_message_bytes) noexcept {
  if (pending.empty()) return {StreamFrame::kNeedMore, 0};
  if (pending.front() == '\r') {
    // A keep-alive, or the start of one: CRLFCRLF is a ping, a CRLF
    // followed by anything else is a stray line end to skip.
    if (pending.size() < kPing.size() && kPing.starts_with(pending)) return {StreamFrame::kNeedMore, 0};
    if (pending.starts_with(kPing)) return {StreamFrame::kPing, kPing.size()};
    if (pending.starts_with(kCrlf)) return {StreamFrame::kSkip, kCrlf.size()};
  }
  const auto window = pending.substr(0, max_message_bytes);
  const auto end = window.find(kPing);
  if (end == std::string_view::npos) {
    return {pending.size() >= max_message_bytes ? StreamFrame::kTooLarge : StreamFrame::kNeedMore, 0};
  }
  const std::size_t header_bytes = end + kPing.size();
  const auto cl = find_content_length(pending.substr(0, header_bytes));
  if (cl.rows == 0) return {StreamFrame::kNoContentLength, header_bytes};
  if (cl.rows > 1 || !all_digits(cl.text)) return {StreamFrame::kBadContentLength, header_bytes};
  // Digits only, so nullopt means over the bound (or over 2^64).
  const auto length = grammar::parse_decimal(cl.text, max_message_bytes);
  if (!length || *length > max_message_bytes - header_bytes) return {StreamFrame::kTooLarge, header_bytes};
  const std::size_t total = header_bytes + static_cast<std::size_t>(*length);
  if (pending.size() < total) return {StreamFrame::kNeedMore, 0};
  return {StreamFrame::kMessage, total};
}

}  // namespace sb::sip
