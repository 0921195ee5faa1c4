#include "acd/stats.hpp"

namespace sb::acd {

double QueueCounters::service_level() const noexcept {
  const double denom = static_cast<double>(answered + abandoned - abandoned_short);
  return denom <= 0 ? 1.0 : static_cast<double>(answered_in_sl) / denom;
}

double QueueCounters::asa_seconds() const noexcept {
  return answered ? wait_answered_seconds / static_cast<double>(answered) : 0.0;
}

double QueueCounters::aht_seconds() const noexcept {
  return handled ? (talk_seconds + hold_seconds + wrap_seconds) / static_cast<double>(handled) : 0.0;
}

double QueueCounters::abandon_rate() const noexcept {
  const double denom = static_cast<double>(answered + abandoned);
  return denom <= 0 ? 0.0 : static_cast<double>(abandoned) / denom;
}

void QueueCounters::add(const QueueCounters& o) noexcept {
  offered += o.offered;
  answered += o.answered;
  answered_in_sl += o.answered_in_sl;
  abandoned += o.abandoned;
  abandoned_short += o.abandoned_short;
  callbacks_failed += o.callbacks_failed;
  overflowed_in += o.overflowed_in;
  overflowed_out += o.overflowed_out;
  handled += o.handled;
  wait_answered_seconds += o.wait_answered_seconds;
  talk_seconds += o.talk_seconds;
  hold_seconds += o.hold_seconds;
  wrap_seconds += o.wrap_seconds;
}

double AgentCounters::occupancy() const noexcept {
  const double available = logged_in_seconds - not_ready_seconds;
  const double busy = talk_seconds + hold_seconds + wrap_seconds + reserved_seconds;
  return available <= 0 ? 0.0 : busy / available;
}

}  // namespace sb::acd
