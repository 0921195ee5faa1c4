// DTMF generation towards a leg, on a worker in virtual time with the far
// end a real UDP socket: RFC 4733 event trains when the leg negotiated
// telephone-event (marker, one timestamp per event, growing durations,
// three End packets, found exactly once each by the project's receiver),
// tones in the leg's codec otherwise (found by the project's detector);
// the relay towards the leg held back meanwhile and the leg's output
// stream continuous across relay -> digits -> relay; one kPlaybackDone.
#include <gtest/gtest.h>

#include <string>

#include "codecs/codec.hpp"
#include "ivr/dtmf_detector.hpp"
#include "ivr/rfc4733.hpp"
#include "tests/support/udp.hpp"
#include "tests/unit/dataplane/worker_fixture.hpp"

namespace sb::dataplane {
namespace {

using test::kMs;
using test::WorkerTest;

class DtmfSendTest : public WorkerTest {
 protected:
  // Leg 0 (the far end we dial into) is `far_` (a real socket); leg 1 kB.
  SessionId start_call(std::uint8_t te_pt, std::uint32_t clock_rate = 8000) {
    LegSetup a = leg(30000, Endpoint{0x7f000001, far_.port()}, 0xA0A0);
    a.telephone_event_pt = te_pt;
    a.clock_rate = clock_rate;
    return create(a, leg(30010, test::kB, 0xB0B0));
  }

  Command send_cmd(SessionId s, const std::string& digits, MixCodec audio = {}, std::uint32_t id = 9) {
    Command c;
    c.kind = Command::kSendDtmf;
    c.session = s;
    c.leg = 0;
    for (std::size_t i = 0; i < digits.size(); ++i) c.dtmf.digits[i] = digits[i];
    c.dtmf.count = static_cast<std::uint8_t>(digits.size());
    c.dtmf.duration_ms = 100;
    c.dtmf.gap_ms = 60;
    c.dtmf.audio = audio;
    c.dtmf.id = id;
    return c;
  }

  // Runs the worker in 1 ms steps; B keeps talking every 20 ms, and what
  // the worker relays goes out through its backend to the far end.
  void run_ms(int ms) {
    for (int i = 0; i < ms; ++i) {
      clock_.advance(Nanos{kMs});
      worker_->poll_once();
      if (++tick_ % 20 == 0) {
        Packet in = packet(30010, test::kB, rtp(0, b_seq_++, b_ts_ += 160, 0x5555));
        Packet out[1];
        if (worker_->process_burst(&in, 1, out, clock_.now().count()) == 1) {
          EXPECT_EQ(io_->tx_burst(out, 1), 1u);
        }
      }
    }
  }

  struct Received {
    rtp::RtpHeader h;
    std::vector<std::uint8_t> payload;
  };
  std::vector<Received> received() {
    std::vector<Received> v;
    for (auto& d : far_.drain(std::chrono::milliseconds(50))) {
      rtp::RtpHeader h;
      if (rtp::parse_rtp(d.bytes.data(), d.bytes.size(), h) != rtp::RtpError::kNone) continue;
      v.push_back({h, std::vector<std::uint8_t>(d.bytes.begin() + h.header_size, d.bytes.begin() + h.header_size + h.payload_size)});
    }
    return v;
  }

  std::vector<Event> done_events() {
    std::vector<Event> v;
    for (const Event& e : events())
      if (e.kind == Event::kPlaybackDone || e.kind == Event::kCommandFailed) v.push_back(e);
    return v;
  }

  static void expect_continuous(const std::vector<Received>& got) {
    for (std::size_t i = 1; i < got.size(); ++i) {
      EXPECT_EQ(static_cast<std::uint16_t>(got[i].h.sequence - got[i - 1].h.sequence), 1) << "packet " << i;
      EXPECT_EQ(got[i].h.ssrc, 0xA0A0u);
      // Timestamps never go back (events repeat theirs).
      EXPECT_GE(static_cast<std::int32_t>(got[i].h.timestamp - got[i - 1].h.timestamp), 0) << "packet " << i;
    }
  }

