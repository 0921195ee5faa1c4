// The ACD's configuration model: skills, queues and agents as validated,
// immutable values. acd/config.cpp builds them from TOML; the engine
// (acd/engine.hpp) runs on them and can be handed a new model at run time
// (reload) without losing calls in queue or agents' states.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "common/status.hpp"

namespace sb::acd {

inline constexpr std::size_t kMaxSkills = 64;
inline constexpr std::size_t kMaxExpansions = 16;  // bullseye rings per queue
using SkillId = std::uint8_t;

// An agent's proficiency per skill (0 = does not have it), 1-10.
struct SkillSet {
  std::array<std::uint8_t, kMaxSkills> level{};
  std::uint64_t mask = 0;
  void set(SkillId s, std::uint8_t proficiency) {
    level[s] = proficiency;
    if (proficiency) mask |= std::uint64_t{1} << s;
    else mask &= ~(std::uint64_t{1} << s);
  }
};

struct SkillRequirement {
  SkillId skill = 0;
  std::uint8_t min_proficiency = 1;
};

// An agent meets a requirement list if it has every skill at the minimum.
inline bool meets(const SkillSet& s, const std::vector<SkillRequirement>& reqs) {
  for (const auto& r : reqs)
    if (s.level[r.skill] < r.min_proficiency) return false;
  return true;
}

enum class Strategy : std::uint8_t {
  kLongestIdle,   // the default
  kLeastTalkTime,
  kFewestCalls,
  kRoundRobin,
  kLinear,        // by the agents' configured order
  kRandom,
  kRingAll,       // offer to every eligible ready agent; first to answer wins
};

const char* strategy_name(Strategy s) noexcept;
bool parse_strategy(const std::string& name, Strategy& out) noexcept;

// After `after_seconds` in queue a call also accepts agents meeting
// `requirements` (bullseye routing: relax the proficiency, or open another
// skill group). The call keeps its place.
struct ExpansionStep {
  double after_seconds = 0;
  std::vector<SkillRequirement> requirements;
};

struct QueueConfig {
  std::string name;
  Strategy strategy = Strategy::kLongestIdle;
  double service_level_seconds = 20;        // answered within this counts for SL
  double service_level_target = 0.8;        // the share the centre aims for (alerts, wallboards)
  double max_wait_seconds = 0;              // 0: no limit; then overflow (or abandon-to-target)
  int overflow_target = -1;                 // queue index, -1: none
  double weight = 1;                        // breaks ties between queues
  std::vector<SkillRequirement> requirements;  // level 0
  std::vector<ExpansionStep> expansions;    // levels 1..n, increasing after_seconds
  double wrap_up_seconds = 0;
  int initial_priority = 0;
  double priority_per_minute = 0;           // ageing
  int max_priority = 0;                     // cap for ageing (>= initial when ageing)
  double short_abandon_seconds = 5;         // abandons under this are counted apart
  double offer_timeout_seconds = 20;        // ring time before an offer counts as missed
  // A callback's agent is reserved while its number is dialled; after this
  // long without kCallbackAnswered the callback fails ("dial-timeout").
  double callback_dial_seconds = 60;
  // Call control tells waiting callers their position and expected wait on
  // entry and then this often (0: never). The engine does not use it.
  double announce_interval_seconds = 60;
  std::size_t levels() const noexcept { return expansions.size() + 1; }
  const std::vector<SkillRequirement>& requirements_at(std::size_t level) const {
    return level == 0 ? requirements : expansions[level - 1].requirements;
  }
};

struct AgentConfig {
  std::string id;
  std::string name;
  SkillSet skills;
  std::vector<int> queues;                  // indices of the queues served
  double wrap_up_override_seconds = -1;     // < 0: the queue's
  int order = 0;                            // for linear routing
};

struct AcdModel {
  std::vector<std::string> skills;          // SkillId -> name
  std::vector<QueueConfig> queues;
  std::vector<AgentConfig> agents;
  int max_consecutive_misses = 3;           // then Not ready with reason "no-answer"
  int find_queue(const std::string& name) const;
  int find_agent(const std::string& id) const;
  int find_skill(const std::string& name) const;
};

// Structural checks the engine relies on (indices in range, names unique,
// timings sane). The TOML loader reports the same problems with positions;
// this is the engine's own guard for models built in code.
Status validate(const AcdModel& m);

}  // namespace sb::acd
