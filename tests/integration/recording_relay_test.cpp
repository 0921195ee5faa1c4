// Recording a relayed call in the dataplane: two real UDP peers talk
// through a session (one at 440 Hz, the other at 1 kHz, PCMU at 20 ms) while
// the worker records it. The stereo WAV holds each side on its own channel,
// time-aligned, with the paused stretch as silence, and the JSON sidecar
// names the call and the pause. With DTMF suppression on the caller's leg,
// digits typed during the call are reported but are not in the recording.
// A recorded call that gets a supervisor keeps both sides unbroken through
// listen, whisper, barge and the supervisor leaving, and holds the
// supervisor in the agent's channel exactly while whisper or barge lasts.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <cmath>
#include <complex>
#include <fstream>
#include <numbers>
#include <thread>

#include "codecs/g711.hpp"
#include "codecs/signal_metrics.hpp"
#include "common/audio_file.hpp"
#include "dataplane/media_sessions.hpp"
#include "dataplane/rtp/rtp.hpp"
#include "ivr/dtmf_detector.hpp"
#include "tests/support/process.hpp"
#include "tests/support/signals.hpp"
#include "tests/support/dataplane_events.hpp"
#include "tests/support/udp.hpp"
#include "tests/unit/dataplane/talker.hpp"

namespace sb::dataplane {
namespace {

using namespace std::chrono_literals;

class RecordedCall : public ::testing::Test {
 protected:
  void SetUp() override {
    DataplaneConfig cfg;
    cfg.port_min = 10000;
    cfg.port_max = 10999;
    recording::RecorderService::Options rec;
    rec.directory = dir_.path();
    cfg.recorder = rec;
    auto dp = Dataplane::start(cfg, SteadyClock::instance());
    ASSERT_TRUE(dp) << dp.status().to_string();
    dp_ = std::move(*dp);
  }

