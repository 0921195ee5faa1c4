// Request-target parsing: the path split into decoded segments and the
// query string into decoded parameters. Strict, since it reads the network:
// bad percent escapes, NUL bytes, and over-long or over-many parts are
// errors, never guesses.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.hpp"

namespace sb::api {

struct ParsedTarget {
  std::string path;                   // decoded, for logs and the request
  std::vector<std::string> segments;  // decoded, split on '/' before decoding ("%2F" stays inside one)
  std::vector<std::pair<std::string, std::string>> query;
};

inline constexpr std::size_t kMaxTargetBytes = 8192;
inline constexpr std::size_t kMaxSegments = 32;
inline constexpr std::size_t kMaxQueryParams = 64;

// Origin-form targets only ("/path?query"). InvalidArgument with the reason.
Result<ParsedTarget> parse_target(std::string_view target);

// Percent-decoding; `plus_is_space` for query components. Rejects bad
// escapes and decoded NUL.
Result<std::string> percent_decode(std::string_view s, bool plus_is_space);

}  // namespace sb::api
