#include "acd/config.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <set>

namespace sb::acd {

namespace {

class Loader {
 public:
  Loader(std::string file, std::vector<ConfigError>& errors) : file_(std::move(file)), errors_(errors) {}

  void error(const toml::node* at, const std::string& key, const std::string& message) {
    ConfigError e;
    e.file = file_;
    if (at) {
      e.line = static_cast<int>(at->source().begin.line);
      e.column = static_cast<int>(at->source().begin.column);
    }
    e.key = key;
    e.message = message;
    errors_.push_back(std::move(e));
  }

  // Known keys only: a typo must not silently become a default.
  void check_keys(const toml::table& t, const std::string& where, std::initializer_list<const char*> allowed) {
    for (const auto& [k, v] : t) {
      bool ok = false;
      for (const char* a : allowed) ok |= k.str() == a;
      if (!ok) error(&v, where + "." + std::string(k.str()), "unknown key");
    }
  }

  template <typename T>
  bool get(const toml::table& t, const std::string& where, const char* key, T& out, double min, double max) {
    const toml::node* n = t.get(key);
    if (!n) return false;
    const std::string path = where + "." + key;
    if constexpr (std::is_same_v<T, double>) {
      if (auto v = n->value<double>()) {
        if (*v < min || *v > max) {
          error(n, path, "must be between " + fmt(min) + " and " + fmt(max));
          return false;
        }
        out = *v;
        return true;
      }
      error(n, path, "must be a number");
    } else {
      if (auto v = n->value<std::int64_t>(); v && n->is_integer()) {
        if (*v < min || *v > max) {
          error(n, path, "must be between " + fmt(min) + " and " + fmt(max));
          return false;
        }
        out = static_cast<T>(*v);
        return true;
      }
      error(n, path, "must be an integer");
    }
    return false;
  }

  bool get_string(const toml::table& t, const std::string& where, const char* key, std::string& out, bool required) {
    const toml::node* n = t.get(key);
    if (!n) {
      if (required) error(&t, where + "." + key, "is required");
      return false;
    }
    if (auto v = n->value<std::string>()) {
      if (v->empty()) {
        error(n, where + "." + key, "must not be empty");
        return false;
      }
      out = *v;
      return true;
    }
    error(n, where + "." + key, "must be a string");
    return false;
  }

  static std::string fmt(double v) {
    std::string s = std::to_string(v);
    while (s.size() > 1 && s.back() == '0') s.pop_back();
    if (!s.empty() && s.back() == '.') s.pop_back();
    return s;
  }

  // { skill = level, ... } against the declared skills.
  std::vector<SkillRequirement> requirements(const toml::node* n, const std::string& path, const AcdModel& m) {
    std::vector<SkillRequirement> out;
    const toml::table* t = n ? n->as_table() : nullptr;
    if (!t) {
      if (n) error(n, path, "must be a table of skill = minimum proficiency");
      return out;
    }
    for (const auto& [k, v] : *t) {
      const int skill = m.find_skill(std::string(k.str()));
      const std::string p = path + "." + std::string(k.str());
      if (skill < 0) {
        error(&v, p, "unknown skill (declare it in acd.skills)");
        continue;
      }
      const auto level = v.value<std::int64_t>();
      if (!v.is_integer() || !level || *level < 1 || *level > 10) {
        error(&v, p, "proficiency must be an integer from 1 to 10");
        continue;
      }
      out.push_back({static_cast<SkillId>(skill), static_cast<std::uint8_t>(*level)});
    }
    return out;
  }

  AcdModel load(const toml::table& root) {
    AcdModel m;
    const toml::node* acd_node = root.get("acd");
    if (!acd_node) {
      error(nullptr, "acd", "section is missing");
      return m;
    }
    const toml::table* acd = acd_node->as_table();
    if (!acd) {
      error(acd_node, "acd", "must be a table");
      return m;
    }
    return load_section(*acd);
  }