  // One 20 ms µ-law packet of `pcm` starting at `offset`.
  static std::vector<std::uint8_t> packet(const sb::test::Pcm& pcm, std::size_t offset, std::uint16_t seq,
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

  // Records a call through relay, listen, whisper, barge and relay again,
  // the supervisor's room at `room_rate`, and checks the WAV.
  void record_supervised_call(int room_rate);

  sb::test::TempDir dir_;
  std::unique_ptr<Dataplane> dp_;
};

TEST_F(RecordedCall, StereoWavWithEachSideOnItsChannelAndThePauseSilent) {
  sb::test::UdpPeer caller, agent;
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

  const auto low = sb::test::sine(8000, 440, -12, 3000), high = sb::test::sine(8000, 1000, -12, 3000);
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
  sb::test::Pcm l_talk(left.begin() + 2000, left.begin() + 7000), r_talk(right.begin() + 2000, right.begin() + 7000);
  EXPECT_GT(codecs::tone_level_dbfs(l_talk, 440, 8000), codecs::tone_level_dbfs(l_talk, 1000, 8000) + 30);
  EXPECT_GT(codecs::tone_level_dbfs(r_talk, 1000, 8000), codecs::tone_level_dbfs(r_talk, 440, 8000) + 30);
  // The paused stretch (1.0 s to 1.5 s) is silence in both channels; the
  // call is heard again after it.
  sb::test::Pcm l_pause(left.begin() + 8800, left.begin() + 11200), r_pause(right.begin() + 8800, right.begin() + 11200);
  EXPECT_LT(sb::test::mean_square(l_pause), 1.0);
  EXPECT_LT(sb::test::mean_square(r_pause), 1.0);
  sb::test::Pcm l_after(left.begin() + 13000, left.begin() + 20000);
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
  sb::test::UdpPeer caller, agent;
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
  sb::test::Pcm audio = sb::test::sine(8000, 300, -15, 500);
  for (char d : std::string("4929")) {
    const auto pair = sb::test::dtmf_pair(d);
    sb::test::append_tone(audio, 8000, pair.row, -8, pair.col, -8, 80);
    sb::test::append_silence(audio, 8000, 80);
  }
  const auto tail = sb::test::sine(8000, 300, -15, 500);
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

// The phase of `f` in x[begin, begin + n) against a reference running from
// sample 0 (radians): constant along a continuous tone, shifted by a
// missing, repeated or padded stretch.
double tone_phase(const std::vector<std::int16_t>& x, std::size_t begin, std::size_t n, double f, int rate) {
  std::complex<double> acc;
  for (std::size_t i = begin; i < begin + n; ++i)
    acc += static_cast<double>(x[i]) * std::polar(1.0, -2 * std::numbers::pi * f * static_cast<double>(i) / rate);
  return std::arg(acc);
}

// Stereo, 8 kHz, PCMU everywhere: the caller at 410 Hz, the agent at 700
// Hz, the supervisor at 1300 Hz (-16 dBFS each; no second- or third-order
// product of two of them lands on the third, see mixing_conference_test).
// 410 rather than 400 Hz: not a whole number of cycles per 20 ms packet, so
// a packet recorded twice, one missing, or a hole padded with silence moves
// the tone's phase. One second each: relayed, listen, whisper, barge,
// relayed again. Bounds: a tone heard arrives at about -16 dBFS (> -20);
// one that must not be there is quantisation noise in a half-second bin
// (< -60, as in the mixing tests); per 20 ms frame the caller's tone keeps
// its phase within 15 degrees (G.711 noise moves it by a fraction of one)
// and the agent's tone its level within 1.5 dB (a hole or an added copy
// of the agent's audio is -inf or +6 dB).
void RecordedCall::record_supervised_call(int room_rate) {
  using dataplane::test::Talker;
  using codecs::CodecId;
  Talker caller(0, CodecId::kPcmu, 0, 410), agent(0, CodecId::kPcmu, 0, 700), sup(0, CodecId::kPcmu, 0, 1300);
  LegRequest la, lb;
  la.remote = caller.far_end();
  lb.remote = agent.far_end();
  auto call = dp_->sessions().create(la, lb);
  ASSERT_TRUE(call) << call.status().to_string();
  ASSERT_TRUE(sb::test::wait_dataplane_event(dp_->sessions(), call->id, Event::kSessionCreated));
  caller.port = call->local_port[0];
  agent.port = call->local_port[1];
  recording::RecordingSpec spec;
  spec.name = "supervised";
  const RecordLeg legs[2] = {{0, CodecId::kPcmu, 0}, {0, CodecId::kPcmu, 0}};
  ASSERT_TRUE(dp_->sessions().start_recording(call->id, spec, legs));

  SupervisorRequest r;
  r.supervisor.leg.remote = sup.far_end();
  r.supervisor.codec = {0, CodecId::kPcmu, 0};
  r.call_legs[0] = r.call_legs[1] = {0, CodecId::kPcmu, 0};
  r.mode = media::SupervisorMode::kListen;
  r.sample_rate = room_rate;
  std::optional<PartyInfo> supervisor;
  auto next = std::chrono::steady_clock::now();
  for (int k = 0; k < 250; ++k) {
    if (k == 50) {
      auto s = dp_->sessions().add_supervisor(call->id, r);
      ASSERT_TRUE(s) << s.status().to_string();
      supervisor = *s;
      sup.port = s->local_port;
    }
    if (k == 100) {
      ASSERT_TRUE(dp_->sessions().set_supervisor_mode(call->id, media::SupervisorMode::kWhisper).is_ok());
    }
    if (k == 150) {
      ASSERT_TRUE(dp_->sessions().set_supervisor_mode(call->id, media::SupervisorMode::kBarge).is_ok());
    }
    if (k == 200) {
      ASSERT_TRUE(dp_->sessions().remove_supervisor(call->id).is_ok());
    }
    caller.send(caller.port);
    agent.send(agent.port);
    if (supervisor && k < 200) sup.send(sup.port);
    next += 20ms;
    std::this_thread::sleep_until(next);
    for (Talker* t : {&caller, &agent, &sup}) t->collect();  // keeps the sockets' queues short
  }
  ASSERT_TRUE(dp_->sessions().stop_recording(call->id).is_ok());
  ASSERT_EQ(wait_done().kind, recording::RecorderEvent::kDone);
  EXPECT_GT(dp_->counters().sum(kMixedIn), 400u) << "the call's legs were not mixed while supervised";

  auto wav = read_audio_file(dir_.file("supervised.wav"));
  ASSERT_TRUE(wav) << wav.status().to_string();
  ASSERT_EQ(wav->channels, 2);
  ASSERT_EQ(wav->sample_rate, 8000);
  EXPECT_NEAR(static_cast<double>(wav->frames()) / 8000.0, 5.0, 0.25);
  const auto left = wav->channel(0), right = wav->channel(1);
  ASSERT_GE(left.size(), 39'000u);

  // Each second's middle half: who is on which channel.
  const char* phases[5] = {"relayed", "listen", "whisper", "barge", "relayed again"};
  for (int p = 0; p < 5; ++p) {
    const auto from = static_cast<std::size_t>(p * 8000 + 2000);
    const auto l = std::span(left).subspan(from, 4000), rr = std::span(right).subspan(from, 4000);
    SCOPED_TRACE(phases[p]);
    EXPECT_GT(codecs::tone_level_dbfs(l, 410, 8000), -20.0);
    EXPECT_LT(codecs::tone_level_dbfs(l, 700, 8000), -60.0);
    EXPECT_LT(codecs::tone_level_dbfs(l, 1300, 8000), -60.0) << "the supervisor is never on the caller's channel";
    EXPECT_GT(codecs::tone_level_dbfs(rr, 700, 8000), -20.0);
    EXPECT_LT(codecs::tone_level_dbfs(rr, 410, 8000), -60.0);
    if (p == 2 || p == 3)
      EXPECT_GT(codecs::tone_level_dbfs(rr, 1300, 8000), -20.0) << "the supervisor should be on the agent's side";
    else
      EXPECT_LT(codecs::tone_level_dbfs(rr, 1300, 8000), -60.0) << "the supervisor must not be in the recording";
  }

  // Frame by frame from the first tenth of a second to the last: no hole
  // and no repeat on either side across all four switches.
  const double phase0 = tone_phase(left, 800, 160, 410, 8000);
  const double level0 = codecs::tone_level_dbfs(std::span(right).subspan(800, 160), 700, 8000);
  int broken_phase = 0, broken_level = 0;
  for (std::size_t at = 800; at + 160 + 800 <= left.size(); at += 160) {
    const double d = std::remainder(tone_phase(left, at, 160, 410, 8000) - phase0, 2 * std::numbers::pi);
    if (std::fabs(d) > 15.0 * std::numbers::pi / 180) {
      if (++broken_phase <= 3) ADD_FAILURE() << "the caller's tone jumps " << d * 180 / std::numbers::pi << " degrees at "
                                             << at / 8 << " ms";
    }
    const double level =
        codecs::tone_level_dbfs(std::span(right).subspan(at, 160), 700, 8000);
    if (std::fabs(level - level0) > 1.5) {
      if (++broken_level <= 3) ADD_FAILURE() << "the agent's tone is at " << level << " dBFS at " << at / 8 << " ms";
    }
  }
  EXPECT_EQ(broken_phase, 0);
  EXPECT_EQ(broken_level, 0);
  // The supervisor's part is whole too: in every frame of whisper and barge
  // (after its jitter buffer's 40 ms and the switches' command latency).
  int missing = 0;
  for (std::size_t at = 2 * 8000 + 800; at + 160 <= 4 * 8000; at += 160) {
    const double level =
        codecs::tone_level_dbfs(std::span(right).subspan(at, 160), 1300, 8000);
    if (level < -22.0 && ++missing <= 3) ADD_FAILURE() << "the supervisor is at " << level << " dBFS at " << at / 8 << " ms";
  }
  EXPECT_EQ(missing, 0);
}

TEST_F(RecordedCall, SupervisedCallKeepsBothSidesAndHasTheSupervisorOnTheAgentSideInWhisperAndBarge) {
  record_supervised_call(8000);
}

// A wideband room: the supervisor's 16 kHz frames are resampled to the
// recording's 8 kHz.
TEST_F(RecordedCall, SupervisedCallInAWidebandRoomRecordsTheSameWay) { record_supervised_call(16000); }

}  // namespace
}  // namespace sb::dataplane
