#include "common/per_core_counters.hpp"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace sb {
namespace {

enum Counter : std::size_t { kRx, kTx, kCount };

TEST(PerCoreCounters, SumsAcrossCores) {
  PerCoreCounters<kCount> c(3);
  c.add(0, kRx, 5);
  c.add(1, kRx, 7);
  c.add(2, kTx);
  EXPECT_EQ(c.sum(kRx), 12u);
  EXPECT_EQ(c.sum(kTx), 1u);
  EXPECT_EQ(c.get(1, kRx), 7u);
}

TEST(PerCoreCounters, ConcurrentWritersLoseNothing) {
  constexpr int kCores = 4;
  constexpr std::uint64_t kPerCore = 200000;
  PerCoreCounters<kCount> c(kCores);
  std::vector<std::thread> threads;
  for (int core = 0; core < kCores; ++core)
    threads.emplace_back([&, core] {
      for (std::uint64_t i = 0; i < kPerCore; ++i) c.add(static_cast<std::size_t>(core), kRx);
    });
  // A reader sums while the writers run; values only grow.
  std::uint64_t last = 0;
  for (int i = 0; i < 1000; ++i) {
    const std::uint64_t now = c.sum(kRx);
    EXPECT_GE(now, last);
    last = now;
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(c.sum(kRx), kCores * kPerCore);
}

TEST(PerCoreCounters, GaugesAreSet) {
  PerCoreCounters<kCount> c(2);
  c.set(0, kTx, 40);
  c.set(1, kTx, 2);
  c.set(0, kTx, 38);
  EXPECT_EQ(c.sum(kTx), 40u);
}

}  // namespace
}  // namespace sb
