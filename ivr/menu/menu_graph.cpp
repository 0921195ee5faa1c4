#include "ivr/menu/menu_graph.hpp"

#include <algorithm>
#include <set>

namespace sb::ivr::menu {

namespace {

struct Edge {
  std::uint32_t to;  // global node id
  bool input;        // needs caller input to be taken
};

class GraphCheck {
 public:
  GraphCheck(IvrConfig& cfg, config::Diagnostics& diag) : cfg_(cfg), diag_(diag) {}

  void run() {
    for (std::uint32_t m = 0; m < cfg_.menus.size(); ++m) {
      base_.push_back(static_cast<std::uint32_t>(total_));
      total_ += cfg_.menus[m].nodes.size();
    }
    for (auto& menu : cfg_.menus) resolve(menu);
    // Unresolved targets (reported above) are left out of the graph; the
    // other checks still run so one pass reports everything.
    edges_.assign(total_, {});
    for (std::uint32_t m = 0; m < cfg_.menus.size(); ++m) collect_edges(m);
    for (std::uint32_t m = 0; m < cfg_.menus.size(); ++m) check_reachable(m);
    check_input_free_loops();
    for (auto& menu : cfg_.menus)
      for (auto& node : menu.nodes)
        if (node.type == NodeType::kCollect) check_patterns(node);
  }

 private:
  void resolve_target(const Menu& menu, Target& t) {
    if (auto idx = menu.find_node(t.node)) t.index = *idx;
    else diag_.error(t.position, t.key, "no node \"" + t.node + "\" in menu \"" + menu.name + "\"");
  }

  void resolve(Menu& menu) {
    if (!menu.entry.node.empty()) resolve_target(menu, menu.entry);
    for (auto& node : menu.nodes) {
      if (node.next) resolve_target(menu, *node.next);
      if (node.type == NodeType::kCollect) {
        auto& c = node.collect;
        for (auto& b : c.branches) resolve_target(menu, b.target);
        if (c.any) resolve_target(menu, *c.any);
        if (c.on_invalid) resolve_target(menu, *c.on_invalid);
        if (c.on_timeout) resolve_target(menu, *c.on_timeout);
      }
      if (node.type == NodeType::kGoto && node.menu) {
        if (auto mi = cfg_.menu_index(node.menu->value)) node.menu_index = *mi;
        else diag_.error(node.menu->position, node.menu->key, "no menu named \"" + node.menu->value + "\"");
      }
    }
  }

  void collect_edges(std::uint32_t m) {
    const Menu& menu = cfg_.menus[m];
    for (std::uint32_t i = 0; i < menu.nodes.size(); ++i) {
      const Node& n = menu.nodes[i];
      auto& out = edges_[base_[m] + i];
      auto add = [&](const std::optional<Target>& t, bool input) {
        if (t && t->index != kUnresolved) out.push_back({base_[m] + t->index, input});
      };
      add(n.next, false);
      if (n.type == NodeType::kGoto && n.menu_index != kUnresolved) {
        const Menu& other = cfg_.menus[n.menu_index];
        if (other.entry.index != kUnresolved) out.push_back({base_[n.menu_index] + other.entry.index, false});
      }
      if (n.type == NodeType::kCollect) {
        const auto& c = n.collect;
        for (const auto& b : c.branches) add(b.target, true);
        add(c.any, true);
        add(c.on_invalid, true);
        add(c.on_timeout, false);
      }
    }
  }

  std::pair<std::uint32_t, std::uint32_t> locate(std::uint32_t id) const {
    const auto it = std::upper_bound(base_.begin(), base_.end(), id);
    const auto m = static_cast<std::uint32_t>(it - base_.begin() - 1);
    return {m, id - base_[m]};
  }

  std::string qualified(std::uint32_t id) const {
    auto [m, n] = locate(id);
    return cfg_.menus[m].name + "." + cfg_.menus[m].nodes[n].name;
  }