  AcdModel load_section(const toml::table& section) {
    AcdModel m;
    const toml::table* acd = &section;
    check_keys(*acd, "acd", {"max_consecutive_misses", "skills", "queues", "agents"});
    get(*acd, "acd", "max_consecutive_misses", m.max_consecutive_misses, 1, 100);

    if (const toml::node* s = acd->get("skills")) {
      const toml::array* arr = s->as_array();
      if (!arr) error(s, "acd.skills", "must be an array of names");
      else {
        for (std::size_t i = 0; i < arr->size(); ++i) {
          const std::string p = "acd.skills[" + std::to_string(i) + "]";
          auto name = (*arr)[i].value<std::string>();
          if (!name || name->empty()) error(&(*arr)[i], p, "must be a non-empty string");
          else if (m.find_skill(*name) >= 0) error(&(*arr)[i], p, "duplicate skill '" + *name + "'");
          else m.skills.push_back(*name);
        }
        if (m.skills.size() > kMaxSkills) error(s, "acd.skills", "at most " + std::to_string(kMaxSkills) + " skills");
      }
    }

    // Queues: names first, so overflow targets can point forward.
    const toml::array* queues = nullptr;
    if (const toml::node* q = acd->get("queues")) {
      queues = q->as_array();
      if (!queues) error(q, "acd.queues", "must be an array of tables ([[acd.queues]])");
    }
    std::vector<std::string> overflow_names;
    std::vector<const toml::node*> overflow_nodes;
    if (queues) {
      for (std::size_t i = 0; i < queues->size(); ++i) {
        const std::string p = "acd.queues[" + std::to_string(i) + "]";
        const toml::table* t = (*queues)[i].as_table();
        if (!t) {
          error(&(*queues)[i], p, "must be a table");
          continue;
        }
        check_keys(*t, p, {"name", "strategy", "service_level_seconds", "service_level_target", "max_wait_seconds", "overflow", "weight",
                           "requires", "expansions", "wrap_up_seconds", "priority", "priority_per_minute",
                           "max_priority", "short_abandon_seconds", "offer_timeout_seconds",
                           "callback_dial_seconds", "announce_interval_seconds"});
        QueueConfig q;
        get_string(*t, p, "name", q.name, true);
        if (!q.name.empty() && m.find_queue(q.name) >= 0) error(t->get("name"), p + ".name", "duplicate queue '" + q.name + "'");
        std::string strategy;
        if (get_string(*t, p, "strategy", strategy, false) && !parse_strategy(strategy, q.strategy))
          error(t->get("strategy"), p + ".strategy",
                "unknown strategy '" + strategy +
                    "' (longest-idle, least-talk-time, fewest-calls, round-robin, linear, random, ring-all)");
        get(*t, p, "service_level_seconds", q.service_level_seconds, 0, 86400);
        double target_percent = q.service_level_target * 100;
        if (get(*t, p, "service_level_target", target_percent, 1, 100)) q.service_level_target = target_percent / 100;
        get(*t, p, "max_wait_seconds", q.max_wait_seconds, 0, 86400);
        get(*t, p, "weight", q.weight, 0, 1e6);
        get(*t, p, "wrap_up_seconds", q.wrap_up_seconds, 0, 86400);
        get(*t, p, "priority", q.initial_priority, -1000, 1000);
        get(*t, p, "priority_per_minute", q.priority_per_minute, 0, 1000);
        q.max_priority = q.initial_priority;
        get(*t, p, "max_priority", q.max_priority, -1000, 1000);
        if (q.max_priority < q.initial_priority)
          error(t->get("max_priority"), p + ".max_priority", "must not be below priority");
        get(*t, p, "short_abandon_seconds", q.short_abandon_seconds, 0, 3600);
        get(*t, p, "offer_timeout_seconds", q.offer_timeout_seconds, 1, 3600);
        get(*t, p, "callback_dial_seconds", q.callback_dial_seconds, 1, 600);
        // 0 turns announcements off; the interval runs from the end of one to the next.
        if (get(*t, p, "announce_interval_seconds", q.announce_interval_seconds, 0, 3600) &&
            q.announce_interval_seconds > 0 && q.announce_interval_seconds < 1)
          error(t->get("announce_interval_seconds"), p + ".announce_interval_seconds", "must be 0 (off) or at least 1");
        q.requirements = requirements(t->get("requires"), p + ".requires", m);
        if (const toml::node* ex = t->get("expansions")) {
          const toml::array* arr = ex->as_array();
          if (!arr) error(ex, p + ".expansions", "must be an array of tables");
          else if (arr->size() > kMaxExpansions) error(ex, p + ".expansions", "at most 16 steps");
          for (std::size_t k = 0; arr && k < arr->size(); ++k) {
            const std::string ep = p + ".expansions[" + std::to_string(k) + "]";
            const toml::table* et = (*arr)[k].as_table();
            if (!et) {
              error(&(*arr)[k], ep, "must be a table");
              continue;
            }
            check_keys(*et, ep, {"after_seconds", "requires"});
            ExpansionStep step;
            if (!et->get("after_seconds")) error(et, ep + ".after_seconds", "is required");
            get(*et, ep, "after_seconds", step.after_seconds, 0, 86400);
            if (!q.expansions.empty() && step.after_seconds <= q.expansions.back().after_seconds)
              error(et->get("after_seconds"), ep + ".after_seconds", "must be later than the previous step");
            step.requirements = requirements(et->get("requires"), ep + ".requires", m);
            q.expansions.push_back(std::move(step));
          }
        }
        std::string overflow;
        get_string(*t, p, "overflow", overflow, false);
        overflow_names.push_back(overflow);
        overflow_nodes.push_back(t->get("overflow"));
        m.queues.push_back(std::move(q));
      }
    }
    for (std::size_t i = 0; i < m.queues.size(); ++i) {
      if (overflow_names[i].empty()) continue;
      const int target = m.find_queue(overflow_names[i]);
      const std::string p = "acd.queues[" + std::to_string(i) + "].overflow";
      if (target < 0) error(overflow_nodes[i], p, "no queue named '" + overflow_names[i] + "'");
      else if (static_cast<std::size_t>(target) == i) error(overflow_nodes[i], p, "a queue cannot overflow to itself");
      else m.queues[i].overflow_target = target;
    }

    std::set<std::string> agent_ids;  // a centre has tens of thousands: no linear search per agent
    if (const toml::node* a = acd->get("agents")) {
      const toml::array* arr = a->as_array();
      if (!arr) error(a, "acd.agents", "must be an array of tables ([[acd.agents]])");
      for (std::size_t i = 0; arr && i < arr->size(); ++i) {
        const std::string p = "acd.agents[" + std::to_string(i) + "]";
        const toml::table* t = (*arr)[i].as_table();
        if (!t) {
          error(&(*arr)[i], p, "must be a table");
          continue;
        }
        check_keys(*t, p, {"id", "name", "skills", "queues", "wrap_up_seconds", "order"});
        AgentConfig ag;
        get_string(*t, p, "id", ag.id, true);
        if (!ag.id.empty() && !agent_ids.insert(ag.id).second) error(t->get("id"), p + ".id", "duplicate agent '" + ag.id + "'");
        if (!get_string(*t, p, "name", ag.name, false)) ag.name = ag.id;
        for (const auto& r : requirements(t->get("skills"), p + ".skills", m)) ag.skills.set(r.skill, r.min_proficiency);
        get(*t, p, "wrap_up_seconds", ag.wrap_up_override_seconds, 0, 86400);
        ag.order = static_cast<int>(i);
        get(*t, p, "order", ag.order, -1e9, 1e9);
        const toml::node* qs = t->get("queues");
        const toml::array* qarr = qs ? qs->as_array() : nullptr;
        if (!qarr) {
          error(qs ? qs : t, p + ".queues", qs ? "must be an array of queue names" : "is required");
        } else {
          for (std::size_t k = 0; k < qarr->size(); ++k) {
            const std::string qp = p + ".queues[" + std::to_string(k) + "]";
            auto name = (*qarr)[k].value<std::string>();
            const int q = name ? m.find_queue(*name) : -1;
            if (q < 0) error(&(*qarr)[k], qp, name ? "no queue named '" + *name + "'" : "must be a queue name");
            else if (std::find(ag.queues.begin(), ag.queues.end(), q) != ag.queues.end()) error(&(*qarr)[k], qp, "listed twice");
            else ag.queues.push_back(q);
          }
        }
        m.agents.push_back(std::move(ag));
      }
    }
    return m;
  }

