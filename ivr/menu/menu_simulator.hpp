// Runs a menu as a caller would, in virtual time, without a call: every
// prompt plays to its end, then the caller types the next entry of
// `entries` ("1", "1234#"; "" stays silent so the timer runs out). When the
// entries run out the caller stays silent. The result is the transcript of
// what the session asked for and how it ended: for testing menus from the
// API (POST /api/v1/ivr/menus/{menu}/simulate) before a caller hears them.
#pragma once

#include <nlohmann/json.hpp>

#include <memory>
#include <string>
#include <vector>

#include "common/status.hpp"
#include "ivr/menu/menu_actions.hpp"
#include "ivr/menu/menu_model.hpp"

namespace sb::ivr::menu {

struct SimulationResult {
  bool finished = false;               // reached a terminal action
  nlohmann::json outcome;              // the terminal action, or null
  std::string stopped_because;         // when not finished
  nlohmann::json transcript = nlohmann::json::array();  // {"t": seconds, "action": ...}
  std::map<std::string, std::string> variables;
  std::size_t entries_used = 0;
};

// NotFound for an unknown menu; InvalidArgument for an entry with a
// character that is not a DTMF key.
Result<SimulationResult> simulate_menu(std::shared_ptr<const IvrConfig> config, std::string_view menu,
                                       const std::vector<std::string>& entries, std::size_t max_events = 500);

// An action as JSON, for transcripts and call histories.
nlohmann::json action_to_json(const Action& action);

}  // namespace sb::ivr::menu