  void check_reachable(std::uint32_t m) {
    const Menu& menu = cfg_.menus[m];
    if (menu.entry.index == kUnresolved) return;
    std::vector<bool> seen(menu.nodes.size(), false);
    std::vector<std::uint32_t> stack = {menu.entry.index};
    seen[menu.entry.index] = true;
    while (!stack.empty()) {
      const std::uint32_t n = stack.back();
      stack.pop_back();
      for (const Edge& e : edges_[base_[m] + n]) {
        auto [em, en] = locate(e.to);
        if (em != m || seen[en]) continue;
        seen[en] = true;
        stack.push_back(en);
      }
    }
    for (std::uint32_t i = 0; i < menu.nodes.size(); ++i)
      if (!seen[i])
        diag_.error(menu.nodes[i].position, menu.nodes[i].key,
                    "node \"" + menu.nodes[i].name + "\" is not reachable from the entry node \"" + menu.entry.node +
                        "\" of menu \"" + menu.name + "\"");
  }

  // Depth-first search over the edges that need no input; a back edge
  // closes a loop a silent caller would go round forever.
  void check_input_free_loops() {
    enum Color : std::uint8_t { kWhite, kGrey, kBlack };
    std::vector<Color> color(total_, kWhite);
    std::vector<bool> reported(total_, false);
    struct Frame {
      std::uint32_t node;
      std::size_t next_edge;
    };
    for (std::uint32_t start = 0; start < total_; ++start) {
      if (color[start] != kWhite) continue;
      std::vector<Frame> stack = {{start, 0}};
      color[start] = kGrey;
      while (!stack.empty()) {
        Frame& f = stack.back();
        const auto& out = edges_[f.node];
        if (f.next_edge == out.size()) {
          color[f.node] = kBlack;
          stack.pop_back();
          continue;
        }
        const Edge e = out[f.next_edge++];
        if (e.input) continue;
        if (color[e.to] == kWhite) {
          color[e.to] = kGrey;
          stack.push_back({e.to, 0});
        } else if (color[e.to] == kGrey) {
          report_loop(stack, e.to, reported);
        }
      }
    }
  }

  template <typename Stack>
  void report_loop(const Stack& stack, std::uint32_t head, std::vector<bool>& reported) {
    auto it = std::find_if(stack.begin(), stack.end(), [&](const auto& f) { return f.node == head; });
    std::vector<std::uint32_t> cycle;
    for (; it != stack.end(); ++it) cycle.push_back(it->node);
    if (std::all_of(cycle.begin(), cycle.end(), [&](std::uint32_t n) { return reported[n]; })) return;
    std::string path;
    for (std::uint32_t n : cycle) {
      path += qualified(n) + " -> ";
      reported[n] = true;
    }
    path += qualified(head);
    auto [m, n] = locate(head);
    const Node& node = cfg_.menus[m].nodes[n];
    diag_.error(node.position, node.key,
                "loop without caller input: " + path +
                    " (a loop must pass a digit branch of a collect node; prompts and timeouts do not count)");
  }

  void check_patterns(const Node& node) {
    const auto& c = node.collect;
    const auto min = static_cast<std::size_t>(c.min_digits), max = static_cast<std::size_t>(c.max_digits);
    for (std::size_t j = 0; j < c.branches.size(); ++j) {
      const Branch& b = c.branches[j];
      const auto& p = b.pattern;
      const bool too_long = p.min_length() > max;
      const bool too_short = !p.open_ended() && p.fixed_length() < min;
      if (too_long || too_short) {
        diag_.error(b.position, b.key + ".match",
                    "\"" + p.text() + "\" can never match: this node collects " + std::to_string(min) + " to " +
                        std::to_string(max) + " digits");
        continue;
      }
      for (std::size_t i = 0; i < j; ++i) {
        if (c.branches[i].pattern.covers(p)) {
          diag_.error(b.position, b.key + ".match",
                      "\"" + p.text() + "\" never matches: the earlier branch \"" + c.branches[i].pattern.text() +
                          "\" takes every input it would");
          break;
        }
      }
    }
  }

  IvrConfig& cfg_;
  config::Diagnostics& diag_;
  std::vector<std::uint32_t> base_;
  std::size_t total_ = 0;
  std::vector<std::vector<Edge>> edges_;
};

}  // namespace

void check_menu_graph(IvrConfig& cfg, config::Diagnostics& diag) { GraphCheck(cfg, diag).run(); }

}  // namespace sb::ivr::menu
