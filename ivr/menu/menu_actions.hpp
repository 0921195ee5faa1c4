// What a running IVR menu asks of the call it runs on. The menu session
// (menu_session.hpp) does no I/O: it returns these, and call control turns
// them into dataplane commands (play, stop, DTMF detection), timers, ACD
// requests and SIP signalling.
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "common/clock.hpp"
#include "ivr/tones.hpp"

namespace sb::ivr::menu {

// Where a digit came from; digits from every source are treated alike.
enum class DigitSource : std::uint8_t { kRfc4733, kInband, kSipInfo, kApi };
std::string_view digit_source_name(DigitSource s) noexcept;

// One element of a playback, resolved for the call's language.
struct PlayItem {
  enum class Kind : std::uint8_t { kPrompt, kTone, kSilence };
  Kind kind = Kind::kPrompt;
  std::string name;      // prompt or tone name
  std::string language;  // prompts: the language chosen (the call's, or the default as fallback)
  std::string path;      // prompts: <prompts_dir>/<language>/<name>.wav
  ToneKind tone = ToneKind::kBeep;
  Nanos duration{0};     // silence
};

// Start playing `items` in order; report playback-done with `playback_id`.
// With barge_in, the first digit stops it (the session says so with
// StopPlayback); without, digits during it are discarded.
struct Play {
  std::uint64_t playback_id;
  std::vector<PlayItem> items;
  bool barge_in;
};
struct StopPlayback {
  std::uint64_t playback_id;
};
// Enable digit detection on the caller's leg (in-band detection is only
// switched on where needed, since it costs CPU per frame).
struct StartDigitCollection {
  int max_digits;
  char terminator;  // 0: none
};
struct StopDigitCollection {};
// Call on_timer(timer_id) at `deadline` (the session's clock). A newer
// StartTimer or a CancelTimer supersedes it; stale firings are ignored.
struct StartTimer {
  std::uint64_t timer_id;
  Nanos deadline;
};
struct CancelTimer {
  std::uint64_t timer_id;
};
struct SetVariable {
  std::string name;
  std::string value;  // skills: comma-separated
};
// For the call's event history, CTI events and metrics.
struct NodeEntered {
  std::string menu;
  std::string node;
};
enum class InputResult : std::uint8_t { kMatched, kInvalid, kTimeout };
std::string_view input_result_name(InputResult r) noexcept;
struct InputCollected {
  std::string menu;
  std::string node;
  std::string digits;
  InputResult result;
};

// Terminal actions: exactly one ends every session.
struct RouteToQueue {
  std::string queue;
  int priority;
  std::vector<std::string> skills;
  std::string language;
};
struct RequestCallback {
  std::string queue;
  std::string number;  // from the node's number_variable; empty: the caller's own number
  int priority;
  std::vector<std::string> skills;
  std::string language;
};
struct Transfer {
  std::string destination;
};
struct Hangup {
  std::string cause;  // "normal", "busy", "rejected"; "ivr_loop" if the step guard tripped
};

using Action = std::variant<Play, StopPlayback, StartDigitCollection, StopDigitCollection, StartTimer, CancelTimer,
                            SetVariable, NodeEntered, InputCollected, RouteToQueue, RequestCallback, Transfer, Hangup>;

using Actions = std::vector<Action>;

}  // namespace sb::ivr::menu