  // Decodes the audio packets (at 8 kHz where the codec can, for the
  // detector) and returns the digits the detector finds.
  static std::string detect(const std::vector<Received>& got, codecs::CodecId codec, std::uint8_t pt) {
    auto dec = codecs::Decoder::create(codec, {.sample_rate = codec == codecs::CodecId::kOpus ? 8000 : 0});
    EXPECT_TRUE(dec);
    std::vector<std::int16_t> pcm;
    for (const auto& r : got) {
      if (r.h.payload_type != pt) continue;
      std::vector<std::int16_t> frame(codecs::kMaxFrameSamples);
      const int n = dec->decode(r.payload, frame);
      if (n > 0) pcm.insert(pcm.end(), frame.begin(), frame.begin() + n);
    }
    ivr::DtmfDetector det;
    ivr::DtmfDigit found[64];
    std::size_t n = det.process(pcm, found);
    n += det.finish(std::span(found).subspan(n));
    std::string digits;
    for (std::size_t i = 0; i < n; ++i) digits += found[i].digit;
    return digits;
  }

  sb::test::UdpPeer far_;
  int tick_ = 0;
  std::uint16_t b_seq_ = 7000;
  std::uint32_t b_ts_ = 40000;
};

TEST_F(DtmfSendTest, SendsRfc4733EventTrainsOnTheLegsStreamWithTheRelayHeldBack) {
  const SessionId s = start_call(101);
  run_ms(100);  // relayed audio first
  ASSERT_TRUE(commands_.try_push(send_cmd(s, "1#9")));
  run_ms(1000);
  const auto got = received();
  expect_continuous(got);
  // Relayed audio, then only events, then relayed audio again.
  std::size_t first_event = got.size(), last_event = 0;
  for (std::size_t i = 0; i < got.size(); ++i) {
    if (got[i].h.payload_type == 101) {
      first_event = std::min(first_event, i);
      last_event = i;
    }
  }
  ASSERT_LT(first_event, got.size());
  for (std::size_t i = first_event; i <= last_event; ++i) EXPECT_EQ(got[i].h.payload_type, 101) << "audio inside the train";
  EXPECT_GT(first_event, 0u);
  EXPECT_LT(last_event + 1, got.size()) << "the relay resumes after the digits";
  EXPECT_GT(drops(DropReason::kPlayback), 0u);

  // Per event: marker on the first packet, one timestamp, growing
  // durations up to 100 ms, exactly three End packets.
  ivr::Rfc4733Receiver rx(8000);
  std::string digits;
  int events = 0, ends = 0;
  std::uint32_t event_ts = 0;
  std::uint16_t last_duration = 0;
  for (std::size_t i = first_event; i <= last_event; ++i) {
    ivr::TelephoneEvent ev[2];
    ASSERT_EQ(ivr::parse_telephone_events(got[i].payload, ev), 1);
    if (got[i].h.marker) {
      if (events > 0) {
        EXPECT_EQ(ends, 3) << "End packets of event " << events;
      }
      ++events;
      ends = 0;
      event_ts = got[i].h.timestamp;
      last_duration = 0;
    } else {
      EXPECT_EQ(got[i].h.timestamp, event_ts);
    }
    EXPECT_GE(ev[0].duration, last_duration);
    last_duration = ev[0].duration;
    if (ev[0].end) {
      ++ends;
      EXPECT_EQ(ev[0].duration, 800);
    }
    const auto r = rx.on_packet(got[i].h.timestamp, got[i].payload, Nanos{static_cast<std::int64_t>(i) * 20 * kMs});
    if (r.ended) digits += r.digit.digit;
  }
  EXPECT_EQ(ends, 3);
  EXPECT_EQ(events, 3);
  EXPECT_EQ(digits, "1#9");
  const auto done = done_events();
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].kind, Event::kPlaybackDone);
  EXPECT_EQ(done[0].playback_id, 9u);
  EXPECT_EQ(done[0].playback_end, PlaybackEnd::kFinished);
}

