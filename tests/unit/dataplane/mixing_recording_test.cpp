// Recording a mix room inside the worker, in virtual time, through a real
// recorder (writer thread, WAV files, sidecars): a transcoded two-party call
// (PCMU caller, Opus agent) recorded in stereo at the room's rate and
// resampled to 8 kHz, and a three-party conference recorded mixed while
// parties join and leave; pause, stop, the room's removal, and commands
// the worker refuses.
//
// Tones and bounds as in mixing_test.cpp: talkers send sines at -16 dBFS
// on 400, 700 and 1300 Hz. A tone that belongs in a channel arrives within a
// few dB (G.711/G.722 within a dB; Opus at 32 kb/s within two), so "heard"
// is > -20 dBFS. A tone that does not belong there was never summed into
// it: what remains at its frequency is codec noise, far below -60 dBFS
// ("absent"). Gapless: the file holds exactly one 20 ms frame per room
// tick between start and stop, the recorder filled no gap, and after the
// jitter buffers' start-up (200 ms) no 20 ms frame of a channel that
// should carry a tone is silent (below -40 dBFS).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <chrono>
#include <cmath>
#include <fstream>
#include <thread>

#include "common/audio_file.hpp"
#include "dataplane/recording/recorder.hpp"
#include "tests/support/process.hpp"
#include "tests/unit/dataplane/mixing_fixture.hpp"

namespace sb::dataplane {
namespace {

using codecs::CodecId;
using test::Talker;
using namespace std::chrono_literals;

constexpr double kHeard = -20.0;
constexpr double kAbsent = -60.0;

class MixingRecordingTest : public test::MixingTest {
 protected:
  void SetUp() override {
    MixingTest::SetUp();
    recording::RecorderService::Options options;
    options.directory = dir_.path();
    recorder_ = std::make_unique<recording::RecorderService>(options, 1);
    // The same worker, now with a recorder to tap.
    worker_ = std::make_unique<Worker>(
        WorkerConfig{.index = 0, .max_sessions = 8, .recorder_tap = &recorder_->tap(0)}, *io_, commands_, events_,
        counters_, clock_);
  }
  void TearDown() override {
    worker_.reset();
    recorder_.reset();
    MixingTest::TearDown();
  }

  recording::RecordingId start(const std::string& name, int channels, int rate, PartyId left) {
    recording::RecordingSpec spec;
    spec.name = name;
    spec.channels = channels;
    spec.sample_rate = rate;
    spec.metadata = {{"room", std::to_string(kRoom)}};
    auto id = recorder_->start(spec);
    EXPECT_TRUE(id) << id.status().to_string();
    Command c;
    c.kind = Command::kStartRecording;
    c.session = kRoom;
    c.recording.id = id ? *id : 0;
    c.recording.channels = static_cast<std::uint8_t>(channels);
    c.recording.sample_rate = rate;
    c.recording.left_party = left;
    command(c);
    return id ? *id : 0;
  }
  void room_command(Command::Kind kind) {
    Command c;
    c.kind = kind;
    c.session = c.mix.room = kRoom;
    command(c);
  }
  recording::RecorderEvent wait_for_recorder() {
    recording::RecorderEvent ev{};
    const auto until = std::chrono::steady_clock::now() + 10s;
    while (std::chrono::steady_clock::now() < until) {
      if (recorder_->poll_event(ev)) return ev;
      std::this_thread::sleep_for(5ms);
    }
    ADD_FAILURE() << "the recorder reported nothing";
    return ev;
  }
  AudioClip read(const std::string& file) {
    auto clip = read_audio_file(dir_.file(file));
    EXPECT_TRUE(clip) << clip.status().to_string();
    return clip ? *clip : AudioClip{};
  }
  static double level(const std::vector<std::int16_t>& x, double f, int rate, int from_ms, int to_ms) {
    const auto from = static_cast<std::size_t>(rate / 1000 * from_ms), to = static_cast<std::size_t>(rate / 1000 * to_ms);
    if (x.size() < to) return -200;
    return codecs::tone_level_dbfs(std::span(x).subspan(from, to - from), f, rate);
  }
  // The first 20 ms frame at or after `from_ms` quieter than -40 dBFS, or -1.
  static long silent_frame(const std::vector<std::int16_t>& x, int rate, int from_ms) {
    const auto frame = static_cast<std::size_t>(rate / 50);
    for (std::size_t at = static_cast<std::size_t>(rate / 1000 * from_ms); at + frame <= x.size(); at += frame) {
      double energy = 0;
      for (std::size_t i = at; i < at + frame; ++i) energy += static_cast<double>(x[i]) * x[i];
      if (10 * std::log10(energy / static_cast<double>(frame) / (32768.0 * 32768.0) + 1e-20) < -40)
        return static_cast<long>(at / frame);
    }
    return -1;
  }

