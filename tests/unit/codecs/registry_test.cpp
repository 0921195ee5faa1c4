#include "codecs/registry.hpp"

#include <gtest/gtest.h>

namespace sb::codecs {
namespace {

TEST(Registry, FindsBySdpNameCaseInsensitively) {
  EXPECT_EQ(find_codec("PCMU"), &kPcmuCodec);
  EXPECT_EQ(find_codec("pcma"), &kPcmaCodec);
  EXPECT_EQ(find_codec("g722"), &kG722Codec);
  EXPECT_EQ(find_codec("OPUS"), &kOpusCodec);
  EXPECT_EQ(find_codec("GSM"), nullptr);
  EXPECT_EQ(find_codec(""), nullptr);
  EXPECT_EQ(find_codec("PCMUX"), nullptr);
}

TEST(Registry, StaticPayloadTypesFollowRfc3551) {
  EXPECT_EQ(find_static_payload_type(0), &kPcmuCodec);
  EXPECT_EQ(find_static_payload_type(8), &kPcmaCodec);
  EXPECT_EQ(find_static_payload_type(9), &kG722Codec);
  EXPECT_EQ(find_static_payload_type(3), nullptr);   // GSM: not implemented
  EXPECT_EQ(find_static_payload_type(96), nullptr);  // dynamic
  EXPECT_EQ(find_static_payload_type(-1), nullptr);
}

TEST(Registry, IdsIndexTheTable) {
  ASSERT_EQ(all_codecs().size(), kCodecCount);
  for (const auto* c : all_codecs()) EXPECT_EQ(&codec(c->id), c);
}

TEST(Registry, DefaultsResolve) {
  auto p = resolve_params(kG722Codec, {});
  ASSERT_TRUE(p);
  EXPECT_EQ(p->sample_rate, 16000);
  auto bad = resolve_params(kPcmuCodec, CodecParams{.sample_rate = 16000});
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.status().message().find("PCMU"), std::string::npos);
  auto bad_ptime = resolve_params(kPcmuCodec, CodecParams{.ptime_ms = 25});
  ASSERT_FALSE(bad_ptime);
  EXPECT_NE(bad_ptime.status().message().find("ptime 25"), std::string::npos);
}

TEST(Registry, InstancesMoveWithoutDoubleRelease) {
  auto a = Encoder::create(CodecId::kOpus, {});
  ASSERT_TRUE(a);
  Encoder b = std::move(*a);
  std::vector<std::int16_t> frame(960, 0);
  std::vector<std::uint8_t> out(kMaxPayloadBytes);
  EXPECT_GT(b.encode(frame, out), 0);
}

}  // namespace
}  // namespace sb::codecs
