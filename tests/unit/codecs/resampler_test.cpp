#include "codecs/resampler.hpp"

#include <gtest/gtest.h>

#include "codecs/signal_metrics.hpp"
#include "tests/support/signals.hpp"

namespace sb::codecs {
namespace {

sb::test::Pcm convert(Resampler& rs, const sb::test::Pcm& in, std::size_t chunk) {
  sb::test::Pcm out;
  std::vector<std::int16_t> buf(rs.max_output(chunk));
  for (std::size_t off = 0; off < in.size(); off += chunk) {
    const std::size_t n = std::min(chunk, in.size() - off);
    const int got = rs.process(std::span(in).subspan(off, n), buf);
    EXPECT_GE(got, 0);
    out.insert(out.end(), buf.begin(), buf.begin() + std::max(got, 0));
  }
  return out;
}

TEST(Resampler, UpAndDownKeepsAToneClean) {
  auto up = Resampler::create(8000, 16000);
  auto down = Resampler::create(16000, 8000);
  ASSERT_TRUE(up && down);
  const auto in = sb::test::sine(8000, 1000, -10, 1000);
  const auto wide = convert(*up, in, 160);
  // The filter's latency stays inside it (the leading zeros it would have
  // added are skipped), so the output is short by at most that much.
  EXPECT_LE(wide.size(), 2 * in.size());
  EXPECT_GE(wide.size() + static_cast<std::size_t>(up->output_latency()), 2 * in.size());
  EXPECT_GT(tone_level_dbfs(wide, 1000, 16000), -11.0);
  const auto back = convert(*down, wide, 320);
  const int lag = best_lag(in, back, 100);
  EXPECT_GE(snr_db(in, back, lag, 800), 30.0);
}

TEST(Resampler, FrameByFrameEqualsOneCall) {
  auto a = Resampler::create(48000, 8000);
  auto b = Resampler::create(48000, 8000);
  ASSERT_TRUE(a && b);
  const auto in = sb::test::committed_speech(48000);
  const auto whole = convert(*a, in, in.size());
  const auto framed = convert(*b, in, 960);
  ASSERT_NEAR(static_cast<double>(whole.size()), static_cast<double>(framed.size()), 2.0);
  const std::size_t n = std::min(whole.size(), framed.size());
  int max_diff = 0;
  for (std::size_t i = 0; i < n; ++i) max_diff = std::max(max_diff, std::abs(whole[i] - framed[i]));
  EXPECT_LE(max_diff, 1);
}

TEST(Resampler, DownsamplingRemovesWhatCannotBeRepresented) {
  // 6 kHz is above the 4 kHz Nyquist of 8 kHz audio; it must be filtered,
  // not folded to 2 kHz.
  auto rs = Resampler::create(48000, 8000);
  ASSERT_TRUE(rs);
  const auto in = sb::test::sine(48000, 6000, -6, 500);
  const auto out = convert(*rs, in, 960);
  EXPECT_LT(rms_dbfs(std::span(out).subspan(400)), -50.0);
}

TEST(Resampler, RejectsBadArguments) {
  EXPECT_FALSE(Resampler::create(0, 8000));
  EXPECT_FALSE(Resampler::create(8000, 500000));
  EXPECT_FALSE(Resampler::create(8000, 16000, 11));
  auto rs = Resampler::create(8000, 16000);
  ASSERT_TRUE(rs);
  std::vector<std::int16_t> in(160), out(10);
  EXPECT_LT(rs->process(in, out), 0);
}

}  // namespace
}  // namespace sb::codecs
