// Loss, jitter, duplicates and reordering against hand-computed sequences,
// and the E-model's known points.
#include "dataplane/rtp/rtp_stats.hpp"

#include <gtest/gtest.h>

namespace sb::rtp {
namespace {

constexpr std::int64_t kMs = 1'000'000;

TEST(RtpReceiveStats, PerfectStreamHasNoLossAndNoJitter) {
  RtpReceiveStats s(8000);
  for (int i = 0; i < 100; ++i) s.on_packet(static_cast<std::uint16_t>(i), static_cast<std::uint32_t>(i * 160), i * 20 * kMs);
  EXPECT_EQ(s.received(), 100u);
  EXPECT_EQ(s.expected(), 100);
  EXPECT_EQ(s.lost(), 0);
  EXPECT_DOUBLE_EQ(s.jitter_units(), 0.0);
}

TEST(RtpReceiveStats, LossIsExpectedMinusReceived) {
  // A.3: 1..20 with 5, 6 and 13 missing: expected 20, received 17, lost 3.
  RtpReceiveStats s(8000);
  for (int i = 1; i <= 20; ++i) {
    if (i == 5 || i == 6 || i == 13) continue;
    s.on_packet(static_cast<std::uint16_t>(i), static_cast<std::uint32_t>(i * 160), i * 20 * kMs);
  }
  EXPECT_EQ(s.expected(), 20);
  EXPECT_EQ(s.lost(), 3);
  EXPECT_NEAR(s.loss_fraction(), 0.15, 1e-12);
  EXPECT_EQ(s.take_interval_fraction_lost(), 38);  // 3/20 * 256 = 38.4
  EXPECT_EQ(s.take_interval_fraction_lost(), 0);   // nothing new since
}

TEST(RtpReceiveStats, JitterFollowsA8ByHand) {
  // Transit varies by +8, -8, +8 ... timestamp units each packet (1 ms at 8 kHz):
  // |D| = 8 every step after the first; J_n = J_{n-1} + (8 - J_{n-1})/16.
  RtpReceiveStats s(8000);
  double expected_j = 0;
  for (int i = 0; i < 50; ++i) {
    const std::int64_t wobble = (i % 2) ? 1 * kMs : 0;
    s.on_packet(static_cast<std::uint16_t>(i), static_cast<std::uint32_t>(i * 160), i * 20 * kMs + wobble);
    if (i > 0) expected_j += (8.0 - expected_j) / 16.0;
  }
  EXPECT_NEAR(s.jitter_units(), expected_j, 1e-9);
  EXPECT_NEAR(s.jitter_seconds(), expected_j / 8000.0, 1e-12);
}

TEST(RtpReceiveStats, DuplicatesAndReorderingAreCountedApart) {
  RtpReceiveStats s(8000);
  const int order[] = {1, 2, 4, 3, 5, 5, 6, 2, 7};
  for (int k = 0; k < 9; ++k) s.on_packet(static_cast<std::uint16_t>(order[k]), static_cast<std::uint32_t>(order[k] * 160), k * 20 * kMs);
  EXPECT_EQ(s.received(), 7u);
  EXPECT_EQ(s.duplicates(), 2u);  // 5 again, 2 again
  EXPECT_EQ(s.reordered(), 1u);   // 3 after 4
  EXPECT_EQ(s.lost(), 0);
}

TEST(RtpReceiveStats, SequenceWrapExtendsTheCounter) {
  RtpReceiveStats s(8000);
  for (int i = 0; i < 100; ++i) s.on_packet(static_cast<std::uint16_t>(65500 + i), static_cast<std::uint32_t>(i * 160), i * 20 * kMs);
  EXPECT_EQ(s.extended_max(), 65536u + 63u);  // 65500 + 99 wraps to 63
  EXPECT_EQ(s.expected(), 100);
  EXPECT_EQ(s.lost(), 0);
}

TEST(RtpReceiveStats, RestartNeedsTwoSequentialPackets) {
  RtpReceiveStats s(8000);
  for (int i = 0; i < 10; ++i) s.on_packet(static_cast<std::uint16_t>(i), 0, i * kMs);
  EXPECT_EQ(s.on_packet(40000, 0, 20 * kMs), RtpReceiveStats::Verdict::kRestart);
  EXPECT_EQ(s.received(), 10u);  // a lone wild packet is not counted
  EXPECT_EQ(s.on_packet(40001, 0, 21 * kMs), RtpReceiveStats::Verdict::kRestart);
  EXPECT_EQ(s.received(), 1u);   // re-synchronised on the new sequence
  EXPECT_EQ(s.expected(), 1);
}

TEST(EModel, KnownPoints) {
  // No impairment: R = 93.2, MOS about 4.41.
  EXPECT_NEAR(e_model_r({}), 93.2, 1e-9);
  EXPECT_NEAR(mos_from_r(93.2), 4.41, 0.01);
  // G.711 with PLC at 1% random loss: Ie_eff = 95*1/(1+25.1) = 3.64.
  EXPECT_NEAR(e_model_r({.loss_fraction = 0.01}), 93.2 - 95.0 / 26.1, 1e-9);
  // 200 ms one way: Id = 0.024*200 + 0.11*22.7 = 7.297.
  EXPECT_NEAR(e_model_r({.one_way_delay_ms = 200}), 93.2 - 7.297, 1e-3);
  // Heavy loss drives MOS towards 1.
  EXPECT_LT(mos_from_r(e_model_r({.loss_fraction = 0.5})), 1.7);  // R = 30
  EXPECT_DOUBLE_EQ(mos_from_r(-5), 1.0);
  EXPECT_DOUBLE_EQ(mos_from_r(120), 4.5);
}

}  // namespace
}  // namespace sb::rtp
