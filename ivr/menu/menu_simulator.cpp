#include "ivr/menu/menu_simulator.hpp"

#include "ivr/menu/action_tracker.hpp"
#include "ivr/menu/menu_session.hpp"

namespace sb::ivr::menu {

namespace {

nlohmann::json items_json(const std::vector<PlayItem>& items) {
  nlohmann::json a = nlohmann::json::array();
  for (const auto& i : items) {
    switch (i.kind) {
      case PlayItem::Kind::kPrompt:
        a.push_back({{"prompt", i.name}, {"language", i.language}, {"path", i.path}});
        break;
      case PlayItem::Kind::kTone:
        a.push_back({{"tone", i.name}});
        break;
      case PlayItem::Kind::kSilence:
        a.push_back({{"silence_seconds", to_seconds(i.duration)}});
        break;
    }
  }
  return a;
}

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

}  // namespace

nlohmann::json action_to_json(const Action& action) {
  return std::visit(
      Overloaded{
          [](const Play& a) -> nlohmann::json {
            return {{"action", "play"}, {"playback_id", a.playback_id}, {"items", items_json(a.items)},
                    {"barge_in", a.barge_in}};
          },
          [](const StopPlayback& a) -> nlohmann::json { return {{"action", "stop_playback"}, {"playback_id", a.playback_id}}; },
          [](const StartDigitCollection& a) -> nlohmann::json {
            return {{"action", "start_digit_collection"}, {"max_digits", a.max_digits},
                    {"terminator", a.terminator ? std::string(1, a.terminator) : std::string()}};
          },
          [](const StopDigitCollection&) -> nlohmann::json { return {{"action", "stop_digit_collection"}}; },
          [](const StartTimer& a) -> nlohmann::json {
            return {{"action", "start_timer"}, {"timer_id", a.timer_id}, {"deadline_seconds", to_seconds(a.deadline)}};
          },
          [](const CancelTimer& a) -> nlohmann::json { return {{"action", "cancel_timer"}, {"timer_id", a.timer_id}}; },
          [](const SetVariable& a) -> nlohmann::json { return {{"action", "set_variable"}, {"name", a.name}, {"value", a.value}}; },
          [](const NodeEntered& a) -> nlohmann::json { return {{"action", "node"}, {"menu", a.menu}, {"node", a.node}}; },
          [](const InputCollected& a) -> nlohmann::json {
            return {{"action", "input"}, {"menu", a.menu}, {"node", a.node}, {"digits", a.digits},
                    {"result", input_result_name(a.result)}};
          },
          [](const RouteToQueue& a) -> nlohmann::json {
            return {{"action", "route_to_queue"}, {"queue", a.queue}, {"priority", a.priority}, {"skills", a.skills},
                    {"language", a.language}};
          },
          [](const RequestCallback& a) -> nlohmann::json {
            return {{"action", "request_callback"}, {"queue", a.queue}, {"number", a.number}, {"priority", a.priority},
                    {"skills", a.skills}, {"language", a.language}};
          },
          [](const Transfer& a) -> nlohmann::json { return {{"action", "transfer"}, {"destination", a.destination}}; },
          [](const Hangup& a) -> nlohmann::json { return {{"action", "hangup"}, {"cause", a.cause}}; },
      },
      action);
}

Result<SimulationResult> simulate_menu(std::shared_ptr<const IvrConfig> config, std::string_view menu,
                                       const std::vector<std::string>& entries, std::size_t max_events) {
  for (std::size_t i = 0; i < entries.size(); ++i)
    for (char c : entries[i])
      if (dtmf_key_index(c) < 0)
        return invalid_argument("entry " + std::to_string(i) + " holds '" + std::string(1, c) +
                                "', which is not a DTMF key (0-9, *, #, A-D)");
  ManualClock clock;
  MenuSession session(std::move(config), clock);
  SimulationResult result;
  ActionTracker pending;
  auto& playing = pending.playback;
  auto& timer = pending.timer;
  auto record = [&](const Actions& out) {
    for (const auto& a : out) {
      nlohmann::json j = action_to_json(a);
      j["t"] = to_seconds(clock.now());
      result.transcript.push_back(std::move(j));
      pending.note(a);
      if (is_terminal_action(a)) result.outcome = result.transcript.back();
    }
  };
  auto fire_timer = [&] {
    clock.set(pending.deadline);
    const std::uint64_t t = timer;
    timer = 0;
    Actions out;
    session.on_timer(t, out);
    record(out);
  };

  Actions out;
  SB_RETURN_IF_ERROR(session.start(out, menu));
  record(out);
  std::size_t events = 1;
  while (!session.finished()) {
    if (++events > max_events) {
      result.stopped_because = "the menu was still running after " + std::to_string(max_events) + " events";
      break;
    }
    out.clear();
    if (playing != 0) {
      const std::uint64_t p = playing;
      playing = 0;
      session.on_playback_done(p, out);
      record(out);
    } else if (timer != 0) {
      const bool have_entry = result.entries_used < entries.size();
      const std::string entry = have_entry ? entries[result.entries_used++] : std::string();
      for (char c : entry) {
        if (session.finished()) break;
        Actions step;
        session.on_digit(c, DigitSource::kApi, step);
        record(step);
        if (playing != 0) break;  // the entry ended early and a new prompt plays; the rest is ignored
      }
      // A caller who typed an incomplete entry, or nothing, waits: the timer decides.
      if (!session.finished() && playing == 0 && timer != 0) fire_timer();
    } else {
      result.stopped_because = "the menu waits for an event the simulation cannot give";
      break;
    }
  }
  result.finished = session.finished();
  result.variables = session.variables();
  return result;
}

}  // namespace sb::ivr::menu
