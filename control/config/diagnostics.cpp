#include "control/config/diagnostics.hpp"

#include <algorithm>
#include <tuple>

namespace sb::config {

std::string ConfigError::to_string() const {
  std::string s = file;
  if (position.known()) {
    s += ':';
    s += std::to_string(position.line);
    s += ':';
    s += std::to_string(position.column);
  }
  s += ": ";
  if (!key.empty()) {
    s += key;
    s += ": ";
  }
  if (severity == Severity::kWarning) s += "warning: ";
  s += message;
  return s;
}

void Diagnostics::error(SourcePosition at, std::string key, std::string message) {
  items_.push_back({Severity::kError, file_, at, std::move(key), std::move(message)});
  ++errors_;
}

void Diagnostics::warning(SourcePosition at, std::string key, std::string message) {
  items_.push_back({Severity::kWarning, file_, at, std::move(key), std::move(message)});
}

std::vector<ConfigError> Diagnostics::sorted() const {
  std::vector<ConfigError> out = items_;
  auto rank = [](const ConfigError& e) {
    return std::tie(e.position.line, e.position.column, e.severity, e.key, e.message);
  };
  std::stable_sort(out.begin(), out.end(), [&](const ConfigError& a, const ConfigError& b) { return rank(a) < rank(b); });
  out.erase(std::unique(out.begin(), out.end(),
                        [&](const ConfigError& a, const ConfigError& b) { return rank(a) == rank(b); }),
            out.end());
  return out;
}

}  // namespace sb::config
