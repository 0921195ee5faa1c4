#include "dataplane/timer_wheel.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace sb::dataplane {
namespace {

constexpr std::int64_t kMs = 1'000'000;

TEST(TimerWheel, FiresAtOrAfterTheDeadlineNeverBefore) {
  TimerWheel w(16, 8, 10 * kMs);
  w.schedule(1, 25 * kMs);
  w.schedule(2, 95 * kMs);
  w.schedule(3, 300 * kMs);  // beyond one revolution (80 ms)
  std::vector<std::pair<std::uint32_t, std::int64_t>> fired;
  for (std::int64_t t = 0; t <= 400 * kMs; t += 5 * kMs)
    w.advance(t, [&](std::uint32_t id) { fired.push_back({id, t}); });
  ASSERT_EQ(fired.size(), 3u);
  EXPECT_EQ(fired[0].first, 1u);
  EXPECT_GE(fired[0].second, 25 * kMs);
  EXPECT_LE(fired[0].second, 35 * kMs);
  EXPECT_EQ(fired[1].first, 2u);
  EXPECT_EQ(fired[2].first, 3u);
  EXPECT_GE(fired[2].second, 300 * kMs);
  EXPECT_LE(fired[2].second, 310 * kMs);
}

TEST(TimerWheel, CancelAndReschedule) {
  TimerWheel w(4, 8, 10 * kMs);
  w.schedule(0, 20 * kMs);
  w.schedule(1, 20 * kMs);
  w.cancel(0);
  EXPECT_FALSE(w.scheduled(0));
  w.schedule(1, 50 * kMs);  // moves it
  int fired = 0;
  w.advance(30 * kMs, [&](std::uint32_t) { ++fired; });
  EXPECT_EQ(fired, 0);
  w.advance(60 * kMs, [&](std::uint32_t id) {
    ++fired;
    EXPECT_EQ(id, 1u);
  });
  EXPECT_EQ(fired, 1);
}

TEST(TimerWheel, FireMayRescheduleItself) {
  TimerWheel w(2, 8, 10 * kMs);
  w.schedule(0, 10 * kMs);
  int fired = 0;
  for (std::int64_t t = 0; t <= 100 * kMs; t += 10 * kMs)
    w.advance(t, [&](std::uint32_t id) {
      ++fired;
      w.schedule(id, t + 30 * kMs);
    });
  EXPECT_EQ(fired, 4);  // at 10, 40, 70, 100
}

TEST(TimerWheel, LongGapVisitsEachSlotOnce) {
  TimerWheel w(3, 8, 10 * kMs);
  w.schedule(0, 15 * kMs);
  w.schedule(1, 45 * kMs);
  int fired = 0;
  w.advance(0, [&](std::uint32_t) { ++fired; });
  w.advance(10'000 * kMs, [&](std::uint32_t) { ++fired; });  // a worker stalled for 10 s
  EXPECT_EQ(fired, 2);
}

}  // namespace
}  // namespace sb::dataplane