TEST_F(DtmfSendTest, EventTimestampsFollowTheLegsClock) {
  // An Opus leg: telephone-event/48000, so durations count 48 kHz units.
  const SessionId s = start_call(101, 48000);
  ASSERT_TRUE(commands_.try_push(send_cmd(s, "5")));
  run_ms(400);
  std::uint32_t duration = 0;
  for (const auto& r : received()) {
    ivr::TelephoneEvent ev[2];
    if (r.h.payload_type == 101 && ivr::parse_telephone_events(r.payload, ev) == 1) duration = ev[0].duration;
  }
  EXPECT_EQ(duration, 4800u);
}

TEST_F(DtmfSendTest, WithoutTelephoneEventSendsTonesInTheLegsCodec) {
  for (const auto& [codec, pt] : {std::pair{codecs::CodecId::kPcmu, std::uint8_t{0}}, std::pair{codecs::CodecId::kPcma, std::uint8_t{8}}}) {
    SCOPED_TRACE(static_cast<int>(codec));
    const SessionId s = start_call(0);
    run_ms(100);
    ASSERT_TRUE(commands_.try_push(send_cmd(s, "40#7A", {pt, codec, 0})));
    run_ms(1200);
    const auto got = received();
    expect_continuous(got);
    std::vector<Received> tones;
    for (const auto& r : got)
      if (r.h.payload_type == pt) tones.push_back(r);
    EXPECT_EQ(detect(tones, codec, pt), "40#7A");
    // 5 digits of 100 ms + 60 ms gap: 40 packets of 20 ms.
    EXPECT_GE(tones.size(), 40u);
    const auto done = done_events();
    ASSERT_EQ(done.size(), 1u);
    EXPECT_EQ(done[0].kind, Event::kPlaybackDone);
    EXPECT_EQ(done[0].playback_end, PlaybackEnd::kFinished);
    Command del;
    del.kind = Command::kDeleteSession;
    del.session = s;
    ASSERT_TRUE(commands_.try_push(del));
    worker_->poll_once();
    events();
  }
}

TEST_F(DtmfSendTest, ForcedInbandOnATelephoneEventLegAndOpusTones) {
  // The leg negotiated telephone-event, but the caller asks for tones: an
  // Opus leg (48 kHz tones through the resampler and the Opus encoder).
  const SessionId s = start_call(101, 48000);
  Command c = send_cmd(s, "258", {111, codecs::CodecId::kOpus, 0});
  c.dtmf.inband = true;
  ASSERT_TRUE(commands_.try_push(c));
  run_ms(800);
  const auto got = received();
  std::size_t opus = 0;
  for (const auto& r : got) {
    EXPECT_NE(r.h.payload_type, 101);
    opus += r.h.payload_type == 111;
  }
  EXPECT_GE(opus, 20u);
  EXPECT_EQ(detect(got, codecs::CodecId::kOpus, 111), "258");
}

TEST_F(DtmfSendTest, APlayReplacesASendAndBadDigitsFail) {
  const SessionId s = start_call(101);
  ASSERT_TRUE(commands_.try_push(send_cmd(s, "12x")));
  run_ms(5);
  auto done = done_events();
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].kind, Event::kCommandFailed);

  ASSERT_TRUE(commands_.try_push(send_cmd(s, "123", {}, 20)));
  run_ms(50);
  ASSERT_TRUE(commands_.try_push(send_cmd(s, "4", {}, 21)));
  run_ms(400);
  done = done_events();
  ASSERT_EQ(done.size(), 2u);
  EXPECT_EQ(done[0].playback_id, 20u);
  EXPECT_EQ(done[0].playback_end, PlaybackEnd::kReplaced);
  EXPECT_EQ(done[1].playback_id, 21u);
  EXPECT_EQ(done[1].playback_end, PlaybackEnd::kFinished);

  // Stopped by kStopPlayback, like a prompt.
  ASSERT_TRUE(commands_.try_push(send_cmd(s, "99", {}, 22)));
  run_ms(30);
  Command stop;
  stop.kind = Command::kStopPlayback;
  stop.session = s;
  ASSERT_TRUE(commands_.try_push(stop));
  run_ms(30);
  done = done_events();
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].playback_id, 22u);
  EXPECT_EQ(done[0].playback_end, PlaybackEnd::kStopped);
}

}  // namespace
}  // namespace sb::dataplane
