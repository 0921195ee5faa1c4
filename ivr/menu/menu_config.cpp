#include "ivr/menu/menu_config.hpp"

#include <algorithm>
#include <filesystem>

#include "ivr/menu/menu_graph.hpp"

namespace sb::ivr::menu {

using config::Need;
using config::TableReader;
using std::chrono::milliseconds;
using std::chrono::seconds;

namespace {

constexpr std::size_t kMaxMenus = 256;
constexpr std::size_t kMaxNodesPerMenu = 512;
constexpr std::size_t kMaxPromptItems = 32;
constexpr std::size_t kMaxBranches = 64;

bool is_reserved_variable(std::string_view v) { return v == "language" || v == "skills" || v == "priority"; }

bool valid_language(std::string_view s) {
  return s.size() >= 2 && s.size() <= 16 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' || c == '_';
         });
}

class Parser {
 public:
  Parser(TableReader& root, IvrConfig& cfg) : root_(root), cfg_(cfg), diag_(root.diagnostics()) {}

  void run() {
    if (auto d = root_.string("prompts_dir")) {
      if (d->empty()) root_.error("prompts_dir", "must not be empty");
      else cfg_.prompts_dir = *d;
    }
    if (auto langs = root_.strings("languages", Need::kOptional, 32)) {
      std::vector<std::string> out;
      for (const auto& l : *langs) {
        if (!valid_language(l.value)) diag_.error(l.position, l.key, "\"" + l.value + "\" is not a language tag (\"en\", \"pt-BR\")");
        else if (std::find(out.begin(), out.end(), l.value) != out.end()) diag_.error(l.position, l.key, "\"" + l.value + "\" is listed twice");
        else out.push_back(l.value);
      }
      if (langs->empty()) root_.error("languages", "needs at least one language (the first is the default)");
      else if (!out.empty()) cfg_.languages = out;
    }
    cfg_.prompts_position = root_.position_of(root_.has("prompts") ? "prompts" : "");
    if (auto prompts = root_.table("prompts")) parse_prompts(*prompts);
    std::optional<std::string> entry = root_.identifier("entry_menu");
    if (auto menus = root_.table("menus")) {
      auto named = menus->named_tables();
      if (named.size() > kMaxMenus) menus->error("", "at most " + std::to_string(kMaxMenus) + " menus");
      for (auto& [name, t] : named) parse_menu(name, t);
    }
    if (entry) {
      cfg_.entry_menu = *entry;
      if (!cfg_.find_menu(*entry)) root_.error("entry_menu", "no menu named \"" + *entry + "\"");
    } else if (cfg_.menus.size() == 1) {
      cfg_.entry_menu = cfg_.menus.front().name;
    } else if (cfg_.menus.size() > 1) {
      root_.error("entry_menu", "required when there is more than one menu");
    }
    check_prompt_files();
  }

 private:
  void parse_prompts(TableReader& t) {
    for (auto& [name, p] : t.named_tables()) {
      Prompt prompt;
      prompt.name = name;
      for (auto&& [lang, value] : p.table()) {
        const std::string l(lang.str());
        p.mark(l);
        if (std::find(cfg_.languages.begin(), cfg_.languages.end(), l) == cfg_.languages.end()) {
          p.error(l, "language \"" + l + "\" is not in ivr.languages");
          continue;
        }
        if (auto text = p.string(l)) prompt.text[l] = *text;
      }
      if (!prompt.text.count(cfg_.default_language()))
        p.error("", "has no text for the default language \"" + cfg_.default_language() + "\"");
      cfg_.prompts.emplace(name, std::move(prompt));
    }
  }

