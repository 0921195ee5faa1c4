// Prompt playback from the worker: frames go out on the prompt's cadence
// to the leg's address, the relay towards the leg is held back meanwhile,
// the output stream stays continuous across prompt -> relay, a digit from
// the leg barges in, and every ending is reported once.
#include <gtest/gtest.h>

#include <string>

#include "codecs/g711.hpp"
#include "ivr/prompts.hpp"
#include "tests/support/udp.hpp"
#include "tests/unit/dataplane/worker_fixture.hpp"

namespace sb::dataplane {
namespace {

using test::kMs;
using test::WorkerTest;

class PlaybackTest : public WorkerTest {
 protected:
  void SetUp() override {
    WorkerTest::SetUp();
    // 100 ms of a constant so frames are recognisable: 5 frames of 20 ms.
    ASSERT_TRUE(store_.add_pcm("short", std::vector<std::int16_t>(800, 1000), 8000).is_ok());
    auto enc = store_.encoded("short", {codecs::CodecId::kPcmu});
    ASSERT_TRUE(enc);
    prompt_ = *enc;
    ASSERT_EQ(prompt_->frames(), 5u);
  }

  // Leg 0 (the caller) talks to `caller_` (a real socket); leg 1 to kB.
  SessionId start_call(std::uint8_t te_pt = 0) {
    LegSetup a = leg(30000, Endpoint{0x7f000001, caller_.port()}, 0xA0A0);
    a.telephone_event_pt = te_pt;
    LegSetup b = leg(30010, test::kB, 0xB0B0);
    return create(a, b);
  }

  Command play_cmd(SessionId s, bool loop = false, bool barge_in = false, std::uint32_t id = 7) {
    Command c;
    c.kind = Command::kPlay;
    c.session = s;
    c.leg = 0;
    c.playback.prompts[0] = prompt_.get();
    c.playback.count = 1;
    c.playback.payload_type = 0;
    c.playback.loop = loop;
    c.playback.barge_in = barge_in;
    c.playback.id = id;
    return c;
  }

  void run_ms(int ms) {
    for (int i = 0; i < ms; ++i) {
      clock_.advance(Nanos{kMs});
      worker_->poll_once();
    }
  }

  std::vector<rtp::RtpHeader> received() {
    std::vector<rtp::RtpHeader> v;
    for (auto& d : caller_.drain(std::chrono::milliseconds(50))) {
      rtp::RtpHeader h;
      if (rtp::parse_rtp(d.bytes.data(), d.bytes.size(), h) == rtp::RtpError::kNone) v.push_back(h);
    }
    return v;
  }

  std::vector<Event> playback_events() {
    std::vector<Event> v;
    for (const Event& e : events())
      if (e.kind == Event::kPlaybackDone) v.push_back(e);
    return v;
  }

  sb::test::UdpPeer caller_;
  ivr::PromptStore store_;
  std::shared_ptr<const ivr::EncodedPrompt> prompt_;
};

TEST_F(PlaybackTest, PlaysEveryFrameOnTheCadenceAndReportsTheEnd) {
  const SessionId s = start_call();
  ASSERT_TRUE(commands_.try_push(play_cmd(s)));
  run_ms(150);
  const auto got = received();
  ASSERT_EQ(got.size(), 5u);
  EXPECT_TRUE(got[0].marker);
  for (std::size_t i = 1; i < got.size(); ++i) {
    EXPECT_EQ(static_cast<std::uint16_t>(got[i].sequence - got[i - 1].sequence), 1);
    EXPECT_EQ(got[i].timestamp - got[i - 1].timestamp, 160u);
    EXPECT_EQ(got[i].ssrc, 0xA0A0u);
    EXPECT_FALSE(got[i].marker);
  }
  const auto done = playback_events();
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].playback_id, 7u);
  EXPECT_EQ(done[0].playback_end, PlaybackEnd::kFinished);
  EXPECT_EQ(counters_.sum(kPlaybackPackets), 5u);
}

