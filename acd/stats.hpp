// Contact-centre statistics the engine keeps per queue and per agent, in
// real time (since start) and per 15-minute interval.
//
// Definitions (docs/acd.md states them for supervisors):
//  * offered: calls that entered the queue (overflows in included).
//  * answered: calls an agent accepted; answered_in_sl: within the queue's
//    service-level threshold, measured from entering this queue.
//  * abandoned: callers who hung up waiting; short abandons (under the
//    queue's short-abandon threshold) are also counted apart, and so are
//    callbacks that could not be placed (the party was not reached).
//  * service level = answered_in_sl / (answered + abandoned - short abandons).
//  * ASA = total wait of answered calls / answered.
//  * AHT = (talk + hold + after-call work) / handled.
//  * occupancy = busy time / (logged-in time - not-ready time), where busy is
//    reserved, on call or in after-call work.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace sb::acd {

struct QueueCounters {
  std::uint64_t offered = 0;
  std::uint64_t answered = 0;
  std::uint64_t answered_in_sl = 0;
  std::uint64_t abandoned = 0;
  std::uint64_t abandoned_short = 0;
  std::uint64_t callbacks_failed = 0; // of the abandoned: callbacks that could not be placed
  std::uint64_t overflowed_in = 0;
  std::uint64_t overflowed_out = 0;
  std::uint64_t handled = 0;          // calls that ended after being answered
  double wait_answered_seconds = 0;   // sum, for ASA
  double talk_seconds = 0;
  double hold_seconds = 0;
  double wrap_seconds = 0;

  double service_level() const noexcept;  // 0..1; 1 when nothing has left the queue
  double asa_seconds() const noexcept;
  double aht_seconds() const noexcept;
  double abandon_rate() const noexcept;   // abandoned / (answered + abandoned)
  void add(const QueueCounters& o) noexcept;
};

struct QueueStats {
  QueueCounters total;
  QueueCounters interval;  // the current 15-minute interval
};

struct AgentCounters {
  std::uint64_t calls = 0;
  std::uint64_t offers = 0;
  std::uint64_t missed = 0;
  double talk_seconds = 0;
  double hold_seconds = 0;
  double wrap_seconds = 0;
  double ready_seconds = 0;
  double not_ready_seconds = 0;
  double reserved_seconds = 0;
  double logged_in_seconds = 0;
  double occupancy() const noexcept;
};

struct AgentStats {
  AgentCounters total;
  AgentCounters interval;
};

struct IntervalStats {
  std::int64_t start_wall_ns = 0;   // UTC, aligned to :00/:15/:30/:45
  std::int64_t end_wall_ns = 0;
  std::vector<QueueCounters> queues;
  std::vector<AgentCounters> agents;
};

}  // namespace sb::acd
