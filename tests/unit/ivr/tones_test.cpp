#include "ivr/tones.hpp"

#include <gtest/gtest.h>

#include "codecs/signal_metrics.hpp"
#include "tests/unit/ivr/dtmf_test_util.hpp"

namespace sb::ivr {
namespace {

using codecs::rms_dbfs;
using codecs::tone_level_dbfs;

std::vector<std::int16_t> render(ToneGenerator& g, int ms) {
  std::vector<std::int16_t> x(static_cast<std::size_t>(ms) * 8, 0);
  for (std::size_t off = 0; off < x.size(); off += 160) {
    const int n = g.generate(std::span(x).subspan(off, std::min<std::size_t>(160, x.size() - off)));
    if (n == 0) break;
  }
  return x;
}

std::span<const std::int16_t> window(const std::vector<std::int16_t>& x, int from_ms, int to_ms) {
  return std::span(x).subspan(static_cast<std::size_t>(from_ms) * 8, static_cast<std::size_t>(to_ms - from_ms) * 8);
}

TEST(Tones, NorthAmericanRingbackIs440Plus480TwoOnFourOff) {
  ToneGenerator g(tone_spec(ToneKind::kRingback, ToneRegion::kNorthAmerica));
  const auto x = render(g, 12000);
  for (int cycle = 0; cycle < 2; ++cycle) {
    const int t = cycle * 6000;
    EXPECT_GT(tone_level_dbfs(window(x, t + 100, t + 1900), 440, 8000), -30.0);
    EXPECT_GT(tone_level_dbfs(window(x, t + 100, t + 1900), 480, 8000), -30.0);
    EXPECT_LT(tone_level_dbfs(window(x, t + 100, t + 1900), 1000, 8000), -60.0);
    EXPECT_LT(rms_dbfs(window(x, t + 2100, t + 5900)), -80.0);
  }
}

TEST(Tones, BusyIsHalfSecondCadence) {
  ToneGenerator g(tone_spec(ToneKind::kBusy, ToneRegion::kNorthAmerica));
  const auto x = render(g, 2000);
  EXPECT_GT(tone_level_dbfs(window(x, 50, 450), 620, 8000), -35.0);
  EXPECT_LT(rms_dbfs(window(x, 550, 950)), -80.0);
  EXPECT_GT(tone_level_dbfs(window(x, 1050, 1450), 480, 8000), -35.0);
}

TEST(Tones, UnitedKingdomRingbackHasTheDoubleCadence) {
  ToneGenerator g(tone_spec(ToneKind::kRingback, ToneRegion::kUnitedKingdom));
  const auto x = render(g, 3000);
  EXPECT_GT(tone_level_dbfs(window(x, 20, 380), 400, 8000), -35.0);
  EXPECT_LT(rms_dbfs(window(x, 420, 580)), -80.0);
  EXPECT_GT(tone_level_dbfs(window(x, 620, 980), 450, 8000), -35.0);
  EXPECT_LT(rms_dbfs(window(x, 1020, 2980)), -80.0);
}

TEST(Tones, EuropeanToneIs425Hz) {
  ToneGenerator g(tone_spec(ToneKind::kBusy, ToneRegion::kEurope));
  const auto x = render(g, 500);
  EXPECT_GT(tone_level_dbfs(window(x, 10, 490), 425, 8000), -25.0);
}

TEST(Tones, BeepPlaysOnceThenStops) {
  ToneGenerator g(tone_spec(ToneKind::kBeep, ToneRegion::kNorthAmerica));
  std::vector<std::int16_t> frame(160);
  int total = 0;
  for (int i = 0; i < 100; ++i) {
    const int n = g.generate(frame);
    total += n;
    if (n < 160) break;
  }
  EXPECT_EQ(total, 400 * 8);
  EXPECT_EQ(g.generate(frame), 0);
  g.restart();
  EXPECT_EQ(g.generate(frame), 160);
}

TEST(Tones, DialToneIsContinuousAcrossTheCadenceWrap) {
  ToneGenerator g(tone_spec(ToneKind::kDial, ToneRegion::kNorthAmerica));
  const auto x = render(g, 3000);
  // No gap anywhere: every 20 ms window carries the tone.
  for (int t = 0; t < 3000; t += 20) EXPECT_GT(rms_dbfs(window(x, t, t + 20)), -30.0) << t;
  EXPECT_LT(codecs::max_step(x, 7990, 8010), 6000);
}

TEST(Tones, NamesAreStable) {
  EXPECT_EQ(tone_kind_name(ToneKind::kRingback), "ringback");
  EXPECT_EQ(tone_kind_name(ToneKind::kBeep), "beep");
}

TEST(DtmfGenerator, DigitsAreDetectedAndTimed) {
  DtmfGenerator gen(-10, 0, 60, 40);
  EXPECT_EQ(gen.queue("147*2580369#ABCD"), 16);
  std::vector<std::int16_t> x;
  std::vector<std::int16_t> frame(160);
  for (;;) {
    const int n = gen.generate(frame);
    if (n == 0) break;
    x.insert(x.end(), frame.begin(), frame.begin() + n);
  }
  EXPECT_EQ(x.size(), 16u * 100 * 8);
  const auto found = test::detect_all(x);
  EXPECT_EQ(test::digits_of(found), "147*2580369#ABCD");
  for (const auto& d : found) EXPECT_NEAR(static_cast<double>(d.duration_ms()), 60.0, 13.0);
}

TEST(DtmfGenerator, StopsAtTheFirstNonDigit) {
  DtmfGenerator gen;
  EXPECT_EQ(gen.queue("12x3"), 2);
  EXPECT_EQ(gen.queue("abc"), 3);  // lower-case A-D are accepted
  EXPECT_EQ(gen.queue(""), 0);
}

TEST(DtmfGenerator, TwistIsApplied) {
  DtmfGenerator gen(-10, -6, 200, 0);  // high group 6 dB below the low group
  gen.queue("1");
  std::vector<std::int16_t> x(1600);
  gen.generate(x);
  const double low = tone_level_dbfs(std::span(x).subspan(100, 1400), 697, 8000);
  const double high = tone_level_dbfs(std::span(x).subspan(100, 1400), 1209, 8000);
  EXPECT_NEAR(low - high, 6.0, 1.0);
}

}  // namespace
}  // namespace sb::ivr
