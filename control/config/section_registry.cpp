#include "control/config/section_registry.hpp"

#include <algorithm>

namespace sb::config {

void NameTable::define(std::string_view kind, std::string_view name) {
  auto it = names_.find(kind);
  if (it == names_.end()) it = names_.emplace(std::string(kind), std::set<std::string, std::less<>>{}).first;
  it->second.emplace(name);
}

bool NameTable::knows(std::string_view kind) const { return names_.find(kind) != names_.end(); }

bool NameTable::has(std::string_view kind, std::string_view name) const {
  auto it = names_.find(kind);
  return it != names_.end() && it->second.find(name) != it->second.end();
}

std::vector<std::string> NameTable::names(std::string_view kind) const {
  auto it = names_.find(kind);
  if (it == names_.end()) return {};
  return {it->second.begin(), it->second.end()};
}

const std::vector<std::string_view>& SectionRegistry::core_sections() {
  static const std::vector<std::string_view> names = {"server", "logging", "api", "metrics",
                                                      "recordings", "dataplane", "sip"};
  return names;
}

bool SectionRegistry::taken(std::string_view name) const {
  const auto& core = core_sections();
  return std::find(core.begin(), core.end(), name) != core.end() || find(name) != nullptr ||
         unvalidated_.find(name) != unvalidated_.end();
}

Status SectionRegistry::add(SectionParser parser) {
  if (parser.name.empty() || !parser.parse) return invalid_argument("a section parser needs a name and a function");
  if (taken(parser.name)) return already_exists("config section [" + parser.name + "] already has a parser");
  parsers_.push_back(std::move(parser));
  return Status::ok();
}

Status SectionRegistry::add_unvalidated(std::string name, std::string reason) {
  if (name.empty()) return invalid_argument("section name is empty");
  if (taken(name)) return already_exists("config section [" + name + "] already has a parser");
  unvalidated_.emplace(std::move(name), std::move(reason));
  return Status::ok();
}

const SectionParser* SectionRegistry::find(std::string_view name) const {
  for (const auto& p : parsers_)
    if (p.name == name) return &p;
  return nullptr;
}

const std::string* SectionRegistry::unvalidated_reason(std::string_view name) const {
  auto it = unvalidated_.find(name);
  return it == unvalidated_.end() ? nullptr : &it->second;
}

}  // namespace sb::config