  std::vector<PromptRef> prompt_list(TableReader& t, std::string_view key, Need need) {
    std::vector<PromptRef> out;
    auto items = t.strings(key, need, kMaxPromptItems);
    if (!items) return out;
    if (items->empty() && need == Need::kRequired) t.error(key, "needs at least one prompt");
    for (auto& item : *items) {
      PromptRef r;
      r.source = item;
      const std::string& v = item.value;
      if (v.rfind("tone:", 0) == 0) {
        r.kind = PromptRef::Kind::kTone;
        r.name = v.substr(5);
        bool found = false;
        for (ToneKind k : {ToneKind::kRingback, ToneKind::kBusy, ToneKind::kDial, ToneKind::kReorder, ToneKind::kBeep}) {
          if (tone_kind_name(k) == r.name) {
            r.tone = k;
            found = true;
          }
        }
        if (!found) {
          diag_.error(item.position, item.key, "unknown tone \"" + r.name + "\" (ringback, busy, dial, reorder, beep)");
          continue;
        }
      } else if (v.rfind("silence:", 0) == 0) {
        r.kind = PromptRef::Kind::kSilence;
        auto d = config::parse_duration(std::string_view(v).substr(8));
        if (!d || *d < milliseconds(1) || *d > seconds(60)) {
          diag_.error(item.position, item.key, "\"" + v + "\": silence takes a duration from 1ms to 60s (\"silence:500ms\")");
          continue;
        }
        r.silence = *d;
      } else {
        r.kind = PromptRef::Kind::kPrompt;
        r.name = v;
        if (!cfg_.prompts.count(v)) {
          diag_.error(item.position, item.key, "no prompt named \"" + v + "\" in ivr.prompts");
          continue;
        }
      }
      out.push_back(std::move(r));
    }
    return out;
  }

  std::optional<Target> target(TableReader& t, std::string_view key, Need need) {
    auto name = t.identifier(key, need);
    if (!name) return std::nullopt;
    return Target{*name, kUnresolved, t.position_of(key), t.key_path(key)};
  }

  void parse_menu(const std::string& name, TableReader& t) {
    Menu menu;
    menu.name = name;
    menu.position = t.position();
    menu.key = t.path();
    t.string("description");
    if (auto e = target(t, "entry", Need::kRequired)) menu.entry = *e;
    if (auto nodes = t.table("nodes", Need::kRequired)) {
      auto named = nodes->named_tables();
      if (named.size() > kMaxNodesPerMenu) nodes->error("", "at most " + std::to_string(kMaxNodesPerMenu) + " nodes per menu");
      if (named.empty()) nodes->error("", "a menu needs at least one node");
      for (auto& [node_name, nt] : named) menu.nodes.push_back(parse_node(node_name, nt));
    }
    cfg_.menus.push_back(std::move(menu));
  }

