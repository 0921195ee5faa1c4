// ffmpeg sends Opus RTP into a call and ffmpeg receives the other side in
// PCMU: the worker transcodes (a two-party mix room whose parties talk
// different codecs: the Opus party's audio is jitter-buffered, decoded at
// 48 kHz, resampled to the room's 8 kHz and, mix-minus, is all the PCMU
// party hears, encoded in µ-law on its own stream). The payload type and
// clock rate are taken from the SDP ffmpeg itself writes for its Opus RTP,
// and the received audio is compared with the source after alignment.
//
// Telephone events across the same kind of call: digits sent as RFC 4733
// at 8 kHz on the PCMU side arrive exactly once each on the Opus side in
// its own payload type and 48 kHz clock (and the other way round), on real
// sockets.
//
// The transcoded call is recorded in stereo from the room's tick (the
// Opus caller on the left, the PCMU agent on the right): the left channel
// matches the source as the received audio does, and the right channel
// holds what the agent side sent (nothing: the ffmpeg there only listens).
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include "codecs/signal_metrics.hpp"
#include "common/audio_file.hpp"
#include "dataplane/media_sessions.hpp"
#include "dataplane/rtp/rtp.hpp"
#include "ivr/rfc4733.hpp"
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

// A dataplane on 100 ports from `port_min` with an 8 kHz room made, and a
// recorder writing to `recordings` when given.
void start_with_room(std::uint16_t port_min, std::unique_ptr<Dataplane>& dp, RoomInfo& room,
                     const std::string& recordings = "") {
  DataplaneConfig cfg;
  cfg.port_min = port_min;
  cfg.port_max = static_cast<std::uint16_t>(port_min + 99);
  if (!recordings.empty()) {
    recording::RecorderService::Options rec;
    rec.directory = recordings;
    cfg.recorder = rec;
  }
  auto started = Dataplane::start(cfg, SteadyClock::instance());
  ASSERT_TRUE(started) << started.status().to_string();
  dp = std::move(*started);
  auto made = dp->sessions().create_room(8000);
  ASSERT_TRUE(made) << made.status().to_string();
  room = *made;
  ASSERT_TRUE(test::wait_dataplane_event(dp->sessions(), room.id, Event::kSessionCreated));
}

