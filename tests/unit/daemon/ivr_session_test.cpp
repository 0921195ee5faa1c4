// The IVR menu state machine in virtual time: prompts, barge-in, digit
// collection with its timeouts, retries, terminators and branches, driven
// against the embedded default's sample menus and small purpose-made ones.
#include <gtest/gtest.h>

#include "control/config/default_config.hpp"
#include "ivr/menu/action_tracker.hpp"
#include "ivr/menu/menu_session.hpp"
#include "tests/unit/daemon/config_test_util.hpp"

namespace sb {
namespace {

using namespace ivr::menu;
using std::chrono::milliseconds;
using std::chrono::seconds;

std::shared_ptr<const IvrConfig> ivr_of(const std::string& text) {
  auto r = test::load(text);
  EXPECT_TRUE(r.ok()) << test::joined(test::error_lines(r));
  if (!r.ok()) return nullptr;
  return r.config->section_ptr<IvrConfig>("ivr");
}

std::shared_ptr<const IvrConfig> default_ivr() { return ivr_of(std::string(config::embedded_default_config())); }

// Drives a session the way call control would: remembers the playback and
// timer the session asked for, fires them on request.
class Driver {
 public:
  explicit Driver(std::shared_ptr<const IvrConfig> cfg) : session(std::move(cfg), clock) {}

  Actions start(std::string_view menu = {}) {
    Actions out;
    EXPECT_TRUE(session.start(out, menu).is_ok());
    note(out);
    return out;
  }
  Actions playback_done() {
    Actions out;
    session.on_playback_done(playing, out);
    note(out);
    return out;
  }
  Actions digit(char d) {
    Actions out;
    session.on_digit(d, DigitSource::kRfc4733, out);
    note(out);
    return out;
  }
  Actions digits(std::string_view ds) {
    Actions all;
    for (char d : ds) {
      auto a = digit(d);
      all.insert(all.end(), a.begin(), a.end());
    }
    return all;
  }
  // Advances virtual time to the armed timer's deadline and fires it.
  Actions timeout() {
    EXPECT_NE(timer, 0u) << "no timer armed";
    clock.set(deadline);
    Actions out;
    session.on_timer(timer, out);
    note(out);
    return out;
  }

  ManualClock clock;
  MenuSession session;
  ActionTracker pending;
  std::uint64_t& playing = pending.playback;
  std::uint64_t& timer = pending.timer;
  Nanos& deadline = pending.deadline;

