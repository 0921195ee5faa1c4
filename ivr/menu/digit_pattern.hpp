// Digit patterns for IVR menu branches: which collected digit strings a
// branch accepts.
//
// Syntax (a whole-string match, in the dial-plan style operators know):
//   0-9 * # A B C D   that key
//   X                 any of 0-9         Z   any of 1-9        N   any of 2-9
//   [15-7#]           one key from the set (digits may form ranges)
//   .                 at the end only: one or more further keys of any kind
// Examples: "1", "00", "[1-3]", "9XX", "4." (4 then at least one more key).
//
// Patterns compile to one 16-bit key set per position, so matching, "could
// more digits still match?" (the menu engine's early-completion decision)
// and "does one pattern shadow another?" (a load-time check) are exact.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sb::ivr::menu {

// Index of a DTMF key (0-9, *, #, A-D) in a 16-bit set, or -1.
int dtmf_key_index(char key) noexcept;

class DigitPattern {
 public:
  static constexpr std::size_t kMaxLength = 32;

  // Fails with a message naming the offending character.
  static std::optional<DigitPattern> compile(std::string_view text, std::string* error);

  const std::string& text() const noexcept { return text_; }
  // Keys before the trailing '.', if any.
  std::size_t fixed_length() const noexcept { return sets_.size(); }
  bool open_ended() const noexcept { return open_ended_; }
  std::size_t min_length() const noexcept { return sets_.size() + (open_ended_ ? 1 : 0); }

  bool matches(std::string_view digits) const noexcept;
  // True when some string of at most `max_length` keys that extends
  // `prefix` by one or more keys would match.
  bool could_extend(std::string_view prefix, std::size_t max_length) const noexcept;
  // True when every string `other` matches, this matches too.
  bool covers(const DigitPattern& other) const noexcept;

 private:
  bool prefix_fits(std::string_view prefix) const noexcept;
  std::string text_;
  std::vector<std::uint16_t> sets_;
  bool open_ended_ = false;
};

}  // namespace sb::ivr::menu
