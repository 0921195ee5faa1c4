// Recording a relayed call in the dataplane: two real UDP peers talk
// through a session (one at 440 Hz, the other at 1 kHz, PCMU at 20 ms) while
// the worker records it. The stereo WAV holds each side on its own channel,
// time-aligned, with the paused stretch as silence, and the JSON sidecar
// names the call and the pause. With DTMF suppression on the caller's leg,
// digits typed during the call are reported but are not in the recording.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <fstream>
#include <thread>

#include "codecs/g711.hpp"
#include "codecs/signal_metrics.hpp"
#include "common/audio_file.hpp"
#include "dataplane/media_sessions.hpp"
#include "dataplane/rtp/rtp.hpp"
#include "ivr/dtmf_detector.hpp"
#include "tests/support/process.hpp"
#include "tests/support/signals.hpp"
#include "tests/support/udp.hpp"

namespace sb::dataplane {
namespace {

using namespace std::chrono_literals;

class RecordedCall : public ::testing::Test {
 protected:
  void SetUp() override {
    DataplaneConfig cfg;
    cfg.port_min = 33000;
    cfg.port_max = 33999;
    recording::RecorderService::Options rec;
    rec.directory = dir_.path();
    cfg.recorder = rec;
    auto dp = Dataplane::start(cfg, SteadyClock::instance());
    ASSERT_TRUE(dp) << dp.status().to_string();
    dp_ = std::move(*dp);
  }

  // One 20 ms µ-law packet of `pcm` starting at `offset`.
  static std::vector<std::uint8_t> packet(const test::Pcm& pcm, std::size_t offset, std::uint16_t seq,
                                          std::uint32_t ssrc) {
    std::vector<std::uint8_t> b(12 + 160);
    rtp::write_rtp_header(b.data(), false, 0, seq, 160u * seq, ssrc);
    codecs::g711::ulaw_encode(pcm.data() + offset, 160, b.data() + 12);
    return b;
  }

  recording::RecorderEvent wait_done() {
    recording::RecorderEvent ev{};
    const auto until = std::chrono::steady_clock::now() + 10s;
    while (std::chrono::steady_clock::now() < until) {
      if (dp_->recorder()->poll_event(ev)) return ev;
      std::this_thread::sleep_for(10ms);
    }
    ADD_FAILURE() << "the recording did not finish";
    return ev;
  }

