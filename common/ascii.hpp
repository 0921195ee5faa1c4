// ASCII case-insensitive comparison, for the protocol tokens that are
// case-insensitive by their RFCs (SIP methods and header names, SDP codec
// names, media types): locale-free, so "I" never compares as "ı".
#pragma once

#include <string_view>

namespace sb {

constexpr char ascii_lower(char c) noexcept { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

constexpr bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  return true;
}

}  // namespace sb
