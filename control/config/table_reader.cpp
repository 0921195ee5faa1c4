#include "control/config/table_reader.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <limits>

namespace sb::config {

SourcePosition position_of(const toml::node& node) noexcept {
  const auto& b = node.source().begin;
  return {b.line, b.column};
}

std::string_view describe_type(const toml::node& node) noexcept {
  switch (node.type()) {
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a float";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::table: return "a table";
    case toml::node_type::array: return "an array";
    case toml::node_type::date: return "a date";
    case toml::node_type::time: return "a time";
    case toml::node_type::date_time: return "a date-time";
    case toml::node_type::none: break;
  }
  return "nothing";
}

namespace {

struct Unit {
  std::string_view suffix;
  std::uint64_t scale;
};

// A whole number followed by one of `units`; nullopt on anything else or
// when the product does not fit in `limit`.
std::optional<std::uint64_t> parse_scaled(std::string_view text, std::initializer_list<Unit> units,
                                          std::uint64_t limit) noexcept {
  std::uint64_t n = 0;
  const char* first = text.data();
  const char* last = text.data() + text.size();
  auto [p, ec] = std::from_chars(first, last, n);
  if (ec != std::errc{} || p == first) return std::nullopt;
  const std::string_view suffix(p, static_cast<std::size_t>(last - p));
  for (const Unit& u : units) {
    if (u.suffix != suffix) continue;
    if (n > limit / u.scale) return std::nullopt;
    return n * u.scale;
  }
  return std::nullopt;
}

}  // namespace

std::optional<Nanos> parse_duration(std::string_view text) noexcept {
  const auto ns = parse_scaled(text,
                               {{"ms", 1'000'000ull}, {"s", 1'000'000'000ull}, {"m", 60'000'000'000ull},
                                {"h", 3'600'000'000'000ull}},
                               static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()));
  if (!ns) return std::nullopt;
  return Nanos{static_cast<std::int64_t>(*ns)};
}

std::optional<std::uint64_t> parse_byte_size(std::string_view text) noexcept {
  return parse_scaled(text, {{"", 1}, {"B", 1}, {"KiB", 1ull << 10}, {"MiB", 1ull << 20}, {"GiB", 1ull << 30}},
                      std::numeric_limits<std::uint64_t>::max());
}

std::size_t edit_distance(std::string_view a, std::string_view b) noexcept {
  if (a.size() > 64 || b.size() > 64) return std::max(a.size(), b.size());
  std::size_t row[65];
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0u : 1u)});
      diag = up;
    }
  }
  return row[b.size()];
}

