#include "codecs/signal_metrics.hpp"

#include <gtest/gtest.h>

#include "tests/support/signals.hpp"

namespace sb::codecs {
namespace {

TEST(SignalMetrics, LagAndSnrOfAShiftedCopy) {
  const auto speech = sb::test::committed_speech(8000);
  sb::test::Pcm delayed(37, 0);
  delayed.insert(delayed.end(), speech.begin(), speech.end());
  EXPECT_EQ(best_lag(speech, delayed, 100), 37);
  EXPECT_GE(snr_db(speech, delayed, 37), 199.0);
  EXPECT_NEAR(correlation(speech, delayed, 37), 1.0, 1e-9);
  EXPECT_NEAR(log_spectral_distance_db(speech, delayed, 37, 8000), 0.0, 1e-6);
}

TEST(SignalMetrics, SnrOfKnownNoise) {
  auto x = sb::test::sine(8000, 1000, -10, 2000);
  const auto clean = x;
  sb::test::add_white_noise(x, sb::test::mean_square(clean), 20.0, 7);
  EXPECT_NEAR(snr_db(clean, x, 0), 20.0, 0.5);
}

TEST(SignalMetrics, ToneLevels) {
  const auto x = sb::test::sine(8000, 1000, -6, 1000);
  EXPECT_NEAR(tone_level_dbfs(x, 1000, 8000), -6.0, 0.5);
  EXPECT_LT(tone_level_dbfs(x, 1500, 8000), -40.0);
  EXPECT_NEAR(rms_dbfs(x), -9.0, 0.2);  // a sine's RMS is 3 dB under its peak
  EXPECT_LE(rms_dbfs(sb::test::Pcm(100, 0)), -199.0);
}

TEST(SignalMetrics, MaxStep) {
  sb::test::Pcm x = {0, 10, 5, 1005, 1000};
  EXPECT_EQ(max_step(x, 0, x.size()), 1000);
  EXPECT_EQ(max_step(x, 0, 3), 10);
}

}  // namespace
}  // namespace sb::codecs
