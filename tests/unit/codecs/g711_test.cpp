// G.711 µ-law and A-law: quality on a tone and on speech, exactness of the
// table-driven conversion against the companding law, and payload sizes.
#include <gtest/gtest.h>

#define SPANDSP_EXPOSE_INTERNAL_STRUCTURES
#include <spandsp.h>

#include "codecs/g711.hpp"
#include "codecs/signal_metrics.hpp"
#include "tests/unit/codecs/codec_test_util.hpp"

namespace sb::codecs {
namespace {

using test::round_trip;

class G711 : public ::testing::TestWithParam<CodecId> {};

// G.711's 8-bit logarithmic quantiser gives about 38 dB signal-to-
// quantisation ratio over a wide range of levels (ITU-T G.712 requires
// >= 35 dB at -10 dBm0 for the whole channel). 30 dB is the floor the issue
// sets; a wrong table or a swapped law scores far below it.
TEST_P(G711, ToneRoundTripAbove30dB) {
  const auto in = sb::test::sine(8000, 1000, -10, 1000);
  const auto out = round_trip(GetParam(), {}, in);
  ASSERT_EQ(out.size(), in.size());
  EXPECT_EQ(best_lag(in, out, 40), 0);  // G.711 adds no delay
  EXPECT_GE(snr_db(in, out, 0), 30.0);
}

// On speech the ratio stays near 37 dB because companding tracks the level;
// 30 dB again leaves margin for the quiet syllables.
TEST_P(G711, SpeechRoundTripAbove30dB) {
  const auto in = sb::test::committed_speech(8000);
  const auto out = round_trip(GetParam(), {}, in);
  EXPECT_GE(snr_db(in, out, 0), 30.0);
  EXPECT_LE(log_spectral_distance_db(in, out, 0, 8000), 3.0);
}

TEST_P(G711, QuietToneStillAbove30dB) {
  // -30 dBFS: where a linear 8-bit code would fail, a logarithmic one holds.
  const auto in = sb::test::sine(8000, 1000, -30, 500);
  EXPECT_GE(snr_db(in, round_trip(GetParam(), {}, in), 0), 30.0);
}

TEST_P(G711, OnePayloadBytePerSample) {
  for (int ptime : {10, 20, 30, 40, 60}) {
    CodecParams p;
    p.ptime_ms = ptime;
    auto enc = Encoder::create(GetParam(), p);
    ASSERT_TRUE(enc);
    EXPECT_EQ(enc->frame_samples(), 8 * ptime);
    std::vector<std::int16_t> frame(static_cast<std::size_t>(8 * ptime), 100);
    std::vector<std::uint8_t> out(kMaxPayloadBytes);
    EXPECT_EQ(enc->encode(frame, out), 8 * ptime);
  }
}

TEST_P(G711, WrongFrameSizeAndSmallBuffersAreRefused) {
  auto enc = Encoder::create(GetParam(), {});
  auto dec = Decoder::create(GetParam(), {});
  ASSERT_TRUE(enc && dec);
  std::vector<std::int16_t> short_frame(100);
  std::vector<std::uint8_t> out(kMaxPayloadBytes);
  EXPECT_LT(enc->encode(short_frame, out), 0);
  std::vector<std::int16_t> frame(160);
  std::vector<std::uint8_t> tiny(10);
  EXPECT_LT(enc->encode(frame, tiny), 0);
  std::vector<std::int16_t> pcm(10);
  EXPECT_LT(dec->decode(out, pcm), 0);
}

INSTANTIATE_TEST_SUITE_P(Laws, G711, ::testing::Values(CodecId::kPcmu, CodecId::kPcma),
                         [](const auto& p) { return p.param == CodecId::kPcmu ? "ulaw" : "alaw"; });

TEST(G711Tables, MatchSpanDspForEveryValue) {
  for (int v = -32768; v <= 32767; ++v) {
    const auto s = static_cast<std::int16_t>(v);
    ASSERT_EQ(g711::linear_to_ulaw(s), ::linear_to_ulaw(s)) << v;
    ASSERT_EQ(g711::linear_to_alaw(s), ::linear_to_alaw(s)) << v;
  }
  for (int c = 0; c < 256; ++c) {
    const auto b = static_cast<std::uint8_t>(c);
    ASSERT_EQ(g711::ulaw_to_linear(b), ::ulaw_to_linear(b));
    ASSERT_EQ(g711::alaw_to_linear(b), ::alaw_to_linear(b));
  }
}

TEST(G711Tables, KnownCodeWords) {
  // Silence and the extremes as G.711 defines them: µ-law 0xFF and A-law
  // 0xD5 are the codes for zero; full-scale positive is 0x80 / 0xAA.
  EXPECT_EQ(g711::linear_to_ulaw(0), 0xFF);
  EXPECT_EQ(g711::linear_to_alaw(0), 0xD5);
  EXPECT_EQ(g711::linear_to_ulaw(32767), 0x80);
  EXPECT_EQ(g711::linear_to_alaw(32767), 0xAA);
  EXPECT_EQ(g711::ulaw_to_linear(0xFF), 0);
}

}  // namespace
}  // namespace sb::codecs