// How well `got` (8 kHz) matches `src`: aligned once as a whole (within
// `max_lag` samples), then in 500 ms windows each aligned on its own.
struct SourceMatch {
  int windows = 0, good = 0;
  double worst_corr = 1, mean_snr = 0;
};
SourceMatch match_source(const std::vector<std::int16_t>& src, const std::vector<std::int16_t>& got, int max_lag,
                         const char* what) {
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
  const int lag0 = codecs::best_lag(src, got, max_lag);
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
    std::printf("%s: window at %5.2f s: lag %d, correlation %.4f, SNR %.2f dB\n", what, static_cast<double>(a) / 8000,
                lag - static_cast<int>(kSlack) + lag0, corr, snr);
  }
  EXPECT_GE(windows, 5) << what << ": too little aligned audio (lag " << lag0 << ")";
  return {windows, good, worst_corr, windows ? sum_snr / windows : 0};
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

  std::unique_ptr<Dataplane> dp;
  RoomInfo room;
  ASSERT_NO_FATAL_FAILURE(start_with_room(15200, dp, room, dir.path()));
  MediaSessions& ms = dp->sessions();

  const std::uint16_t sender_port = test::free_udp_port(), receiver_port = test::free_udp_port();
  PartyRequest opus_side, pcmu_side;
  opus_side.leg.remote = {0x7f000001, sender_port};
  opus_side.leg.clock_rate = 48000;
  opus_side.codec = {static_cast<std::uint8_t>(opus_pt), codecs::CodecId::kOpus, 0};
  pcmu_side.leg.remote = {0x7f000001, receiver_port};
  pcmu_side.codec = {0, codecs::CodecId::kPcmu, 0};
  auto opus_party = ms.add_party(room.id, opus_side);
  ASSERT_TRUE(opus_party) << opus_party.status().to_string();
  ASSERT_TRUE(test::wait_dataplane_event(ms, opus_party->id, Event::kSessionCreated));
  auto pcmu_party = ms.add_party(room.id, pcmu_side);
  ASSERT_TRUE(pcmu_party) << pcmu_party.status().to_string();
  ASSERT_TRUE(test::wait_dataplane_event(ms, pcmu_party->id, Event::kSessionCreated));

  auto sink = test::spawn_pcmu_sink(dir, receiver_port, "3.5", dir.file("out.wav"));
  ASSERT_TRUE(test::wait_udp_bound(receiver_port, 10s)) << "ffmpeg receiver did not start";
  // Recorded as a transcoded call is: the caller (the Opus side) left.
  recording::RecordingSpec spec;
  spec.name = "transcoded";
  spec.channels = 2;
  auto rec = ms.start_room_recording(room.id, spec, opus_party->id);
  ASSERT_TRUE(rec) << rec.status().to_string();
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

  const auto heard = match_source(src, got, 8000, "received");
  // Every window but one: a window may straddle the moment the jitter
  // buffer moved (part of it then aligns a frame off).
  EXPECT_GE(heard.good, heard.windows - 1) << "worst correlation " << heard.worst_corr;
  EXPECT_GE(heard.mean_snr, 6.0);

  // The recording: the caller (Opus) alone on the left, matching the
  // source like the received audio (the same bounds: the path has no
  // G.711 stage, one lossy stage fewer; measured: correlation 0.88-0.96,
  // SNR 6.5-11 dB per window, the same as received within 0.01); the
  // agent's channel silent, since the agent side sent nothing. A recording
  // summing the wrong parties puts the speech (about -20 dBFS RMS) on the
  // right; codec and resampler noise on silence is below -70 dBFS, so the
  // right channel must stay below -60 dBFS.
  ASSERT_TRUE(ms.stop_room_recording(room.id).is_ok());
  recording::RecorderEvent done{};
  const auto until = std::chrono::steady_clock::now() + 10s;
  bool finished = false;
  while (!(finished = dp->recorder()->poll_event(done)) && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(10ms);
  ASSERT_TRUE(finished) << "the recording did not finish";
  EXPECT_EQ(done.id, *rec);
  ASSERT_EQ(done.kind, recording::RecorderEvent::kDone) << done.message;
  auto wav = read_audio_file(dir.file("transcoded.wav"));
  ASSERT_TRUE(wav) << wav.status().to_string();
  ASSERT_EQ(wav->channels, 2);
  ASSERT_EQ(wav->sample_rate, 8000);
  const auto recorded = match_source(src, wav->channel(0), 16000, "recorded left");
  EXPECT_GE(recorded.good, recorded.windows - 1) << "worst correlation " << recorded.worst_corr;
  EXPECT_GE(recorded.mean_snr, 6.0);
  const auto right = wav->channel(1);
  EXPECT_LT(codecs::rms_dbfs(right), -60.0);
  EXPECT_EQ(dp->recorder()->counters().gap_frames.load(), 0u);
  std::printf("opus->pcmu: %d of %d windows good, concealed %llu\n", heard.good, heard.windows,
              static_cast<unsigned long long>(dp->counters().sum(kMixConcealed)));
  // ~175 Opus packets sent in real time on loopback: all taken in.
  EXPECT_GE(dp->counters().sum(kMixedIn), 170u);
  ASSERT_TRUE(ms.remove_room(room.id).is_ok());
}

// Sends `digits` as RFC 4733 events from `from` to `port`: 100 ms each
// (five packets growing by 20 ms, then three End packets), 100 ms apart,
// paced in real time. units_per_20ms gives the sender's clock.
void send_events(test::UdpPeer& from, std::uint16_t port, std::uint8_t pt, std::uint32_t units_per_20ms,
                 const std::string& digits) {
  std::uint16_t seq = 500;
  std::uint32_t ts = 90'000;
  for (const char d : digits) {
    for (int i = 0; i < 8; ++i) {
      std::vector<std::uint8_t> p(16);
      rtp::write_rtp_header(p.data(), i == 0, pt, seq++, ts, 0xE1E1);
      const bool end = i >= 5;
      const ivr::TelephoneEvent ev{.event = static_cast<std::uint8_t>(ivr::digit_to_event(d)), .end = end, .volume = 10,
                                   .duration = static_cast<std::uint16_t>(units_per_20ms * (end ? 5 : i + 1))};
      ivr::build_telephone_event(ev, std::span(p).subspan(12));
      from.send_to(port, p);
      std::this_thread::sleep_for(20ms);
    }
    ts += units_per_20ms * 10;
    std::this_thread::sleep_for(100ms);
  }
}

