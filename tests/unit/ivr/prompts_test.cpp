#include "ivr/prompts.hpp"

#include <gtest/gtest.h>

#include "codecs/signal_metrics.hpp"
#include "tests/support/process.hpp"
#include "tests/support/signals.hpp"

namespace sb::ivr {
namespace {

using codecs::CodecId;

std::vector<std::int16_t> decode_all(const EncodedPrompt& p) {
  auto dec = codecs::Decoder::create(p.format.codec, p.format.params);
  EXPECT_TRUE(dec);
  std::vector<std::int16_t> out, pcm(codecs::kMaxFrameSamples);
  for (std::size_t i = 0; i < p.frames(); ++i) {
    const int n = dec->decode(p.frame(i), pcm);
    EXPECT_EQ(n, p.frame_samples);
    out.insert(out.end(), pcm.begin(), pcm.begin() + n);
  }
  return out;
}

TEST(PromptStore, FileIsPreEncodedPerCodec) {
  PromptStore store;
  ASSERT_TRUE(store.add_file("welcome", test::test_data_dir() + "/speech_16k.wav").is_ok());
  const auto speech8 = test::committed_speech(8000);

  auto pcmu = store.encoded("welcome", {CodecId::kPcmu});
  ASSERT_TRUE(pcmu) << pcmu.status().to_string();
  EXPECT_EQ((*pcmu)->frames(), (speech8.size() + 159) / 160);
  EXPECT_EQ((*pcmu)->timestamp_step, 160u);
  EXPECT_NEAR((*pcmu)->seconds(), 10.24, 0.03);
  const auto back = decode_all(**pcmu);
  const int lag = codecs::best_lag(speech8, back, 40);
  EXPECT_GE(codecs::correlation(speech8, back, lag), 0.97);

  PromptFormat opus{CodecId::kOpus, {}};
  opus.params.sample_rate = 48000;
  auto op = store.encoded("welcome", opus);
  ASSERT_TRUE(op) << op.status().to_string();
  EXPECT_EQ((*op)->timestamp_step, 960u);  // 20 ms at the 48 kHz RTP clock

  auto g722 = store.encoded("welcome", {CodecId::kG722});
  ASSERT_TRUE(g722);
  EXPECT_EQ((*g722)->timestamp_step, 160u);  // RFC 3551: 8 kHz clock for G.722
  EXPECT_EQ((*g722)->frame(0).size(), 160u);

  // Cached: the same object comes back.
  auto again = store.encoded("welcome", {CodecId::kPcmu});
  EXPECT_EQ(again->get(), pcmu->get());
}

TEST(PromptStore, ErrorsNameTheProblem) {
  PromptStore store;
  EXPECT_EQ(store.encoded("nope", {}).status().code(), StatusCode::kNotFound);
  const Status s = store.add_file("x", "/nonexistent/prompt.wav");
  EXPECT_EQ(s.code(), StatusCode::kIoError);
  EXPECT_NE(s.message().find("/nonexistent/prompt.wav"), std::string::npos);
  EXPECT_FALSE(store.add_pcm("", {1, 2}, 8000).is_ok());
  EXPECT_FALSE(store.add_pcm("empty", {}, 8000).is_ok());
  ASSERT_TRUE(store.add_pcm("ok", std::vector<std::int16_t>(800, 0), 8000).is_ok());
  PromptFormat bad{CodecId::kOpus, {}};
  bad.params.complexity = 42;
  EXPECT_EQ(store.encoded("ok", bad).status().code(), StatusCode::kInvalidArgument);
}

TEST(PromptStore, ToneCadenceRenders) {
  PromptStore store;
  ASSERT_TRUE(store.add_tone("ringback", ToneKind::kRingback, ToneRegion::kNorthAmerica, 6000).is_ok());
  auto p = store.encoded("ringback", {CodecId::kPcma});
  ASSERT_TRUE(p);
  EXPECT_EQ((*p)->frames(), 300u);
  const auto pcm = decode_all(**p);
  EXPECT_GT(codecs::tone_level_dbfs(std::span(pcm).subspan(800, 8000), 440, 8000), -30.0);
  EXPECT_LT(codecs::rms_dbfs(std::span(pcm).subspan(3 * 8000, 8000)), -60.0);
}

TEST(PromptPlayer, PlaysListThenStopsOrLoops) {
  PromptStore store;
  ASSERT_TRUE(store.add_pcm("a", std::vector<std::int16_t>(3 * 160, 1000), 8000).is_ok());
  ASSERT_TRUE(store.add_pcm("b", std::vector<std::int16_t>(2 * 160, -1000), 8000).is_ok());
  auto a = *store.encoded("a", {}), b = *store.encoded("b", {});
  const std::shared_ptr<const EncodedPrompt> list[] = {a, b};
  PromptPlayer player;
  ASSERT_TRUE(player.start(list, false));
  int frames = 0;
  while (player.next()) ++frames;
  EXPECT_EQ(frames, 5);
  EXPECT_FALSE(player.playing());

  ASSERT_TRUE(player.start(list, true));  // music on hold
  for (int i = 0; i < 23; ++i) ASSERT_TRUE(player.next());
  EXPECT_TRUE(player.playing());
  player.stop();  // barge-in
  EXPECT_FALSE(player.next());
}

TEST(PromptPlayer, RefusesMixedOrEmptyLists) {
  PromptStore store;
  ASSERT_TRUE(store.add_pcm("a", std::vector<std::int16_t>(160, 1), 8000).is_ok());
  auto u = *store.encoded("a", {CodecId::kPcmu});
  auto g = *store.encoded("a", {CodecId::kG722});
  PromptPlayer player;
  const std::shared_ptr<const EncodedPrompt> mixed[] = {u, g};
  EXPECT_FALSE(player.start(mixed, false));
  EXPECT_FALSE(player.start({}, false));
}

TEST(PromptStore, ReplacedPromptOutlivesItsPlayer) {
  PromptStore store;
  ASSERT_TRUE(store.add_pcm("p", std::vector<std::int16_t>(1600, 5), 8000).is_ok());
  PromptPlayer player;
  {
    const std::shared_ptr<const EncodedPrompt> list[] = {*store.encoded("p", {})};
    ASSERT_TRUE(player.start(list, false));
  }
  ASSERT_TRUE(store.add_pcm("p", std::vector<std::int16_t>(3200, 7), 8000).is_ok());  // reload
  EXPECT_EQ(store.collect_retired(), 0u);  // the player still holds it
  int frames = 0;
  while (player.next()) ++frames;
  EXPECT_EQ(frames, 10);  // the old version, to its end
  player.stop();
  EXPECT_EQ(store.collect_retired(), 1u);
  EXPECT_EQ((*store.encoded("p", {}))->frames(), 20u);
}

}  // namespace
}  // namespace sb::ivr
