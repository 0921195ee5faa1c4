// What the daemon's mixing tests share (supervisor modes on calls,
// conference rooms through the media API): far ends talking a tone each
// over real RTP on loopback, in real time, and the levels of tones in
// what they heard.
//
// Tones 400, 700 and 1300 Hz at -16 dBFS: no sum or difference of two of
// them, nor of one with the other's double (second- and third-order
// products of G.711's companding), lands on the third, so energy at a
// party's own or a muted party's frequency can only come from the mix
// itself. Bounds, measured with Goertzel over what arrived after the
// first 300 ms (the jitter buffers filling): a tone that is mixed in
// arrives near its -16 dBFS (G.711 keeps a sine's level within a dB), so
// "heard" is above -20 dBFS; a tone that is left out is not in the signal
// at all, and what its bin holds over more than a second of audio is
// quantisation noise far below -60 dBFS, so "not heard" is below -60
// dBFS: 40 dB between the two, more than any codec or jitter effect.
#pragma once

#include <chrono>
#include <initializer_list>
#include <thread>

#include "tests/unit/dataplane/talker.hpp"

namespace sb::test {

using dataplane::test::Talker;

inline constexpr double kHeardDbfs = -20.0;
inline constexpr double kAbsentDbfs = -60.0;
inline constexpr int kSettleMs = 300;

// Every talker sends one 20 ms packet per 20 ms of the steady clock for
// `span`; what the daemon sends back is collected as it comes, and for
// 100 ms after the last packet.
inline void converse(std::initializer_list<Talker*> talkers, std::chrono::milliseconds span) {
  using namespace std::chrono_literals;
  const auto start = std::chrono::steady_clock::now();
  const auto packets = span / 20ms;
  for (std::int64_t sent = 0;;) {
    const auto now = std::chrono::steady_clock::now();
    for (; sent < packets && now >= start + sent * 20ms; ++sent)
      for (Talker* t : talkers) t->send(t->port);
    for (Talker* t : talkers) t->collect();
    if (sent == packets && now >= start + span + 100ms) return;
    std::this_thread::sleep_for(2ms);
  }
}

// Forgets what the talkers heard so far (the next phase is judged alone).
inline void forget_heard(std::initializer_list<Talker*> talkers) {
  for (Talker* t : talkers) {
    t->collect();
    t->heard.clear();
    t->headers.clear();
  }
}

inline ::testing::AssertionResult hears(const Talker& t, double hz) {
  const double level = t.level(hz, kSettleMs);
  if (level > kHeardDbfs) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "the party on port " << t.port << " hears " << hz << " Hz at only " << level
                                       << " dBFS (" << t.heard.size() << " samples heard)";
}

inline ::testing::AssertionResult does_not_hear(const Talker& t, double hz) {
  const double level = t.level(hz, kSettleMs);
  if (t.heard.size() > static_cast<std::size_t>(t.rate) && level < kAbsentDbfs) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "the party on port " << t.port << " hears " << hz << " Hz at " << level
                                       << " dBFS (" << t.heard.size() << " samples heard)";
}

}  // namespace sb::test
