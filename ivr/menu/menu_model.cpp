#include "ivr/menu/menu_model.hpp"

#include "ivr/menu/queue_announcement.hpp"

namespace sb::ivr::menu {

std::string_view node_type_name(NodeType t) noexcept {
  switch (t) {
    case NodeType::kPlay: return "play";
    case NodeType::kCollect: return "collect";
    case NodeType::kSet: return "set";
    case NodeType::kGoto: return "goto";
    case NodeType::kQueue: return "queue";
    case NodeType::kCallback: return "callback";
    case NodeType::kTransfer: return "transfer";
    case NodeType::kHangup: return "hangup";
  }
  return "unknown";
}

std::optional<std::uint32_t> Menu::find_node(std::string_view n) const {
  for (std::uint32_t i = 0; i < nodes.size(); ++i)
    if (nodes[i].name == n) return i;
  return std::nullopt;
}

const Menu* IvrConfig::find_menu(std::string_view name) const {
  auto i = menu_index(name);
  return i ? &menus[*i] : nullptr;
}

std::optional<std::uint32_t> IvrConfig::menu_index(std::string_view name) const {
  for (std::uint32_t i = 0; i < menus.size(); ++i)
    if (menus[i].name == name) return i;
  return std::nullopt;
}

std::string IvrConfig::prompt_path(std::string_view name, std::string_view language) const {
  std::string p = prompts_dir;
  p += '/';
  p += language;
  p += '/';
  p += name;
  p += ".wav";
  return p;
}

namespace {

nlohmann::json prompts_json(const std::vector<PromptRef>& refs) {
  nlohmann::json a = nlohmann::json::array();
  for (const auto& r : refs) a.push_back(r.source.value);
  return a;
}

nlohmann::json node_json(const Node& n) {
  nlohmann::json j = {{"name", n.name}, {"type", node_type_name(n.type)}};
  if (!n.prompts.empty()) j["prompts"] = prompts_json(n.prompts);
  if (n.next) j["next"] = n.next->node;
  switch (n.type) {
    case NodeType::kPlay:
      j["barge_in"] = n.barge_in;
      break;
    case NodeType::kCollect: {
      const auto& c = n.collect;
      j["barge_in"] = n.barge_in;
      j["min_digits"] = c.min_digits;
      j["max_digits"] = c.max_digits;
      j["first_digit_timeout_seconds"] = to_seconds(c.first_digit_timeout);
      j["inter_digit_timeout_seconds"] = to_seconds(c.inter_digit_timeout);
      j["terminator"] = c.terminator ? std::string(1, c.terminator) : std::string();
      j["retries"] = c.retries;
      if (!c.reprompt.empty()) j["reprompt"] = prompts_json(c.reprompt);
      if (!c.invalid_prompt.empty()) j["invalid_prompt"] = prompts_json(c.invalid_prompt);
      if (!c.timeout_prompt.empty()) j["timeout_prompt"] = prompts_json(c.timeout_prompt);
      nlohmann::json branches = nlohmann::json::array();
      for (const auto& b : c.branches) branches.push_back({{"match", b.pattern.text()}, {"next", b.target.node}});
      j["branches"] = branches;
      if (c.any) j["next"] = c.any->node;
      if (!c.store_as.empty()) j["store_as"] = c.store_as;
      if (c.on_invalid) j["on_invalid"] = c.on_invalid->node;
      if (c.on_timeout) j["on_timeout"] = c.on_timeout->node;
      break;
    }
    case NodeType::kSet:
      if (n.language) j["language"] = *n.language;
      if (n.skills) j["skills"] = *n.skills;
      if (n.priority) j["priority"] = *n.priority;
      if (!n.variables.empty()) {
        nlohmann::json v = nlohmann::json::object();
        for (const auto& [k, val] : n.variables) v[k] = val;
        j["variables"] = v;
      }
      break;
    case NodeType::kGoto:
      if (n.menu) j["menu"] = n.menu->value;
      break;
    case NodeType::kQueue:
      if (n.queue) j["queue"] = n.queue->value;
      if (n.priority) j["priority"] = *n.priority;
      break;
    case NodeType::kCallback:
      if (n.queue) j["queue"] = n.queue->value;
      if (!n.number_variable.empty()) j["number_variable"] = n.number_variable;
      break;
    case NodeType::kTransfer:
      j["destination"] = n.destination;
      break;
    case NodeType::kHangup:
      j["cause"] = n.cause;
      break;
  }
  return j;
}

}  // namespace

nlohmann::json IvrConfig::to_json() const {
  nlohmann::json j;
  j["prompts_dir"] = prompts_dir;
  j["languages"] = languages;
  j["entry_menu"] = entry_menu;
  nlohmann::json p = nlohmann::json::object();
  for (const auto& [name, prompt] : prompts) p[name] = prompt.text;
  j["prompts"] = p;
  nlohmann::json m = nlohmann::json::array();
  for (const auto& menu : menus) {
    nlohmann::json nodes = nlohmann::json::array();
    for (const auto& n : menu.nodes) nodes.push_back(node_json(n));
    m.push_back({{"name", menu.name}, {"entry", menu.entry.node}, {"nodes", nodes}});
  }
  j["menus"] = m;
  return j;
}

void IvrConfig::declare_names(config::NameTable& names) const {
  for (const auto& m : menus) names.define("menu", m.name);
}

void IvrConfig::check_references(const config::NameTable& names, config::Diagnostics& diag) const {
  if (names.knows("queue"))
    for (const auto& q : queue_refs)
      if (!names.has("queue", q.value)) diag.error(q.position, q.key, "no queue named \"" + q.value + "\"");
  if (names.knows("skill"))
    for (const auto& s : skill_refs)
      if (!names.has("skill", s.value)) diag.error(s.position, s.key, "no skill named \"" + s.value + "\"");
  check_announcement_prompts(names, diag);
}

// Not an error: a word without a prompt plays as a tone, and recordings may
// come later; but callers would hear beeps where their position should be.
void IvrConfig::check_announcement_prompts(const config::NameTable& names, config::Diagnostics& diag) const {
  if (!names.knows("announcing queue")) return;
  std::string missing;
  std::size_t count = 0;
  for (const std::string_view word : queue_announcement_prompts()) {
    if (prompts.count(word)) continue;
    if (count++ < 4) missing += (missing.empty() ? "" : ", ") + std::string(word);
  }
  if (count == 0) return;
  if (count > 4) missing += " and " + std::to_string(count - 4) + " more";
  const auto queues = names.names("announcing queue");
  std::string which;
  for (const auto& q : queues) which += (which.empty() ? "\"" : ", \"") + q + "\"";
  diag.warning(prompts_position, "ivr.prompts",
               (queues.size() > 1 ? "queues " + which + " announce" : "queue " + which + " announces") +
                   " position and expected wait (announce_interval_seconds), but " + std::to_string(count) +
                   " of the words they use have no prompt (" + missing + "): each plays as a tone");
}

}  // namespace sb::ivr::menu
