// Path helpers shared by config parsers.
#pragma once

#include <string>

namespace sb::config {

// `path` when absolute or when `base_dir` is empty; otherwise base_dir/path.
inline std::string resolve_relative(const std::string& base_dir, const std::string& path) {
  if (path.empty() || path[0] == '/' || base_dir.empty()) return path;
  return base_dir + "/" + path;
}

}  // namespace sb::config
