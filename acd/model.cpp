#include "acd/model.hpp"

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

}  // namespace sb::acd
