#include "control/sip/grammar.hpp"

#include <string>

namespace sb::sip {

const GenericParam* find_param(const ParamList& params, std::string_view name) noexcept {
  for (const auto& p : params) {
    if (grammar::iequals(p.name, name)) return &p;
  }
  return nullptr;
}

namespace grammar {

bool is_token_char(char c) noexcept {
  if (is_alnum(c)) return true;
  switch (c) {
    case '-': case '.': case '!': case '%': case '*': case '_': case '+': case '`': case '\'': case '~':
      return true;
    default:
      return false;
  }
}

bool is_unreserved(char c) noexcept {
  if (is_alnum(c)) return true;
  switch (c) {
    case '-': case '_': case '.': case '!': case '~': case '*': case '\'': case '(': case ')':
      return true;
    default:
      return false;
  }
}

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && is_wsp(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_wsp(s.back())) s.remove_suffix(1);
  return s;
}

bool is_token(std::string_view s) noexcept {
  if (s.empty()) return false;
  for (char c : s) {
    if (!is_token_char(c)) return false;
  }
  return true;
}

std::optional<std::uint64_t> parse_decimal(std::string_view s, std::uint64_t max) noexcept {
  if (s.empty()) return std::nullopt;
  std::uint64_t v = 0;
  for (char c : s) {
    if (!is_digit(c)) return std::nullopt;
    const auto d = static_cast<std::uint64_t>(c - '0');
    if (v > (max - d) / 10) return std::nullopt;  // v * 10 + d > max
    v = v * 10 + d;
  }
  return v;
}

std::string unquote(std::string_view quoted) {
  if (quoted.size() >= 2 && quoted.front() == '"' && quoted.back() == '"') {
    quoted = quoted.substr(1, quoted.size() - 2);
  }
  std::string out;
  out.reserve(quoted.size());
  for (std::size_t i = 0; i < quoted.size(); ++i) {
    if (quoted[i] == '\\' && i + 1 < quoted.size()) ++i;
    out.push_back(quoted[i]);
  }
  return out;
}

void Cursor::skip_ws() noexcept {
  while (!at_end() && is_wsp(s_[pos_])) ++pos_;
}

bool Cursor::eat(char c) noexcept {
  if (at_end() || s_[pos_] != c) return false;
  ++pos_;
  return true;
}

bool Cursor::eat_sep(char c) noexcept {
  const std::size_t save = pos_;
  skip_ws();
  if (!eat(c)) {
    pos_ = save;
    return false;
  }
  skip_ws();
  return true;
}

std::string_view Cursor::token() noexcept {
  const std::size_t start = pos_;
  while (!at_end() && is_token_char(s_[pos_])) ++pos_;
  return s_.substr(start, pos_ - start);
}

Result<std::string_view> Cursor::quoted_string() {
  const std::size_t start = pos_;
  if (!eat('"')) return invalid_argument("expected a quoted string");
  while (!at_end()) {
    const char c = s_[pos_];
    if (c == '"') {
      ++pos_;
      return s_.substr(start, pos_ - start);
    }
    if (c == '\\') {
      // quoted-pair = "\" (%x00-09 / %x0B-0C / %x0E-7F)
      if (pos_ + 1 >= s_.size()) break;
      const char n = s_[pos_ + 1];
      if (n == '\r' || n == '\n' || is_non_ascii(n)) return invalid_argument("bad escape in quoted string");
      pos_ += 2;
      continue;
    }
    if (c == '\r' || c == '\n') return invalid_argument("line break inside quoted string");
    ++pos_;
  }
  return invalid_argument("unterminated quoted string");
}

Status Cursor::params(ParamList& out, std::string_view what) {
  while (eat_sep(';')) {
    GenericParam p;
    p.name = token();
    if (p.name.empty()) {
      return invalid_argument(std::string(what) + ": expected a parameter name after ';'");
    }
    if (eat_sep('=')) {
      p.has_value = true;
      if (peek() == '"') {
        auto q = quoted_string();
        if (!q) return invalid_argument(std::string(what) + ": parameter " + std::string(p.name) + ": " + q.status().message());
        p.value = *q;
        p.quoted = true;
      } else if (peek() == '[') {
        // host = IPv6reference
        const std::size_t start = pos();
        while (!at_end() && peek() != ']') {
          if (!is_hex(peek()) && peek() != ':' && peek() != '.' && peek() != '[') {
            return invalid_argument(std::string(what) + ": bad IPv6 reference in parameter " + std::string(p.name));
          }
          set_pos(pos() + 1);
        }
        if (!eat(']')) return invalid_argument(std::string(what) + ": unterminated IPv6 reference in parameter " + std::string(p.name));
        p.value = text().substr(start, pos() - start);
      } else {
        p.value = token();
        if (p.value.empty()) {
          return invalid_argument(std::string(what) + ": parameter " + std::string(p.name) + " has '=' but no value");
        }
      }
    }
    out.push_back(p);
  }
  return Status::ok();
}

Status split_list(std::string_view value, std::string_view what, std::vector<std::string_view>& out) {
  std::size_t start = 0;
  bool in_quote = false;
  bool in_angle = false;
  auto push = [&](std::size_t end) -> Status {
    const auto element = trim(value.substr(start, end - start));
    if (element.empty()) return invalid_argument(std::string(what) + ": empty element in a comma-separated list");
    out.push_back(element);
    start = end + 1;
    return Status::ok();
  };
  for (std::size_t i = 0; i < value.size(); ++i) {
    const char c = value[i];
    if (in_quote) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_quote = false;
      }
      continue;
    }
    if (c == '"') {
      in_quote = true;
    } else if (c == '<') {
      if (in_angle) return invalid_argument(std::string(what) + ": nested '<'");
      in_angle = true;
    } else if (c == '>') {
      if (!in_angle) return invalid_argument(std::string(what) + ": '>' without '<'");
      in_angle = false;
    } else if (c == ',' && !in_angle) {
      SB_RETURN_IF_ERROR(push(i));
    }
  }
  if (in_quote) return invalid_argument(std::string(what) + ": unterminated quoted string");
  if (in_angle) return invalid_argument(std::string(what) + ": '<' without '>'");
  return push(value.size());
}

}  // namespace grammar
}  // namespace sb::sip
