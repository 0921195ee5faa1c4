#include "ivr/menu/digit_pattern.hpp"

namespace sb::ivr::menu {

namespace {
constexpr std::uint16_t kAllKeys = 0xffff;
constexpr std::uint16_t digit_range(int lo, int hi) {
  std::uint16_t m = 0;
  for (int d = lo; d <= hi; ++d) m = static_cast<std::uint16_t>(m | (1u << d));
  return m;
}
}  // namespace

int dtmf_key_index(char key) noexcept {
  if (key >= '0' && key <= '9') return key - '0';
  switch (key) {
    case '*': return 10;
    case '#': return 11;
    case 'A': return 12;
    case 'B': return 13;
    case 'C': return 14;
    case 'D': return 15;
    default: return -1;
  }
}

std::optional<DigitPattern> DigitPattern::compile(std::string_view text, std::string* error) {
  DigitPattern p;
  p.text_ = std::string(text);
  if (text.empty()) {
    *error = "a pattern must not be empty";
    return std::nullopt;
  }
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '.') {
      if (i + 1 != text.size()) {
        *error = "'.' may only end a pattern";
        return std::nullopt;
      }
      if (p.sets_.empty()) {
        *error = "'.' needs at least one key before it";
        return std::nullopt;
      }
      p.open_ended_ = true;
      break;
    }
    std::uint16_t set = 0;
    if (c == 'X') set = digit_range(0, 9);
    else if (c == 'Z') set = digit_range(1, 9);
    else if (c == 'N') set = digit_range(2, 9);
    else if (c == '[') {
      const auto close = text.find(']', i + 1);
      if (close == std::string_view::npos) {
        *error = "'[' at position " + std::to_string(i + 1) + " is never closed";
        return std::nullopt;
      }
      for (std::size_t k = i + 1; k < close; ++k) {
        const int idx = dtmf_key_index(text[k]);
        if (idx < 0) {
          *error = std::string("'") + text[k] + "' is not a DTMF key (0-9, *, #, A-D) in the set";
          return std::nullopt;
        }
        if (k + 2 < close && text[k + 1] == '-') {
          const int hi = dtmf_key_index(text[k + 2]);
          if (idx > 9 || hi < 0 || hi > 9 || hi < idx) {
            *error = "a range in a set must go from a lower to a higher digit";
            return std::nullopt;
          }
          set = static_cast<std::uint16_t>(set | digit_range(idx, hi));
          k += 2;
        } else {
          set = static_cast<std::uint16_t>(set | (1u << idx));
        }
      }
      if (set == 0) {
        *error = "empty set '[]'";
        return std::nullopt;
      }
      i = close;
    } else {
      const int idx = dtmf_key_index(c);
      if (idx < 0) {
        *error = std::string("'") + c + "' is not a DTMF key or pattern character (0-9 * # A-D X Z N [ ] .)";
        return std::nullopt;
      }
      set = static_cast<std::uint16_t>(1u << idx);
    }
    p.sets_.push_back(set);
    if (p.sets_.size() > kMaxLength) {
      *error = "longer than " + std::to_string(kMaxLength) + " keys";
      return std::nullopt;
    }
  }
  return p;
}

bool DigitPattern::prefix_fits(std::string_view prefix) const noexcept {
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    const int idx = dtmf_key_index(prefix[i]);
    if (idx < 0) return false;
    const std::uint16_t set = i < sets_.size() ? sets_[i] : (open_ended_ ? kAllKeys : 0);
    if (!(set & (1u << idx))) return false;
  }
  return true;
}

bool DigitPattern::matches(std::string_view digits) const noexcept {
  if (open_ended_ ? digits.size() < sets_.size() + 1 : digits.size() != sets_.size()) return false;
  return prefix_fits(digits);
}

bool DigitPattern::could_extend(std::string_view prefix, std::size_t max_length) const noexcept {
  if (prefix.size() + 1 > max_length) return false;
  if (!prefix_fits(prefix)) return false;
  if (open_ended_) return max_length >= sets_.size() + 1;
  return prefix.size() < sets_.size() && sets_.size() <= max_length;
}

bool DigitPattern::covers(const DigitPattern& other) const noexcept {
  if (!open_ended_) {
    if (other.open_ended_ || other.sets_.size() != sets_.size()) return false;
  } else if (other.sets_.size() < sets_.size() + (other.open_ended_ ? 0 : 1)) {
    return false;
  }
  for (std::size_t i = 0; i < sets_.size(); ++i)
    if ((other.sets_[i] & sets_[i]) != other.sets_[i]) return false;
  return true;
}

}  // namespace sb::ivr::menu
