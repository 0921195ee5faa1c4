#include "common/queues.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace sb {
namespace {

struct Msg {
  std::uint32_t producer;
  std::uint32_t seq;
  std::uint64_t payload[2];
};

TEST(SpscRing, FullAndEmptyAreReported) {
  SpscRing<int> r(4);
  int v = 0;
  EXPECT_FALSE(r.try_pop(v));
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(r.try_push(i));
  EXPECT_FALSE(r.try_push(99));
  EXPECT_EQ(r.read_available(), 4u);
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(r.try_pop(v));
    EXPECT_EQ(v, i);
  }
  EXPECT_TRUE(r.empty());
}

TEST(SpscRing, BurstsKeepOrder) {
  SpscRing<int> r(8);
  const int in[6] = {1, 2, 3, 4, 5, 6};
  EXPECT_EQ(r.push_burst(in), 6u);
  int out[4];
  EXPECT_EQ(r.pop_burst(out), 4u);
  EXPECT_EQ(out[0], 1);
  EXPECT_EQ(out[3], 4);
  EXPECT_EQ(r.pop_burst(out), 2u);
  EXPECT_EQ(out[1], 6);
}

TEST(SpscRing, CrossThreadDeliversEverythingInOrder) {
  constexpr std::uint32_t kCount = 1'000'000;
  SpscRing<Msg> r(1024);
  std::thread producer([&] {
    for (std::uint32_t i = 0; i < kCount; ++i) {
      Msg m{0, i, {i * 3ull, i * 7ull}};
      while (!r.try_push(m)) std::this_thread::yield();
    }
  });
  std::uint32_t expected = 0;
  Msg m{};
  while (expected < kCount) {
    if (!r.try_pop(m)) continue;
    ASSERT_EQ(m.seq, expected);
    // The payload written before the push is visible after the pop.
    ASSERT_EQ(m.payload[0], expected * 3ull);
    ASSERT_EQ(m.payload[1], expected * 7ull);
    ++expected;
  }
  producer.join();
}

TEST(MpscQueue, ManyProducersOneConsumerLoseNothing) {
  constexpr std::uint32_t kProducers = 4;
  constexpr std::uint32_t kEach = 100'000;
  MpscQueue<Msg> q(4096);
  std::vector<std::thread> producers;
  for (std::uint32_t p = 0; p < kProducers; ++p)
    producers.emplace_back([&, p] {
      for (std::uint32_t i = 0; i < kEach; ++i) {
        Msg m{p, i, {p * 1000ull + i, 0}};
        while (!q.try_push(m)) std::this_thread::yield();
      }
    });
  std::vector<std::uint32_t> next(kProducers, 0);
  std::uint64_t received = 0;
  Msg m{};
  while (received < kProducers * kEach) {
    if (!q.try_pop(m)) continue;
    // Per-producer FIFO holds even with interleaving between producers.
    ASSERT_EQ(m.seq, next[m.producer]);
    ASSERT_EQ(m.payload[0], m.producer * 1000ull + m.seq);
    ++next[m.producer];
    ++received;
  }
  for (auto& t : producers) t.join();
  EXPECT_TRUE(q.empty());
}

TEST(MpscQueue, BoundedPushRefusesWhenFull) {
  MpscQueue<int> q(16);
  int pushed = 0;
  while (q.try_push(pushed) && pushed < 100000) ++pushed;
  EXPECT_GE(pushed, 16);
  EXPECT_LT(pushed, 100000);  // it refused instead of allocating more nodes
  int out[64];
  EXPECT_EQ(q.pop_burst(out), static_cast<std::size_t>(std::min(pushed, 64)));
}

}  // namespace
}  // namespace sb
