// Mixing inside the dataplane over real UDP sockets on loopback, driven
// through MediaSessions as the control plane drives it: a three-party
// conference (each party its own tone, PCMU, 20 ms packets in real time),
// the same with mixed codecs (PCMU, PCMA, G.722 in a 16 kHz room), and a
// supervisor on a relayed call in listen, whisper and barge, after which
// the call relays again on one unbroken stream per far end.
//
// Tones 400, 700 and 1300 Hz at -16 dBFS: no second- or third-order
// product of two of them (f1 ± f2, 2f1 ± f2) falls on the third, so what a
// party hears at its own frequency is the mix's doing, not G.711's
// companding distortion (400/700/1100 would put 1100 - 700 on 400 at about
// -60 dBFS). Bounds (Goertzel over what arrived after the first 300 ms,
// the jitter buffer's start-up): a tone that should be heard arrives at
// about its -16 dBFS (codecs keep a sine's level within a dB), so "heard"
// is > -20 dBFS; a tone that must not be heard is absent from the mix, and
// what remains at its frequency is quantisation noise near -90 dBFS in a
// 2 s bin, so "no trace" is < -60 dBFS, 44 dB below the heard tones.
#include <gtest/gtest.h>

#include <optional>
#include <thread>

#include "dataplane/media_sessions.hpp"
#include "tests/support/dataplane_events.hpp"
#include "tests/unit/dataplane/talker.hpp"

namespace sb::dataplane {
namespace {

using namespace std::chrono_literals;
using codecs::CodecId;
using test::Talker;

constexpr double kHeard = -20.0;
constexpr double kAbsent = -60.0;
constexpr int kSkipMs = 300;

class Mixing : public ::testing::Test {
 protected:
  void SetUp() override {
    DataplaneConfig cfg;
    cfg.port_min = 12000;
    cfg.port_max = 12199;
    auto dp = Dataplane::start(cfg, SteadyClock::instance());
    ASSERT_TRUE(dp) << dp.status().to_string();
    dp_ = std::move(*dp);
  }
  MediaSessions& ms() { return dp_->sessions(); }

  bool wait_event(std::uint64_t id, Event::Kind kind) { return sb::test::wait_dataplane_event(ms(), id, kind); }

  PartyInfo join(RoomId room, Talker& t) {
    PartyRequest r;
    r.leg.remote = t.far_end();
    r.codec = {t.pt, t.codec, 0};
    auto p = ms().add_party(room, r);
    EXPECT_TRUE(p) << p.status().to_string();
    if (!p) return {};
    EXPECT_TRUE(wait_event(p->id, Event::kSessionCreated));
    t.port = p->local_port;
    return *p;
  }

  // Real time: every talker sends a packet every 20 ms of the steady
  // clock; what the worker sends back is collected as it comes.
  static void talk(const std::vector<Talker*>& talkers, int packets) {
    auto next = std::chrono::steady_clock::now();
    for (int i = 0; i < packets; ++i) {
      for (Talker* t : talkers) t->send(t->port);
      next += 20ms;
      while (std::chrono::steady_clock::now() < next) {
        for (Talker* t : talkers) t->collect();
        std::this_thread::sleep_for(2ms);
      }
    }
    std::this_thread::sleep_for(100ms);
    for (Talker* t : talkers) t->collect();
  }
  static void forget(const std::vector<Talker*>& talkers) {
    for (Talker* t : talkers) {
      t->heard.clear();
      t->headers.clear();
    }
  }

  // A room at `rate` that a, b and c join and talk in for two seconds,
  // each hearing the other two and not itself; the room's id, or nothing
  // (a failure recorded) when the room could not be made.
  std::optional<RoomId> run_conference(int rate, Talker& a, Talker& b, Talker& c);
  // Switches the supervisor on `call` to `mode`, gives the worker a moment
  // to take the command, then 1.5 s of everyone talking, heard afresh.
  // False when the switch was refused.
  bool switch_and_talk(SessionId call, media::SupervisorMode mode, const std::vector<Talker*>& all) {
    if (!ms().set_supervisor_mode(call, mode).is_ok()) return false;
    std::this_thread::sleep_for(50ms);
    forget(all);
    talk(all, 75);
    return true;
  }

