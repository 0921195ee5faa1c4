// A configuration error as operators need it: which file, which line and
// column, which key (dotted path), and what is wrong. Loaders collect every
// error they find instead of stopping at the first.
#pragma once

#include <string>
#include <vector>

#include "common/status.hpp"

namespace sb {

struct ConfigError {
  std::string file;
  int line = 0;
  int column = 0;
  std::string key;       // e.g. "acd.queues[2].strategy"
  std::string message;
  // "file:line:column: key: message"
  std::string to_string() const;
};

// invalid-argument carrying every error, one per line; OK if none.
Status config_status(const std::vector<ConfigError>& errors);

}  // namespace sb
