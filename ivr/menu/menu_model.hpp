// The IVR configuration model: prompts, menus and their nodes, as loaded
// from the [ivr] config section and checked as a graph (menu_graph.hpp).
//
// A menu is a small graph of nodes with one entry node. Nodes:
//   play      play prompts, then `next` (digits ignored, or with barge_in
//             they cut the prompt short and are kept as type-ahead)
//   collect   play prompts and collect digits; branch on digit patterns,
//             `next` for any other valid input, `on_invalid` / `on_timeout`
//             once `retries` re-prompts are used up
//   set       set call variables (language, skills, priority, any key), then `next`
//   goto      continue at another menu's entry node
//   queue     route the call to an ACD queue             (ends the IVR)
//   callback  ask the ACD for a callback from a queue      (ends the IVR)
//   transfer  transfer the call to a destination            (ends the IVR)
//   hangup    hang up                                       (ends the IVR)
// Terminal nodes may play prompts before they act ("please hold").
//
// Snapshots are immutable and shared: a call keeps the IvrConfig it started
// with across a reload.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.hpp"
#include "control/config/section_registry.hpp"
#include "ivr/menu/digit_pattern.hpp"
#include "ivr/tones.hpp"

namespace sb::ivr::menu {

inline constexpr std::uint32_t kUnresolved = UINT32_MAX;

// One element of a prompt list as written in config: "welcome",
// "tone:beep", "silence:500ms".
struct PromptRef {
  enum class Kind : std::uint8_t { kPrompt, kTone, kSilence };
  Kind kind = Kind::kPrompt;
  std::string name;          // prompt name, or the tone's name
  ToneKind tone = ToneKind::kBeep;
  Nanos silence{0};
  config::Located<std::string> source;  // as written, for diagnostics
};

// A recorded prompt: <prompts_dir>/<language>/<name>.wav, with the words it
// says per language (documentation, and input for prompt generation).
struct Prompt {
  std::string name;
  std::map<std::string, std::string> text;  // language -> words
};

struct Target {
  std::string node;                 // as written
  std::uint32_t index = kUnresolved;  // resolved by the graph check
  config::SourcePosition position;
  std::string key;
};

struct Branch {
  DigitPattern pattern;
  Target target;
  config::SourcePosition position;
  std::string key;
};

enum class NodeType : std::uint8_t { kPlay, kCollect, kSet, kGoto, kQueue, kCallback, kTransfer, kHangup };
std::string_view node_type_name(NodeType t) noexcept;
inline bool is_terminal(NodeType t) noexcept {
  return t == NodeType::kQueue || t == NodeType::kCallback || t == NodeType::kTransfer || t == NodeType::kHangup;
}

struct CollectSpec {
  int min_digits = 1;
  int max_digits = 1;
  Nanos first_digit_timeout = std::chrono::seconds(5);
  Nanos inter_digit_timeout = std::chrono::seconds(3);
  char terminator = 0;              // 0: none
  int retries = 2;                  // re-prompts after a failed attempt
  std::vector<PromptRef> reprompt;  // empty: the node's prompts again
  std::vector<PromptRef> invalid_prompt;
  std::vector<PromptRef> timeout_prompt;
  std::vector<Branch> branches;     // first match wins
  std::optional<Target> any;        // `next`: any valid input no branch matched
  std::string store_as;             // variable that receives the digits, or empty
  std::optional<Target> on_invalid;
  std::optional<Target> on_timeout;
};

struct Node {
  std::string name;
  NodeType type = NodeType::kPlay;
  config::SourcePosition position;
  std::string key;                  // "ivr.menus.main.nodes.welcome"

  std::vector<PromptRef> prompts;
  bool barge_in = false;
  std::optional<Target> next;       // play, set

  CollectSpec collect;              // collect

  // set
  std::optional<std::string> language;
  std::optional<std::vector<std::string>> skills;
  std::optional<int> priority;
  std::vector<std::pair<std::string, std::string>> variables;

  // queue, callback (and queue-like references for the ACD check)
  std::optional<config::Located<std::string>> queue;
  std::string number_variable;      // callback: variable holding the number; empty: caller id
  std::string destination;          // transfer
  std::string cause = "normal";     // hangup
  std::optional<config::Located<std::string>> menu;  // goto
  std::uint32_t menu_index = kUnresolved;
};

struct Menu {
  std::string name;
  config::SourcePosition position;
  std::string key;
  Target entry;
  std::vector<Node> nodes;
  std::optional<std::uint32_t> find_node(std::string_view name) const;
};

class IvrConfig final : public config::ConfigSection {
 public:
  std::string prompts_dir = "./var/prompts";
  std::vector<std::string> languages = {"en"};  // the first is the default
  std::string entry_menu;                        // for calls with no menu chosen by routing
  std::map<std::string, Prompt, std::less<>> prompts;
  config::SourcePosition prompts_position;       // of [ivr.prompts] (or [ivr])
  std::vector<Menu> menus;

  // References to other sections, checked by check_references().
  std::vector<config::Located<std::string>> queue_refs;
  std::vector<config::Located<std::string>> skill_refs;

  const Menu* find_menu(std::string_view name) const;
  std::optional<std::uint32_t> menu_index(std::string_view name) const;
  const std::string& default_language() const { return languages.front(); }
  std::string prompt_path(std::string_view name, std::string_view language) const;

  nlohmann::json to_json() const override;
  void declare_names(config::NameTable& names) const override;
  void check_references(const config::NameTable& names, config::Diagnostics& diag) const override;

 private:
  void check_announcement_prompts(const config::NameTable& names, config::Diagnostics& diag) const;
};

}  // namespace sb::ivr::menu