  std::unique_ptr<Dataplane> dp_;
};

void expect_conference(Talker& a, Talker& b, Talker& c) {
  for (Talker* t : {&a, &b, &c}) ASSERT_GT(t->heard.size(), static_cast<std::size_t>(t->rate)) << "party " << t->port;
  test::expect_each_hears_the_other_two(a, b, c, kHeard, kAbsent, kSkipMs);
}

std::optional<RoomId> Mixing::run_conference(int rate, Talker& a, Talker& b, Talker& c) {
  auto room = ms().create_room(rate);
  EXPECT_TRUE(room) << room.status().to_string();
  if (!room) return std::nullopt;
  const bool created = wait_event(room->id, Event::kSessionCreated);
  EXPECT_TRUE(created);
  if (!created) return std::nullopt;
  join(room->id, a);
  join(room->id, b);
  join(room->id, c);
  talk({&a, &b, &c}, 100);
  expect_conference(a, b, c);
  return room->id;
}

TEST_F(Mixing, ThreePartyConferenceEachHearsTheOtherTwoAndNotItself) {
  Talker a(0, CodecId::kPcmu, 0, 400), b(0, CodecId::kPcmu, 0, 700), c(0, CodecId::kPcmu, 0, 1300);
  const auto room = run_conference(8000, a, b, c);
  ASSERT_TRUE(room);
  // One stream per party: one SSRC, sequence numbers in steps of one.
  for (Talker* t : {&a, &b, &c}) {
    for (std::size_t i = 1; i < t->headers.size(); ++i) {
      EXPECT_EQ(t->headers[i].ssrc, t->headers[0].ssrc);
      EXPECT_EQ(static_cast<std::uint16_t>(t->headers[i].sequence - t->headers[i - 1].sequence), 1);
    }
  }
  EXPECT_GE(dp_->counters().sum(kMixedIn), 290u);  // 300 sent on loopback
  ASSERT_TRUE(ms().remove_room(*room).is_ok());
  EXPECT_TRUE(wait_event(*room, Event::kSessionDeleted));
}

TEST_F(Mixing, MixedCodecsInOneRoomStillGiveTheRightTones) {
  Talker a(0, CodecId::kPcmu, 0, 400), b(0, CodecId::kG722, 9, 700), c(0, CodecId::kPcma, 8, 1300);
  const auto room = run_conference(16000, a, b, c);
  ASSERT_TRUE(room);
  ASSERT_TRUE(ms().remove_room(*room).is_ok());
}

TEST_F(Mixing, SupervisorListenWhisperBargeThenTheCallRelaysAgain) {
  Talker caller(0, CodecId::kPcmu, 0, 400), agent(0, CodecId::kPcmu, 0, 700), sup(0, CodecId::kPcmu, 0, 1300);
  LegRequest la, lb;
  la.remote = caller.far_end();
  lb.remote = agent.far_end();
  auto call = ms().create(la, lb);
  ASSERT_TRUE(call) << call.status().to_string();
  ASSERT_TRUE(wait_event(call->id, Event::kSessionCreated));
  caller.port = call->local_port[0];
  agent.port = call->local_port[1];
  talk({&caller, &agent}, 10);  // relayed first

  SupervisorRequest r;
  r.supervisor.leg.remote = sup.far_end();
  r.supervisor.codec = {0, CodecId::kPcmu, 0};
  r.call_legs[0] = {0, CodecId::kPcmu, 0};
  r.call_legs[1] = {0, CodecId::kPcmu, 0};
  r.mode = media::SupervisorMode::kListen;
  auto s = ms().add_supervisor(call->id, r);
  ASSERT_TRUE(s) << s.status().to_string();
  ASSERT_TRUE(wait_event(s->id, Event::kSessionCreated));
  sup.port = s->local_port;
  EXPECT_EQ(ms().add_supervisor(call->id, r).status().code(), StatusCode::kAlreadyExists);

  const std::vector<Talker*> all = {&caller, &agent, &sup};
  forget(all);
  talk(all, 75);
  // Listen: the supervisor hears both; neither far end hears it.
  EXPECT_GT(sup.level(400, kSkipMs), kHeard);
  EXPECT_GT(sup.level(700, kSkipMs), kHeard);
  EXPECT_GT(caller.level(700, kSkipMs), kHeard);
  EXPECT_GT(agent.level(400, kSkipMs), kHeard);
  EXPECT_LT(caller.level(1300, kSkipMs), kAbsent);
  EXPECT_LT(agent.level(1300, kSkipMs), kAbsent);

  ASSERT_TRUE(switch_and_talk(call->id, media::SupervisorMode::kWhisper, all));
  // Whisper: the agent hears the supervisor; the caller's stream holds no trace of it.
  EXPECT_GT(agent.level(1300, kSkipMs), kHeard);
  EXPECT_GT(agent.level(400, kSkipMs), kHeard);
  EXPECT_GT(caller.level(700, kSkipMs), kHeard);
  EXPECT_LT(caller.level(1300, kSkipMs), kAbsent);

  ASSERT_TRUE(switch_and_talk(call->id, media::SupervisorMode::kBarge, all));
  // Barge: everyone hears everyone else.
  EXPECT_GT(caller.level(700, kSkipMs), kHeard);
  EXPECT_GT(caller.level(1300, kSkipMs), kHeard);
  EXPECT_GT(agent.level(400, kSkipMs), kHeard);
  EXPECT_GT(agent.level(1300, kSkipMs), kHeard);
  EXPECT_GT(sup.level(400, kSkipMs), kHeard);
  EXPECT_GT(sup.level(700, kSkipMs), kHeard);
  EXPECT_LT(sup.level(1300, kSkipMs), kAbsent);

  // The supervisor leaves: relay again, and the agent's stream runs on
  // from the mix (same SSRC, next sequence number).
  const std::size_t before = agent.headers.size();
  const std::uint64_t relayed_before = dp_->counters().sum(kRtpRelayed);
  ASSERT_TRUE(ms().remove_supervisor(call->id).is_ok());
  ASSERT_TRUE(wait_event(s->id, Event::kSessionDeleted));
  talk({&caller, &agent}, 25);
  ASSERT_GT(agent.headers.size(), before + 20);
  for (std::size_t i = 1; i < agent.headers.size(); ++i) {
    EXPECT_EQ(agent.headers[i].ssrc, agent.headers[0].ssrc) << "at packet " << i;
    EXPECT_EQ(static_cast<std::uint16_t>(agent.headers[i].sequence - agent.headers[i - 1].sequence), 1) << "at packet " << i;
  }
  // Relayed, not mixed: the relay counter took the 50 packets of both sides.
  EXPECT_GE(dp_->counters().sum(kRtpRelayed) - relayed_before, 45u);
  ASSERT_TRUE(ms().remove(call->id).is_ok());
  EXPECT_TRUE(wait_event(call->id, Event::kSessionDeleted));
}

}  // namespace
}  // namespace sb::dataplane