TEST_F(PlaybackTest, RelayTowardsThePlayingLegIsHeldBackAndContinuesSeamlessly) {
  const SessionId s = start_call();
  ASSERT_TRUE(commands_.try_push(play_cmd(s)));
  worker_->poll_once();
  // The agent side talks during the prompt: dropped, counted.
  std::uint16_t seq = 5000;
  std::uint32_t ts = 90000;
  for (int i = 0; i < 3; ++i) {
    EXPECT_FALSE(relay(packet(30010, test::kB, rtp(0, seq++, ts += 160, 0x5555))));
    run_ms(20);
  }
  EXPECT_EQ(drops(DropReason::kPlayback), 3u);
  run_ms(100);
  const auto prompt = received();
  ASSERT_EQ(prompt.size(), 5u);
  // Prompt over: the agent's audio is relayed, continuing the stream.
  auto p = relay(packet(30010, test::kB, rtp(0, seq++, ts += 160, 0x5555)));
  ASSERT_TRUE(p);
  rtp::RtpHeader h;
  ASSERT_EQ(rtp::parse_rtp(p->data, p->len, h), rtp::RtpError::kNone);
  EXPECT_EQ(h.ssrc, 0xA0A0u);
  EXPECT_EQ(h.sequence, static_cast<std::uint16_t>(prompt.back().sequence + 1));
  // The timestamp moves on by the wall-clock time since the last frame.
  const std::uint32_t gap = h.timestamp - prompt.back().timestamp;
  EXPECT_GE(gap, 160u);
  EXPECT_LE(gap, 160u * 4);
}

TEST_F(PlaybackTest, ADigitFromTheLegBargesIn) {
  const SessionId s = start_call(/*te_pt=*/101);
  ASSERT_TRUE(commands_.try_push(play_cmd(s, /*loop=*/true, /*barge_in=*/true, 9)));
  run_ms(45);
  // RFC 4733 digit 5 from the caller: start, then three End packets.
  auto event = [&](std::uint16_t sq, bool end, std::uint16_t dur) {
    auto b = rtp(101, sq, 8000, 0x1111, 4);
    b[12] = 5;
    b[13] = static_cast<std::uint8_t>(end ? 0x80 | 10 : 10);
    b[14] = static_cast<std::uint8_t>(dur >> 8);
    b[15] = static_cast<std::uint8_t>(dur);
    return b;
  };
  relay(packet(30000, Endpoint{0x7f000001, caller_.port()}, event(1, false, 160)));
  relay(packet(30000, Endpoint{0x7f000001, caller_.port()}, event(2, true, 800)));
  relay(packet(30000, Endpoint{0x7f000001, caller_.port()}, event(3, true, 800)));
  const auto done = playback_events();
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].playback_id, 9u);
  EXPECT_EQ(done[0].playback_end, PlaybackEnd::kBargeIn);
  EXPECT_EQ(done[0].digit, '5');
  const std::size_t sent = received().size();
  run_ms(100);
  EXPECT_EQ(received().size(), 0u) << "the loop went on after barge-in (" << sent << " before)";
}

TEST_F(PlaybackTest, LoopingUntilStoppedAndReplacedPlaybacksAreReported) {
  const SessionId s = start_call();
  ASSERT_TRUE(commands_.try_push(play_cmd(s, /*loop=*/true, false, 1)));
  run_ms(250);
  EXPECT_GE(received().size(), 12u);  // past the 5-frame prompt: it looped
  ASSERT_TRUE(commands_.try_push(play_cmd(s, false, false, 2)));
  run_ms(1);
  Command stop;
  stop.kind = Command::kStopPlayback;
  stop.session = s;
  stop.leg = 0;
  ASSERT_TRUE(commands_.try_push(stop));
  run_ms(1);
  const auto done = playback_events();
  ASSERT_EQ(done.size(), 2u);
  EXPECT_EQ(done[0].playback_id, 1u);
  EXPECT_EQ(done[0].playback_end, PlaybackEnd::kReplaced);
  EXPECT_EQ(done[1].playback_id, 2u);
  EXPECT_EQ(done[1].playback_end, PlaybackEnd::kStopped);
}

TEST_F(PlaybackTest, InvalidListsAreRefusedAndDeletingTheSessionEndsThePlayback) {
  const SessionId s = start_call();
  Command bad = play_cmd(s);
  bad.playback.count = 0;
  ASSERT_TRUE(commands_.try_push(bad));
  worker_->poll_once();
  bool failed = false;
  for (const Event& e : events()) failed |= e.kind == Event::kCommandFailed;
  EXPECT_TRUE(failed);

  ASSERT_TRUE(commands_.try_push(play_cmd(s, true, false, 3)));
  run_ms(30);
  Command del;
  del.kind = Command::kDeleteSession;
  del.session = s;
  ASSERT_TRUE(commands_.try_push(del));
  run_ms(1);
  const auto done = playback_events();
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].playback_end, PlaybackEnd::kEnded);
}

}  // namespace
}  // namespace sb::dataplane
