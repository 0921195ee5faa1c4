// In-band DTMF on a relayed call with real peers: sox makes the digits,
// ffmpeg sends them (after some speech) as PCMU RTP into one leg and
// receives the other leg. The control plane gets each digit once, from the
// audio; with suppression on, what ffmpeg receives holds no digit a
// receiver can find and no DTMF energy, while the speech passes.
#include <gtest/gtest.h>

#include <thread>

#include "codecs/signal_metrics.hpp"
#include "common/audio_file.hpp"
#include "dataplane/media_sessions.hpp"
#include "ivr/dtmf_detector.hpp"
#include "tests/support/ffmpeg_rtp.hpp"
#include "tests/support/process.hpp"
#include "tests/support/signals.hpp"
#include "tests/support/sox.hpp"
#include "tests/support/udp.hpp"

namespace sb::dataplane {
namespace {

using namespace std::chrono_literals;

struct Outcome {
  std::string reported;          // digits the control plane got, in order
  std::vector<std::int16_t> received;
};

Outcome run_call(const test::TempDir& dir, const std::string& input_wav, bool suppress) {
  Outcome out;
  DataplaneConfig cfg;
  cfg.port_min = 17000;
  cfg.port_max = 17999;
  auto dp = Dataplane::start(cfg, SteadyClock::instance());
  EXPECT_TRUE(dp) << dp.status().to_string();
  if (!dp) return out;
  const std::uint16_t sender_port = test::free_udp_port(), receiver_port = test::free_udp_port();
  LegRequest la, lb;
  la.remote = {0x7f000001, sender_port};
  la.media.audio_pt = 0;
  la.media.codec = codecs::CodecId::kPcmu;
  la.media.inband_dtmf = true;
  la.media.suppress_dtmf = suppress;
  lb.remote = {0x7f000001, receiver_port};
  auto s = (*dp)->sessions().create(la, lb);
  EXPECT_TRUE(s);
  if (!s) return out;

  const std::string received = dir.file(suppress ? "out_s.wav" : "out.wav");
  auto sink = test::spawn_pcmu_sink(dir, receiver_port, "4", received);
  EXPECT_TRUE(test::wait_udp_bound(receiver_port, 10s)) << "ffmpeg receiver did not start";
  const auto source = test::send_pcmu(input_wav, s->local_port[0], sender_port);
  EXPECT_EQ(source.exit_code, 0) << source.err;
  EXPECT_EQ(sink.wait(20s), 0);
  Event ev[64];
  const auto deadline = std::chrono::steady_clock::now() + 500ms;
  while (std::chrono::steady_clock::now() < deadline) {
    const std::size_t n = (*dp)->sessions().poll_events(ev);
    for (std::size_t i = 0; i < n; ++i)
      if (ev[i].kind == Event::kDtmf && ev[i].dtmf_source == Event::kInband) out.reported += ev[i].digit;
    if (n == 0) std::this_thread::sleep_for(10ms);
  }
  auto audio = read_audio_file(received);
  EXPECT_TRUE(audio) << audio.status().to_string();
  if (audio) out.received = audio->channel(0);
  return out;
}

std::size_t digits_in(const std::vector<std::int16_t>& pcm) {
  ivr::DtmfDetector det;
  ivr::DtmfDigit found[64];
  std::size_t n = det.process(pcm, found);
  return n + det.finish(std::span(found).subspan(n));
}

TEST(DtmfRelay, InbandDigitsFromSoxThroughFfmpegAreReportedAndSuppressed) {
  for (const char* p : {"sox", "ffmpeg"})
    if (!test::have_program(p)) GTEST_SKIP() << p << " is not installed (the test command installs it)";
  test::TempDir dir;
  // 1.5 s of speech, then the digits, then 1 s of speech.
  const auto speech = test::committed_speech(8000);
  ASSERT_TRUE(write_wav_pcm16(dir.file("a.wav"), 8000, 1,
                              std::vector<std::int16_t>(speech.begin(), speech.begin() + 12000)).is_ok());
  ASSERT_TRUE(write_wav_pcm16(dir.file("b.wav"), 8000, 1,
                              std::vector<std::int16_t>(speech.begin() + 12000, speech.begin() + 20000)).is_ok());
  const std::string keys = test::sox_digits(dir, "keys", "40#7", 8000);
  const auto joined = test::run({"sox", dir.file("a.wav"), keys, dir.file("b.wav"), dir.file("call.wav")});
  ASSERT_EQ(joined.exit_code, 0) << joined.err;

  const Outcome plain = run_call(dir, dir.file("call.wav"), false);
  EXPECT_EQ(plain.reported, "40#7");
  ASSERT_GT(plain.received.size(), 3u * 8000u);
  EXPECT_EQ(digits_in(plain.received), 4u) << "without suppression the far end hears the digits";

  const Outcome muted = run_call(dir, dir.file("call.wav"), true);
  EXPECT_EQ(muted.reported, "40#7");
  ASSERT_GT(muted.received.size(), 3u * 8000u);
  EXPECT_EQ(digits_in(muted.received), 0u);
  // DTMF energy over the stretch that carried the digits (found in each
  // received recording by aligning it with the input).
  auto input = read_audio_file(dir.file("call.wav"));
  ASSERT_TRUE(input);
  const auto in = input->channel(0);
  const std::size_t keys_begin = 12000, keys_len = 4 * 2240;  // sox: 100 ms + 80 ms + 100 ms per digit
  auto keys_part = [&](const std::vector<std::int16_t>& got) {
    const int lag = codecs::best_lag(in, got, 8000);
    const long begin = static_cast<long>(keys_begin) + lag;
    EXPECT_GE(begin, 0);
    EXPECT_LE(static_cast<std::size_t>(begin) + keys_len, got.size());
    return std::vector<std::int16_t>(got.begin() + std::max(0L, begin),
                                     got.begin() + std::min<long>(static_cast<long>(got.size()), begin + static_cast<long>(keys_len)));
  };
  const auto plain_keys = keys_part(plain.received), muted_keys = keys_part(muted.received);
  for (double f : {770.0, 941.0, 1209.0, 1336.0, 1477.0}) {
    const double heard = codecs::tone_level_dbfs(plain_keys, f, 8000);
    const double left = codecs::tone_level_dbfs(muted_keys, f, 8000);
    EXPECT_LT(left, heard - 30.0) << f << " Hz: " << heard << " dBFS relayed, " << left << " suppressed";
  }
  // Speech still gets through: the suppressed call carries about as much
  // energy outside the digits as the plain one.
  const double plain_power = test::mean_square(plain.received);
  const double muted_power = test::mean_square(muted.received);
  EXPECT_GT(muted_power, 0.3 * plain_power);
}

}  // namespace
}  // namespace sb::dataplane
