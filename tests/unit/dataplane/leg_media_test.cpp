// In-band DTMF on relayed legs: digits in the audio are reported once each
// with their source, and with suppression the relayed audio carries no DTMF
// energy while speech passes; RFC 4733 events are reported and not relayed.
#include <gtest/gtest.h>

#include <string>

#include "codecs/g711.hpp"
#include "codecs/signal_metrics.hpp"
#include "ivr/dtmf_detector.hpp"
#include "ivr/rfc4733.hpp"
#include "tests/support/signals.hpp"
#include "tests/unit/dataplane/worker_fixture.hpp"

namespace sb::dataplane {
namespace {

using test::kA;
using test::kB;
using test::WorkerTest;

class LegMediaTest : public WorkerTest {
 protected:
  SessionId start(bool inband, bool suppress, codecs::CodecId codec = codecs::CodecId::kPcmu) {
    LegSetup a = leg(30000, kA, 0xA0A0), b = leg(30010, kB, 0xB0B0);
    a.telephone_event_pt = 101;
    a.media.audio_pt = codec == codecs::CodecId::kPcma ? 8 : 0;
    a.media.codec = codec;
    a.media.inband_dtmf = inband;
    a.media.suppress_dtmf = suppress;
    return create(a, b);
  }

  // Sends `pcm` from A as 20 ms µ-law packets; returns the audio B got.
  sb::test::Pcm send_ulaw(const sb::test::Pcm& pcm) {
    sb::test::Pcm out;
    for (std::size_t off = 0; off + 160 <= pcm.size(); off += 160) {
      auto bytes = rtp(0, seq_, ts_, 0x1234);
      codecs::g711::ulaw_encode(pcm.data() + off, 160, bytes.data() + 12);
      ++seq_;
      ts_ += 160;
      clock_.advance(Nanos{20'000'000});
      if (auto p = relay(packet(30000, kA, bytes))) {
        std::int16_t frame[160];
        codecs::g711::ulaw_decode(p->data + 12, 160, frame);
        out.insert(out.end(), frame, frame + 160);
      }
    }
    return out;
  }

  std::string inband_digits() {
    std::string s;
    for (const Event& e : events())
      if (e.kind == Event::kDtmf && e.dtmf_source == Event::kInband) s += e.digit;
    return s;
  }

