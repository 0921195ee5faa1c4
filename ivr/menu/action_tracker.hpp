// What a menu session is waiting for, followed from the actions it emits:
// the playback that will report playback-done and the timer that will
// fire. Whoever drives a session (call control, the simulator, tests)
// feeds it every action list and asks it what is pending.
#pragma once

#include <cstdint>

#include "ivr/menu/menu_actions.hpp"

namespace sb::ivr::menu {

struct ActionTracker {
  std::uint64_t playback = 0;  // 0: nothing playing
  std::uint64_t timer = 0;     // 0: no timer armed
  Nanos deadline{0};

  void note(const Action& a) noexcept {
    if (auto* p = std::get_if<Play>(&a)) playback = p->playback_id;
    if (auto* s = std::get_if<StopPlayback>(&a); s && s->playback_id == playback) playback = 0;
    if (auto* t = std::get_if<StartTimer>(&a)) {
      timer = t->timer_id;
      deadline = t->deadline;
    }
    if (auto* c = std::get_if<CancelTimer>(&a); c && c->timer_id == timer) timer = 0;
  }
  void note(const Actions& out) noexcept {
    for (const auto& a : out) note(a);
  }
};

inline bool is_terminal_action(const Action& a) noexcept {
  return std::holds_alternative<RouteToQueue>(a) || std::holds_alternative<RequestCallback>(a) ||
         std::holds_alternative<Transfer>(a) || std::holds_alternative<Hangup>(a);
}

}  // namespace sb::ivr::menu