// The digits a far end's RFC 4733 receiver makes of what `to` got by a
// second after the sending ended (the mix keeps arriving meanwhile, so
// waiting for quiet would never end).
std::vector<ivr::Rfc4733Digit> received_events(test::UdpPeer& to, std::uint8_t pt, int clock_rate) {
  ivr::Rfc4733Receiver rx(clock_rate);
  std::vector<ivr::Rfc4733Digit> out;
  Nanos now{0};
  const auto deadline = std::chrono::steady_clock::now() + 1s;
  while (std::chrono::steady_clock::now() < deadline) {
    const auto d = to.receive(50ms);
    if (!d) continue;
    rtp::RtpHeader h;
    if (rtp::parse_rtp(d->bytes.data(), d->bytes.size(), h) != rtp::RtpError::kNone || h.payload_type != pt) continue;
    now += 20ms;
    const auto r = rx.on_packet(h.timestamp, std::span(d->bytes).subspan(h.header_size, h.payload_size), now);
    if (r.ended) out.push_back(r.digit);
  }
  const auto r = rx.poll(now + 5s);
  if (r.ended) out.push_back(r.digit);
  return out;
}

std::string describe(const std::vector<ivr::Rfc4733Digit>& digits) {
  std::string s;
  for (const auto& d : digits)
    s += std::string(1, d.digit) + " at " + std::to_string(d.rtp_timestamp) + " for " + std::to_string(d.duration_ts) +
         (d.end_received ? " (End)" : " (no End)") + "; ";
  return s;
}

TEST(MediaOpusFfmpeg, TelephoneEventsCrossTheTranscodingInEachSidesClock) {
  std::unique_ptr<Dataplane> dp;
  RoomInfo room;
  ASSERT_NO_FATAL_FAILURE(start_with_room(15300, dp, room));
  MediaSessions& ms = dp->sessions();
  test::UdpPeer pcmu_end, opus_end;
  PartyRequest pcmu_side, opus_side;
  pcmu_side.leg.remote = {0x7f000001, pcmu_end.port()};
  pcmu_side.leg.telephone_event_pt = 101;
  pcmu_side.codec = {0, codecs::CodecId::kPcmu, 0};
  opus_side.leg.remote = {0x7f000001, opus_end.port()};
  opus_side.leg.clock_rate = 48000;
  opus_side.leg.telephone_event_pt = 110;
  opus_side.codec = {111, codecs::CodecId::kOpus, 0};
  auto pcmu_party = ms.add_party(room.id, pcmu_side);
  ASSERT_TRUE(pcmu_party) << pcmu_party.status().to_string();
  ASSERT_TRUE(test::wait_dataplane_event(ms, pcmu_party->id, Event::kSessionCreated));
  auto opus_party = ms.add_party(room.id, opus_side);
  ASSERT_TRUE(opus_party) << opus_party.status().to_string();
  ASSERT_TRUE(test::wait_dataplane_event(ms, opus_party->id, Event::kSessionCreated));

  // 8 kHz -> 48 kHz: each 100 ms digit is 800 units sent, 4800 received.
  send_events(pcmu_end, pcmu_party->local_port, 101, 160, "19#");
  const auto on_opus = received_events(opus_end, 110, 48000);
  ASSERT_EQ(on_opus.size(), 3u) << describe(on_opus);
  for (std::size_t i = 0; i < on_opus.size(); ++i) {
    EXPECT_EQ(on_opus[i].digit, "19#"[i]);
    EXPECT_EQ(on_opus[i].duration_ts, 4800u);
    EXPECT_TRUE(on_opus[i].end_received);
    // Each starts after the one before ended (200 ms apart as sent, and
    // never inside the previous event).
    if (i > 0) {
      EXPECT_GE(on_opus[i].rtp_timestamp - on_opus[i - 1].rtp_timestamp, 4800u);
    }
  }
  // 48 kHz -> 8 kHz.
  send_events(opus_end, opus_party->local_port, 110, 960, "5");
  const auto on_pcmu = received_events(pcmu_end, 101, 8000);
  ASSERT_EQ(on_pcmu.size(), 1u) << describe(on_pcmu);
  EXPECT_EQ(on_pcmu[0].digit, '5');
  EXPECT_EQ(on_pcmu[0].duration_ts, 800u);
  // Each was reported once, with its duration measured in its own clock.
  Event ev[64];
  std::string reported;
  for (std::size_t n = ms.poll_events(ev), i = 0; i < n; ++i) {
    if (ev[i].kind != Event::kDtmf) continue;
    reported += ev[i].digit;
    EXPECT_EQ(ev[i].duration_ms, 100u) << ev[i].digit;
  }
  EXPECT_EQ(reported, "19#5");
  ASSERT_TRUE(ms.remove_room(room.id).is_ok());
}

}  // namespace
}  // namespace sb::dataplane
