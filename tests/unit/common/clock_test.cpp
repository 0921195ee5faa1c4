#include "common/clock.hpp"

#include <gtest/gtest.h>

#include <thread>

namespace sb {
namespace {

TEST(ManualClock, MovesOnlyWhenTold) {
  ManualClock c;
  EXPECT_EQ(c.now(), Nanos{0});
  c.advance(std::chrono::milliseconds(20));
  EXPECT_EQ(c.now(), std::chrono::milliseconds(20));
  c.set(std::chrono::seconds(5));
  EXPECT_EQ(c.now(), std::chrono::seconds(5));
}

TEST(ManualClock, WallTimeFollowsMonotonicTime) {
  ManualClock c(Nanos{0}, std::chrono::seconds(1'700'000'000));
  c.advance(std::chrono::seconds(2));
  EXPECT_EQ(c.wall_now(), std::chrono::seconds(1'700'000'002));
}

TEST(ManualClock, AdvancesFromAnotherThreadAreAllSeen) {
  ManualClock c;
  std::thread t([&] {
    for (int i = 0; i < 1000; ++i) c.advance(Nanos{1});
  });
  for (int i = 0; i < 1000; ++i) c.advance(Nanos{1});
  t.join();
  EXPECT_EQ(c.now(), Nanos{2000});
}

TEST(SteadyClock, IsMonotonicAndWallIsNearSystemTime) {
  const auto& c = SteadyClock::instance();
  const Nanos a = c.now();
  const Nanos b = c.now();
  EXPECT_LE(a, b);
  const auto sys = std::chrono::system_clock::now().time_since_epoch();
  EXPECT_LT(std::chrono::abs(c.wall_now() - sys), std::chrono::seconds(5));
}

TEST(ClockConversions, RoundTrip) {
  EXPECT_DOUBLE_EQ(to_seconds(from_seconds(1.5)), 1.5);
  EXPECT_EQ(from_millis(250), std::chrono::milliseconds(250));
}

}  // namespace
}  // namespace sb
