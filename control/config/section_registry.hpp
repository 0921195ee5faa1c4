// The extension point for config sections owned by other modules.
//
// The daemon's own sections ([server], [logging], [api], [metrics],
// [recordings], [dataplane], [sip]) are parsed by control/config. A module
// that owns a section ([ivr], [acd]) registers a parser here instead of
// control/config knowing its shape (ivr/menu/menu_config.cpp and
// control/daemon/acd_section.cpp are the two examples):
//
//   config::SectionParser dialer_section_parser() {
//     return {"dialer", [](config::TableReader& t, const config::SectionContext&) {
//       auto cfg = std::make_shared<DialerConfig>();
//       for (auto& [name, c] : t.table("campaigns")->named_tables()) ...   // errors go to t's Diagnostics
//       return cfg;
//     }};
//   }
//   // control/daemon: registry.add(dialer_section_parser());
//   // readers:        const DialerConfig* d = config.section<DialerConfig>("dialer");
//
// Parsers report every problem into the reader's Diagnostics (file, line,
// column, key path) and return the section they could build; the loader
// discards the whole config if anything was an error. After every section is
// parsed, sections declare the names they define (queues, skills, menus) and
// then check their references to other sections' names, so "IVR routes to a
// queue that does not exist" is a load error with the IVR key's position.
#pragma once

#include <nlohmann/json.hpp>

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.hpp"
#include "control/config/diagnostics.hpp"
#include "control/config/table_reader.hpp"

namespace sb::config {

// Names sections define, by kind ("queue", "skill", "menu").
class NameTable {
 public:
  void define(std::string_view kind, std::string_view name);
  // True when some section defines names of this kind, i.e. references to
  // the kind can be checked in this build.
  bool knows(std::string_view kind) const;
  bool has(std::string_view kind, std::string_view name) const;
  std::vector<std::string> names(std::string_view kind) const;

 private:
  std::map<std::string, std::set<std::string, std::less<>>, std::less<>> names_;
};

// A parsed, validated, immutable section. Shared between config snapshots
// and whoever holds one (a call keeps the IVR snapshot it started with).
class ConfigSection {
 public:
  virtual ~ConfigSection() = default;
  // For GET /api/v1/config: the effective values, secrets removed.
  virtual nlohmann::json to_json() const = 0;
  virtual void declare_names(NameTable& /*names*/) const {}
  // Reports references to names other sections define that do not exist.
  // Only check a kind when names.knows(kind): in a build without the module
  // that defines it there is nothing to check against.
  virtual void check_references(const NameTable& /*names*/, Diagnostics& /*diag*/) const {}
};

struct SectionContext {
  // Directory of the config file, for resolving relative paths a section
  // wants relative to its file; empty for the embedded default.
  std::string config_dir;
};

// Called with the section's table, or with an empty table when the file has
// no such section (so a module keeps its defaults in one place). Returns
// nullptr only when nothing usable could be built; errors go to
// table.diagnostics().
using SectionParseFn = std::function<std::shared_ptr<const ConfigSection>(TableReader& table, const SectionContext&)>;

struct SectionParser {
  std::string name;  // top-level key
  SectionParseFn parse;
};

class SectionRegistry {
 public:
  // AlreadyExists when the name is taken or is one of the daemon's own sections.
  Status add(SectionParser parser);
  // A section this build accepts without validating, because the module
  // that owns it is not linked in: its contents are reported as a warning,
  // never used, never shown by the API.
  Status add_unvalidated(std::string name, std::string reason);

  const SectionParser* find(std::string_view name) const;
  const std::string* unvalidated_reason(std::string_view name) const;
  const std::vector<SectionParser>& parsers() const noexcept { return parsers_; }

  // The daemon's own section names; modules cannot register these.
  static const std::vector<std::string_view>& core_sections();

 private:
  bool taken(std::string_view name) const;
  std::vector<SectionParser> parsers_;
  std::map<std::string, std::string, std::less<>> unvalidated_;
};

}  // namespace sb::config
