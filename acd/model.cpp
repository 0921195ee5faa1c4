#include "acd/model.hpp"

#include <string_view>
#include <unordered_set>

namespace sb::acd {

const char* strategy_name(Strategy s) noexcept {
  switch (s) {
    case Strategy::kLongestIdle: return "longest-idle";
    case Strategy::kLeastTalkTime: return "least-talk-time";
    case Strategy::kFewestCalls: return "fewest-calls";
    case Strategy::kRoundRobin: return "round-robin";
    case Strategy::kLinear: return "linear";
    case Strategy::kRandom: return "random";
    case Strategy::kRingAll: return "ring-all";
  }
  return "unknown";
}

bool parse_strategy(const std::string& name, Strategy& out) noexcept {
  for (Strategy s : {Strategy::kLongestIdle, Strategy::kLeastTalkTime, Strategy::kFewestCalls, Strategy::kRoundRobin,
                     Strategy::kLinear, Strategy::kRandom, Strategy::kRingAll}) {
    if (name == strategy_name(s)) {
      out = s;
      return true;
    }
  }
  return false;
}

int AcdModel::find_queue(const std::string& name) const {
  for (std::size_t i = 0; i < queues.size(); ++i)
    if (queues[i].name == name) return static_cast<int>(i);
  return -1;
}

int AcdModel::find_agent(const std::string& id) const {
  for (std::size_t i = 0; i < agents.size(); ++i)
    if (agents[i].id == id) return static_cast<int>(i);
  return -1;
}

int AcdModel::find_skill(const std::string& name) const {
  for (std::size_t i = 0; i < skills.size(); ++i)
    if (skills[i] == name) return static_cast<int>(i);
  return -1;
}

namespace {

bool requirements_valid(const std::vector<SkillRequirement>& reqs, std::size_t skills) {
  for (const auto& r : reqs)
    if (r.skill >= skills || r.min_proficiency < 1 || r.min_proficiency > 10) return false;
  return true;
}

}  // namespace

Status validate(const AcdModel& m) {
  if (m.skills.size() > kMaxSkills) return invalid_argument("more than 64 skills");
  if (m.max_consecutive_misses < 1) return invalid_argument("max_consecutive_misses must be at least 1");
  std::unordered_set<std::string_view> names;
  for (std::size_t i = 0; i < m.queues.size(); ++i) {
    const QueueConfig& q = m.queues[i];
    const std::string where = "queue '" + q.name + "': ";
    if (q.name.empty() || !names.insert(q.name).second) return invalid_argument("queue " + std::to_string(i) + ": empty or duplicate name");
    if (q.overflow_target >= static_cast<int>(m.queues.size()) || q.overflow_target == static_cast<int>(i) ||
        q.overflow_target < -1)
      return invalid_argument(where + "overflow target out of range");
    if (!requirements_valid(q.requirements, m.skills.size())) return invalid_argument(where + "bad skill requirement");
    if (q.expansions.size() > kMaxExpansions) return invalid_argument(where + "more than 16 expansion steps");
    double last = -1;
    for (const auto& e : q.expansions) {
      if (e.after_seconds <= last) return invalid_argument(where + "expansion steps must be increasingly late");
      last = e.after_seconds;
      if (!requirements_valid(e.requirements, m.skills.size())) return invalid_argument(where + "bad skill requirement");
    }
    if (q.offer_timeout_seconds <= 0 || !(q.service_level_target > 0 && q.service_level_target <= 1) || q.max_priority < q.initial_priority || q.priority_per_minute < 0 ||
        q.max_wait_seconds < 0 || q.wrap_up_seconds < 0 || q.weight < 0 || q.callback_dial_seconds <= 0 ||
        q.announce_interval_seconds < 0)
      return invalid_argument(where + "a timing or priority value is out of range");
  }
  names.clear();
  for (const AgentConfig& a : m.agents) {
    if (a.id.empty() || !names.insert(a.id).second) return invalid_argument("agent '" + a.id + "': empty or duplicate id");
    for (int q : a.queues)
      if (q < 0 || q >= static_cast<int>(m.queues.size())) return invalid_argument("agent '" + a.id + "': queue out of range");
    for (std::size_t s = m.skills.size(); s < kMaxSkills; ++s)
      if (a.skills.level[s]) return invalid_argument("agent '" + a.id + "': undeclared skill");
  }
  return Status::ok();
}

}  // namespace sb::acd
