#include "ivr/rfc4733.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace sb::ivr {
namespace {

using namespace std::chrono_literals;

std::vector<std::uint8_t> event(std::uint8_t ev, bool end, std::uint16_t duration, std::uint8_t volume = 10) {
  std::vector<std::uint8_t> p(4);
  EXPECT_EQ(build_telephone_event({ev, end, volume, duration}, p), 4u);
  return p;
}

TEST(TelephoneEvent, ParseAndBuildRoundTrip) {
  const auto p = event(11, true, 1234, 63);
  TelephoneEvent out[2];
  ASSERT_EQ(parse_telephone_events(p, out), 1);
  EXPECT_EQ(out[0].event, 11);
  EXPECT_TRUE(out[0].end);
  EXPECT_EQ(out[0].volume, 63);
  EXPECT_EQ(out[0].duration, 1234);
  // Wire format from RFC 4733 §2.3: event, E|R|volume, 16-bit duration.
  EXPECT_EQ(p, (std::vector<std::uint8_t>{11, 0x80 | 63, 0x04, 0xD2}));
}

TEST(TelephoneEvent, ReservedBitIsIgnored) {
  const std::vector<std::uint8_t> p = {5, 0x40 | 10, 0, 160};
  TelephoneEvent out[1];
  ASSERT_EQ(parse_telephone_events(p, out), 1);
  EXPECT_FALSE(out[0].end);
  EXPECT_EQ(out[0].volume, 10);
}

TEST(TelephoneEvent, MalformedPayloadsAreRejected) {
  TelephoneEvent out[8];
  EXPECT_EQ(parse_telephone_events({}, out), -1);
  const std::vector<std::uint8_t> three = {1, 2, 3};
  EXPECT_EQ(parse_telephone_events(three, out), -1);
  const std::vector<std::uint8_t> five = {1, 2, 3, 4, 5};
  EXPECT_EQ(parse_telephone_events(five, out), -1);
  const std::vector<std::uint8_t> too_many(4 * 9, 0);
  EXPECT_EQ(parse_telephone_events(too_many, out), -1);
  std::uint8_t small[3];
  EXPECT_EQ(build_telephone_event({1, false, 10, 0}, small), 0u);
  std::uint8_t ok[4];
  EXPECT_EQ(build_telephone_event({1, false, 64, 0}, ok), 0u);  // volume is 6 bits
}

TEST(TelephoneEvent, DigitMapping) {
  EXPECT_EQ(event_to_digit(0), '0');
  EXPECT_EQ(event_to_digit(9), '9');
  EXPECT_EQ(event_to_digit(10), '*');
  EXPECT_EQ(event_to_digit(11), '#');
  EXPECT_EQ(event_to_digit(15), 'D');
  EXPECT_EQ(event_to_digit(16), 0);  // flash is not a digit
  EXPECT_EQ(digit_to_event('#'), 11);
  EXPECT_EQ(digit_to_event('c'), 14);
  EXPECT_EQ(digit_to_event('x'), -1);
}

// A 100 ms '5' at 8 kHz in 20 ms packets: durations 160..800, then the End
// packet and its two retransmissions, all with the same timestamp.
TEST(Rfc4733Receiver, DigitWithRetransmittedEndIsReportedOnce) {
  Rfc4733Receiver rx(8000);
  const std::uint32_t ts = 48000;
  Nanos now{0};
  int began = 0, ended = 0;
  Rfc4733Digit got;
  for (std::uint16_t d = 160; d <= 640; d += 160) {
    auto r = rx.on_packet(ts, event(5, false, d), now += 20ms);
    began += r.began;
    ended += r.ended;
  }
  EXPECT_EQ(rx.active_digit(), '5');
  for (int i = 0; i < 3; ++i) {
    auto r = rx.on_packet(ts, event(5, true, 800), now += 20ms);
    if (r.ended) got = r.digit;
    ended += r.ended;
  }
  EXPECT_EQ(began, 1);
  EXPECT_EQ(ended, 1);
  EXPECT_EQ(got.digit, '5');
  EXPECT_EQ(got.duration_ts, 800u);
  EXPECT_EQ(got.duration_ms, 100u);
  EXPECT_EQ(got.rtp_timestamp, ts);
  EXPECT_TRUE(got.end_received);
  EXPECT_EQ(rx.duplicates(), 2u);
  // A very late duplicate of the End, after silence, is still absorbed.
  EXPECT_FALSE(rx.on_packet(ts, event(5, true, 800), now += 1s).ended);
  EXPECT_FALSE(rx.poll(now += 1s).ended);
}

TEST(Rfc4733Receiver, SameDigitTwiceIsTwoDigits) {
  Rfc4733Receiver rx(8000);
  Nanos now{0};
  int ended = 0;
  for (std::uint32_t ts : {1000u, 3000u}) {
    rx.on_packet(ts, event(1, false, 160), now += 20ms);
    for (int i = 0; i < 3; ++i) ended += rx.on_packet(ts, event(1, true, 480), now += 20ms).ended;
  }
  EXPECT_EQ(ended, 2);
}

TEST(Rfc4733Receiver, LostEndPacketsAreConcludedByTheNextDigit) {
  Rfc4733Receiver rx(8000);
  Nanos now{0};
  rx.on_packet(1000, event(2, false, 160), now += 20ms);
  rx.on_packet(1000, event(2, false, 320), now += 20ms);
  // All three End packets of '2' are lost; '3' begins.
  auto r = rx.on_packet(2000, event(3, false, 160), now += 20ms);
  ASSERT_TRUE(r.ended);
  EXPECT_EQ(r.digit.digit, '2');
  EXPECT_FALSE(r.digit.end_received);
  EXPECT_EQ(r.digit.duration_ms, 40u);
  EXPECT_TRUE(r.began);
  EXPECT_EQ(r.began_digit, '3');
}

TEST(Rfc4733Receiver, LostEndPacketsAreConcludedByPoll) {
  Rfc4733Receiver rx(8000, 250ms);
  Nanos now{0};
  rx.on_packet(1000, event(7, false, 160), now += 20ms);
  EXPECT_FALSE(rx.poll(now + 100ms).ended);
  auto r = rx.poll(now + 300ms);
  ASSERT_TRUE(r.ended);
  EXPECT_EQ(r.digit.digit, '7');
  EXPECT_FALSE(rx.poll(now + 600ms).ended);
}

TEST(Rfc4733Receiver, OnlyTheEndPacketArrives) {
  Rfc4733Receiver rx(8000);
  auto r = rx.on_packet(5000, event(0, true, 960), 0ms);
  ASSERT_TRUE(r.ended);
  EXPECT_EQ(r.digit.digit, '0');
  EXPECT_EQ(r.digit.duration_ms, 120u);
  EXPECT_FALSE(rx.on_packet(5000, event(0, true, 960), 20ms).ended);
}

TEST(Rfc4733Receiver, ReorderedPacketsDoNotShrinkOrDuplicate) {
  Rfc4733Receiver rx(8000);
  Nanos now{0};
  rx.on_packet(100, event(4, false, 320), now += 20ms);
  rx.on_packet(100, event(4, false, 160), now += 20ms);  // late, older
  int ended = 0;
  Rfc4733Digit got;
  for (int i = 0; i < 3; ++i) {
    auto r = rx.on_packet(100, event(4, true, 640), now += 20ms);
    if (r.ended) got = r.digit;
    ended += r.ended;
  }
  EXPECT_EQ(ended, 1);
  EXPECT_EQ(got.duration_ts, 640u);
  // A packet from the previous event arriving after the next one started.
  rx.on_packet(900, event(6, false, 160), now += 20ms);
  EXPECT_FALSE(rx.on_packet(100, event(4, false, 480), now += 20ms).began);
  EXPECT_EQ(rx.active_digit(), '6');
}

TEST(Rfc4733Receiver, WideBandClockRate) {
  Rfc4733Receiver rx(48000);
  auto r = rx.on_packet(0, event(9, true, 4800), 0ms);
  ASSERT_TRUE(r.ended);
  EXPECT_EQ(r.digit.duration_ms, 100u);
}

TEST(Rfc4733Receiver, MalformedAndNonDtmfAreCountedAndIgnored) {
  Rfc4733Receiver rx(8000);
  const std::vector<std::uint8_t> bad = {1, 2, 3};
  EXPECT_TRUE(rx.on_packet(0, bad, 0ms).malformed);
  EXPECT_TRUE(rx.on_packet(0, {}, 0ms).malformed);
  EXPECT_EQ(rx.malformed(), 2u);
  auto flash = rx.on_packet(10, event(16, true, 800), 0ms);
  EXPECT_FALSE(flash.ended);
  EXPECT_EQ(rx.non_dtmf_events(), 1u);
  // The receiver still works afterwards.
  EXPECT_TRUE(rx.on_packet(20, event(3, true, 800), 0ms).ended);
}

TEST(Rfc4733Sender, PacketsFollowRfc4733AndRoundTripThroughTheReceiver) {
  Rfc4733Sender tx(8000, 160);
  ASSERT_TRUE(tx.start('#', 100));
  Rfc4733Receiver rx(8000);
  std::vector<Rfc4733Packet> pkts;
  Rfc4733Packet p;
  while (tx.next(p)) pkts.push_back(p);
  // 100 ms = 800 units in 160-unit steps: 4 packets of tone, the 5th
  // reaches 800 and is the first End, then two retransmissions.
  ASSERT_EQ(pkts.size(), 7u);
  EXPECT_TRUE(pkts[0].marker);
  for (std::size_t i = 1; i < pkts.size(); ++i) EXPECT_FALSE(pkts[i].marker);
  EXPECT_TRUE(pkts.back().last);
  int ended = 0;
  Rfc4733Digit got;
  Nanos now{0};
  for (const auto& pk : pkts) {
    TelephoneEvent ev[1];
    ASSERT_EQ(parse_telephone_events(pk.payload, ev), 1);
    auto r = rx.on_packet(777, pk.payload, now += 20ms);
    if (r.ended) got = r.digit;
    ended += r.ended;
  }
  EXPECT_EQ(ended, 1);
  EXPECT_EQ(got.digit, '#');
  EXPECT_EQ(got.duration_ms, 100u);
  EXPECT_FALSE(tx.busy());
  EXPECT_FALSE(tx.start('x', 100));
}

TEST(Rfc4733Sender, LongDigitIsClampedToSixteenBits) {
  Rfc4733Sender tx(48000, 960);
  ASSERT_TRUE(tx.start('1', 5000));  // 240000 units would overflow
  Rfc4733Packet p, last;
  while (tx.next(p)) last = p;
  TelephoneEvent ev[1];
  ASSERT_EQ(parse_telephone_events(last.payload, ev), 1);
  EXPECT_EQ(ev[0].duration, 0xffff);
  EXPECT_TRUE(ev[0].end);
}

}  // namespace
}  // namespace sb::ivr
