// ffmpeg sends Opus RTP into a call and ffmpeg receives the other side in
// PCMU: the worker transcodes (a two-party mix room whose parties talk
// different codecs: the Opus party's audio is jitter-buffered, decoded at
// 48 kHz, resampled to the room's 8 kHz and, mix-minus, is all the PCMU
// party hears, encoded in µ-law on its own stream). The payload type and
// clock rate are taken from the SDP ffmpeg itself writes for its Opus RTP,
// and the received audio is compared with the source after alignment.
//
// Not covered: recording this call. The recorder taps two-leg relayed
// sessions (start_recording names a SessionId); a mix room has no
// recording yet.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include "codecs/signal_metrics.hpp"
#include "common/audio_file.hpp"
#include "dataplane/media_sessions.hpp"
#include "tests/support/dataplane_events.hpp"
#include "tests/support/ffmpeg_rtp.hpp"
#include "tests/support/process.hpp"
#include "tests/support/signals.hpp"
#include "tests/support/udp.hpp"

namespace sb::dataplane {
namespace {

using namespace std::chrono_literals;

// The Opus sender's arguments, shared by the SDP probe and the real run.
std::vector<std::string> opus_sender(const std::string& input, const std::string& url, bool realtime) {
  std::vector<std::string> argv = {"ffmpeg", "-nostdin", "-loglevel", "error"};
  if (realtime) argv.push_back("-re");
  argv.insert(argv.end(), {"-i", input, "-ar", "48000", "-ac", "1", "-c:a", "libopus", "-b:a", "32k",
                           "-frame_duration", "20", "-f", "rtp", url});
  return argv;
}

TEST(MediaOpusFfmpeg, OpusFromFfmpegIsTranscodedToPcmuForFfmpegAndMatchesTheSource) {
  if (!test::have_program("ffmpeg")) GTEST_SKIP() << "ffmpeg is not installed (the test command installs it)";
  if (test::run({"sh", "-c", "ffmpeg -hide_banner -encoders 2>/dev/null | grep -q libopus"}).exit_code != 0)
    GTEST_SKIP() << "this ffmpeg has no libopus encoder";
  test::TempDir dir;
  const auto speech = test::committed_speech(8000);
  const std::vector<std::int16_t> src(speech.begin(), speech.begin() + 4 * 8000);
  ASSERT_TRUE(write_wav_pcm16(dir.file("src.wav"), 8000, 1, src).is_ok());

  // What ffmpeg announces for its Opus RTP (payload type, clock rate).
  const std::uint16_t probe_port = test::free_udp_port();
  auto probe_argv = opus_sender(dir.file("src.wav"), "rtp://127.0.0.1:" + std::to_string(probe_port), false);
  probe_argv.insert(probe_argv.end() - 1, {"-t", "0.1", "-sdp_file", dir.file("opus.sdp")});
  const auto probe = test::run(probe_argv);
  ASSERT_EQ(probe.exit_code, 0) << probe.err;
  std::stringstream sdp;
  sdp << std::ifstream(dir.file("opus.sdp")).rdbuf();
  std::smatch m;
  const std::string sdp_text = sdp.str();
  ASSERT_TRUE(std::regex_search(sdp_text, m, std::regex(R"(a=rtpmap:(\d+) opus/(\d+))", std::regex::icase))) << sdp_text;
  const int opus_pt = std::stoi(m[1]);
  ASSERT_EQ(std::stoi(m[2]), 48000);

  DataplaneConfig cfg;
  cfg.port_min = 38200;
  cfg.port_max = 38299;
  auto dp = Dataplane::start(cfg, SteadyClock::instance());
  ASSERT_TRUE(dp) << dp.status().to_string();
  MediaSessions& ms = (*dp)->sessions();
  auto room = ms.create_room(8000);
  ASSERT_TRUE(room) << room.status().to_string();
  ASSERT_TRUE(test::wait_dataplane_event(ms, room->id, Event::kSessionCreated));

  const std::uint16_t sender_port = test::free_udp_port(), receiver_port = test::free_udp_port();
  PartyRequest opus_side, pcmu_side;
  opus_side.leg.remote = {0x7f000001, sender_port};
  opus_side.leg.clock_rate = 48000;
  opus_side.codec = {static_cast<std::uint8_t>(opus_pt), codecs::CodecId::kOpus, 0};
  pcmu_side.leg.remote = {0x7f000001, receiver_port};
  pcmu_side.codec = {0, codecs::CodecId::kPcmu, 0};
  auto opus_party = ms.add_party(room->id, opus_side);
  ASSERT_TRUE(opus_party) << opus_party.status().to_string();
  ASSERT_TRUE(test::wait_dataplane_event(ms, opus_party->id, Event::kSessionCreated));
  auto pcmu_party = ms.add_party(room->id, pcmu_side);
  ASSERT_TRUE(pcmu_party) << pcmu_party.status().to_string();
  ASSERT_TRUE(test::wait_dataplane_event(ms, pcmu_party->id, Event::kSessionCreated));

  auto sink = test::spawn_pcmu_sink(dir, receiver_port, "3.5", dir.file("out.wav"));
  ASSERT_TRUE(test::wait_udp_bound(receiver_port, 10s)) << "ffmpeg receiver did not start";
  const auto source = test::run(opus_sender(dir.file("src.wav"),
                                            "rtp://127.0.0.1:" + std::to_string(opus_party->local_port) +
                                                "?localport=" + std::to_string(sender_port),
                                            true));
  EXPECT_EQ(source.exit_code, 0) << source.err;
  EXPECT_EQ(sink.wait(15s), 0);
  auto out = read_audio_file(dir.file("out.wav"));
  ASSERT_TRUE(out) << out.status().to_string();
  ASSERT_GE(out->frames(), 3u * 8000u) << "too little audio arrived";
  const auto got = out->channel(0);

  // Bounds. The chain is Opus at 32 kbit/s (a perceptual codec: it keeps
  // the spectrum, not the waveform sample for sample), a 48 -> 8 kHz
  // resampler, then G.711 (~37 dB SNR on its own, so Opus dominates).
  // Measured on this speech (libopus 1.3, speexdsp quality 3): correlation
  // 0.95 and SNR 10 dB after alignment. A broken path (wrong payload type,
  // the wrong party's audio, gaps, a rate mistake that shifts pitch, or
  // silence) lands near 0 correlation and at or below 0 dB SNR. So:
  // correlation >= 0.85 and SNR >= 6 dB leave room for other Opus builds
  // while failing anything that is not the source.
  // Judged in 500 ms windows, each aligned on its own: the jitter buffer
  // adapts its delay to the arrival jitter (ffmpeg's -re pacing on a
  // loaded machine), which shifts the rest of the audio by a frame or two
  // without harming it, so one lag for the whole file is the wrong test.
  const int lag0 = codecs::best_lag(src, got, 8000);
  constexpr std::size_t kWindow = 4000, kSlack = 1000;
  int windows = 0, good = 0;
  double worst_corr = 1, sum_snr = 0;
  for (std::size_t a = 2400; a + kWindow <= src.size(); a += kWindow) {
    const long from = static_cast<long>(a) + lag0 - static_cast<long>(kSlack);
    if (from < 0 || static_cast<std::size_t>(from) + kWindow + 2 * kSlack > got.size()) continue;
    const std::span<const std::int16_t> ref(src.data() + a, kWindow);
    const std::span<const std::int16_t> seg(got.data() + from, kWindow + 2 * kSlack);
    const int lag = codecs::best_lag(ref, seg, 2 * kSlack);
    const double corr = codecs::correlation(ref, seg, lag);
    const double snr = codecs::snr_db(ref, seg, lag);
    ++windows;
    good += corr >= 0.85 && snr >= 6.0;
    worst_corr = std::min(worst_corr, corr);
    sum_snr += snr;
    std::printf("window at %5.2f s: lag %d, correlation %.4f, SNR %.2f dB\n", static_cast<double>(a) / 8000,
                lag - static_cast<int>(kSlack) + lag0, corr, snr);
  }
  ASSERT_GE(windows, 5) << "too little aligned audio (lag " << lag0 << ")";
  // Every window but one: a window may straddle the moment the jitter
  // buffer moved (part of it then aligns a frame off).
  EXPECT_GE(good, windows - 1) << "worst correlation " << worst_corr;
  EXPECT_GE(sum_snr / windows, 6.0);
  std::printf("opus->pcmu: %d of %d windows good, concealed %llu\n", good, windows,
              static_cast<unsigned long long>((*dp)->counters().sum(kMixConcealed)));
  // ~175 Opus packets sent in real time on loopback: all taken in.
  EXPECT_GE((*dp)->counters().sum(kMixedIn), 170u);
  ASSERT_TRUE(ms.remove_room(room->id).is_ok());
}

}  // namespace
}  // namespace sb::dataplane
