// In-band DTMF detection held to ITU-T Q.24 and the classic Mitel/Bellcore
// receiver tests. Signals are synthesised here from sines, independently of
// the SpanDSP generator, at the levels Q.24 uses (-10 dBm0 per tone unless
// a test says otherwise).
#include <gtest/gtest.h>

#include "codecs/g711.hpp"
#include "tests/unit/ivr/dtmf_test_util.hpp"

namespace sb::ivr {
namespace {

using sb::test::append_silence;
using sb::test::append_tone;
using sb::test::dtmf_pair;
using test::detect_all;
using test::digits_of;
using test::Pcm;

const std::string kAllDigits = "123A456B789C*0#D";

// One digit: row and column at their own levels and frequency scale.
void append_digit(Pcm& x, char d, int ms, double row_dbm0 = -10, double col_dbm0 = -10, double freq_scale = 1.0) {
  const auto p = dtmf_pair(d);
  append_tone(x, 8000, p.row * freq_scale, row_dbm0, p.col * freq_scale, col_dbm0, ms);
}

Pcm sequence(const std::string& digits, int on_ms, int off_ms, double row_dbm0 = -10, double col_dbm0 = -10,
             double freq_scale = 1.0) {
  Pcm x;
  append_silence(x, 8000, 100);
  for (char d : digits) {
    append_digit(x, d, on_ms, row_dbm0, col_dbm0, freq_scale);
    append_silence(x, 8000, off_ms);
  }
  append_silence(x, 8000, 100);
  return x;
}

TEST(DtmfDetector, AllDigitsAt50msOn50msOffEachOnce) {
  EXPECT_EQ(digits_of(detect_all(sequence(kAllDigits, 50, 50))), kAllDigits);
}

TEST(DtmfDetector, AllDigitsAt40msOn40msOffEachOnce) {
  EXPECT_EQ(digits_of(detect_all(sequence(kAllDigits, 40, 40))), kAllDigits);
}

TEST(DtmfDetector, RepeatedDigitIsReportedEachTime) {
  EXPECT_EQ(digits_of(detect_all(sequence("5555", 40, 40))), "5555");
}

TEST(DtmfDetector, StartAndDurationAreMeasured) {
  // 100 ms silence, then '7' for 120 ms starting at 100 ms, '#' for 60 ms at 320 ms.
  Pcm x;
  append_silence(x, 8000, 100);
  append_digit(x, '7', 120);
  append_silence(x, 8000, 100);
  append_digit(x, '#', 60);
  append_silence(x, 8000, 200);
  const auto found = detect_all(x);
  ASSERT_EQ(digits_of(found), "7#");
  // One SpanDSP block is 12.75 ms: the bound on timing error.
  EXPECT_NEAR(static_cast<double>(found[0].start_ms()), 100.0, 13.0);
  EXPECT_NEAR(static_cast<double>(found[0].duration_ms()), 120.0, 13.0);
  EXPECT_NEAR(static_cast<double>(found[1].start_ms()), 320.0, 13.0);
  EXPECT_NEAR(static_cast<double>(found[1].duration_ms()), 60.0, 13.0);
}

TEST(DtmfDetector, DigitStillSoundingAtTheEndIsReportedByFinish) {
  Pcm x;
  append_silence(x, 8000, 40);
  append_digit(x, '9', 200);
  const auto found = detect_all(x);
  ASSERT_EQ(digits_of(found), "9");
  EXPECT_NEAR(static_cast<double>(found[0].duration_ms()), 200.0, 26.0);
}

TEST(DtmfDetector, FrequencyOffsetWithinOnePointFivePercentIsDetected) {
  // Q.24: operate within ±(1.5% + 2 Hz); ±1.5% on both tones of every digit.
  for (double scale : {1.015, 0.985}) EXPECT_EQ(digits_of(detect_all(sequence(kAllDigits, 50, 50, -10, -10, scale))), kAllDigits) << scale;
}

TEST(DtmfDetector, FrequencyOffsetOfThreePointFivePercentIsRejected) {
  // Q.24: do not operate beyond ±3.5%.
  for (double scale : {1.035, 0.965, 1.05, 0.95}) EXPECT_EQ(digits_of(detect_all(sequence(kAllDigits, 50, 50, -10, -10, scale))), "") << scale;
}

// Normal twist: the high (column) group arrives weaker than the low (row)
// group, as line loss makes it; up to 8 dB is accepted. Reverse twist: the
// low group is weaker; up to 4 dB is accepted.
TEST(DtmfDetector, NormalTwistOf8dBIsDetected) {
  EXPECT_EQ(digits_of(detect_all(sequence(kAllDigits, 50, 50, -8, -16))), kAllDigits);
}

TEST(DtmfDetector, ReverseTwistOf4dBIsDetected) {
  EXPECT_EQ(digits_of(detect_all(sequence(kAllDigits, 50, 50, -14, -10))), kAllDigits);
}

TEST(DtmfDetector, TwistWellBeyondTheLimitsIsRejected) {
  EXPECT_EQ(digits_of(detect_all(sequence(kAllDigits, 50, 50, -6, -20))), "");   // 14 dB normal
  EXPECT_EQ(digits_of(detect_all(sequence(kAllDigits, 50, 50, -20, -10))), "");  // 10 dB reverse
}

TEST(DtmfDetector, TonesShorterThan23msAreRejectedAtEveryAlignment) {
  // The tone's position against SpanDSP's 102-sample blocks decides how
  // many blocks it touches; try every alignment, for 20 and 22 ms tones.
  for (int ms : {15, 20, 22}) {
    for (int offset = 0; offset < 102; offset += 3) {
      Pcm x;
      sb::test::append_samples_silence(x, 800 + static_cast<std::size_t>(offset));
      append_digit(x, '5', ms);
      append_silence(x, 8000, 200);
      EXPECT_EQ(digits_of(detect_all(x)), "") << ms << " ms at offset " << offset;
    }
  }
}

TEST(DtmfDetector, FortyMsTonesAreDetectedAtEveryAlignment) {
  for (int offset = 0; offset < 102; offset += 3) {
    Pcm x;
    sb::test::append_samples_silence(x, 800 + static_cast<std::size_t>(offset));
    append_digit(x, '5', 40);
    append_silence(x, 8000, 200);
    EXPECT_EQ(digits_of(detect_all(x)), "5") << "offset " << offset;
  }
}

TEST(DtmfDetector, HoldsAt15dBSnrInWhiteNoise) {
  for (unsigned seed = 1; seed <= 3; ++seed) {
    Pcm x = sequence(kAllDigits, 50, 50);
    // Noise power 15 dB below the power of one digit (both tones).
    Pcm one;
    append_digit(one, '5', 50);
    sb::test::add_white_noise(x, sb::test::mean_square(one), 15.0, seed);
    EXPECT_EQ(digits_of(detect_all(x)), kAllDigits) << "seed " << seed;
  }
}

TEST(DtmfDetector, HoldsUnderDialTone10dBBelowTheDigit) {
  // 350 + 440 Hz dial tone, each component 10 dB below the digit's tones,
  // running continuously under the whole sequence.
  Pcm x = sequence(kAllDigits, 50, 50);
  Pcm dial;
  append_tone(dial, 8000, 350, -20, 440, -20, static_cast<int>(x.size() / 8 + 1));
  for (std::size_t i = 0; i < x.size(); ++i)
    x[i] = static_cast<std::int16_t>(std::clamp(static_cast<int>(x[i]) + dial[i], -32768, 32767));
  EXPECT_EQ(digits_of(detect_all(x)), kAllDigits);
}

TEST(DtmfDetector, TenMsInterruptionDoesNotSplitADigit) {
  for (int offset = 0; offset < 102; offset += 17) {
    Pcm x;
    sb::test::append_samples_silence(x, 800 + static_cast<std::size_t>(offset));
    append_digit(x, '6', 60);
    append_silence(x, 8000, 10);
    append_digit(x, '6', 60);
    append_silence(x, 8000, 200);
    const auto found = detect_all(x);
    ASSERT_EQ(digits_of(found), "6") << "offset " << offset;
    EXPECT_NEAR(static_cast<double>(found[0].duration_ms()), 130.0, 13.0);
  }
}

TEST(DtmfDetector, DigitsThroughG711AndNoise) {
  // The path an in-band digit takes in a call: PCMU coding plus line noise.
  Pcm x = sequence(kAllDigits, 50, 50);
  Pcm coded;
  for (std::int16_t s : x) coded.push_back(codecs::g711::ulaw_to_linear(codecs::g711::linear_to_ulaw(s)));
  Pcm one;
  append_digit(one, '5', 50);
  sb::test::add_white_noise(coded, sb::test::mean_square(one), 20.0, 11);
  EXPECT_EQ(digits_of(detect_all(coded)), kAllDigits);
}

TEST(DtmfDetector, TooQuietIsIgnoredAndLoudIsDetected) {
  EXPECT_EQ(digits_of(detect_all(sequence("123", 60, 60, -50, -50))), "");
  EXPECT_EQ(digits_of(detect_all(sequence("123", 60, 60, 0, 0))), "123");
}

TEST(DtmfDetector, SingleFrequencyIsNotADigit) {
  Pcm x;
  append_silence(x, 8000, 50);
  append_tone(x, 8000, 697, -10, 0, 0, 300);
  append_tone(x, 8000, 1209, -10, 0, 0, 300);
  append_silence(x, 8000, 50);
  EXPECT_EQ(digits_of(detect_all(x)), "");
}

TEST(DtmfDetector, PacketLossFillInKeepsTimeAndDoesNotInventDigits) {
  DtmfDetector det;
  Pcm x;
  append_silence(x, 8000, 100);
  append_digit(x, '3', 100);
  append_silence(x, 8000, 100);
  DtmfDigit out[4];
  std::string heard;
  for (std::size_t off = 0; off < x.size(); off += 160) {
    std::size_t got;
    if (off == 160 * 2) {
      det.fill_in(160);  // a lost packet in the leading silence
      got = 0;
    } else {
      got = det.process(std::span(x).subspan(off, 160), out);
    }
    for (std::size_t i = 0; i < got; ++i) heard.push_back(out[i].digit);
  }
  EXPECT_EQ(heard, "3");
  EXPECT_EQ(det.samples_processed(), x.size());
}

TEST(DtmfDetector, ActiveDigitIsVisibleWhileSounding) {
  DtmfDetector det;
  Pcm x;
  append_digit(x, '8', 200);
  DtmfDigit out[4];
  bool seen_active = false;
  for (std::size_t off = 0; off < x.size(); off += 160) {
    (void)det.process(std::span(x).subspan(off, 160), out);
    if (det.active_digit() == '8') seen_active = true;
  }
  EXPECT_TRUE(seen_active);
}

TEST(DtmfDetector, GeneratedBySpanDspAndOddFrameSizes) {
  // The product's own generator, fed in irregular chunk sizes.
  ivr::DtmfDetector det;
  Pcm x = sequence("0123456789", 45, 45);
  std::string heard;
  DtmfDigit out[8];
  std::size_t off = 0, chunk = 1;
  while (off < x.size()) {
    const std::size_t n = std::min(chunk, x.size() - off);
    const std::size_t got = det.process(std::span(x).subspan(off, n), out);
    for (std::size_t i = 0; i < got; ++i) heard.push_back(out[i].digit);
    off += n;
    chunk = chunk * 7 % 331 + 1;
  }
  const std::size_t got = det.finish(out);
  for (std::size_t i = 0; i < got; ++i) heard.push_back(out[i].digit);
  EXPECT_EQ(heard, "0123456789");
}

}  // namespace
}  // namespace sb::ivr