 private:
  void note(const Actions& out) { pending.note(out); }
};

template <typename T>
const T* find(const Actions& out) {
  for (const auto& a : out)
    if (auto* p = std::get_if<T>(&a)) return p;
  return nullptr;
}

template <typename T>
int count(const Actions& out) {
  int n = 0;
  for (const auto& a : out) n += std::holds_alternative<T>(a);
  return n;
}

template <typename T>
std::size_t index_of(const Actions& out) {
  for (std::size_t i = 0; i < out.size(); ++i)
    if (std::holds_alternative<T>(out[i])) return i;
  return out.size();
}

std::vector<std::string> prompt_names(const Play& p) {
  std::vector<std::string> v;
  for (const auto& i : p.items) v.push_back(i.name);
  return v;
}

TEST(IvrSession, WelcomeThenMenuThenQueue) {
  Driver d(default_ivr());
  auto out = d.start();
  ASSERT_NE(find<NodeEntered>(out), nullptr);
  EXPECT_EQ(find<NodeEntered>(out)->node, "welcome");
  ASSERT_NE(find<Play>(out), nullptr);
  EXPECT_EQ(prompt_names(*find<Play>(out)), std::vector<std::string>{"welcome"});
  EXPECT_EQ(find<Play>(out)->items[0].path, "./var/prompts/en/welcome.wav");
  EXPECT_EQ(find<StartTimer>(out), nullptr);  // nothing to time while the greeting plays

  out = d.playback_done();
  EXPECT_EQ(find<NodeEntered>(out)->node, "choose");
  ASSERT_NE(find<StartDigitCollection>(out), nullptr);
  EXPECT_EQ(find<StartDigitCollection>(out)->max_digits, 1);
  EXPECT_EQ(prompt_names(*find<Play>(out)), std::vector<std::string>{"main_menu"});
  EXPECT_TRUE(find<Play>(out)->barge_in);

  out = d.playback_done();  // menu prompt finished: first-digit timer
  ASSERT_NE(find<StartTimer>(out), nullptr);
  EXPECT_EQ(find<StartTimer>(out)->deadline, d.clock.now() + seconds(5));

  out = d.digit('1');
  EXPECT_NE(find<CancelTimer>(out), nullptr);
  ASSERT_NE(find<InputCollected>(out), nullptr);
  EXPECT_EQ(find<InputCollected>(out)->digits, "1");
  EXPECT_EQ(find<InputCollected>(out)->result, InputResult::kMatched);
  EXPECT_EQ(prompt_names(*find<Play>(out)), std::vector<std::string>{"please_hold"});
  EXPECT_FALSE(d.session.finished());  // "please hold" first
  out = d.playback_done();
  ASSERT_NE(find<RouteToQueue>(out), nullptr);
  EXPECT_EQ(find<RouteToQueue>(out)->queue, "sales");
  EXPECT_EQ(find<RouteToQueue>(out)->language, "en");
  EXPECT_TRUE(d.session.finished());
  // Late events after the end change nothing.
  EXPECT_TRUE(d.digit('5').empty());
  EXPECT_TRUE(d.playback_done().empty());
}

TEST(IvrSession, BargeInStopsThePromptFirst) {
  Driver d(default_ivr());
  d.start();
  d.playback_done();  // into "choose"; its prompt is playing
  const std::uint64_t prompt = d.playing;
  auto out = d.digit('3');
  ASSERT_NE(find<StopPlayback>(out), nullptr);
  EXPECT_EQ(find<StopPlayback>(out)->playback_id, prompt);
  EXPECT_LT(index_of<StopPlayback>(out), index_of<InputCollected>(out));
  EXPECT_EQ(find<InputCollected>(out)->digits, "3");
  // The stopped prompt's late playback-done is ignored.
  Actions late;
  d.session.on_playback_done(prompt, late);
  EXPECT_TRUE(late.empty());
  out = d.playback_done();
  EXPECT_EQ(find<RouteToQueue>(out)->queue, "billing");
}

TEST(IvrSession, TypeAheadDuringTheGreeting) {
  Driver d(default_ivr());
  d.start();
  // '2' during the barge-in greeting skips it and answers the menu at once.
  auto out = d.digit('2');
  EXPECT_NE(find<StopPlayback>(out), nullptr);
  ASSERT_NE(find<InputCollected>(out), nullptr);
  EXPECT_EQ(find<InputCollected>(out)->node, "choose");
  EXPECT_EQ(find<InputCollected>(out)->digits, "2");
  // ... and goes to the support menu, whose account prompt now plays.
  const auto* play = find<Play>(out);
  ASSERT_NE(play, nullptr);
  EXPECT_EQ(prompt_names(*play), std::vector<std::string>{"enter_account"});
  EXPECT_EQ(d.session.menu_name(), "support");
}

TEST(IvrSession, FirstDigitTimeoutRetriesThenFailureBranch) {
  Driver d(default_ivr());
  d.start();
  d.playback_done();
  d.playback_done();
  // retries = 2: two re-prompts, then on_failure ("general" queue).
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto out = d.timeout();
    ASSERT_NE(find<InputCollected>(out), nullptr);
    EXPECT_EQ(find<InputCollected>(out)->result, InputResult::kTimeout);
    ASSERT_NE(find<Play>(out), nullptr);
    EXPECT_EQ(prompt_names(*find<Play>(out)), (std::vector<std::string>{"no_input", "main_menu"}));
    EXPECT_FALSE(d.session.finished());
    out = d.playback_done();
    EXPECT_NE(find<StartTimer>(out), nullptr);
  }
  auto out = d.timeout();
  EXPECT_EQ(find<InputCollected>(out)->result, InputResult::kTimeout);
  ASSERT_NE(find<RouteToQueue>(out), nullptr);
  EXPECT_EQ(find<RouteToQueue>(out)->queue, "support");
  EXPECT_EQ(find<RouteToQueue>(out)->priority, 0);
  EXPECT_NE(find<StopDigitCollection>(out), nullptr);
  EXPECT_TRUE(d.session.finished());
}

TEST(IvrSession, InvalidDigitsThenSuccess) {
  Driver d(default_ivr());
  d.start();
  d.playback_done();
  d.playback_done();
  auto out = d.digit('7');  // no such option: invalid at once, no need to wait
  ASSERT_NE(find<InputCollected>(out), nullptr);
  EXPECT_EQ(find<InputCollected>(out)->result, InputResult::kInvalid);
  EXPECT_EQ(find<InputCollected>(out)->digits, "7");
  EXPECT_EQ(prompt_names(*find<Play>(out)), (std::vector<std::string>{"invalid", "main_menu"}));
  out = d.digit('1');  // barge-in on the re-prompt
  EXPECT_NE(find<StopPlayback>(out), nullptr);
  EXPECT_EQ(find<InputCollected>(out)->result, InputResult::kMatched);
}

TEST(IvrSession, InvalidDigitsExhaustRetries) {
  Driver d(default_ivr());
  d.start();
  d.playback_done();
  d.playback_done();
  d.digit('7');
  d.digit('8');
  auto out = d.digit('0');
  ASSERT_NE(find<RouteToQueue>(out), nullptr);  // on_failure -> general
  EXPECT_EQ(find<RouteToQueue>(out)->queue, "support");
  EXPECT_EQ(count<InputCollected>(out), 1);
}

TEST(IvrSession, TimerFiringEarlyOrStaleIsIgnored) {
  Driver d(default_ivr());
  d.start();
  d.playback_done();
  d.playback_done();
  const std::uint64_t t = d.timer;
  Actions out;
  d.clock.advance(seconds(2));  // 3 s early
  d.session.on_timer(t, out);
  ASSERT_EQ(out.size(), 1u);
  ASSERT_TRUE(std::holds_alternative<StartTimer>(out[0]));  // re-armed for the same deadline
  EXPECT_EQ(std::get<StartTimer>(out[0]).deadline, d.deadline);
  out.clear();
  d.session.on_timer(t + 100, out);  // never issued
  EXPECT_TRUE(out.empty());
  d.digit('9');  // cancels t
  out.clear();
  d.clock.advance(seconds(10));
  d.session.on_timer(t, out);
  EXPECT_TRUE(out.empty());
}

TEST(IvrSession, LanguageChoiceChangesPrompts) {
  Driver d(default_ivr());
  d.start();
  d.playback_done();
  d.playback_done();
  auto out = d.digit('9');
  ASSERT_NE(find<SetVariable>(out), nullptr);
  EXPECT_EQ(find<SetVariable>(out)->name, "language");
  EXPECT_EQ(find<SetVariable>(out)->value, "es");
  const auto* play = find<Play>(out);  // back at "choose", now in Spanish
  ASSERT_NE(play, nullptr);
  EXPECT_EQ(play->items[0].language, "es");
  EXPECT_EQ(play->items[0].path, "./var/prompts/es/main_menu.wav");
  d.playback_done();
  out = d.digit('1');
  out = d.playback_done();
  ASSERT_NE(find<RouteToQueue>(out), nullptr);
  EXPECT_EQ(find<RouteToQueue>(out)->language, "es");
  EXPECT_EQ(find<RouteToQueue>(out)->skills, std::vector<std::string>{"spanish"});
}

// The support menu's account entry: 4-8 digits, '#' ends it, 4 s between digits.
class AccountEntry : public ::testing::Test {
 protected:
  void SetUp() override {
    d.start("support");
    d.playback_done();  // prompt done, first-digit timer
  }
  Driver d{default_ivr()};
};

TEST_F(AccountEntry, TerminatorEndsEntry) {
  auto out = d.digits("12345#");
  ASSERT_NE(find<InputCollected>(out), nullptr);
  EXPECT_EQ(find<InputCollected>(out)->digits, "12345");
  EXPECT_EQ(find<InputCollected>(out)->result, InputResult::kMatched);
  EXPECT_EQ(d.session.variables().at("account"), "12345");
  EXPECT_EQ(d.session.variables().at("identified"), "yes");
  EXPECT_EQ(d.session.priority(), 5);
  EXPECT_EQ(d.session.node_name(), "offer");
}

TEST_F(AccountEntry, InterDigitTimeoutCompletesAValidEntry) {
  auto out = d.digits("1234");
  EXPECT_EQ(find<InputCollected>(out), nullptr);  // could still be longer
  ASSERT_NE(d.timer, 0u);
  EXPECT_EQ(d.deadline, d.clock.now() + seconds(4));
  out = d.timeout();
  ASSERT_NE(find<InputCollected>(out), nullptr);
  EXPECT_EQ(find<InputCollected>(out)->digits, "1234");
  EXPECT_EQ(find<InputCollected>(out)->result, InputResult::kMatched);
}

TEST_F(AccountEntry, InterDigitTimeoutWithTooFewDigitsIsInvalid) {
  d.digits("12");
  auto out = d.timeout();
  ASSERT_NE(find<InputCollected>(out), nullptr);
  EXPECT_EQ(find<InputCollected>(out)->result, InputResult::kInvalid);
  EXPECT_EQ(find<InputCollected>(out)->digits, "12");
  EXPECT_EQ(prompt_names(*find<Play>(out)), (std::vector<std::string>{"invalid", "enter_account"}));
  EXPECT_TRUE(d.session.digits().empty());
}

TEST_F(AccountEntry, TerminatorTooEarlyIsInvalid) {
  auto out = d.digits("12#");
  EXPECT_EQ(find<InputCollected>(out)->result, InputResult::kInvalid);
}

TEST_F(AccountEntry, MaxDigitsEndsEntryWithoutTerminator) {
  auto out = d.digits("1234567");
  EXPECT_EQ(find<InputCollected>(out), nullptr);
  out = d.digit('8');
  ASSERT_NE(find<InputCollected>(out), nullptr);
  EXPECT_EQ(find<InputCollected>(out)->digits, "12345678");
}

TEST_F(AccountEntry, RetriesExhaustedTakesFailureBranchThenCallback) {
  d.timeout();          // first timeout: re-prompt (retries = 1)
  d.playback_done();
  auto out = d.timeout();  // second: on_failure -> "offer"
  EXPECT_EQ(d.session.node_name(), "offer");
  d.playback_done();
  out = d.digit('2');
  ASSERT_NE(find<Play>(out), nullptr);
  EXPECT_EQ(prompt_names(*find<Play>(out)), std::vector<std::string>{"callback_confirm"});
  out = d.playback_done();
  ASSERT_NE(find<RequestCallback>(out), nullptr);
  EXPECT_EQ(find<RequestCallback>(out)->queue, "support");
  EXPECT_EQ(find<RequestCallback>(out)->number, "");  // the caller's own number
}

// Small menus for the remaining behaviours.
const std::string kSmall =
    "[ivr.prompts]\nask.en = \"ask\"\nnotice.en = \"legal notice\"\n"
    "[ivr]\nentry_menu = \"m\"\n"
    "[ivr.menus.m]\nentry = \"notice\"\n"
    "[ivr.menus.m.nodes.notice]\ntype = \"play\"\nprompts = [\"notice\"]\nnext = \"ask\"\n"
    "[ivr.menus.m.nodes.ask]\ntype = \"collect\"\nprompts = [\"ask\"]\nbarge_in = false\nmax_digits = 4\n"
    "retries = 0\nstore_as = \"pin\"\n"
    "branches = [{ match = \"1\", next = \"one\" }, { match = \"12XX\", next = \"long\" }]\n"
    "next = \"other\"\non_invalid = \"bad\"\non_timeout = \"quiet\"\n"
    "[ivr.menus.m.nodes.one]\ntype = \"transfer\"\ndestination = \"sip:one@example.com\"\n"
    "[ivr.menus.m.nodes.long]\ntype = \"hangup\"\ncause = \"busy\"\n"
    "[ivr.menus.m.nodes.other]\ntype = \"callback\"\nqueue = \"q\"\nnumber_variable = \"pin\"\n"
    "[ivr.menus.m.nodes.bad]\ntype = \"hangup\"\ncause = \"rejected\"\n"
    "[ivr.menus.m.nodes.quiet]\ntype = \"hangup\"\n";

TEST(IvrSession, DigitsDuringANonBargeInPromptAreDiscarded) {
  Driver d(ivr_of(kSmall));
  auto out = d.start();
  EXPECT_EQ(find<StartDigitCollection>(out), nullptr);  // the notice plays without detection
  EXPECT_TRUE(d.digit('1').empty());
  d.playback_done();
  EXPECT_TRUE(d.digit('1').empty());  // the ask prompt has barge_in = false too
  out = d.playback_done();
  EXPECT_NE(find<StartTimer>(out), nullptr);
}

TEST(IvrSession, FirstMatchWinsAndEarlyCompletion) {
  Driver d(ivr_of(kSmall));
  d.start();
  d.playback_done();
  d.playback_done();
  // "1" matches but "12XX" and the catch-all could take more: wait.
  auto out = d.digit('1');
  EXPECT_EQ(find<InputCollected>(out), nullptr);
  out = d.timeout();  // inter-digit timeout: "1" -> first branch
  ASSERT_NE(find<Transfer>(out), nullptr);
  EXPECT_EQ(find<Transfer>(out)->destination, "sip:one@example.com");
}

TEST(IvrSession, CatchAllAndStoreAs) {
  Driver d(ivr_of(kSmall));
  d.start();
  d.playback_done();
  d.playback_done();
  auto out = d.digits("77");
  out = d.timeout();
  ASSERT_NE(find<RequestCallback>(out), nullptr);
  EXPECT_EQ(find<RequestCallback>(out)->number, "77");  // number_variable = "pin" = store_as
  EXPECT_EQ(find<RequestCallback>(out)->queue, "q");
}

TEST(IvrSession, RetriesZeroGoesStraightToTheBranches) {
  Driver timeout(ivr_of(kSmall));
  timeout.start();
  timeout.playback_done();
  timeout.playback_done();
  auto out = timeout.timeout();
  ASSERT_NE(find<Hangup>(out), nullptr);
  EXPECT_EQ(find<Hangup>(out)->cause, "normal");
  EXPECT_EQ(find<Play>(out), nullptr);
}

TEST(IvrSession, MaxDigitsMatchesTheLongBranch) {
  Driver d(ivr_of(kSmall));
  d.start();
  d.playback_done();
  d.playback_done();
  auto out = d.digits("1234");
  ASSERT_NE(find<Hangup>(out), nullptr);
  EXPECT_EQ(find<Hangup>(out)->cause, "busy");
}

TEST(IvrSession, AbortStopsWhatRuns) {
  Driver d(default_ivr());
  d.start();
  d.playback_done();
  d.playback_done();
  Actions out;
  d.session.abort(out);
  EXPECT_NE(find<CancelTimer>(out), nullptr);
  EXPECT_NE(find<StopDigitCollection>(out), nullptr);
  EXPECT_EQ(find<Hangup>(out), nullptr);
  EXPECT_TRUE(d.session.finished());
}

TEST(IvrSession, StartErrors) {
  MenuSession s(default_ivr(), SteadyClock::instance());
  Actions out;
  EXPECT_EQ(s.start(out, "nope").code(), StatusCode::kNotFound);
  ASSERT_TRUE(s.start(out).is_ok());
  EXPECT_EQ(s.start(out).code(), StatusCode::kFailedPrecondition);
}

TEST(IvrSession, NonDtmfCharactersAreIgnored) {
  Driver d(default_ivr());
  d.start();
  d.playback_done();
  d.playback_done();
  EXPECT_TRUE(d.digit('x').empty());
  EXPECT_TRUE(d.digit('\0').empty());
  EXPECT_TRUE(d.digit('a').empty());  // DTMF A-D are upper case
}

TEST(IvrSession, StepGuardEndsAnUncheckedLoop) {
  // Built by hand, bypassing the graph check: set -> set forever.
  auto cfg = std::make_shared<IvrConfig>();
  cfg->entry_menu = "m";
  Menu m;
  m.name = "m";
  m.entry = Target{"a", 0, {}, ""};
  Node a;
  a.name = "a";
  a.type = NodeType::kSet;
  a.variables = {{"x", "1"}};
  a.next = Target{"b", 1, {}, ""};
  Node b = a;
  b.name = "b";
  b.next = Target{"a", 0, {}, ""};
  m.nodes = {a, b};
  cfg->menus.push_back(m);
  MenuSession s(cfg, SteadyClock::instance());
  Actions out;
  ASSERT_TRUE(s.start(out).is_ok());
  ASSERT_NE(find<Hangup>(out), nullptr);
  EXPECT_EQ(find<Hangup>(out)->cause, "ivr_loop");
  EXPECT_EQ(count<NodeEntered>(out), MenuSession::kMaxStepsPerEvent);
  EXPECT_TRUE(s.finished());
}

TEST(IvrSession, ReloadDoesNotChangeARunningCall) {
  auto old_cfg = default_ivr();
  Driver d(old_cfg);
  d.start();
  std::weak_ptr<const IvrConfig> weak = old_cfg;
  old_cfg.reset();  // the daemon swapped in a new snapshot
  EXPECT_FALSE(weak.expired());  // the call still holds its own
  d.playback_done();
  EXPECT_EQ(d.session.node_name(), "choose");
}

}  // namespace
}  // namespace sb
