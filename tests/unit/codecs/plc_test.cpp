// Packet-loss concealment: a dropped frame is filled with a continuation of
// the signal, without the click a zero-filled gap would make.
//
// The click measure is the largest sample-to-sample step around and inside
// the gap. A 440 Hz sine at amplitude A steps by at most A·2·sin(π·440/fs)
// (0.34·A at 8 kHz); a gap filled with zeros jumps by up to A at its edges.
// We require the concealed signal's largest step to stay within 1.5× the
// clean signal's own largest step, and check that zero-fill fails the same
// bound, so the test can tell a click from a continuation.
#include <gtest/gtest.h>

#include "codecs/signal_metrics.hpp"
#include "tests/unit/codecs/codec_test_util.hpp"

namespace sb::codecs {
namespace {

using test::round_trip;

struct PlcCase {
  CodecId id;
  int rate;
  const char* name;
};

class Plc : public ::testing::TestWithParam<PlcCase> {};

TEST_P(Plc, DroppedFrameHasNoClick) {
  const auto& c = GetParam();
  CodecParams p;
  p.sample_rate = c.rate;
  const auto in = sb::test::sine(c.rate, 440, -10, 1000);
  const std::size_t frame = static_cast<std::size_t>(c.rate / 50);
  const std::size_t lost = 20;
  const auto clean = round_trip(c.id, p, in);
  const auto concealed = round_trip(c.id, p, in, {lost});
  ASSERT_EQ(clean.size(), concealed.size());

  // From one frame before the gap to two frames after (the decoder's
  // cross-fade back into real audio happens in the frame after the gap).
  const std::size_t begin = (lost - 1) * frame, end = (lost + 3) * frame;
  const int natural = max_step(clean, begin, end);
  const int with_plc = max_step(concealed, begin, end);
  EXPECT_LE(with_plc, natural * 3 / 2) << "natural step " << natural;

  // The concealed frame is not silence: it carries the tone on.
  const std::span<const std::int16_t> gap(concealed.data() + lost * frame, frame);
  EXPECT_GT(tone_level_dbfs(gap, 440, c.rate), -20.0);

  // Zero-filling the same frame is a click by this measure.
  auto zeroed = clean;
  std::fill(zeroed.begin() + static_cast<long>(lost * frame), zeroed.begin() + static_cast<long>((lost + 1) * frame), 0);
  EXPECT_GT(max_step(zeroed, begin, end), natural * 3 / 2);
}

INSTANTIATE_TEST_SUITE_P(Codecs, Plc,
                         ::testing::Values(PlcCase{CodecId::kPcmu, 8000, "pcmu"}, PlcCase{CodecId::kPcma, 8000, "pcma"},
                                           PlcCase{CodecId::kG722, 16000, "g722"},
                                           PlcCase{CodecId::kOpus, 8000, "opus8k"},
                                           PlcCase{CodecId::kOpus, 48000, "opus48k"}),
                         [](const auto& p) { return p.param.name; });

TEST(Plc, SpeechGapIsConcealedNotSilenced) {
  const auto in = sb::test::committed_speech(8000);
  const std::vector<std::size_t> lost = {50, 120, 200, 280};
  const auto out = round_trip(CodecId::kPcmu, {}, in, lost);
  for (std::size_t f : lost) {
    const std::span<const std::int16_t> ref(in.data() + f * 160, 160), got(out.data() + f * 160, 160);
    if (rms_dbfs(ref) < -40) continue;  // a silent frame needs no concealment
    EXPECT_GT(rms_dbfs(got), rms_dbfs(ref) - 12.0) << "frame " << f;
  }
}

}  // namespace
}  // namespace sb::codecs