namespace {

// Implicit tables (created by a dotted header such as [ivr.menus.main]
// for `ivr`) have no source; point at their first key instead.
SourcePosition table_position(const toml::table& t, SourcePosition fallback) {
  SourcePosition p = position_of(t);
  if (p.known()) return p;
  SourcePosition best{};
  for (auto&& [k, v] : t) {
    SourcePosition kp{k.source().begin.line, k.source().begin.column};
    if (!kp.known()) kp = position_of(v);
    if (kp.known() && (!best.known() || kp.line < best.line || (kp.line == best.line && kp.column < best.column)))
      best = kp;
  }
  return best.known() ? best : fallback;
}

bool is_identifier(std::string_view s, std::size_t max_len) {
  if (s.empty() || s.size() > max_len) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

}  // namespace

TableReader::TableReader(const toml::table& table, std::string path, Diagnostics& diag, SourcePosition fallback)
    : table_(&table), path_(std::move(path)), diag_(&diag), position_(table_position(table, fallback)) {}

TableReader::~TableReader() {
  if (!finished_) finish();
}

TableReader::TableReader(TableReader&& other) noexcept
    : table_(other.table_),
      path_(std::move(other.path_)),
      diag_(other.diag_),
      position_(other.position_),
      known_(std::move(other.known_)),
      finished_(other.finished_) {
  other.finished_ = true;  // the moved-from reader reports nothing
}

std::string TableReader::key_path(std::string_view key) const {
  if (path_.empty()) return std::string(key);
  if (key.empty()) return path_;
  std::string p = path_;
  p += '.';
  p += key;
  return p;
}

SourcePosition TableReader::position_of(std::string_view key) const noexcept {
  if (const toml::node* n = table_->get(key)) {
    const SourcePosition p = config::position_of(*n);
    if (p.known()) return p;
  }
  return position_;
}

void TableReader::mark(std::string_view key) {
  if (std::find(known_.begin(), known_.end(), key) == known_.end()) known_.emplace_back(key);
}

const toml::node* TableReader::fetch(std::string_view key, Need need) {
  mark(key);
  const toml::node* n = table_->get(key);
  if (!n && need == Need::kRequired) diag_->error(position_, key_path(key), "required key is missing");
  return n;
}

const toml::node* TableReader::node(std::string_view key, Need need) { return fetch(key, need); }

void TableReader::type_error(std::string_view key, const toml::node& n, std::string_view expected) {
  diag_->error(config::position_of(n), key_path(key),
               "expected " + std::string(expected) + ", found " + std::string(describe_type(n)));
}

void TableReader::error(std::string_view key, std::string message) {
  diag_->error(position_of(key), key_path(key), std::move(message));
}

void TableReader::warning(std::string_view key, std::string message) {
  diag_->warning(position_of(key), key_path(key), std::move(message));
}

std::optional<std::string> TableReader::string(std::string_view key, Need need) {
  const toml::node* n = fetch(key, need);
  if (!n) return std::nullopt;
  if (const auto* s = n->as_string()) return s->get();
  type_error(key, *n, "a string");
  return std::nullopt;
}

std::string TableReader::string_or(std::string_view key, std::string fallback) {
  auto v = string(key);
  return v ? std::move(*v) : std::move(fallback);
}

std::optional<std::string> TableReader::identifier(std::string_view key, Need need, std::size_t max_len) {
  auto v = string(key, need);
  if (!v) return std::nullopt;
  if (!is_identifier(*v, max_len)) {
    error(key, "\"" + *v + "\" is not a valid name: use 1 to " + std::to_string(max_len) +
                   " letters, digits, '_' or '-'");
    return std::nullopt;
  }
  return v;
}

std::optional<bool> TableReader::boolean(std::string_view key, Need need) {
  const toml::node* n = fetch(key, need);
  if (!n) return std::nullopt;
  if (const auto* b = n->as_boolean()) return b->get();
  type_error(key, *n, "a boolean (true or false)");
  return std::nullopt;
}

bool TableReader::boolean_or(std::string_view key, bool fallback) { return boolean(key).value_or(fallback); }

std::optional<std::int64_t> TableReader::integer(std::string_view key, std::int64_t min, std::int64_t max, Need need) {
  const toml::node* n = fetch(key, need);
  if (!n) return std::nullopt;
  const auto* i = n->as_integer();
  if (!i) {
    type_error(key, *n, "an integer");
    return std::nullopt;
  }
  const std::int64_t v = i->get();
  if (v < min || v > max) {
    diag_->error(config::position_of(*n), key_path(key),
                 "must be between " + std::to_string(min) + " and " + std::to_string(max) + ", got " +
                     std::to_string(v));
    return std::nullopt;
  }
  return v;
}

std::int64_t TableReader::integer_or(std::string_view key, std::int64_t min, std::int64_t max, std::int64_t fallback) {
  return integer(key, min, max).value_or(fallback);
}

namespace {
std::string format_duration(Nanos d) {
  const auto ns = d.count();
  if (ns % 3'600'000'000'000 == 0 && ns != 0) return std::to_string(ns / 3'600'000'000'000) + "h";
  if (ns % 60'000'000'000 == 0 && ns != 0) return std::to_string(ns / 60'000'000'000) + "m";
  if (ns % 1'000'000'000 == 0) return std::to_string(ns / 1'000'000'000) + "s";
  return std::to_string(ns / 1'000'000) + "ms";
}
}  // namespace

std::optional<Nanos> TableReader::duration(std::string_view key, Nanos min, Nanos max, Need need) {
  const toml::node* n = fetch(key, need);
  if (!n) return std::nullopt;
  const auto* s = n->as_string();
  if (!s) {
    type_error(key, *n, "a duration string such as \"5s\" or \"250ms\"");
    return std::nullopt;
  }
  const auto d = parse_duration(s->get());
  if (!d) {
    diag_->error(config::position_of(*n), key_path(key),
                 "\"" + s->get() + "\" is not a duration: use a whole number with ms, s, m or h (\"250ms\", \"5s\")");
    return std::nullopt;
  }
  if (*d < min || *d > max) {
    diag_->error(config::position_of(*n), key_path(key),
                 "must be between " + format_duration(min) + " and " + format_duration(max) + ", got " + s->get());
    return std::nullopt;
  }
  return d;
}

Nanos TableReader::duration_or(std::string_view key, Nanos min, Nanos max, Nanos fallback) {
  return duration(key, min, max).value_or(fallback);
}

std::optional<std::uint64_t> TableReader::byte_size(std::string_view key, std::uint64_t min, std::uint64_t max,
                                                    Need need) {
  const toml::node* n = fetch(key, need);
  if (!n) return std::nullopt;
  std::optional<std::uint64_t> v;
  if (const auto* i = n->as_integer()) {
    if (i->get() >= 0) v = static_cast<std::uint64_t>(i->get());
  } else if (const auto* s = n->as_string()) {
    v = parse_byte_size(s->get());
  } else {
    type_error(key, *n, "a size (an integer number of bytes or a string such as \"64KiB\")");
    return std::nullopt;
  }
  if (!v) {
    diag_->error(config::position_of(*n), key_path(key),
                 "not a size: use a number of bytes or a string with B, KiB, MiB or GiB (\"1MiB\")");
    return std::nullopt;
  }
  if (*v < min || *v > max) {
    diag_->error(config::position_of(*n), key_path(key),
                 "must be between " + std::to_string(min) + " and " + std::to_string(max) + " bytes, got " +
                     std::to_string(*v));
    return std::nullopt;
  }
  return v;
}

std::uint64_t TableReader::byte_size_or(std::string_view key, std::uint64_t min, std::uint64_t max,
                                        std::uint64_t fallback) {
  return byte_size(key, min, max).value_or(fallback);
}

std::optional<std::vector<Located<std::string>>> TableReader::strings(std::string_view key, Need need,
                                                                      std::size_t max_items) {
  const toml::node* n = fetch(key, need);
  if (!n) return std::nullopt;
  const auto* arr = n->as_array();
  if (!arr) {
    type_error(key, *n, "an array of strings");
    return std::nullopt;
  }
  if (arr->size() > max_items) {
    diag_->error(config::position_of(*n), key_path(key),
                 "has " + std::to_string(arr->size()) + " items; at most " + std::to_string(max_items) + " allowed");
    return std::nullopt;
  }
  std::vector<Located<std::string>> out;
  for (std::size_t i = 0; i < arr->size(); ++i) {
    const toml::node& e = *arr->get(i);
    const std::string item_key = key_path(key) + "[" + std::to_string(i) + "]";
    SourcePosition p = config::position_of(e);
    if (!p.known()) p = config::position_of(*n);
    if (const auto* s = e.as_string()) {
      out.push_back({s->get(), p, item_key});
    } else {
      diag_->error(p, item_key, "expected a string, found " + std::string(describe_type(e)));
    }
  }
  return out;
}

std::optional<std::string> TableReader::ip_address(std::string_view key, Need need) {
  auto v = string(key, need);
  if (!v) return std::nullopt;
  unsigned char buf[16];
  if (inet_pton(AF_INET, v->c_str(), buf) == 1 || inet_pton(AF_INET6, v->c_str(), buf) == 1) return v;
  error(key, "\"" + *v + "\" is not an IPv4 or IPv6 address");
  return std::nullopt;
}

std::optional<TableReader> TableReader::table(std::string_view key, Need need) {
  const toml::node* n = fetch(key, need);
  if (!n) return std::nullopt;
  if (const auto* t = n->as_table()) return TableReader(*t, key_path(key), *diag_, position_);
  type_error(key, *n, "a table");
  return std::nullopt;
}

std::optional<std::vector<TableReader>> TableReader::tables(std::string_view key, Need need) {
  const toml::node* n = fetch(key, need);
  if (!n) return std::nullopt;
  const auto* arr = n->as_array();
  if (!arr) {
    type_error(key, *n, "an array of tables");
    return std::nullopt;
  }
  std::vector<TableReader> out;
  for (std::size_t i = 0; i < arr->size(); ++i) {
    const toml::node& e = *arr->get(i);
    const std::string item_key = key_path(key) + "[" + std::to_string(i) + "]";
    if (const auto* t = e.as_table()) {
      SourcePosition p = config::position_of(e);
      out.emplace_back(*t, item_key, *diag_, p.known() ? p : config::position_of(*n));
    } else {
      SourcePosition p = config::position_of(e);
      diag_->error(p.known() ? p : config::position_of(*n), item_key,
                   "expected a table, found " + std::string(describe_type(e)));
    }
  }
  return out;
}

std::vector<std::pair<std::string, TableReader>> TableReader::named_tables(std::size_t max_len) {
  std::vector<std::pair<std::string, TableReader>> out;
  for (auto&& [k, v] : *table_) {
    const std::string name(k.str());
    mark(name);
    SourcePosition kp{k.source().begin.line, k.source().begin.column};
    if (!kp.known()) kp = config::position_of(v);
    if (!kp.known()) kp = position_;
    if (!is_identifier(name, max_len)) {
      diag_->error(kp, key_path(name),
                   "\"" + name + "\" is not a valid name: use 1 to " + std::to_string(max_len) +
                       " letters, digits, '_' or '-'");
      continue;
    }
    if (const auto* t = v.as_table()) {
      out.emplace_back(name, TableReader(*t, key_path(name), *diag_, kp));
    } else {
      diag_->error(kp, key_path(name), "expected a table, found " + std::string(describe_type(v)));
    }
  }
  return out;
}

void TableReader::finish() {
  if (finished_) return;
  finished_ = true;
  for (auto&& [k, v] : *table_) {
    const std::string_view name = k.str();
    if (std::find(known_.begin(), known_.end(), name) != known_.end()) continue;
    SourcePosition kp{k.source().begin.line, k.source().begin.column};
    if (!kp.known()) kp = config::position_of(v);
    if (!kp.known()) kp = position_;
    std::string message = "unknown key";
    std::string_view best;
    std::size_t best_d = 3;  // suggest only close matches
    for (const auto& known : known_) {
      const std::size_t d = edit_distance(name, known);
      if (d < best_d) {
        best_d = d;
        best = known;
      }
    }
    if (!best.empty()) message += " (did you mean '" + std::string(best) + "'?)";
    diag_->error(kp, key_path(name), std::move(message));
  }
}

}  // namespace sb::config
