// Round-trips audio through an encoder/decoder pair, frame by frame, as a
// leg would.
#pragma once

#include <gtest/gtest.h>

#include <array>
#include <vector>

#include "codecs/codec.hpp"
#include "tests/support/signals.hpp"

namespace sb::codecs::test {

using sb::test::Pcm;

// Encodes `in` in whole frames and decodes every payload. Frames listed in
// `lost` (frame indices) are not decoded; the decoder conceals them, or
// recovers them from the next packet's FEC when use_fec is set.
inline Pcm round_trip(CodecId id, const CodecParams& params, const Pcm& in, const std::vector<std::size_t>& lost = {},
                      bool use_fec = false) {
  auto enc = Encoder::create(id, params);
  auto dec = Decoder::create(id, params);
  EXPECT_TRUE(enc && dec);
  if (!enc || !dec) return {};
  const std::size_t frame = static_cast<std::size_t>(enc->frame_samples());
  std::vector<std::vector<std::uint8_t>> payloads;
  for (std::size_t off = 0; off + frame <= in.size(); off += frame) {
    std::array<std::uint8_t, kMaxPayloadBytes> buf{};
    const int n = enc->encode(std::span(in).subspan(off, frame), buf);
    EXPECT_GE(n, 0);
    payloads.emplace_back(buf.begin(), buf.begin() + std::max(n, 0));
  }
  Pcm out;
  Pcm pcm(kMaxFrameSamples);
  for (std::size_t i = 0; i < payloads.size(); ++i) {
    const bool is_lost = std::find(lost.begin(), lost.end(), i) != lost.end();
    int n;
    if (is_lost && use_fec && i + 1 < payloads.size() && !payloads[i + 1].empty())
      n = dec->decode_fec(payloads[i + 1], pcm);
    else if (is_lost || payloads[i].empty())
      n = dec->conceal(pcm);
    else
      n = dec->decode(payloads[i], pcm);
    EXPECT_EQ(n, static_cast<int>(frame));
    if (n > 0) out.insert(out.end(), pcm.begin(), pcm.begin() + n);
  }
  return out;
}

}  // namespace sb::codecs::test
