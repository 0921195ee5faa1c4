// G.722 (SpanDSP) at 64 kbit/s, on 16 kHz PCM and on 8 kHz PCM.
#include <gtest/gtest.h>

#include "codecs/registry.hpp"
#include "codecs/signal_metrics.hpp"
#include "tests/unit/codecs/codec_test_util.hpp"

namespace sb::codecs {
namespace {

using test::round_trip;

// G.722 at 64 kbit/s is a sub-band ADPCM coder: on a steady in-band tone its
// adaptive quantiser settles to well over 35 dB; 25 dB catches a broken
// build (wrong mode, bad state) with margin for the adaptation transient.
TEST(G722, ToneRoundTrip) {
  const auto in = sb::test::sine(16000, 1000, -10, 1000);
  const auto out = round_trip(CodecId::kG722, {}, in);
  ASSERT_EQ(out.size(), in.size());
  const int lag = best_lag(in, out, 80);
  EXPECT_GE(snr_db(in, out, lag, 1600), 25.0);
}

// On speech, ADPCM's waveform match drops with the fast transients; we
// measured 27 dB and 3.3 dB log-spectral distance on the committed speech
// clip. 20 dB / 5 dB are the floors; white noise at 20 dB SNR already scores
// 10 dB LSD, so a codec that passes is close to transparent.
TEST(G722, SpeechRoundTrip) {
  const auto in = sb::test::committed_speech(16000);
  const auto out = round_trip(CodecId::kG722, {}, in);
  const int lag = best_lag(in, out, 80);
  // The QMF filter pair delays by 22 samples at 16 kHz.
  EXPECT_NEAR(lag, 22, 2);
  EXPECT_GE(snr_db(in, out, lag, 1600), 20.0);
  EXPECT_LE(log_spectral_distance_db(in, out, lag, 16000), 5.0);
}

TEST(G722, EightKilohertzPcmMode) {
  CodecParams p;
  p.sample_rate = 8000;
  const auto in = sb::test::committed_speech(8000);
  const auto out = round_trip(CodecId::kG722, p, in);
  const int lag = best_lag(in, out, 80);
  EXPECT_GE(snr_db(in, out, lag, 800), 20.0);
}

TEST(G722, RtpClockIsEightKilohertzAndPayloadIsHalfTheSamples) {
  EXPECT_EQ(kG722Codec.rtp_clock_rate, 8000);  // RFC 3551 §4.5.2
  EXPECT_EQ(kG722Codec.static_payload_type, 9);
  auto enc = Encoder::create(CodecId::kG722, {});
  ASSERT_TRUE(enc);
  EXPECT_EQ(enc->frame_samples(), 320);
  std::vector<std::int16_t> frame(320, 0);
  std::vector<std::uint8_t> out(kMaxPayloadBytes);
  EXPECT_EQ(enc->encode(frame, out), 160);
}

TEST(G722, RandomPayloadsDecodeWithoutHarm) {
  auto dec = Decoder::create(CodecId::kG722, {});
  ASSERT_TRUE(dec);
  std::vector<std::uint8_t> payload(160);
  std::vector<std::int16_t> pcm(320);
  unsigned x = 12345;
  for (int i = 0; i < 200; ++i) {
    for (auto& b : payload) b = static_cast<std::uint8_t>((x = x * 1103515245u + 12345u) >> 16);
    EXPECT_EQ(dec->decode(payload, pcm), 320);
  }
  // An oversized payload for the output buffer is refused, not overflowed.
  std::vector<std::uint8_t> big(400);
  EXPECT_LT(dec->decode(big, pcm), 0);
}

}  // namespace
}  // namespace sb::codecs
