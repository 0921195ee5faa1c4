// Jitter buffer behaviour under reordering, duplication, lateness, loss,
// timestamp jumps and every ptime, in virtual time.
#include "dataplane/media/jitter_buffer.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <vector>

namespace sb::media {
namespace {

using namespace std::chrono_literals;

struct Sent {
  std::uint16_t seq;
  std::uint32_t ts;
  Nanos arrival;
  bool marker = false;
  std::uint32_t duration = 0;
};

struct Played {
  JitterBuffer::Frame::Kind kind;
  std::uint32_t ts;
  std::uint32_t duration;
  std::uint8_t first_byte;
  Nanos at;
};

// Delivers `packets` at their arrival times and pops every `tick`, as a
// media worker would, until `until`. Each payload's first byte is the low
// byte of its sequence number so order can be checked.
std::vector<Played> run(JitterBuffer& jb, std::vector<Sent> packets, Nanos until, Nanos tick = 5ms) {
  std::stable_sort(packets.begin(), packets.end(), [](const Sent& a, const Sent& b) { return a.arrival < b.arrival; });
  std::vector<Played> out;
  std::size_t next = 0;
  for (Nanos now{0}; now <= until; now += tick) {
    while (next < packets.size() && packets[next].arrival <= now) {
      const std::uint8_t payload[4] = {static_cast<std::uint8_t>(packets[next].seq), 1, 2, 3};
      (void)jb.push(packets[next].seq, packets[next].ts, packets[next].marker, payload, packets[next].arrival,
                    packets[next].duration);
      ++next;
    }
    JitterBuffer::Frame f;
    while (jb.pop(now, f))
      out.push_back({f.kind, f.timestamp, f.duration_ts, f.payload.empty() ? std::uint8_t{0} : f.payload[0], now});
  }
  return out;
}

std::vector<Sent> stream(int count, std::uint32_t step, Nanos interval, Nanos network_delay = 10ms,
                         std::uint16_t first_seq = 1000, std::uint32_t first_ts = 160000, bool durations = false) {
  std::vector<Sent> v;
  for (int i = 0; i < count; ++i)
    v.push_back({static_cast<std::uint16_t>(first_seq + i), first_ts + static_cast<std::uint32_t>(i) * step,
                 interval * i + network_delay, i == 0, durations ? step : 0});
  return v;
}

int count_kind(const std::vector<Played>& v, JitterBuffer::Frame::Kind k) {
  return static_cast<int>(std::count_if(v.begin(), v.end(), [k](const Played& p) { return p.kind == k; }));
}

TEST(JitterBuffer, InOrderStreamPlaysEverythingOnTime) {
  JitterBuffer jb({.clock_rate = 8000});
  const auto out = run(jb, stream(50, 160, 20ms), 1200ms);
  ASSERT_EQ(count_kind(out, JitterBuffer::Frame::kPacket), 50);
  // Losses only after the stream ended (then it pauses).
  for (int i = 0; i < 50; ++i) {
    EXPECT_EQ(out[static_cast<std::size_t>(i)].kind, JitterBuffer::Frame::kPacket);
    EXPECT_EQ(out[static_cast<std::size_t>(i)].first_byte, static_cast<std::uint8_t>(1000 + i));
  }
  // The first packet plays one initial delay (40 ms) after it arrived.
  EXPECT_EQ(out[0].at, 10ms + 40ms);
  EXPECT_EQ(jb.stats().late, 0u);
  EXPECT_EQ(jb.frame_ts(), 160u);
}

TEST(JitterBuffer, ReorderedPacketsPlayInTimestampOrder) {
  auto s = stream(20, 160, 20ms);
  std::swap(s[5].arrival, s[6].arrival);   // 6 before 5
  s[9].arrival += 25ms;                     // 9 after 10
  JitterBuffer jb({.clock_rate = 8000});
  const auto out = run(jb, s, 500ms);
  std::vector<std::uint8_t> order;
  for (const auto& p : out)
    if (p.kind == JitterBuffer::Frame::kPacket) order.push_back(p.first_byte);
  ASSERT_EQ(order.size(), 20u);
  for (std::size_t i = 0; i < order.size(); ++i) EXPECT_EQ(order[i], static_cast<std::uint8_t>(1000 + i));
  // Nothing concealed while the stream ran (only after its end).
  for (std::size_t i = 0; i < 20; ++i) EXPECT_EQ(out[i].kind, JitterBuffer::Frame::kPacket) << i;
}

TEST(JitterBuffer, DuplicatesAreCountedAndPlayedOnce) {
  auto s = stream(10, 160, 20ms);
  s.push_back(s[3]);
  s.back().arrival += 5ms;
  s.push_back(s[7]);
  JitterBuffer jb({.clock_rate = 8000});
  const auto out = run(jb, s, 300ms);
  EXPECT_EQ(count_kind(out, JitterBuffer::Frame::kPacket), 10);
  EXPECT_EQ(jb.stats().duplicates, 2u);
}

TEST(JitterBuffer, LostPacketIsConcealedForOneFrame) {
  auto s = stream(20, 160, 20ms);
  s.erase(s.begin() + 8);
  JitterBuffer jb({.clock_rate = 8000});
  const auto out = run(jb, s, 430ms);
  ASSERT_GE(out.size(), 20u);
  EXPECT_EQ(out[8].kind, JitterBuffer::Frame::kLost);
  EXPECT_EQ(out[8].ts, 160000u + 8 * 160);
  EXPECT_EQ(out[8].duration, 160u);
  EXPECT_EQ(out[9].kind, JitterBuffer::Frame::kPacket);
  EXPECT_EQ(out[9].first_byte, static_cast<std::uint8_t>(1009));
}

// Concealment counts only what the sender's later packets prove lost: a
// clean stream that simply ends yields kLost frames until the buffer
// pauses, but they are the gap after the stream (trailing), not losses.
TEST(JitterBuffer, ACleanStreamCountsNoLossWhenItEnds) {
  JitterBuffer jb({.clock_rate = 8000});
  const auto out = run(jb, stream(50, 160, 20ms, 13ms), 1500ms);
  EXPECT_EQ(count_kind(out, JitterBuffer::Frame::kPacket), 50);
  EXPECT_EQ(count_kind(out, JitterBuffer::Frame::kLost), 10);  // then it pauses
  EXPECT_EQ(jb.stats().lost, 0u);
  EXPECT_EQ(jb.stats().trailing, 10u);
}

TEST(JitterBuffer, LossesAreCountedOnceALaterPacketPlays) {
  auto s = stream(30, 160, 20ms);
  s.erase(s.begin() + 12);  // lost in the network
  s[20].arrival += 120ms;   // late: concealed, then it arrives
  JitterBuffer jb({.clock_rate = 8000});
  const auto out = run(jb, s, 1500ms);
  EXPECT_EQ(count_kind(out, JitterBuffer::Frame::kPacket), 28);
  EXPECT_EQ(jb.stats().lost, 2u);
  EXPECT_EQ(jb.stats().trailing, 10u);
  EXPECT_EQ(jb.stats().late, 1u);
}

TEST(JitterBuffer, TheGapBeforeAMarkedTalkSpurtIsNotALoss) {
  auto s = stream(10, 160, 20ms);
  // 100 ms of silence (fewer frames than the buffer takes to pause), the
  // timestamps running on, then a talk-spurt with its marker.
  auto t = stream(10, 160, 20ms, 10ms + 300ms, 1010, 160000 + 15 * 160);
  t[0].marker = true;
  s.insert(s.end(), t.begin(), t.end());
  JitterBuffer jb({.clock_rate = 8000});
  const auto out = run(jb, s, 1200ms);
  EXPECT_EQ(count_kind(out, JitterBuffer::Frame::kPacket), 20);
  EXPECT_EQ(jb.stats().lost, 0u);
  EXPECT_GT(jb.stats().trailing, 10u);  // the pause, then the stream's end
}

// Opus-like: durations unknown, and every pair swapped, so no two
// consecutive packets ever arrive in order and the frame length is never
// learnt from them; each first of a pair arrives just after the tick that
// had to conceal it (lateness about zero). The first late packet must still
// grow the delay (by half a default frame) so the rest find their slots.
TEST(JitterBuffer, SwappedPairsWithUnknownDurationsStopBeingLate) {
  JitterBuffer jb({.clock_rate = 48000});
  const std::uint8_t payload[4] = {};
  int played = 0;
  for (int k = 0; k < 60; ++k) {
    const Nanos now = 20ms * k;
    JitterBuffer::Frame f;
    while (jb.pop(now, f)) played += f.kind == JitterBuffer::Frame::kPacket;  // the tick first
    if (k < 50) {
      const int i = k % 2 == 0 ? k + 1 : k - 1;
      (void)jb.push(static_cast<std::uint16_t>(1000 + i), 480000u + 960u * static_cast<std::uint32_t>(i), false,
                    payload, now);
    }
  }
  EXPECT_LE(jb.stats().late, 2u);
  EXPECT_GE(played, 47);
}

TEST(JitterBuffer, LatePacketIsDroppedAndTheDelayGrows) {
  auto s = stream(30, 160, 20ms);
  s[10].arrival += 120ms;  // far beyond the 40 ms initial delay
  JitterBuffer jb({.clock_rate = 8000});
  const Nanos before = jb.stats().current_delay;
  const auto out = run(jb, s, 800ms);
  EXPECT_EQ(jb.stats().late, 1u);
  EXPECT_GT(jb.stats().current_delay, before);
  EXPECT_EQ(out[10].kind, JitterBuffer::Frame::kLost);
  EXPECT_EQ(count_kind(out, JitterBuffer::Frame::kPacket), 29);
}

TEST(JitterBuffer, AdaptsToHeavyJitterAndStopsLosing) {
  // 60 ms ± 20 ms network delay, uniformly spread: what `tc netem delay 60ms
  // 20ms` gives.
  std::mt19937 rng(42);
  std::uniform_int_distribution<int> jitter_ms(-20, 20);
  std::vector<Sent> s;
  for (int i = 0; i < 1500; ++i)
    s.push_back({static_cast<std::uint16_t>(i), static_cast<std::uint32_t>(i) * 160,
                 20ms * i + 60ms + std::chrono::milliseconds(jitter_ms(rng)), i == 0});
  JitterBuffer jb({.clock_rate = 8000});
  const auto out = run(jb, s, 31s, 2ms);
  // Early losses while it learns; after the first second, essentially none.
  int late_losses = 0;
  for (const auto& p : out)
    if (p.kind == JitterBuffer::Frame::kLost && p.at > 1s && p.at < 30s) ++late_losses;
  EXPECT_LE(late_losses, 3);
  EXPECT_LE(jb.stats().current_delay, 150ms);
  EXPECT_GE(jb.stats().jitter_ms, 5.0);
}

TEST(JitterBuffer, ShrinksAtTalkSpurtStartsOnceTheNetworkCalms) {
  // Talk-spurt 1 on a jittery network grows the delay; talk-spurts 2 and 3,
  // after silences, run on a calm one. The delay shrinks at a talk-spurt
  // start once the jitter estimate has come down (during talk-spurt 2).
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> jitter_ms(0, 80);
  std::vector<Sent> s;
  std::uint16_t seq = 0;
  std::uint32_t frame = 0;
  auto spurt = [&](int packets, bool jittery) {
    for (int i = 0; i < packets; ++i, ++seq, ++frame)
      s.push_back({seq, frame * 160, 20ms * frame + (jittery ? std::chrono::milliseconds(jitter_ms(rng)) : 10ms), i == 0});
    frame += 100;  // 2 s of silence: timestamps advance, nothing is sent
  };
  spurt(200, true);
  JitterBuffer jb({.clock_rate = 8000});
  run(jb, s, 5s);
  const Nanos grown = jb.stats().current_delay;
  spurt(200, false);
  spurt(200, false);
  JitterBuffer jb2({.clock_rate = 8000});
  run(jb2, s, 20s);
  EXPECT_GT(grown, 60ms);
  EXPECT_LE(jb2.stats().current_delay, 30ms);
  EXPECT_GE(jb2.stats().current_delay, 20ms);  // min_delay
}

TEST(JitterBuffer, EveryPtimeWithKnownDurations) {
  for (int ptime : {10, 20, 30, 40, 60}) {
    const std::uint32_t step = static_cast<std::uint32_t>(8 * ptime);
    JitterBuffer jb({.clock_rate = 8000});
    const auto out = run(jb, stream(40, step, std::chrono::milliseconds(ptime), 10ms, 1000, 160000, true),
                         std::chrono::milliseconds(ptime * 40 + 100));
    EXPECT_EQ(jb.frame_ts(), step) << ptime;
    EXPECT_EQ(count_kind(out, JitterBuffer::Frame::kPacket), 40) << ptime;
    for (int i = 0; i < 39; ++i) EXPECT_EQ(out[static_cast<std::size_t>(i)].duration, step) << ptime;
  }
}

TEST(JitterBuffer, PtimeIsLearntWhenDurationsAreUnknown) {
  // 30 ms packets without duration hints: the first frame is played before
  // the second packet arrived, so it may be cut short; from then on the
  // learnt step is used and nothing is lost.
  JitterBuffer jb({.clock_rate = 8000, .initial_delay = 60ms});
  const auto out = run(jb, stream(40, 240, 30ms), 1400ms);
  EXPECT_EQ(jb.frame_ts(), 240u);
  EXPECT_EQ(count_kind(out, JitterBuffer::Frame::kPacket), 40);
  for (int i = 1; i < 39; ++i) EXPECT_EQ(out[static_cast<std::size_t>(i)].duration, 240u) << i;
}

TEST(JitterBuffer, TimestampJumpResyncsWithoutALossFlood) {
  auto s = stream(20, 160, 20ms);
  // A new sender with far-away timestamps, 60 ms after the last packet of
  // the first (which is still playing out).
  auto t = stream(20, 160, 20ms, 10ms + 440ms, 1020, 4'000'000'000u);
  s.insert(s.end(), t.begin(), t.end());
  JitterBuffer jb({.clock_rate = 8000});
  const auto out = run(jb, s, 1000ms);
  EXPECT_EQ(jb.stats().resyncs, 1u);
  EXPECT_EQ(count_kind(out, JitterBuffer::Frame::kPacket), 40);
  EXPECT_LE(count_kind(out, JitterBuffer::Frame::kLost), 12);  // the silent gap before the jump, then it pauses
}

TEST(JitterBuffer, SilenceThenNewTalkSpurtPausesInsteadOfConcealingForever) {
  auto s = stream(10, 160, 20ms);
  auto t = stream(10, 160, 20ms, 10ms + 3s, 1010, 160000 + 160 * 160);  // 3 s later, timestamps kept going
  t[0].marker = true;
  s.insert(s.end(), t.begin(), t.end());
  JitterBuffer jb({.clock_rate = 8000});
  const auto out = run(jb, s, 3500ms);
  EXPECT_EQ(count_kind(out, JitterBuffer::Frame::kPacket), 20);
  EXPECT_LE(count_kind(out, JitterBuffer::Frame::kLost), 20);  // ~10 to notice silence, then paused
  EXPECT_EQ(jb.stats().late, 0u);
}

TEST(JitterBuffer, SequenceAndTimestampWrapAround) {
  JitterBuffer jb({.clock_rate = 8000});
  const auto out = run(jb, stream(40, 160, 20ms, 10ms, 65520, 0xFFFFFFFFu - 160 * 10), 1000ms);
  EXPECT_EQ(count_kind(out, JitterBuffer::Frame::kPacket), 40);
  EXPECT_EQ(jb.stats().lost, 0u);  // what was concealed after the end is not (yet) a loss
  for (int i = 0; i < 40; ++i) EXPECT_EQ(out[static_cast<std::size_t>(i)].kind, JitterBuffer::Frame::kPacket);
}

TEST(JitterBuffer, OversizedAndOverflowingPacketsAreCounted) {
  JitterBuffer jb({.clock_rate = 8000, .slots = 8, .max_payload = 4});
  const std::uint8_t big[5] = {};
  EXPECT_FALSE(jb.push(1, 160, false, big, 0ms));
  EXPECT_EQ(jb.stats().oversized, 1u);
  const std::uint8_t p[4] = {};
  EXPECT_TRUE(jb.push(1, 160, false, p, 0ms));
  EXPECT_FALSE(jb.push(9, 160 + 8 * 160, false, p, 1ms));  // same slot, 8 packets ahead
  EXPECT_EQ(jb.stats().overflow, 1u);
}

TEST(JitterBuffer, WideBandClock) {
  JitterBuffer jb({.clock_rate = 48000});
  const auto out = run(jb, stream(25, 960, 20ms), 700ms);
  EXPECT_EQ(count_kind(out, JitterBuffer::Frame::kPacket), 25);
  EXPECT_EQ(jb.frame_ts(), 960u);
}

}  // namespace
}  // namespace sb::media
