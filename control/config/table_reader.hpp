// Typed, validating access to one TOML table, reporting every problem with
// file, line, column and dotted key path into a Diagnostics sink.
//
// A section parser makes a reader for its table, asks for each key it knows
// (type-checked, range-checked, required or optional) and, when the reader
// goes out of scope, every key it never asked for is reported as unknown,
// with a "did you mean" for near misses. A typo in a config file is an
// error at load, never a silently ignored setting.
//
//   TableReader api(*root.table("api"), "api", diag);
//   auto port = api.integer("port", 1, 65535, Need::kRequired);   // error if absent
//   auto timeout = api.duration_or("request_timeout", ms(1), s(600), s(10));
//   // leaving scope: "switchboard.toml:14:1: api.prot: unknown key (did you mean 'port'?)"
//
// Getters return std::nullopt after reporting when the value is absent and
// optional, or wrong; callers keep their defaults and carry on, so one run
// reports everything.
#pragma once

#include <toml++/toml.h>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/clock.hpp"
#include "control/config/diagnostics.hpp"

namespace sb::config {

enum class Need { kOptional, kRequired };

// A value with where it came from, for checks that happen after parsing
// (references between sections, graph validation).
template <typename T>
struct Located {
  T value{};
  SourcePosition position;
  std::string key;  // full dotted path
};

template <typename E>
struct Choice {
  std::string_view name;
  E value;
};

SourcePosition position_of(const toml::node& node) noexcept;
// "a string", "an integer", ... for messages.
std::string_view describe_type(const toml::node& node) noexcept;

// "5s", "250ms", "2m", "1h" -> nanoseconds. Whole numbers only, so a value
// reads the same to a human and to the parser.
std::optional<Nanos> parse_duration(std::string_view text) noexcept;
// "1048576", "512B", "64KiB", "1MiB", "2GiB".
std::optional<std::uint64_t> parse_byte_size(std::string_view text) noexcept;
// Edit distance, for "did you mean" suggestions.
std::size_t edit_distance(std::string_view a, std::string_view b) noexcept;

class TableReader {
 public:
  // `path` is the table's dotted key path ("" for the document root);
  // `fallback` is where to point when the table itself has no position
  // (tables created implicitly by a dotted header).
  TableReader(const toml::table& table, std::string path, Diagnostics& diag, SourcePosition fallback = {1, 1});
  ~TableReader();
  TableReader(TableReader&& other) noexcept;
  TableReader& operator=(TableReader&&) = delete;
  TableReader(const TableReader&) = delete;
  TableReader& operator=(const TableReader&) = delete;

  const std::string& path() const noexcept { return path_; }
  std::string key_path(std::string_view key) const;
  SourcePosition position() const noexcept { return position_; }
  // Where `key`'s value is, or the table when the key is absent.
  SourcePosition position_of(std::string_view key) const noexcept;
  Diagnostics& diagnostics() const noexcept { return *diag_; }
  const toml::table& table() const noexcept { return *table_; }

  bool has(std::string_view key) const noexcept { return table_->contains(key); }
  // Declares a key known without reading it (keys handled elsewhere).
  void mark(std::string_view key);
  // The raw node, marked known; nullptr when absent (an error if required).
  const toml::node* node(std::string_view key, Need need = Need::kOptional);

  std::optional<std::string> string(std::string_view key, Need need = Need::kOptional);
  std::string string_or(std::string_view key, std::string fallback);
  // Non-empty, at most `max_len` bytes, only [A-Za-z0-9_-] (names that
  // appear in URLs, metric labels and file names).
  std::optional<std::string> identifier(std::string_view key, Need need = Need::kOptional, std::size_t max_len = 64);
  std::optional<bool> boolean(std::string_view key, Need need = Need::kOptional);
  bool boolean_or(std::string_view key, bool fallback);
  std::optional<std::int64_t> integer(std::string_view key, std::int64_t min, std::int64_t max,
                                      Need need = Need::kOptional);
  std::int64_t integer_or(std::string_view key, std::int64_t min, std::int64_t max, std::int64_t fallback);
  std::optional<Nanos> duration(std::string_view key, Nanos min, Nanos max, Need need = Need::kOptional);
  Nanos duration_or(std::string_view key, Nanos min, Nanos max, Nanos fallback);
  std::optional<std::uint64_t> byte_size(std::string_view key, std::uint64_t min, std::uint64_t max,
                                         Need need = Need::kOptional);
  std::uint64_t byte_size_or(std::string_view key, std::uint64_t min, std::uint64_t max, std::uint64_t fallback);
  // An array of strings, each with its position ("prompts[2]"). Elements
  // of another type are reported and left out, so the rest still get checked.
  std::optional<std::vector<Located<std::string>>> strings(std::string_view key, Need need = Need::kOptional,
                                                           std::size_t max_items = 1024);
  // An IPv4 or IPv6 literal (no host names: a daemon must not depend on DNS to start).
  std::optional<std::string> ip_address(std::string_view key, Need need = Need::kOptional);

  template <typename E>
  std::optional<E> choice(std::string_view key, std::initializer_list<Choice<E>> choices, Need need = Need::kOptional) {
    auto text = string(key, need);
    if (!text) return std::nullopt;
    for (const auto& c : choices)
      if (c.name == *text) return c.value;
    std::string list;
    for (const auto& c : choices) {
      if (!list.empty()) list += ", ";
      list += '"';
      list += c.name;
      list += '"';
    }
    error(key, "\"" + *text + "\" is not one of " + list);
    return std::nullopt;
  }

  std::optional<TableReader> table(std::string_view key, Need need = Need::kOptional);
  // An array of tables ([[x]] or [{...}, {...}]); element paths read "key[i]".
  std::optional<std::vector<TableReader>> tables(std::string_view key, Need need = Need::kOptional);
  // Treats this table as a map from names to tables ([ivr.menus.<name>]):
  // every key must hold a table and be an identifier. Marks all keys.
  std::vector<std::pair<std::string, TableReader>> named_tables(std::size_t max_len = 64);

  // Problems found by the caller about `key` (or the table when key is empty).
  void error(std::string_view key, std::string message);
  void warning(std::string_view key, std::string message);

  // Reports every key never asked for. Runs at most once; the destructor
  // calls it when the caller did not.
  void finish();

 private:
  const toml::node* fetch(std::string_view key, Need need);
  void type_error(std::string_view key, const toml::node& n, std::string_view expected);

  const toml::table* table_;
  std::string path_;
  Diagnostics* diag_;
  SourcePosition position_;
  std::vector<std::string> known_;
  bool finished_ = false;
};

}  // namespace sb::config
