#include "control/config/config_loader.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "control/config/config_paths.hpp"
#include "control/config/core_sections.hpp"

namespace sb::config {

std::size_t LoadResult::error_count() const noexcept {
  return static_cast<std::size_t>(std::count_if(diagnostics.begin(), diagnostics.end(),
                                                [](const ConfigError& e) { return e.severity == Severity::kError; }));
}

namespace {

constexpr int kMaxSyntaxErrors = 20;

// Replaces line `line` (1-based) so parsing can go on past it. A broken
// table header becomes a header of its own, so the keys under it do not
// land in the previous table and cause errors the operator never made.
bool blank_line(std::string& doc, std::uint32_t line, int pass) {
  std::size_t start = 0;
  for (std::uint32_t l = 1; l < line; ++l) {
    start = doc.find('\n', start);
    if (start == std::string::npos) return false;
    ++start;
  }
  std::size_t end = doc.find('\n', start);
  if (end == std::string::npos) end = doc.size();
  std::string_view text(doc.data() + start, end - start);
  const auto first = text.find_first_not_of(" \t");
  const bool header = first != std::string_view::npos && text[first] == '[';
  doc.replace(start, end - start, header ? "[sb_recovered_" + std::to_string(pass) + "]" : std::string());
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// "a . \"b\"" -> "a.b"; empty when the text does not look like a key.
std::string normalise_key(std::string_view k) {
  std::string out;
  for (char c : k) {
    if (c == ' ' || c == '\t' || c == '"' || c == '\'') continue;
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                    c == '-' || c == '.';
    if (!ok) return {};
    out += c;
  }
  return out;
}

// The dotted key a syntax error is about, read from the text: the table
// header in force at `line` and the key before '=' on it. Best effort (a
// multi-line string that looks like a header can mislead it); empty when
// nothing looks like a key.
std::string key_at_line(std::string_view doc, std::uint32_t line) {
  std::string table;
  std::uint32_t n = 1;
  while (!doc.empty()) {
    const auto nl = doc.find('\n');
    const std::string_view raw = doc.substr(0, nl);
    const std::string_view l = trim(raw.substr(0, raw.find('#')));
    const bool header = !l.empty() && l.front() == '[';
    std::string header_name;
    if (header) {
      std::string_view inner = l.substr(l.size() > 1 && l[1] == '[' ? 2 : 1);
      inner = inner.substr(0, inner.find(']'));
      header_name = normalise_key(inner);
    }
    if (n == line) {
      if (header) return header_name;
      const auto eq = l.find('=');
      const std::string key = eq == std::string_view::npos ? std::string() : normalise_key(l.substr(0, eq));
      if (key.empty()) return table;
      return table.empty() ? key : table + "." + key;
    }
    if (header) table = header_name;
    if (nl == std::string_view::npos) break;
    doc.remove_prefix(nl + 1);
    ++n;
  }
  return table;
}

std::optional<toml::table> parse_collecting_syntax_errors(std::string_view text, const std::string& source_name,
                                                          Diagnostics& diag) {
  std::string doc(text);
  std::uint32_t last_line = 0;
  bool failed = false;
  for (int pass = 0; pass < kMaxSyntaxErrors; ++pass) {
    try {
      toml::table t = toml::parse(doc, source_name);
      if (failed) return std::nullopt;
      return t;
    } catch (const toml::parse_error& e) {
      failed = true;
      const auto& b = e.source().begin;
      SourcePosition p{b.line, b.column};
      if (!p.known()) p = {1, 1};
      diag.error(p, key_at_line(text, p.line), std::string(e.description()));  // line numbers survive blanking
      // The same line twice means blanking did not help (an unterminated
      // multi-line string, say): further messages would be noise.
      if (p.line <= last_line || !blank_line(doc, p.line, pass)) return std::nullopt;
      last_line = p.line;
    }
  }
  return std::nullopt;
}

template <typename Section, typename Fn>
void core_section(TableReader& root, std::string_view name, Section& out, Fn&& parse) {
  if (auto t = root.table(name)) parse(*t, out);
}

}  // namespace

LoadResult load_config_text(std::string_view text, const std::string& source_name, const SectionRegistry& registry,
                            const std::string& config_dir) {
  LoadResult result;
  Diagnostics diag(source_name);
  if (text.size() > kMaxConfigBytes) {
    diag.error({}, "", "is " + std::to_string(text.size()) + " bytes; a config file may be at most " +
                           std::to_string(kMaxConfigBytes));
    result.diagnostics = diag.sorted();
    return result;
  }
  auto parsed = parse_collecting_syntax_errors(text, source_name, diag);
  if (!parsed) {
    result.diagnostics = diag.sorted();
    return result;
  }
  const toml::table& doc = *parsed;

  auto cfg = std::make_shared<DaemonConfig>();
  cfg->source = source_name;
  {
    TableReader root(doc, "", diag);
    core_section(root, "server", cfg->server, detail::parse_server);
    core_section(root, "logging", cfg->logging, detail::parse_logging);
    core_section(root, "api", cfg->api,
                 [&](TableReader& t, ApiSection& s) { detail::parse_api(t, config_dir, s); });
    core_section(root, "metrics", cfg->metrics, detail::parse_metrics);
    core_section(root, "recordings", cfg->recordings, detail::parse_recordings);
    core_section(root, "dataplane", cfg->dataplane, detail::parse_dataplane);
    core_section(root, "sip", cfg->sip, detail::parse_sip);

    const SectionContext ctx{config_dir};
    const toml::table empty;
    for (const auto& parser : registry.parsers()) {
      std::shared_ptr<const ConfigSection> section;
      if (root.has(parser.name)) {
        auto t = root.table(parser.name);
        if (!t) continue;
        section = parser.parse(*t, ctx);
      } else {
        TableReader t(empty, parser.name, diag, root.position());
        section = parser.parse(t, ctx);
      }
      if (section) cfg->sections.emplace(parser.name, std::move(section));
    }

    for (auto&& [key, value] : doc) {
      const std::string name(key.str());
      if (const std::string* why = registry.unvalidated_reason(name)) {
        root.mark(name);
        cfg->unvalidated.emplace(name, *why);
        diag.warning(root.position_of(name), name, "section accepted but not validated: " + *why);
      }
    }
    root.finish();
  }

  if (cfg->api.generated_token_file.empty())
    cfg->api.generated_token_file = resolve_relative(cfg->server.state_dir, "api-token");
  detail::check_core_sections(*cfg, doc, diag);

  NameTable names;
  for (const auto& [name, section] : cfg->sections) section->declare_names(names);
  for (const auto& [name, section] : cfg->sections) section->check_references(names, diag);

  result.diagnostics = diag.sorted();
  if (!diag.has_errors()) result.config = std::move(cfg);
  return result;
}

LoadResult load_config_file(const std::string& path, const SectionRegistry& registry) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    LoadResult r;
    r.diagnostics.push_back({Severity::kError, path, {}, "", "is a directory, not a config file"});
    return r;
  }
  std::ifstream f(path, std::ios::binary);
  if (!f) {
    LoadResult r;
    r.diagnostics.push_back({Severity::kError, path, {}, "", std::string("cannot open: ") + std::strerror(errno)});
    return r;
  }
  std::ostringstream ss;
  ss << f.rdbuf();
  if (f.bad()) {
    LoadResult r;
    r.diagnostics.push_back({Severity::kError, path, {}, "", "read error"});
    return r;
  }
  const auto slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? std::string() : path.substr(0, slash == 0 ? 1 : slash);
  return load_config_text(ss.str(), path, registry, dir);
}

}  // namespace sb::config
