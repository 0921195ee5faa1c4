#include "common/config_error.hpp"

namespace sb {

std::string ConfigError::to_string() const {
  std::string s = file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": ";
  if (!key.empty()) s += key + ": ";
  return s + message;
}

Status config_status(const std::vector<ConfigError>& errors) {
  if (errors.empty()) return Status::ok();
  std::string all;
  for (const auto& e : errors) {
    if (!all.empty()) all += "\n";
    all += e.to_string();
  }
  return invalid_argument(all);
}

}  // namespace sb
