// Telephone events across a mix room, in virtual time: a digit a party
// sends as RFC 4733 is reported, and each party that hears it gets it once,
// in its own telephone-event payload type and RTP clock (an 8 kHz PCMU
// party's digit on a 48 kHz Opus party: durations and timestamps scaled
// by 6), or as tones in its codec when it negotiated no telephone-event;
// a party with DTMF suppression has its digits reported and not passed on.
#include <gtest/gtest.h>

#include "ivr/dtmf_detector.hpp"
#include "ivr/rfc4733.hpp"
#include "tests/unit/dataplane/mixing_fixture.hpp"

namespace sb::dataplane {
namespace {

using codecs::CodecId;
using test::MixingTest;
using test::Talker;

class MixingDtmfTest : public MixingTest {
 protected:
  void add_party_with_events(std::uint32_t slot, const Talker& t, std::uint8_t te_pt, std::uint32_t clock_rate,
                             bool suppress = false) {
    Command c = party_command(slot, t);
    c.legs[0].telephone_event_pt = te_pt;
    c.legs[0].clock_rate = clock_rate;
    if (suppress) {
      c.legs[0].media.audio_pt = t.pt;
      c.legs[0].media.codec = t.codec;
      c.legs[0].media.suppress_dtmf = true;
    }
    command(c);
  }
  // An 8 kHz RFC 4733 digit from `t`: 100 ms (800 units) in five 20 ms
  // packets, then three End packets, one packet per 20 ms step of the room.
  void send_digit(Talker& t, std::uint8_t event, std::uint32_t ts, std::uint16_t seq, std::vector<Talker*> all) {
    for (int i = 0; i < 8; ++i) {
      std::vector<std::uint8_t> p(16);
      rtp::write_rtp_header(p.data(), i == 0, 101, static_cast<std::uint16_t>(seq + i), ts, t.ssrc);
      const bool end = i >= 5;
      ivr::TelephoneEvent ev{.event = event, .end = end, .volume = 10,
                             .duration = static_cast<std::uint16_t>(end ? 800 : 160 * (i + 1))};
      ivr::build_telephone_event(ev, std::span(p).subspan(12));
      relay(packet(t.port, t.far_end(), p));
      clock_.advance(std::chrono::milliseconds(20));
      worker_->poll_once();
      for (Talker* x : all) x->collect();
    }
  }
  void run(int steps, std::vector<Talker*> all) {
    for (int i = 0; i < steps; ++i) {
      clock_.advance(std::chrono::milliseconds(20));
      worker_->poll_once();
      for (Talker* x : all) x->collect();
    }
  }
  // What a far end's RFC 4733 receiver makes of the events it got.
  static std::vector<ivr::Rfc4733Digit> received_digits(const Talker& t, std::uint8_t te_pt, int clock_rate) {
    ivr::Rfc4733Receiver rx(clock_rate);
    std::vector<ivr::Rfc4733Digit> out;
    Nanos now{0};
    for (const auto& p : t.other) {
      if (p.header.payload_type != te_pt) continue;
      now += std::chrono::milliseconds(20);
      const auto r = rx.on_packet(p.header.timestamp, p.payload, now);
      if (r.ended) out.push_back(r.digit);
    }
    const auto r = rx.poll(now + std::chrono::seconds(5));
    if (r.ended) out.push_back(r.digit);
    return out;
  }
  // Digits heard as tones (8 kHz audio).
  static std::string detected_tones(const Talker& t) {
    ivr::DtmfDetector detector;
    ivr::DtmfDigit found[64];
    const std::size_t n = detector.process(t.heard, found);
    std::string digits;
    for (std::size_t i = 0; i < n; ++i) digits += found[i].digit;
    const std::size_t m = detector.finish(found);
    for (std::size_t i = 0; i < m; ++i) digits += found[i].digit;
    return digits;
  }
};

TEST_F(MixingDtmfTest, DigitsGoOnAsEventsInEachPartysClockOrAsTones) {
  create_room(8000);
  Talker pcmu(30100, CodecId::kPcmu, 0, 0), opus(30102, CodecId::kOpus, 111, 0), plain(30104, CodecId::kPcmu, 0, 0);
  std::vector<Talker*> all{&pcmu, &opus, &plain};
  add_party_with_events(0, pcmu, 101, 8000);
  add_party_with_events(1, opus, 110, 48000);
  add_party(2, plain);  // no telephone-event: tones
  events();
  run(10, all);
  send_digit(pcmu, 5, 40'000, 100, all);
  send_digit(pcmu, 11, 42'400, 108, all);  // '#'
  run(30, all);

  auto reported = events_of(Event::kDtmf);
  ASSERT_EQ(reported.size(), 2u);
  EXPECT_EQ(reported[0].digit, '5');
  EXPECT_EQ(reported[1].digit, '#');

  // The Opus party: each digit once, 100 ms = 4800 units of its 48 kHz clock.
  const auto on_opus = received_digits(opus, 110, 48000);
  ASSERT_EQ(on_opus.size(), 2u);
  EXPECT_EQ(on_opus[0].digit, '5');
  EXPECT_EQ(on_opus[1].digit, '#');
  for (const auto& d : on_opus) {
    EXPECT_EQ(d.duration_ts, 4800u);
    EXPECT_EQ(d.duration_ms, 100u);
    EXPECT_TRUE(d.end_received);
  }
  // Events and the mix are one stream: one SSRC, sequence numbers in steps
  // of one, and the second digit starts 20 ms steps of 960 units on.
  ASSERT_GT(opus.headers.size(), 40u);
  for (std::size_t i = 1; i < opus.headers.size(); ++i) {
    EXPECT_EQ(opus.headers[i].ssrc, opus.headers[0].ssrc);
    EXPECT_EQ(static_cast<std::uint16_t>(opus.headers[i].sequence - opus.headers[i - 1].sequence), 1);
  }
  // What follows an event continues after it, not inside its 4800 units:
  // the next audio packet and the next event.
  EXPECT_GE(on_opus[1].rtp_timestamp - on_opus[0].rtp_timestamp, 4800u);
  std::size_t after_first = 0;
  while (after_first < opus.headers.size() && opus.headers[after_first].payload_type != 110) ++after_first;
  while (after_first < opus.headers.size() && opus.headers[after_first].payload_type == 110) ++after_first;
  ASSERT_LT(after_first, opus.headers.size());
  EXPECT_GE(opus.headers[after_first].timestamp - on_opus[0].rtp_timestamp, 4800u);

  // The party without telephone-event hears the digits as tones, once each.
  EXPECT_TRUE(plain.other.empty());
  EXPECT_EQ(detected_tones(plain), "5#");
  // The sender gets nothing of its own digits back.
  EXPECT_TRUE(pcmu.other.empty());
  EXPECT_EQ(detected_tones(pcmu), "");
}

TEST_F(MixingDtmfTest, ASuppressingPartysDigitsAreReportedNotForwarded) {
  create_room(8000);
  Talker a(30100, CodecId::kPcmu, 0, 0), b(30102, CodecId::kPcmu, 0, 0);
  std::vector<Talker*> all{&a, &b};
  add_party_with_events(0, a, 101, 8000, /*suppress=*/true);
  add_party_with_events(1, b, 101, 8000);
  events();
  run(5, all);
  send_digit(a, 7, 40'000, 100, all);
  run(20, all);
  auto reported = events_of(Event::kDtmf);
  ASSERT_EQ(reported.size(), 1u);
  EXPECT_EQ(reported[0].digit, '7');
  EXPECT_TRUE(b.other.empty());
  EXPECT_EQ(detected_tones(b), "");
  // B's digits still reach A.
  send_digit(b, 3, 60'000, 200, all);
  run(20, all);
  const auto on_a = received_digits(a, 101, 8000);
  ASSERT_EQ(on_a.size(), 1u);
  EXPECT_EQ(on_a[0].digit, '3');
  EXPECT_EQ(on_a[0].duration_ts, 800u);
}

// A worker is polled when it is, not on the room's 20 ms grid, and a
// forwarded digit's slots run in the phase of the packet that ended it: in
// some ticks the mix is due and the digit's next packet is not. The mix
// must not slip in between an event's packets (the leg's output would map
// the event's timestamp anew and the far end would hear a second digit).
TEST_F(MixingDtmfTest, AnEventKeepsOneTimestampWhenPollsDriftAgainstItsSlots) {
  create_room(8000);
  Talker pcmu(30100, CodecId::kPcmu, 0, 0), opus(30102, CodecId::kOpus, 111, 0);
  std::vector<Talker*> all{&pcmu, &opus};
  add_party_with_events(0, pcmu, 101, 8000);
  add_party_with_events(1, opus, 110, 48000);
  events();
  run(10, all);
  // The digit arrives 7 ms off the room's grid, then polls come every 7 ms.
  clock_.advance(std::chrono::milliseconds(7));
  worker_->poll_once();
  send_digit(pcmu, 5, 40'000, 100, all);
  for (int i = 0; i < 120; ++i) {
    clock_.advance(std::chrono::milliseconds(7));
    worker_->poll_once();
    for (Talker* x : all) x->collect();
  }
  const auto on_opus = received_digits(opus, 110, 48000);
  ASSERT_EQ(on_opus.size(), 1u);
  EXPECT_EQ(on_opus[0].digit, '5');
  EXPECT_EQ(on_opus[0].duration_ts, 4800u);
  EXPECT_TRUE(on_opus[0].end_received);
  std::size_t event_packets = 0;
  for (const auto& p : opus.other) {
    if (p.header.payload_type != 110) continue;
    ++event_packets;
    EXPECT_EQ(p.header.timestamp, on_opus[0].rtp_timestamp);
  }
  // Four growing, the fifth reaching 100 ms is the first of three End.
  EXPECT_EQ(event_packets, 7u);
}

}  // namespace
}  // namespace sb::dataplane
