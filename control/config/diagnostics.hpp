// Config diagnostics: every problem found while loading a config file, each
// with the file, line, column and dotted key path it is about.
//
// Loading never stops at the first problem: parsers report into a
// Diagnostics sink and carry on, so an operator fixing a file sees every
// error in one `switchboard config check` run instead of one per attempt.
//
//   Diagnostics diag("switchboard.toml");
//   diag.error({12, 3}, "api.port", "must be between 1 and 65535, got 70000");
//   for (const auto& d : diag.sorted()) std::cerr << d.to_string() << '\n';
//   // switchboard.toml:12:3: api.port: must be between 1 and 65535, got 70000
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace sb::config {

// 1-based, as editors count. {0, 0} means "no position known": only for
// problems with the file as a whole (it cannot be read); everything inside a
// file points at its key or, for a missing key, at the enclosing table.
struct SourcePosition {
  std::uint32_t line = 0;
  std::uint32_t column = 0;
  bool known() const noexcept { return line != 0; }
};

enum class Severity { kError, kWarning };

struct ConfigError {
  Severity severity = Severity::kError;
  std::string file;
  SourcePosition position;
  std::string key;      // dotted path: "api.tokens[1].token"; empty for file-level problems
  std::string message;

  // "file:line:col: key: message"; warnings read "file:line:col: key: warning: message";
  // without a position: "file: message".
  std::string to_string() const;
};

class Diagnostics {
 public:
  explicit Diagnostics(std::string file) : file_(std::move(file)) {}

  const std::string& file() const noexcept { return file_; }

  void error(SourcePosition at, std::string key, std::string message);
  void warning(SourcePosition at, std::string key, std::string message);

  bool has_errors() const noexcept { return errors_ > 0; }
  std::size_t error_count() const noexcept { return errors_; }
  // In the order reported.
  const std::vector<ConfigError>& all() const noexcept { return items_; }
  // By position (then errors before warnings), duplicates removed: the order
  // an operator reads a file in.
  std::vector<ConfigError> sorted() const;

 private:
  std::string file_;
  std::vector<ConfigError> items_;
  std::size_t errors_ = 0;
};

}  // namespace sb::config
