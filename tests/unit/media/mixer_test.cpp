// Mixing measured by tone frequencies: each party sends its own tone, and
// what each party hears is analysed per frequency.
#include "dataplane/media/mixer.hpp"

#include <gtest/gtest.h>

#include "codecs/signal_metrics.hpp"
#include "tests/support/signals.hpp"

namespace sb::media {
namespace {

using codecs::tone_level_dbfs;

struct Heard {
  std::vector<std::vector<std::int16_t>> out;
};

// Runs `ticks` of 20 ms with party i sending a sine at freqs[i] (0 = silent).
std::vector<std::vector<std::int16_t>> run(MixRoom& room, const std::vector<int>& parties, const std::vector<double>& freqs,
                                           int ticks = 25) {
  const int rate = room.sample_rate(), frame = room.frame_samples();
  std::vector<std::vector<std::int16_t>> sources;
  for (double f : freqs) sources.push_back(f > 0 ? sb::test::sine(rate, f, -16, ticks * 20) : std::vector<std::int16_t>(static_cast<std::size_t>(ticks * frame), 0));
  std::vector<std::vector<std::int16_t>> heard(parties.size());
  for (int t = 0; t < ticks; ++t) {
    for (std::size_t i = 0; i < parties.size(); ++i)
      room.put(parties[i], std::span(sources[i]).subspan(static_cast<std::size_t>(t * frame), static_cast<std::size_t>(frame)));
    room.mix();
    for (std::size_t i = 0; i < parties.size(); ++i) {
      auto o = room.output(parties[i]);
      heard[i].insert(heard[i].end(), o.begin(), o.end());
    }
  }
  return heard;
}

bool hears(const std::vector<std::int16_t>& x, double f, int rate) { return tone_level_dbfs(x, f, rate) > -25.0; }
bool silent_at(const std::vector<std::int16_t>& x, double f, int rate) { return tone_level_dbfs(x, f, rate) < -80.0; }

TEST(MixRoom, ThreePartyConferenceIsMixMinus) {
  for (int rate : {8000, 16000}) {
    MixRoom room(rate);
    const std::vector<int> p = {room.add_party(), room.add_party(), room.add_party()};
    const std::vector<double> f = {500, 900, 1300};
    const auto heard = run(room, p, f);
    for (std::size_t i = 0; i < 3; ++i) {
      for (std::size_t j = 0; j < 3; ++j) {
        if (i == j)
          EXPECT_TRUE(silent_at(heard[i], f[j], rate)) << "party " << i << " hears itself at " << rate;
        else
          EXPECT_TRUE(hears(heard[i], f[j], rate)) << "party " << i << " misses " << j << " at " << rate;
      }
    }
  }
}

TEST(MixRoom, SixtyFourParties) {
  MixRoom room(8000);
  std::vector<int> p;
  std::vector<double> f;
  for (int i = 0; i < MixRoom::kMaxParties; ++i) {
    p.push_back(room.add_party());
    f.push_back(i < 4 ? 400.0 + 300.0 * i : 0.0);  // four talkers, sixty listeners
  }
  EXPECT_EQ(room.add_party(), -1);
  const auto heard = run(room, p, f);
  for (int i = 0; i < 64; ++i)
    for (int j = 0; j < 4; ++j) {
      if (i == j) EXPECT_TRUE(silent_at(heard[static_cast<std::size_t>(i)], f[static_cast<std::size_t>(j)], 8000));
      else EXPECT_TRUE(hears(heard[static_cast<std::size_t>(i)], f[static_cast<std::size_t>(j)], 8000)) << i << " " << j;
    }
}

class Supervisor : public ::testing::TestWithParam<SupervisorMode> {};

TEST_P(Supervisor, ModesDecideWhoHearsTheSupervisor) {
  const auto mode = GetParam();
  MixRoom room(8000);
  const int caller = room.add_party(), agent = room.add_party(), sup = room.add_party();
  supervise(room, caller, agent, sup, mode);
  const std::vector<double> f = {500, 900, 1300};  // caller, agent, supervisor
  const auto h = run(room, {caller, agent, sup}, f);
  // Caller and agent always hear each other; the supervisor hears both.
  EXPECT_TRUE(hears(h[0], 900, 8000));
  EXPECT_TRUE(hears(h[1], 500, 8000));
  EXPECT_TRUE(hears(h[2], 500, 8000));
  EXPECT_TRUE(hears(h[2], 900, 8000));
  EXPECT_TRUE(silent_at(h[2], 1300, 8000));  // never itself
  const bool agent_hears_sup = hears(h[1], 1300, 8000);
  const bool caller_hears_sup = hears(h[0], 1300, 8000);
  switch (mode) {
    case SupervisorMode::kListen:
      EXPECT_TRUE(silent_at(h[0], 1300, 8000));
      EXPECT_TRUE(silent_at(h[1], 1300, 8000));
      break;
    case SupervisorMode::kWhisper:
      EXPECT_TRUE(agent_hears_sup);
      // The caller's stream holds no trace of the supervisor's tone.
      EXPECT_TRUE(silent_at(h[0], 1300, 8000)) << tone_level_dbfs(h[0], 1300, 8000);
      break;
    case SupervisorMode::kBarge:
      EXPECT_TRUE(agent_hears_sup);
      EXPECT_TRUE(caller_hears_sup);
      break;
  }
}

INSTANTIATE_TEST_SUITE_P(Modes, Supervisor,
                         ::testing::Values(SupervisorMode::kListen, SupervisorMode::kWhisper, SupervisorMode::kBarge));

TEST(MixRoom, SaturatesInsteadOfWrapping) {
  MixRoom room(8000);
  const int a = room.add_party(), b = room.add_party(), c = room.add_party();
  std::vector<std::int16_t> loud(160, 30000);
  room.put(a, loud);
  room.put(b, loud);
  room.mix();
  for (std::int16_t v : room.output(c)) EXPECT_EQ(v, 32767);
}

TEST(MixRoom, MissingInputIsSilenceAndRemovalStopsAudio) {
  MixRoom room(8000);
  const int a = room.add_party(), b = room.add_party();
  std::vector<std::int16_t> x(160, 1000);
  room.put(a, x);
  room.mix();
  EXPECT_EQ(room.output(b)[0], 1000);
  room.mix();  // nobody put anything
  EXPECT_EQ(room.output(b)[0], 0);
  room.remove_party(a);
  EXPECT_FALSE(room.active(a));
  room.put(a, x);
  room.mix();
  EXPECT_EQ(room.output(b)[0], 0);
  EXPECT_TRUE(room.output(a).empty());
  EXPECT_EQ(room.parties(), 1);
}

TEST(MixRoom, ListenersMaskAndReset) {
  MixRoom room(8000);
  const int a = room.add_party(), b = room.add_party(), c = room.add_party();
  EXPECT_EQ(room.listeners(a), (1ull << b) | (1ull << c));
  room.set_listeners(a, (1ull << b) | (1ull << a));  // a never hears itself
  EXPECT_EQ(room.listeners(a), 1ull << b);
  room.hear_all(a);
  EXPECT_EQ(room.listeners(a), (1ull << b) | (1ull << c));
}

}  // namespace
}  // namespace sb::media