 private:
  std::string file_;
  std::vector<ConfigError>& errors_;
};

}  // namespace

Result<AcdModel> load_acd_model(const toml::table& root, const std::string& file, std::vector<ConfigError>* errors) {
  std::vector<ConfigError> local;
  Loader loader(file, local);
  AcdModel m = loader.load(root);
  if (errors) errors->insert(errors->end(), local.begin(), local.end());
  if (!local.empty()) return config_status(local);
  return m;
}

Result<AcdModel> load_acd_section(const toml::table& acd, const std::string& file, std::vector<ConfigError>* errors) {
  std::vector<ConfigError> local;
  Loader loader(file, local);
  AcdModel m = loader.load_section(acd);
  if (errors) errors->insert(errors->end(), local.begin(), local.end());
  if (!local.empty()) return config_status(local);
  return m;
}

Result<AcdModel> load_acd_file(const std::string& path, std::vector<ConfigError>* errors) {
  toml::table root;
  try {
    root = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    ConfigError ce;
    ce.file = path;
    ce.line = static_cast<int>(e.source().begin.line);
    ce.column = static_cast<int>(e.source().begin.column);
    ce.message = std::string(e.description());
    if (errors) errors->push_back(ce);
    return config_status({ce});
  }
  return load_acd_model(root, path, errors);
}

}  // namespace sb::acd