  sb::test::TempDir dir_;
  std::unique_ptr<recording::RecorderService> recorder_;
};

class StereoRoomRecording : public MixingRecordingTest, public ::testing::WithParamInterface<int> {};

// The transcoded call: PCMU caller on the left, Opus agent on the right, in
// a 16 kHz room recorded at 16 kHz or resampled to 8 kHz.
TEST_P(StereoRoomRecording, CallerLeftAgentRightGaplessAndValid) {
  const int rate = GetParam();
  create_room(16000);
  Talker caller(30100, CodecId::kPcmu, 0, 400), agent(30102, CodecId::kOpus, 111, 700);
  add_party(0, caller);
  add_party(1, agent);
  const auto id = start("transcoded", 2, rate, party_id(0));
  constexpr int kTicks = 100;
  for (int i = 0; i < kTicks; ++i) step({&caller, &agent});
  room_command(Command::kStopRecording);
  const auto ev = wait_for_recorder();
  ASSERT_EQ(ev.kind, recording::RecorderEvent::kDone) << ev.message;
  EXPECT_EQ(ev.id, id);
  EXPECT_TRUE(events_of(Event::kCommandFailed).empty());

  const AudioClip wav = read("transcoded.wav");
  ASSERT_EQ(wav.channels, 2);
  EXPECT_EQ(wav.sample_rate, rate);
  EXPECT_EQ(wav.frames(), static_cast<std::size_t>(kTicks * rate / 50)) << "one frame per room tick";
  EXPECT_EQ(recorder_->counters().gap_frames.load(), 0u);
  EXPECT_EQ(recorder_->counters().frames_dropped.load(), 0u);
  const auto left = wav.channel(0), right = wav.channel(1);
  EXPECT_GT(level(left, 400, rate, 200, 2000), kHeard);
  EXPECT_LT(level(left, 700, rate, 200, 2000), kAbsent);
  EXPECT_GT(level(right, 700, rate, 200, 2000), kHeard);
  EXPECT_LT(level(right, 400, rate, 200, 2000), kAbsent);
  EXPECT_EQ(silent_frame(left, rate, 200), -1);
  EXPECT_EQ(silent_frame(right, rate, 200), -1);

  std::ifstream f(dir_.file("transcoded.json"));
  ASSERT_TRUE(f) << "no sidecar";
  const auto meta = nlohmann::json::parse(f);
  EXPECT_EQ(meta.value("room", ""), std::to_string(kRoom)) << meta.dump();
  EXPECT_EQ(meta["recording"].value("status", ""), "complete") << meta.dump();
}

INSTANTIATE_TEST_SUITE_P(RoomAndEightKilohertz, StereoRoomRecording, ::testing::Values(16000, 8000));

// A conference recorded mixed: every party present is in it, a party
// joining or leaving changes what is summed, and the file keeps time.
TEST_F(MixingRecordingTest, MonoConferenceHoldsEveryPartyThroughJoinsAndLeaves) {
  create_room(8000);
  Talker a(30100, CodecId::kPcmu, 0, 400), b(30102, CodecId::kOpus, 111, 700), c(30104, CodecId::kG722, 9, 1300);
  add_party(0, a);
  add_party(1, b);
  start("conference", 1, 8000, 0);
  for (int i = 0; i < 50; ++i) step({&a, &b});  // 0-1 s: a and b
  add_party(2, c);
  for (int i = 0; i < 50; ++i) step({&a, &b, &c});  // 1-2 s: all three
  Command leave;
  leave.kind = Command::kRemoveParty;
  leave.session = leave.party = party_id(1);
  leave.mix.room = kRoom;
  command(leave);
  for (int i = 0; i < 50; ++i) step({&a, &c});  // 2-3 s: a and c
  room_command(Command::kStopRecording);
  ASSERT_EQ(wait_for_recorder().kind, recording::RecorderEvent::kDone);

  const AudioClip wav = read("conference.wav");
  ASSERT_EQ(wav.channels, 1);
  EXPECT_EQ(wav.frames(), 150u * 160u);
  EXPECT_EQ(recorder_->counters().gap_frames.load(), 0u);
  const auto& mix = wav.samples;
  EXPECT_GT(level(mix, 400, 8000, 200, 1000), kHeard);
  EXPECT_GT(level(mix, 700, 8000, 200, 1000), kHeard);
  EXPECT_LT(level(mix, 1300, 8000, 200, 1000), kAbsent);
  // c's jitter buffer starts 1 s in: its tone from 1.2 s.
  EXPECT_GT(level(mix, 400, 8000, 1200, 2000), kHeard);
  EXPECT_GT(level(mix, 700, 8000, 1200, 2000), kHeard);
  EXPECT_GT(level(mix, 1300, 8000, 1200, 2000), kHeard);
  EXPECT_GT(level(mix, 400, 8000, 2200, 3000), kHeard);
  EXPECT_LT(level(mix, 700, 8000, 2200, 3000), kAbsent);
  EXPECT_GT(level(mix, 1300, 8000, 2200, 3000), kHeard);
  EXPECT_EQ(silent_frame(mix, 8000, 200), -1) << "a is heard throughout";
}

// Pause: the stretch is silence, the timeline goes on; removing the room
// ends the file cleanly with the recorder's done event.
TEST_F(MixingRecordingTest, PauseIsSilenceAndRemovingTheRoomFinishesTheFile) {
  create_room(8000);
  Talker a(30100, CodecId::kPcmu, 0, 400), b(30102, CodecId::kPcma, 8, 700);
  add_party(0, a);
  add_party(1, b);
  const auto id = start("paused", 2, 8000, party_id(1));
  for (int i = 0; i < 100; ++i) {
    if (i == 40) room_command(Command::kPauseRecording);
    if (i == 60) room_command(Command::kResumeRecording);
    step({&a, &b});
  }
  room_command(Command::kDeleteRoom);
  const auto ev = wait_for_recorder();
  ASSERT_EQ(ev.kind, recording::RecorderEvent::kDone) << ev.message;
  EXPECT_EQ(ev.id, id);

  const AudioClip wav = read("paused.wav");
  ASSERT_EQ(wav.channels, 2);
  EXPECT_EQ(wav.frames(), 100u * 160u);
  const auto left = wav.channel(0), right = wav.channel(1);
  // The chosen party (b) is on the left.
  EXPECT_GT(level(left, 700, 8000, 200, 800), kHeard);
  EXPECT_LT(level(left, 400, 8000, 200, 800), kAbsent);
  EXPECT_GT(level(right, 400, 8000, 200, 800), kHeard);
  EXPECT_LT(level(left, 700, 8000, 820, 1180), -80);
  EXPECT_LT(level(right, 400, 8000, 820, 1180), -80);
  EXPECT_GT(level(left, 700, 8000, 1220, 2000), kHeard);
  std::ifstream f(dir_.file("paused.json"));
  ASSERT_TRUE(f);
  const auto meta = nlohmann::json::parse(f);
  ASSERT_EQ(meta["recording"]["pauses"].size(), 1u) << meta.dump();
  EXPECT_NEAR(meta["recording"]["pauses"][0].value("from_seconds", 0.0), 0.8, 0.001);
  EXPECT_NEAR(meta["recording"]["pauses"][0].value("to_seconds", 0.0), 1.2, 0.001);
}

TEST_F(MixingRecordingTest, RefusedCommandsNameTheRoomAndCloseTheFile) {
  create_room(8000);
  events();
  // A 16 kHz recording of an 8 kHz room.
  const auto id = start("too-fast", 1, 16000, 0);
  auto failed = events_of(Event::kCommandFailed);
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0].session, kRoom);
  EXPECT_STREQ(failed[0].error, "cannot set up the room's recording");
  // The recorder had opened the file: it is closed, empty.
  const auto ev = wait_for_recorder();
  EXPECT_EQ(ev.id, id);
  room_command(Command::kPauseRecording);
  failed = events_of(Event::kCommandFailed);
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_STREQ(failed[0].error, "no recording on that room");
  start("once", 1, 8000, 0);
  start("twice", 1, 8000, 0);
  failed = events_of(Event::kCommandFailed);
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_STREQ(failed[0].error, "the room is already being recorded");
}

}  // namespace
}  // namespace sb::dataplane
