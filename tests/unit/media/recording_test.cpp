// Recording files and the recorder service: what is written reads back
// through libsndfile (a real, independent reader), cut-off files repair, and
// write errors stop only the recording that hit them.
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <csignal>
#include <filesystem>
#include <fstream>

#include "codecs/signal_metrics.hpp"
#include "common/audio_file.hpp"
#include "dataplane/recording/ogg_opus.hpp"
#include "dataplane/recording/recorder.hpp"
#include "dataplane/recording/repair.hpp"
#include "dataplane/recording/wav_format.hpp"
#include "tests/support/process.hpp"
#include "tests/support/signals.hpp"

namespace sb::recording {
namespace {

namespace fs = std::filesystem;
using sb::test::Pcm;
using sb::test::TempDir;

// Stereo test audio: 500 Hz left (caller), 1200 Hz right (agent).
Pcm stereo_tones(int rate, int ms) {
  const auto l = sb::test::sine(rate, 500, -12, ms), r = sb::test::sine(rate, 1200, -12, ms);
  Pcm x;
  for (std::size_t i = 0; i < l.size(); ++i) {
    x.push_back(l[i]);
    x.push_back(r[i]);
  }
  return x;
}

nlohmann::json read_json(const std::string& path) {
  std::ifstream in(path);
  return nlohmann::json::parse(in);
}

TEST(WavWriter, StereoPcm16ReadsBackExactly) {
  TempDir dir;
  auto w = WavWriter::create(dir.file("a.wav"), {WavEncoding::kPcm16, 8000, 2});
  ASSERT_TRUE(w) << w.status().to_string();
  const auto x = stereo_tones(8000, 1000);
  for (std::size_t off = 0; off < x.size(); off += 320) ASSERT_TRUE(w->append(std::span(x).subspan(off, 320)).is_ok());
  EXPECT_TRUE(fs::exists(dir.file("a.wav.part")));
  ASSERT_TRUE(w->finish().is_ok());
  EXPECT_FALSE(fs::exists(dir.file("a.wav.part")));
  auto clip = read_audio_file(dir.file("a.wav"));
  ASSERT_TRUE(clip) << clip.status().to_string();
  EXPECT_EQ(clip->channels, 2);
  EXPECT_EQ(clip->sample_rate, 8000);
  EXPECT_EQ(clip->encoding, AudioEncoding::kPcm16);
  EXPECT_EQ(clip->samples, x);
}

TEST(WavWriter, UlawIsReadAsUlawWithG711Fidelity) {
  TempDir dir;
  auto w = WavWriter::create(dir.file("u.wav"), {WavEncoding::kUlaw, 8000, 1});
  ASSERT_TRUE(w);
  const auto x = sb::test::sine(8000, 700, -10, 500);
  ASSERT_TRUE(w->append(x).is_ok());
  ASSERT_TRUE(w->finish().is_ok());
  auto clip = read_audio_file(dir.file("u.wav"));
  ASSERT_TRUE(clip) << clip.status().to_string();
  EXPECT_EQ(clip->encoding, AudioEncoding::kUlaw);
  ASSERT_EQ(clip->samples.size(), x.size());
  EXPECT_GE(codecs::snr_db(x, clip->samples, 0), 30.0);
}

TEST(OggOpusWriter, StereoReadsBackWithBothChannels) {
  TempDir dir;
  auto w = OggOpusWriter::create(dir.file("o.opus"), 16000, 2);
  ASSERT_TRUE(w) << w.status().to_string();
  const auto x = stereo_tones(16000, 3000);
  for (std::size_t off = 0; off < x.size(); off += 640) ASSERT_TRUE(w->append(std::span(x).subspan(off, 640)).is_ok());
  ASSERT_TRUE(w->finish().is_ok());
  auto clip = read_audio_file(dir.file("o.opus"));
  ASSERT_TRUE(clip) << clip.status().to_string();
  EXPECT_EQ(clip->channels, 2);
  // libsndfile decodes Opus at 48 kHz; the pre-skip is honoured, so about
  // 3 s come back.
  EXPECT_NEAR(static_cast<double>(clip->frames()) / clip->sample_rate, 3.0, 0.05);
  const auto left = clip->channel(0), right = clip->channel(1);
  const int rate = clip->sample_rate;
  const auto mid_l = std::span<const std::int16_t>(left).subspan(static_cast<std::size_t>(rate), static_cast<std::size_t>(rate));
  const auto mid_r = std::span<const std::int16_t>(right).subspan(static_cast<std::size_t>(rate), static_cast<std::size_t>(rate));
  EXPECT_GT(codecs::tone_level_dbfs(mid_l, 500, rate), -20.0);
  EXPECT_LT(codecs::tone_level_dbfs(mid_l, 1200, rate), -40.0);
  EXPECT_GT(codecs::tone_level_dbfs(mid_r, 1200, rate), -20.0);
  EXPECT_LT(codecs::tone_level_dbfs(mid_r, 500, rate), -40.0);
}

TEST(OggCrc, KnownVector) {
  // CRC-32/MPEG-2-style without reflection and with zero init, as Ogg uses:
  // the check value for "123456789" is 0x89A1897F.
  const std::string s = "123456789";
  EXPECT_EQ(ogg_crc(std::span(reinterpret_cast<const std::uint8_t*>(s.data()), s.size())), 0x89A1897Fu);
}

TEST(Repair, WavCutOffMidWriteKeepsEveryWholeFrame) {
  TempDir dir;
  const auto x = stereo_tones(8000, 2000);
  {
    auto w = WavWriter::create(dir.file("c.wav"), {WavEncoding::kPcm16, 8000, 2});
    ASSERT_TRUE(w);
    ASSERT_TRUE(w->append(x).is_ok());
    ASSERT_TRUE(w->flush().is_ok());
    // No finish(): the process "died" here. Add a torn half frame.
  }
  {
    std::ofstream f(dir.file("c.wav.part"), std::ios::app | std::ios::binary);
    f.write("\x01\x02\x03", 3);
  }
  auto report = repair_recordings(dir.path());
  ASSERT_TRUE(report);
  ASSERT_EQ(report->size(), 1u);
  EXPECT_EQ((*report)[0].outcome, RepairedFile::kRepaired);
  EXPECT_NEAR((*report)[0].duration_seconds, 2.0, 1e-6);
  auto clip = read_audio_file(dir.file("c.wav"));
  ASSERT_TRUE(clip) << clip.status().to_string();
  EXPECT_EQ(clip->samples, x);
  const auto meta = read_json(dir.file("c.json"));
  EXPECT_EQ(meta["recording"]["status"], "repaired");
  EXPECT_FALSE(fs::exists(dir.file("c.wav.part")));
}

TEST(Repair, OggCutOffMidPageKeepsCompletePages) {
  TempDir dir;
  const auto x = stereo_tones(8000, 4000);
  {
    auto w = OggOpusWriter::create(dir.file("c.opus"), 8000, 2);
    ASSERT_TRUE(w);
    ASSERT_TRUE(w->append(x).is_ok());
    ASSERT_TRUE(w->flush().is_ok());
  }
  const auto full = fs::file_size(dir.file("c.opus.part"));
  fs::resize_file(dir.file("c.opus.part"), full - 37);  // tear the last page
  auto report = repair_recordings(dir.path());
  ASSERT_TRUE(report);
  ASSERT_EQ(report->size(), 1u);
  EXPECT_EQ((*report)[0].outcome, RepairedFile::kRepaired) << (*report)[0].error;
  auto clip = read_audio_file(dir.file("c.opus"));
  ASSERT_TRUE(clip) << clip.status().to_string();
  // Pages hold a second each: the torn last page is lost, the rest plays.
  const double seconds = static_cast<double>(clip->frames()) / clip->sample_rate;
  EXPECT_GE(seconds, 2.9);
  EXPECT_LE(seconds, 4.0);
}

TEST(Repair, EmptyPartIsRemovedAndGarbageIsReported) {
  TempDir dir;
  std::ofstream(dir.file("empty.wav.part")).close();
  std::ofstream(dir.file("junk.wav.part")) << "not a wave file at all";
  auto report = repair_recordings(dir.path());
  ASSERT_TRUE(report);
  ASSERT_EQ(report->size(), 2u);
  EXPECT_EQ((*report)[0].outcome, RepairedFile::kRemovedEmpty);
  EXPECT_EQ((*report)[1].outcome, RepairedFile::kFailed);
  EXPECT_FALSE(fs::exists(dir.file("empty.wav.part")));
  EXPECT_FALSE(repair_recordings(dir.file("nope")));
}

class Recorder : public ::testing::Test {
 protected:
  TempDir dir;
  RecorderService::Options options() const {
    RecorderService::Options o;
    o.directory = dir.path();
    return o;
  }
  // One call's 20 ms stereo frames from tick `from` to `to`.
  static void feed(RecorderTap& tap, RecordingId id, int rate, std::uint64_t from, std::uint64_t to) {
    const auto x = stereo_tones(rate, static_cast<int>((to - from) * 20));
    const std::size_t frame = static_cast<std::size_t>(rate / 50) * 2;
    for (std::uint64_t t = from; t < to; ++t) {
      while (!tap.frame(id, t, std::span(x).subspan((t - from) * frame, frame), 2)) std::this_thread::yield();
    }
  }
  static std::vector<RecorderEvent> events(RecorderService& rec) {
    std::vector<RecorderEvent> v;
    RecorderEvent ev;
    while (rec.poll_event(ev)) v.push_back(ev);
    return v;
  }
};

TEST_F(Recorder, StereoCallWithPauseWritesFileAndSidecar) {
  RecorderService rec(options(), 1);
  RecordingSpec spec;
  spec.name = "call-1";
  spec.metadata = {{"call_id", "c1"}, {"queue", "sales"}, {"agent", "a7"}};
  auto id = rec.start(spec);
  ASSERT_TRUE(id) << id.status().to_string();
  auto& tap = rec.tap(0);
  feed(tap, *id, 8000, 0, 100);       // 2 s
  ASSERT_TRUE(tap.pause(*id, 100));   // card number: 1 s not recorded
  ASSERT_TRUE(tap.resume(*id, 150));
  feed(tap, *id, 8000, 150, 200);     // 1 s
  ASSERT_TRUE(tap.stop(*id, 200));
  rec.wait_idle();
  const auto evs = events(rec);
  ASSERT_EQ(evs.size(), 1u);
  EXPECT_EQ(evs[0].kind, RecorderEvent::kDone);
  EXPECT_EQ(evs[0].id, *id);

  auto clip = read_audio_file(dir.file("call-1.wav"));
  ASSERT_TRUE(clip) << clip.status().to_string();
  EXPECT_EQ(clip->channels, 2);
  EXPECT_EQ(clip->frames(), 4u * 8000);  // the paused second is silence, so the timeline holds
  const auto left = clip->channel(0);
  const auto paused = std::span<const std::int16_t>(left).subspan(2 * 8000 + 400, 7000);
  EXPECT_LT(codecs::rms_dbfs(paused), -90.0);
  EXPECT_GT(codecs::tone_level_dbfs(std::span<const std::int16_t>(left).subspan(3 * 8000, 8000), 500, 8000), -20.0);

  const auto meta = read_json(dir.file("call-1.json"));
  EXPECT_EQ(meta["call_id"], "c1");
  EXPECT_EQ(meta["agent"], "a7");
  EXPECT_EQ(meta["recording"]["status"], "complete");
  EXPECT_EQ(meta["recording"]["channels"], 2);
  EXPECT_DOUBLE_EQ(meta["recording"]["duration_seconds"].get<double>(), 4.0);
  ASSERT_EQ(meta["recording"]["pauses"].size(), 1u);
  EXPECT_DOUBLE_EQ(meta["recording"]["pauses"][0]["from_seconds"].get<double>(), 2.0);
  EXPECT_DOUBLE_EQ(meta["recording"]["pauses"][0]["to_seconds"].get<double>(), 3.0);
  EXPECT_EQ(rec.counters().completed.load(), 1u);
  EXPECT_EQ(rec.counters().active.load(), 0u);
}

TEST_F(Recorder, AnExistingRecordingIsNeverReplaced) {
  RecorderService rec(options(), 1);
  RecordingSpec spec;
  spec.name = "call-2";
  auto id = rec.start(spec);
  ASSERT_TRUE(id);
  feed(rec.tap(0), *id, 8000, 0, 10);
  ASSERT_TRUE(rec.tap(0).stop(*id, 10));
  rec.wait_idle();
  const auto size = fs::file_size(dir.file("call-2.wav"));
  // Same name again (a daemon restarted its call ids): refused, file kept.
  auto again = rec.start(spec);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.status().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(fs::file_size(dir.file("call-2.wav")), size);
  // A crash's leftover .part blocks the name too (repair turns it into a file).
  std::ofstream(dir.file("call-3.wav.part")) << "x";
  spec.name = "call-3";
  EXPECT_EQ(rec.start(spec).status().code(), StatusCode::kAlreadyExists);
}

TEST_F(Recorder, EveryFormatAndLayout) {
  RecorderService rec(options(), 2);
  struct Case { const char* name; RecordingFormat f; int rate; int ch; };
  const Case cases[] = {{"pcm8", RecordingFormat::kWavPcm16, 8000, 2}, {"pcm16k", RecordingFormat::kWavPcm16, 16000, 2},
                        {"ulaw", RecordingFormat::kWavUlaw, 8000, 2}, {"mono", RecordingFormat::kWavPcm16, 8000, 1},
                        {"opus", RecordingFormat::kOggOpus, 16000, 2}};
  std::vector<RecordingId> ids;
  for (const auto& c : cases) {
    RecordingSpec s;
    s.name = c.name;
    s.format = c.f;
    s.sample_rate = c.rate;
    s.channels = c.ch;
    auto id = rec.start(s);
    ASSERT_TRUE(id);
    ids.push_back(*id);
  }
  for (std::size_t i = 0; i < ids.size(); ++i) {
    auto& tap = rec.tap(i % 2);
    feed(tap, ids[i], cases[i].rate, 0, 50);
    ASSERT_TRUE(tap.stop(ids[i], 50));
  }
  rec.wait_idle();
  EXPECT_EQ(rec.counters().completed.load(), 5u);
  for (const auto& c : cases) {
    const std::string file = dir.file(std::string(c.name) + (c.f == RecordingFormat::kOggOpus ? ".opus" : ".wav"));
    auto clip = read_audio_file(file);
    ASSERT_TRUE(clip) << file << ": " << clip.status().to_string();
    EXPECT_EQ(clip->channels, c.ch) << c.name;
    EXPECT_NEAR(static_cast<double>(clip->frames()) / clip->sample_rate, 1.0, 0.03) << c.name;
    if (c.ch == 1) {
      // Mixed mono holds both parties.
      EXPECT_GT(codecs::tone_level_dbfs(clip->samples, 500, clip->sample_rate), -30.0);
      EXPECT_GT(codecs::tone_level_dbfs(clip->samples, 1200, clip->sample_rate), -30.0);
    }
  }
}

TEST_F(Recorder, DroppedFramesBecomeCountedSilence) {
  RecorderService rec(options(), 1);
  RecordingSpec s;
  s.name = "gappy";
  auto id = rec.start(s);
  ASSERT_TRUE(id);
  auto& tap = rec.tap(0);
  feed(tap, *id, 8000, 0, 10);
  feed(tap, *id, 8000, 15, 25);  // ticks 10-14 never arrived
  ASSERT_TRUE(tap.stop(*id, 25));
  rec.wait_idle();
  auto clip = read_audio_file(dir.file("gappy.wav"));
  ASSERT_TRUE(clip);
  EXPECT_EQ(clip->frames(), 25u * 160);
  EXPECT_EQ(rec.counters().gap_frames.load(), 5u);
  EXPECT_DOUBLE_EQ(read_json(dir.file("gappy.json"))["recording"]["gap_seconds"].get<double>(), 0.1);
}

TEST_F(Recorder, BadSpecsAreRefusedAndStaleIdsIgnored) {
  RecorderService rec(options(), 1);
  RecordingSpec s;
  s.name = "../escape";
  EXPECT_EQ(rec.start(s).status().code(), StatusCode::kInvalidArgument);
  s.name = "ok";
  s.sample_rate = 44100;
  EXPECT_EQ(rec.start(s).status().code(), StatusCode::kInvalidArgument);
  s.sample_rate = 8000;
  s.channels = 3;
  EXPECT_EQ(rec.start(s).status().code(), StatusCode::kInvalidArgument);
  s.channels = 2;
  auto id = rec.start(s);
  ASSERT_TRUE(id);
  ASSERT_TRUE(rec.tap(0).stop(*id, 0));
  rec.wait_idle();
  // The slot is reused with a new generation; the old id reaches nothing.
  feed(rec.tap(0), *id, 8000, 1, 3);
  rec.wait_idle();
  EXPECT_EQ(rec.counters().stale_messages.load(), 2u);
}

TEST_F(Recorder, TooManyConcurrentRecordings) {
  auto o = options();
  o.max_recordings = 2;
  RecorderService rec(o, 1);
  RecordingSpec s;
  s.name = "a";
  ASSERT_TRUE(rec.start(s));
  s.name = "b";
  ASSERT_TRUE(rec.start(s));
  s.name = "c";
  EXPECT_EQ(rec.start(s).status().code(), StatusCode::kResourceExhausted);
}

TEST_F(Recorder, FullRingDropsInsteadOfBlocking) {
  auto o = options();
  o.ring_messages = 4;
  o.flush_interval = std::chrono::seconds(10);
  RecorderService rec(o, 1);
  RecordingSpec s;
  s.name = "burst";
  auto id = rec.start(s);
  ASSERT_TRUE(id);
  const auto x = stereo_tones(8000, 20);
  int refused = 0;
  for (std::uint64_t t = 0; t < 5000; ++t) refused += rec.tap(0).frame(*id, t, x, 2) ? 0 : 1;
  // The writer is much slower than a tight loop, so some were refused, and
  // each refusal returned at once and was counted.
  EXPECT_GT(refused, 0);
  EXPECT_EQ(rec.counters().frames_dropped.load(), static_cast<std::uint64_t>(refused));
}

TEST_F(Recorder, WriteErrorStopsOnlyThatRecording) {
  // RLIMIT_FSIZE makes writes past 200 KB fail with EFBIG: a real write
  // error without needing a full disk (which needs root; see the
  // integration test for ENOSPC on a tiny tmpfs).
  std::signal(SIGXFSZ, SIG_IGN);
  rlimit old{};
  getrlimit(RLIMIT_FSIZE, &old);
  rlimit lim = old;
  lim.rlim_cur = 200 * 1024;
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &lim), 0);
  {
    auto o = options();
    o.flush_interval = std::chrono::milliseconds(1);
    RecorderService rec(o, 1);
    RecordingSpec big, small;
    big.name = "big";
    small.name = "small";
    auto a = rec.start(big), b = rec.start(small);
    ASSERT_TRUE(a && b);
    feed(rec.tap(0), *a, 8000, 0, 1000);  // 20 s stereo PCM16 = 640 KB: over the limit
    feed(rec.tap(0), *b, 8000, 0, 50);    // 64 KB: fits
    ASSERT_TRUE(rec.tap(0).stop(*b, 50));
    ASSERT_TRUE(rec.tap(0).stop(*a, 1000));
    rec.wait_idle();
    std::vector<RecorderEvent> evs;
    RecorderEvent ev;
    while (rec.poll_event(ev)) evs.push_back(ev);
    ASSERT_EQ(evs.size(), 2u);
    for (const auto& e : evs) {
      if (e.id == *a) {
        EXPECT_EQ(e.kind, RecorderEvent::kFailed);
        EXPECT_NE(std::string(e.message).find("File too large"), std::string::npos) << e.message;
      } else {
        EXPECT_EQ(e.kind, RecorderEvent::kDone);
      }
    }
    EXPECT_EQ(rec.counters().failed.load(), 1u);
    EXPECT_EQ(rec.counters().completed.load(), 1u);
  }
  setrlimit(RLIMIT_FSIZE, &old);
  // The failed recording is still a valid file with what fitted.
  auto clip = read_audio_file(dir.file("big.wav"));
  ASSERT_TRUE(clip) << clip.status().to_string();
  EXPECT_GT(clip->frames(), 8000u);
  EXPECT_EQ(read_json(dir.file("big.json"))["recording"]["status"], "failed");
  EXPECT_TRUE(read_audio_file(dir.file("small.wav")));
}

TEST_F(Recorder, ShutdownFinishesOpenRecordings) {
  {
    RecorderService rec(options(), 1);
    RecordingSpec s;
    s.name = "open";
    auto id = rec.start(s);
    ASSERT_TRUE(id);
    feed(rec.tap(0), *id, 8000, 0, 25);
    rec.wait_idle();
  }
  auto clip = read_audio_file(dir.file("open.wav"));
  ASSERT_TRUE(clip);
  EXPECT_EQ(clip->frames(), 25u * 160);
  EXPECT_FALSE(fs::exists(dir.file("open.wav.part")));
}

}  // namespace
}  // namespace sb::recording