  Node parse_node(const std::string& name, TableReader& t) {
    Node n;
    n.name = name;
    n.position = t.position();
    n.key = t.path();
    t.string("description");
    auto type = t.choice<NodeType>("type",
                                   {{"play", NodeType::kPlay},
                                    {"collect", NodeType::kCollect},
                                    {"set", NodeType::kSet},
                                    {"goto", NodeType::kGoto},
                                    {"queue", NodeType::kQueue},
                                    {"callback", NodeType::kCallback},
                                    {"transfer", NodeType::kTransfer},
                                    {"hangup", NodeType::kHangup}},
                                   Need::kRequired);
    if (!type) {
      // Without a type the other keys cannot be judged; do not call them unknown.
      for (auto&& [k, v] : t.table()) t.mark(k.str());
      n.type = NodeType::kHangup;
      return n;
    }
    n.type = *type;
    switch (n.type) {
      case NodeType::kPlay:
        n.prompts = prompt_list(t, "prompts", Need::kRequired);
        n.barge_in = t.boolean_or("barge_in", false);
        n.next = target(t, "next", Need::kRequired);
        break;
      case NodeType::kCollect:
        parse_collect(t, n);
        break;
      case NodeType::kSet:
        parse_set(t, n);
        n.next = target(t, "next", Need::kRequired);
        break;
      case NodeType::kGoto:
        if (auto m = t.identifier("menu", Need::kRequired))
          n.menu = config::Located<std::string>{*m, t.position_of("menu"), t.key_path("menu")};
        break;
      case NodeType::kQueue:
      case NodeType::kCallback:
        n.prompts = prompt_list(t, "prompts", Need::kOptional);
        if (auto q = t.identifier("queue", Need::kRequired)) {
          n.queue = config::Located<std::string>{*q, t.position_of("queue"), t.key_path("queue")};
          cfg_.queue_refs.push_back(*n.queue);
        }
        if (n.type == NodeType::kQueue) {
          if (auto p = t.integer("priority", 0, 100)) n.priority = static_cast<int>(*p);
        } else if (auto v = t.identifier("number_variable")) {
          n.number_variable = *v;
        }
        break;
      case NodeType::kTransfer:
        n.prompts = prompt_list(t, "prompts", Need::kOptional);
        if (auto d = t.string("destination", Need::kRequired)) {
          if (d->empty() || d->size() > 256 || d->find_first_of(" \t\r\n<>\"") != std::string::npos)
            t.error("destination", "must be a SIP URI or a number without spaces, quotes or angle brackets");
          else
            n.destination = *d;
        }
        break;
      case NodeType::kHangup:
        n.prompts = prompt_list(t, "prompts", Need::kOptional);
        if (auto c = t.choice<std::string_view>("cause", {{"normal", "normal"}, {"busy", "busy"}, {"rejected", "rejected"}}))
          n.cause = std::string(*c);
        break;
    }
    return n;
  }

  void parse_collect(TableReader& t, Node& n) {
    CollectSpec& c = n.collect;
    n.prompts = prompt_list(t, "prompts", Need::kRequired);
    n.barge_in = t.boolean_or("barge_in", true);
    c.reprompt = prompt_list(t, "reprompt", Need::kOptional);
    c.invalid_prompt = prompt_list(t, "invalid_prompt", Need::kOptional);
    c.timeout_prompt = prompt_list(t, "timeout_prompt", Need::kOptional);
    c.min_digits = static_cast<int>(t.integer_or("min_digits", 1, DigitPattern::kMaxLength, c.min_digits));
    c.max_digits = static_cast<int>(t.integer_or("max_digits", 1, DigitPattern::kMaxLength, c.max_digits));
    if (c.min_digits > c.max_digits) {
      t.error("min_digits", "min_digits (" + std::to_string(c.min_digits) + ") is larger than max_digits (" +
                                std::to_string(c.max_digits) + ")");
      c.min_digits = c.max_digits;
    }
    c.first_digit_timeout = t.duration_or("first_digit_timeout", milliseconds(500), seconds(120), c.first_digit_timeout);
    c.inter_digit_timeout = t.duration_or("inter_digit_timeout", milliseconds(200), seconds(60), c.inter_digit_timeout);
    if (auto term = t.string("terminator")) {
      if (*term != "#" && *term != "*" && !term->empty()) t.error("terminator", "must be \"#\", \"*\" or \"\" (none)");
      else c.terminator = term->empty() ? 0 : (*term)[0];
    }
    c.retries = static_cast<int>(t.integer_or("retries", 0, 10, c.retries));
    if (auto v = t.identifier("store_as")) {
      if (is_reserved_variable(*v)) t.error("store_as", "\"" + *v + "\" is set by set nodes, not by digit input");
      else c.store_as = *v;
    }
    if (auto branches = t.tables("branches")) {
      if (branches->size() > kMaxBranches) t.error("branches", "at most " + std::to_string(kMaxBranches) + " branches");
      for (auto& b : *branches) {
        auto match = b.string("match", Need::kRequired);
        auto goes = target(b, "next", Need::kRequired);
        if (!match || !goes) continue;
        std::string why;
        auto pattern = DigitPattern::compile(*match, &why);
        if (!pattern) {
          b.error("match", "\"" + *match + "\": " + why);
          continue;
        }
        if (c.terminator && match->find(c.terminator) != std::string::npos)
          b.error("match", std::string("contains the terminator '") + c.terminator + "', which never reaches the digits");
        c.branches.push_back(Branch{std::move(*pattern), *goes, b.position(), b.path()});
      }
    }
    c.any = target(t, "next", Need::kOptional);
    if (c.branches.empty() && !c.any) t.error("", "a collect node needs 'branches', 'next' or both");
    auto failure = target(t, "on_failure", Need::kOptional);
    c.on_invalid = target(t, "on_invalid", Need::kOptional);
    c.on_timeout = target(t, "on_timeout", Need::kOptional);
    if (!c.on_invalid) c.on_invalid = failure;
    if (!c.on_timeout) c.on_timeout = failure;
    if (!c.on_invalid) t.error("", "needs 'on_invalid' or 'on_failure': where a caller goes after the last invalid entry");
    if (!c.on_timeout) t.error("", "needs 'on_timeout' or 'on_failure': where a caller goes after the last timeout");
  }

