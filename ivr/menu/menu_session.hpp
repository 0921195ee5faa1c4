// One call's walk through the IVR menus: a pure state machine driven by
// events (start, playback done, digit, timer) that emits actions
// (menu_actions.hpp). No I/O, no threads, no real time: the clock is
// injected, so tests run a whole menu in virtual time and the daemon runs
// the same code against the real clock.
//
//   MenuSession s(ivr_snapshot, clock);
//   Actions out;
//   s.start(out);                           // Play{id 1, welcome...}
//   s.on_playback_done(1, out);             // StartDigitCollection, Play{...}
//   s.on_digit('2', DigitSource::kInband, out);
//   ...                                     // eventually RouteToQueue{"support"}
//
// Digit collection (collect nodes): after the prompt, a first-digit timer;
// after each digit, an inter-digit timer. Input completes on the terminator,
// on max_digits, on the inter-digit timeout, or as soon as no branch could
// match a longer entry. Input that matches no branch is invalid; a timeout
// with no digit is a timeout; each failure plays its prompt and re-prompts
// until `retries` are used up, then takes on_invalid / on_timeout.
//
// The session holds a shared_ptr to its IvrConfig snapshot: a config reload
// does not change a call's menus mid-way.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "common/clock.hpp"
#include "common/status.hpp"
#include "ivr/menu/menu_actions.hpp"
#include "ivr/menu/menu_model.hpp"

namespace sb::ivr::menu {

class MenuSession {
 public:
  // Steps through nodes that need no input (play-free set/goto chains) are
  // bounded per event; the graph check forbids input-free loops, this guard
  // makes a violation a hang-up instead of a stuck thread.
  static constexpr int kMaxStepsPerEvent = 256;
  // Type-ahead digits kept while barge-in prompts are skipped.
  static constexpr std::size_t kMaxTypeAhead = 32;

  MenuSession(std::shared_ptr<const IvrConfig> config, const Clock& clock);

  // Enters `menu`'s entry node (the config's entry menu when empty).
  // NotFound when there is no such menu; FailedPrecondition when started twice.
  Status start(Actions& out, std::string_view menu = {});

  void on_playback_done(std::uint64_t playback_id, Actions& out);
  void on_digit(char digit, DigitSource source, Actions& out);
  void on_timer(std::uint64_t timer_id, Actions& out);
  // The call ended under the IVR (caller hung up): stop what runs, emit
  // nothing terminal.
  void abort(Actions& out);

  bool finished() const noexcept { return phase_ == Phase::kFinished; }
  const std::map<std::string, std::string>& variables() const noexcept { return vars_; }
  const std::string& language() const noexcept { return language_; }
  int priority() const noexcept { return priority_; }
  const std::vector<std::string>& skills() const noexcept { return skills_; }
  // "" before start.
  std::string_view menu_name() const noexcept;
  std::string_view node_name() const noexcept;
  // The digits collected so far at the current collect node.
  const std::string& digits() const noexcept { return digits_; }

 private:
  enum class Phase : std::uint8_t {
    kIdle,
    kPlaying,          // play node: waiting for playback-done
    kPrompting,        // collect node: prompt playing, digits may barge in
    kWaitingFirst,     // collect node: prompt done, first-digit timer running
    kCollecting,       // collect node: some digits, inter-digit timer running
    kTerminalPrompt,   // terminal node: its prompt plays, then it acts
    kFinished,
  };

  const Node& node() const { return config_->menus[menu_].nodes[node_]; }
  void go(std::uint32_t menu, std::uint32_t node, Actions& out);
  void run(Actions& out);  // executes pending_ until a node waits
  void enter_collect(Actions& out);
  void process_digit(char d, Actions& out);
  void complete(Actions& out);
  enum class Failure { kInvalid, kTimeout };
  void fail(Failure f, Actions& out);
  void take(const Target& t, Actions& out);
  void act_terminal(Actions& out);
  void play(const std::vector<PromptRef>& refs, bool barge_in, Actions& out);
  void play2(const std::vector<PromptRef>& a, const std::vector<PromptRef>& b, bool barge_in, Actions& out);
  void stop_playback(Actions& out);
  void arm(Nanos timeout, Actions& out);
  void disarm(Actions& out);
  void finish_with(Action a, Actions& out);
  bool could_take_more() const;
  PlayItem resolve(const PromptRef& r) const;

  std::shared_ptr<const IvrConfig> config_;
  const Clock& clock_;
  Phase phase_ = Phase::kIdle;
  std::uint32_t menu_ = 0, node_ = 0;
  bool pending_ = false;  // go() was called; run() enters (menu_, node_)
  int steps_ = 0;

  std::uint64_t next_playback_id_ = 1;
  std::uint64_t playback_id_ = 0;  // 0: nothing playing
  bool playback_barge_in_ = false;
  std::uint64_t next_timer_id_ = 1;
  std::uint64_t timer_id_ = 0;     // 0: no timer armed
  Nanos deadline_{0};

  std::string digits_;
  std::string type_ahead_;
  int failures_ = 0;
  bool collecting_ = false;  // StartDigitCollection sent and not stopped

  std::map<std::string, std::string> vars_;
  std::string language_;
  int priority_ = 0;
  std::vector<std::string> skills_;
};

}  // namespace sb::ivr::menu
