// Building blocks of the RFC 3261 §25 grammar shared by the message parser,
// the URI parser and the typed header parsers: character classes, a cursor
// that skips the optional whitespace the grammar allows around separators,
// quoted strings and generic parameters.
//
// Internal to control/sip: callers use message.hpp, uri.hpp and headers.hpp.
// Nothing here allocates except `unquote`, and nothing throws: every failure
// is a Status naming what was expected.
#pragma once

#include "common/ascii.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.hpp"

namespace sb::sip {

// One `;name=value` (or valueless `;name`) parameter of a header value or a
// URI. `value` is the text as written: a quoted-string keeps its quotes
// (`quoted` is then true; `unquote` gives the text), a URI parameter keeps
// its %-escapes.
struct GenericParam {
  std::string_view name;
  std::string_view value;
  bool has_value = false;
  bool quoted = false;
};
using ParamList = std::vector<GenericParam>;

// The first parameter named `name` (case-insensitive), or nullptr.
const GenericParam* find_param(const ParamList& params, std::string_view name) noexcept;

namespace grammar {

constexpr bool is_alpha(char c) noexcept { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
constexpr bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }
constexpr bool is_alnum(char c) noexcept { return is_alpha(c) || is_digit(c); }
constexpr bool is_hex(char c) noexcept {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
constexpr bool is_wsp(char c) noexcept { return c == ' ' || c == '\t'; }
// token = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~")
bool is_token_char(char c) noexcept;
// unreserved = alphanum / mark
bool is_unreserved(char c) noexcept;
// UTF8-NONASCII and UTF8-CONT bytes: the grammar allows them in quoted
// strings, reason phrases and header values. Well-formedness of the UTF-8 is
// not checked (nothing we do depends on it).
constexpr bool is_non_ascii(char c) noexcept { return static_cast<unsigned char>(c) >= 0x80; }

using sb::iequals;  // common/ascii.hpp
std::string_view trim(std::string_view s) noexcept;
bool is_token(std::string_view s) noexcept;

// Decimal digits only (leading zeros allowed, as RFC 4475 wsinv exercises),
// at most `max`. nullopt on anything else, including overflow.
std::optional<std::uint64_t> parse_decimal(std::string_view s, std::uint64_t max) noexcept;

// A quoted-string body (without its quotes) with quoted-pairs resolved.
// Expects a value `Cursor::quoted_string` accepted.
std::string unquote(std::string_view quoted);

// A position in one header value. The `sws`-taking helpers skip the
// optional whitespace the grammar allows around separators (SWS, LWS after
// unfolding is plain SP/HTAB).
class Cursor {
 public:
  explicit Cursor(std::string_view s) noexcept : s_(s) {}

  bool at_end() const noexcept { return pos_ >= s_.size(); }
  char peek() const noexcept { return at_end() ? '\0' : s_[pos_]; }
  std::size_t pos() const noexcept { return pos_; }
  void set_pos(std::size_t p) noexcept { pos_ = p; }
  std::string_view rest() const noexcept { return s_.substr(pos_ < s_.size() ? pos_ : s_.size()); }
  std::string_view text() const noexcept { return s_; }

  void skip_ws() noexcept;
  // Skips whitespace, then consumes `c` (and whitespace after it) if it is next.
  bool eat_sep(char c) noexcept;
  bool eat(char c) noexcept;
  // 1*token-char; empty when none.
  std::string_view token() noexcept;
  // A quoted-string including its quotes; error when unterminated or when a
  // byte the grammar forbids (CR, LF) appears inside.
  Result<std::string_view> quoted_string();
  // `*( SEMI generic-param )`, stopping before anything that is not `;`.
  // gen-value = token / host / quoted-string. `what` names the header in
  // errors.
  Status params(ParamList& out, std::string_view what);

 private:
  std::string_view s_;
  std::size_t pos_ = 0;
};

// Splits a comma-separated header value (Via, Contact, Route, Allow, ...)
// into trimmed elements, ignoring commas inside quoted strings and <...>.
// An empty element or an unbalanced quote or bracket is an error.
Status split_list(std::string_view value, std::string_view what, std::vector<std::string_view>& out);

}  // namespace grammar
}  // namespace sb::sip