  void parse_set(TableReader& t, Node& n) {
    if (auto l = t.string("language")) {
      if (std::find(cfg_.languages.begin(), cfg_.languages.end(), *l) == cfg_.languages.end())
        t.error("language", "\"" + *l + "\" is not in ivr.languages");
      else
        n.language = *l;
    }
    if (auto skills = t.strings("skills", Need::kOptional, 64)) {
      std::vector<std::string> out;
      for (auto& s : *skills) {
        cfg_.skill_refs.push_back(s);
        out.push_back(s.value);
      }
      n.skills = std::move(out);
    }
    if (auto p = t.integer("priority", 0, 100)) n.priority = static_cast<int>(*p);
    if (auto vars = t.table("variables")) {
      for (auto&& [k, v] : vars->table()) {
        const std::string name(k.str());
        vars->mark(name);
        if (is_reserved_variable(name)) {
          vars->error(name, "set \"" + name + "\" with the node's own key, not under variables");
          continue;
        }
        auto value = vars->string(name);
        if (!value) continue;
        if (value->size() > 1024) vars->error(name, "values are limited to 1024 bytes");
        else n.variables.emplace_back(name, *value);
      }
    }
    if (!n.language && !n.skills && !n.priority && n.variables.empty())
      t.error("", "a set node needs at least one of language, skills, priority, variables");
  }

  // Missing prompt files do not fail a load (they may be recorded after the
  // menus are written, and the media layer refuses a missing prompt at
  // playback); one warning says how many are missing and where.
  void check_prompt_files() {
    std::size_t total = 0, missing = 0;
    std::string first;
    for (const auto& [name, p] : cfg_.prompts) {
      for (const auto& [lang, text] : p.text) {
        ++total;
        std::error_code ec;
        const std::string path = cfg_.prompt_path(name, lang);
        if (!std::filesystem::is_regular_file(path, ec)) {
          if (missing++ == 0) first = path;
        }
      }
    }
    if (missing > 0)
      root_.warning(root_.has("prompts_dir") ? "prompts_dir" : "",
                    std::to_string(missing) + " of " + std::to_string(total) + " prompt files are missing (first: " +
                        first + "); record them or generate them from the prompt texts");
  }

  TableReader& root_;
  IvrConfig& cfg_;
  config::Diagnostics& diag_;
};

}  // namespace

std::shared_ptr<const IvrConfig> parse_ivr_section(TableReader& table, const config::SectionContext& /*ctx*/) {
  auto cfg = std::make_shared<IvrConfig>();
  Parser(table, *cfg).run();
  table.finish();
  check_menu_graph(*cfg, table.diagnostics());
  return cfg;
}

config::SectionParser ivr_section_parser() { return {"ivr", parse_ivr_section}; }

}  // namespace sb::ivr::menu