  test::TempDir dir_;
  std::unique_ptr<Dataplane> dp_;
};

TEST_F(RecordedCall, StereoWavWithEachSideOnItsChannelAndThePauseSilent) {
  test::UdpPeer caller, agent;
  LegRequest la, lb;
  la.remote = {0x7f000001, caller.port()};
  lb.remote = {0x7f000001, agent.port()};
  auto s = dp_->sessions().create(la, lb);
  ASSERT_TRUE(s);
  recording::RecordingSpec spec;
  spec.name = "call-1";
  spec.metadata = {{"call_id", "c-1"}, {"queue", "sales"}, {"agent", "1001"}};
  const RecordLeg legs[2] = {{0, codecs::CodecId::kPcmu, 0}, {0, codecs::CodecId::kPcmu, 0}};
  auto id = dp_->sessions().start_recording(s->id, spec, legs);
  ASSERT_TRUE(id) << id.status().to_string();

  const auto low = test::sine(8000, 440, -12, 3000), high = test::sine(8000, 1000, -12, 3000);
  auto next = std::chrono::steady_clock::now();
  for (std::uint16_t k = 0; k < 150; ++k) {
    if (k == 50) {
      ASSERT_TRUE(dp_->sessions().pause_recording(s->id).is_ok());
    }
    if (k == 75) {
      ASSERT_TRUE(dp_->sessions().resume_recording(s->id).is_ok());
    }
    caller.send_to(s->local_port[0], packet(low, 160u * k, k, 0xCA11));
    agent.send_to(s->local_port[1], packet(high, 160u * k, k, 0xA9E7));
    next += 20ms;
    std::this_thread::sleep_until(next);
  }
  ASSERT_TRUE(dp_->sessions().stop_recording(s->id).is_ok());
  const auto ev = wait_done();
  ASSERT_EQ(ev.kind, recording::RecorderEvent::kDone) << ev.message;
  EXPECT_EQ(ev.id, *id);

  auto wav = read_audio_file(dir_.file("call-1.wav"));
  ASSERT_TRUE(wav) << wav.status().to_string();
  EXPECT_EQ(wav->channels, 2);
  EXPECT_EQ(wav->sample_rate, 8000);
  EXPECT_NEAR(static_cast<double>(wav->frames()) / 8000.0, 3.0, 0.25);
  const auto left = wav->channel(0), right = wav->channel(1);
  // Each side on its own channel: 30 dB or more between the two tones.
  test::Pcm l_talk(left.begin() + 2000, left.begin() + 7000), r_talk(right.begin() + 2000, right.begin() + 7000);
  EXPECT_GT(codecs::tone_level_dbfs(l_talk, 440, 8000), codecs::tone_level_dbfs(l_talk, 1000, 8000) + 30);
  EXPECT_GT(codecs::tone_level_dbfs(r_talk, 1000, 8000), codecs::tone_level_dbfs(r_talk, 440, 8000) + 30);
  // The paused stretch (1.0 s to 1.5 s) is silence in both channels; the
  // call is heard again after it.
  test::Pcm l_pause(left.begin() + 8800, left.begin() + 11200), r_pause(right.begin() + 8800, right.begin() + 11200);
  EXPECT_LT(test::mean_square(l_pause), 1.0);
  EXPECT_LT(test::mean_square(r_pause), 1.0);
  test::Pcm l_after(left.begin() + 13000, left.begin() + 20000);
  EXPECT_GT(codecs::tone_level_dbfs(l_after, 440, 8000), -20.0);

  std::ifstream f(dir_.file("call-1.json"));
  ASSERT_TRUE(f) << "no sidecar";
  const auto meta = nlohmann::json::parse(f);
  EXPECT_EQ(meta.value("call_id", ""), "c-1") << meta.dump();
  EXPECT_EQ(meta.value("agent", ""), "1001");
  ASSERT_TRUE(meta.contains("recording")) << meta.dump();
  const auto& r = meta["recording"];
  EXPECT_EQ(r.value("status", ""), "complete");
  EXPECT_EQ(r.value("channel_layout", ""), "caller-left agent-right");
  ASSERT_EQ(r["pauses"].size(), 1u) << meta.dump();
  EXPECT_NEAR(r["pauses"][0].value("from_seconds", 0.0), 1.0, 0.1);
  EXPECT_NEAR(r["pauses"][0].value("to_seconds", 0.0), 1.5, 0.1);
}

TEST_F(RecordedCall, SuppressedDigitsAreReportedButNotRecorded) {
  test::UdpPeer caller, agent;
  LegRequest la, lb;
  la.remote = {0x7f000001, caller.port()};
  la.media.audio_pt = 0;
  la.media.inband_dtmf = true;
  la.media.suppress_dtmf = true;
  lb.remote = {0x7f000001, agent.port()};
  auto s = dp_->sessions().create(la, lb);
  ASSERT_TRUE(s);
  recording::RecordingSpec spec;
  spec.name = "call-2";
  const RecordLeg legs[2] = {{0, codecs::CodecId::kPcmu, 0}, {0, codecs::CodecId::kPcmu, 0}};
  ASSERT_TRUE(dp_->sessions().start_recording(s->id, spec, legs));

  // The caller speaks (a 300 Hz tone), types a card number, speaks again.
  test::Pcm audio = test::sine(8000, 300, -15, 500);
  for (char d : std::string("4929")) {
    const auto pair = test::dtmf_pair(d);
    test::append_tone(audio, 8000, pair.row, -8, pair.col, -8, 80);
    test::append_silence(audio, 8000, 80);
  }
  const auto tail = test::sine(8000, 300, -15, 500);
  audio.insert(audio.end(), tail.begin(), tail.end());
  auto next = std::chrono::steady_clock::now();
  std::uint16_t seq = 0;
  for (std::size_t off = 0; off + 160 <= audio.size(); off += 160, ++seq) {
    caller.send_to(s->local_port[0], packet(audio, off, seq, 0xCA11));
    next += 20ms;
    std::this_thread::sleep_until(next);
  }
  ASSERT_TRUE(dp_->sessions().stop_recording(s->id).is_ok());
  ASSERT_EQ(wait_done().kind, recording::RecorderEvent::kDone);
  std::string reported;
  Event evs[64];
  const std::size_t n = dp_->sessions().poll_events(evs);
  for (std::size_t i = 0; i < n; ++i)
    if (evs[i].kind == Event::kDtmf) reported += evs[i].digit;
  EXPECT_EQ(reported, "4929");

  auto wav = read_audio_file(dir_.file("call-2.wav"));
  ASSERT_TRUE(wav) << wav.status().to_string();
  const auto left = wav->channel(0);
  ivr::DtmfDetector det;
  ivr::DtmfDigit found[16];
  std::size_t k = det.process(left, found);
  k += det.finish(std::span(found).subspan(k));
  EXPECT_EQ(k, 0u) << "a receiver found digits in the recording";
  EXPECT_GT(codecs::tone_level_dbfs(left, 300, 8000), -30.0) << "the caller's speech should be recorded";
}

}  // namespace
}  // namespace sb::dataplane