  std::uint16_t seq_ = 100;
  std::uint32_t ts_ = 1000;
};

sb::test::Pcm digits_audio(const std::string& digits, int on_ms, int off_ms, double dbm0 = -10) {
  sb::test::Pcm x;
  sb::test::append_silence(x, 8000, 100);
  for (char d : digits) {
    const auto pair = sb::test::dtmf_pair(d);
    sb::test::append_tone(x, 8000, pair.row, dbm0, pair.col, dbm0, on_ms);
    sb::test::append_silence(x, 8000, off_ms);
  }
  sb::test::append_silence(x, 8000, 200);
  return x;
}

TEST_F(LegMediaTest, InbandDigitsAreReportedOnceEachAndTheAudioIsUntouched) {
  start(/*inband=*/true, /*suppress=*/false);
  events();
  const auto in = digits_audio("1590#*AD", 50, 50);
  const auto out = send_ulaw(in);
  EXPECT_EQ(inband_digits(), "1590#*AD");
  // Relayed bit-exact: µ-law in, µ-law out, no delay.
  ASSERT_EQ(out.size(), in.size() / 160 * 160);
  sb::test::Pcm coded(in.size());
  for (std::size_t i = 0; i < in.size(); ++i)
    coded[i] = codecs::g711::ulaw_to_linear(codecs::g711::linear_to_ulaw(in[i]));
  EXPECT_TRUE(std::equal(out.begin(), out.end(), coded.begin()));
}

TEST_F(LegMediaTest, DurationsComeFromTheAudio) {
  start(true, false);
  events();
  send_ulaw(digits_audio("7", 200, 100));
  std::vector<Event> digits;
  for (const Event& e : events())
    if (e.kind == Event::kDtmf) digits.push_back(e);
  ASSERT_EQ(digits.size(), 1u);
  EXPECT_EQ(digits[0].digit, '7');
  EXPECT_NEAR(static_cast<double>(digits[0].duration_ms), 200.0, 15.0);
}

TEST_F(LegMediaTest, SuppressionLeavesNoDtmfEnergyAndKeepsSpeech) {
  start(true, true);
  events();
  // Speech with digits typed over gaps in it.
  const auto speech = sb::test::committed_speech(8000);
  sb::test::Pcm in(speech.begin(), speech.begin() + 2 * 8000);
  const auto keys = digits_audio("4111", 80, 80, -5);
  in.insert(in.end(), keys.begin(), keys.end());
  in.insert(in.end(), speech.begin() + 2 * 8000, speech.begin() + 4 * 8000);
  const auto out = send_ulaw(in);
  EXPECT_EQ(inband_digits(), "4111");  // reported to the control plane ...
  // ... but the far end's receiver finds none, and no DTMF energy is left.
  ivr::DtmfDetector far;
  ivr::DtmfDigit found[64];
  std::size_t n = far.process(out, found);
  n += far.finish(std::span(found).subspan(n));
  EXPECT_EQ(n, 0u);
  const std::size_t key_begin = 2 * 8000 + 160, key_end = key_begin + keys.size();  // shifted by the delay
  sb::test::Pcm key_part(out.begin() + static_cast<long>(key_begin), out.begin() + static_cast<long>(key_end));
  sb::test::Pcm key_in(keys.begin(), keys.end());
  for (double f : {697.0, 1209.0, 1336.0}) {
    const double before = codecs::tone_level_dbfs(key_in, f, 8000);
    const double after = codecs::tone_level_dbfs(key_part, f, 8000);
    EXPECT_LT(after, before - 30.0) << f << " Hz: " << before << " dBFS in, " << after << " out";
  }
  // Speech passes, one packet late.
  const std::size_t s0 = 8000, s1 = 2 * 8000 - 160;
  sb::test::Pcm speech_out(out.begin() + static_cast<long>(s0 + 160), out.begin() + static_cast<long>(s1 + 160));
  sb::test::Pcm speech_in(in.begin() + static_cast<long>(s0), in.begin() + static_cast<long>(s1));
  EXPECT_GT(codecs::correlation(speech_in, speech_out, 0), 0.99);
}

TEST_F(LegMediaTest, SuppressionDropsRfc4733EventsAfterReportingThem) {
  start(false, true);
  events();
  std::uint8_t payload[4];
  for (int i = 0; i < 6; ++i) {
    ivr::TelephoneEvent ev{};
    ev.event = 5;
    ev.end = i >= 3;
    ev.volume = 10;
    ev.duration = static_cast<std::uint16_t>(160 * (i + 1));
    ivr::build_telephone_event(ev, std::span<std::uint8_t>(payload, 4));
    auto b = rtp(101, static_cast<std::uint16_t>(seq_++), 5000, 0x1234, 4);
    std::memcpy(b.data() + 12, payload, 4);
    EXPECT_FALSE(relay(packet(30000, kA, b))) << "event packet " << i << " relayed";
  }
  std::string digits;
  for (const Event& e : events())
    if (e.kind == Event::kDtmf && e.dtmf_source == Event::kRfc4733) digits += e.digit;
  EXPECT_EQ(digits, "5");
  EXPECT_EQ(drops(DropReason::kDtmfSuppressed), 6u);
}

TEST_F(LegMediaTest, SuppressionNeedsG711) {
  start(true, true, codecs::CodecId::kOpus);
  bool failed = false;
  for (const Event& e : events()) failed |= e.kind == Event::kCommandFailed;
  EXPECT_TRUE(failed);
  EXPECT_EQ(worker_->active_sessions(), 0u);
}

}  // namespace
}  // namespace sb::dataplane
