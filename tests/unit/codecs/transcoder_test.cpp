#include "codecs/transcoder.hpp"

#include <gtest/gtest.h>

#include "codecs/signal_metrics.hpp"
#include "ivr/rfc4733.hpp"
#include "tests/support/signals.hpp"

namespace sb::codecs {
namespace {

// Encodes `pcm` with `from`, transcodes to `to`, decodes, and returns the
// audio at `to`'s rate.
std::vector<std::int16_t> chain(const TranscodeSide& from, const TranscodeSide& to, const std::vector<std::int16_t>& pcm,
                                std::vector<std::uint32_t>* steps = nullptr, int lose_every = 0) {
  auto enc = Encoder::create(from.codec, from.params);
  auto t = Transcoder::create(from, to);
  auto dec = Decoder::create(to.codec, to.params);
  EXPECT_TRUE(enc && t && dec);
  std::vector<std::int16_t> out, frame_out(kMaxFrameSamples);
  std::vector<std::uint8_t> payload(kMaxPayloadBytes);
  const std::size_t f = static_cast<std::size_t>(enc->frame_samples());
  int k = 0;
  auto emit = [&](std::span<const std::uint8_t> p, std::uint32_t step) {
    if (steps) steps->push_back(step);
    const int n = p.empty() ? dec->conceal(frame_out) : dec->decode(p, frame_out);
    ASSERT_GT(n, 0);
    out.insert(out.end(), frame_out.begin(), frame_out.begin() + n);
  };
  for (std::size_t off = 0; off + f <= pcm.size(); off += f, ++k) {
    const int bytes = enc->encode(std::span(pcm).subspan(off, f), payload);
    if (lose_every && k % lose_every == lose_every - 1)
      t->conceal(emit);
    else
      t->transcode(std::span(payload).first(static_cast<std::size_t>(bytes)), emit);
  }
  return out;
}

TEST(Transcoder, PcmuToOpusAndBackKeepsSpeech) {
  const auto speech8 = sb::test::committed_speech(8000);
  CodecParams opus;
  opus.sample_rate = 16000;
  opus.complexity = 5;
  std::vector<std::uint32_t> steps;
  const auto wide = chain({CodecId::kPcmu, {}}, {CodecId::kOpus, opus}, speech8, &steps);
  ASSERT_FALSE(steps.empty());
  for (auto s : steps) EXPECT_EQ(s, 960u);  // 20 ms at Opus's 48 kHz RTP clock
  // Compare against the speech at the output rate.
  const auto speech16 = sb::test::committed_speech(16000);
  const int lag = best_lag(speech16, wide, 800);
  EXPECT_GE(correlation(speech16, wide, lag), 0.85);

  const auto narrow = chain({CodecId::kOpus, opus}, {CodecId::kPcmu, {}}, speech16);
  const int lag2 = best_lag(speech8, narrow, 400);
  EXPECT_GE(correlation(speech8, narrow, lag2), 0.85);
}

TEST(Transcoder, ReframesBetweenPtimes) {
  // 10 ms PCMA in, 60 ms G.722 out: one output frame per six inputs.
  CodecParams in;
  in.ptime_ms = 10;
  CodecParams out;
  out.ptime_ms = 60;
  std::vector<std::uint32_t> steps;
  const auto tone = sb::test::sine(8000, 1000, -10, 1200);
  const auto result = chain({CodecId::kPcma, in}, {CodecId::kG722, out}, tone, &steps);
  EXPECT_GE(steps.size(), 19u);
  EXPECT_LE(steps.size(), 20u);
  for (auto s : steps) EXPECT_EQ(s, 480u);  // 60 ms of G.722's 8 kHz RTP clock
  EXPECT_GT(tone_level_dbfs(std::span(result).subspan(4000, 8000), 1000, 16000), -14.0);
}

TEST(Transcoder, LostInputIsConcealedNotSilenced) {
  const auto tone = sb::test::sine(8000, 440, -10, 2000);
  const auto out = chain({CodecId::kPcmu, {}}, {CodecId::kPcma, {}}, tone, nullptr, 5);
  ASSERT_EQ(out.size(), tone.size());
  // Every fifth frame was lost; PLC keeps the tone going in it.
  for (std::size_t f = 4; f < 100; f += 5) {
    const std::span<const std::int16_t> frame(out.data() + f * 160, 160);
    EXPECT_GT(tone_level_dbfs(frame, 440, 8000), -25.0) << f;
  }
}

TEST(Transcoder, CorruptInputIsRefused) {
  CodecParams opus;
  opus.sample_rate = 48000;
  auto t = Transcoder::create({CodecId::kOpus, opus}, {CodecId::kPcmu, {}});
  ASSERT_TRUE(t);
  int emitted = 0;
  const std::vector<std::uint8_t> empty;
  EXPECT_EQ(t->transcode(empty, [&](auto, auto) { ++emitted; }), -1);
  EXPECT_EQ(emitted, 0);
}

TEST(TelephoneEventMapping, ScalesDurationBetweenClocks) {
  std::uint8_t in[4], out[4];
  ASSERT_EQ(ivr::build_telephone_event({11, true, 10, 800}, in), 4u);  // 100 ms at 8 kHz
  ASSERT_EQ(map_telephone_event(in, 8000, 48000, out), 4);
  ivr::TelephoneEvent ev[1];
  ASSERT_EQ(ivr::parse_telephone_events(out, ev), 1);
  EXPECT_EQ(ev[0].event, 11);
  EXPECT_TRUE(ev[0].end);
  EXPECT_EQ(ev[0].duration, 4800);
  ASSERT_EQ(map_telephone_event(out, 48000, 8000, in), 4);
  ASSERT_EQ(ivr::parse_telephone_events(in, ev), 1);
  EXPECT_EQ(ev[0].duration, 800);
  // 2 s at 8 kHz is 96000 at 48 kHz: clamped to 16 bits.
  ASSERT_EQ(ivr::build_telephone_event({1, false, 10, 16000}, in), 4u);
  ASSERT_EQ(map_telephone_event(in, 8000, 48000, out), 4);
  ASSERT_EQ(ivr::parse_telephone_events(out, ev), 1);
  EXPECT_EQ(ev[0].duration, 0xffff);
  const std::uint8_t bad[3] = {};
  EXPECT_EQ(map_telephone_event(bad, 8000, 48000, out), -1);
}

}  // namespace
}  // namespace sb::codecs
