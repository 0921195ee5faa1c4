// Latching rules and output-stream continuity.
#include "dataplane/session/leg.hpp"

#include <gtest/gtest.h>

namespace sb::dataplane {
namespace {

constexpr std::int64_t kMs = 1'000'000;
const Endpoint kCaller{0x0a000001, 4000};
const Endpoint kNatted{0xc6336401, 61000};
const Endpoint kAttacker{0x0a0000fe, 4000};

TEST(Latching, StrictLegAcceptsOnlyTheNegotiatedAddress) {
  Leg leg;
  leg.negotiate(kCaller, 0, {}, 0);
  EXPECT_EQ(leg.check_rtp_source(kCaller, 1, 0), Leg::SourceVerdict::kAccept);
  EXPECT_EQ(leg.check_rtp_source(kAttacker, 2, 0), Leg::SourceVerdict::kMismatch);
  EXPECT_EQ(leg.check_rtp_source({kCaller.ip, 4002}, 2, 0), Leg::SourceVerdict::kMismatch);  // same host, other port
  EXPECT_EQ(leg.accepted, kCaller);
}

TEST(Latching, UnknownRemoteWithoutLearningAcceptsNothing) {
  Leg leg;
  leg.negotiate({}, 0, {}, 0);
  for (std::uint16_t s = 0; s < 50; ++s) EXPECT_EQ(leg.check_rtp_source(kCaller, s, 0), Leg::SourceVerdict::kMismatch);
  EXPECT_FALSE(leg.has_destination());
}

TEST(Latching, NatLearningNeedsNConsecutiveInSequencePackets) {
  Leg leg;
  leg.negotiate({0xc0a80005, 4000}, 0, {.nat_learning = true, .packets_to_win = 5, .window_ns = 10'000 * kMs}, 0);
  // Out of sequence restarts the count.
  EXPECT_EQ(leg.check_rtp_source(kNatted, 100, kMs), Leg::SourceVerdict::kLearning);
  EXPECT_EQ(leg.check_rtp_source(kNatted, 101, kMs), Leg::SourceVerdict::kLearning);
  EXPECT_EQ(leg.check_rtp_source(kNatted, 105, kMs), Leg::SourceVerdict::kLearning);  // gap: count 1
  // Another address interleaving restarts it too.
  EXPECT_EQ(leg.check_rtp_source(kAttacker, 1, kMs), Leg::SourceVerdict::kLearning);
  for (std::uint16_t s = 200; s < 204; ++s) EXPECT_EQ(leg.check_rtp_source(kNatted, s, kMs), Leg::SourceVerdict::kLearning);
  EXPECT_EQ(leg.check_rtp_source(kNatted, 204, kMs), Leg::SourceVerdict::kWon);
  EXPECT_EQ(leg.accepted, kNatted);
  EXPECT_EQ(leg.latch, LatchState::kStrict);
  // Strict now: the attacker can never win, even in sequence.
  for (std::uint16_t s = 0; s < 20; ++s) EXPECT_EQ(leg.check_rtp_source(kAttacker, s, 2 * kMs), Leg::SourceVerdict::kMismatch);
  EXPECT_EQ(leg.check_rtp_source(kNatted, 205, 2 * kMs), Leg::SourceVerdict::kAccept);
}

TEST(Latching, WindowClosesWithoutAWinner) {
  Leg leg;
  leg.negotiate({0xc0a80005, 4000}, 0, {.nat_learning = true, .packets_to_win = 3, .window_ns = 100 * kMs}, 0);
  EXPECT_EQ(leg.check_rtp_source(kNatted, 1, 50 * kMs), Leg::SourceVerdict::kLearning);
  EXPECT_EQ(leg.check_rtp_source(kNatted, 2, 150 * kMs), Leg::SourceVerdict::kMismatch);
  EXPECT_EQ(leg.check_rtp_source(kNatted, 3, 151 * kMs), Leg::SourceVerdict::kMismatch);
  EXPECT_EQ(leg.latch, LatchState::kStrict);
  // Re-negotiation reopens it.
  leg.negotiate({0xc0a80005, 4000}, 0, {.nat_learning = true, .packets_to_win = 3, .window_ns = 100 * kMs}, 200 * kMs);
  for (std::uint16_t s = 10; s < 12; ++s) EXPECT_EQ(leg.check_rtp_source(kNatted, s, 210 * kMs), Leg::SourceVerdict::kLearning);
  EXPECT_EQ(leg.check_rtp_source(kNatted, 12, 210 * kMs), Leg::SourceVerdict::kWon);
}

TEST(Latching, NegotiatedAddressSendingClosesTheWindow) {
  Leg leg;
  leg.negotiate(kCaller, 0, {.nat_learning = true, .packets_to_win = 2, .window_ns = 10'000 * kMs}, 0);
  EXPECT_EQ(leg.check_rtp_source(kCaller, 1, kMs), Leg::SourceVerdict::kAccept);
  // The real endpoint is there; an attacker in sequence gets nowhere.
  for (std::uint16_t s = 0; s < 10; ++s) EXPECT_EQ(leg.check_rtp_source(kAttacker, s, kMs), Leg::SourceVerdict::kMismatch);
}

TEST(Latching, RtcpFromTheAcceptedHostOnItsRtcpPort) {
  Leg leg;
  leg.local_rtcp_port = 30001;  // not muxed: remote RTCP is port + 1
  leg.negotiate(kCaller, 0, {}, 0);
  EXPECT_TRUE(leg.check_rtcp_source({kCaller.ip, 4001}, 7, 0));
  EXPECT_FALSE(leg.check_rtcp_source({kCaller.ip, 4000}, 7, 0));
  EXPECT_FALSE(leg.check_rtcp_source({kAttacker.ip, 4001}, 7, 0));
  Leg mux;
  mux.negotiate(kCaller, 0, {}, 0);  // muxed: same port
  EXPECT_TRUE(mux.check_rtcp_source(kCaller, 7, 0));
}

TEST(Latching, RtcpPortIsLearntOnlyForTheAcceptedStreamsSsrc) {
  Leg leg;
  leg.local_rtcp_port = 30001;
  leg.negotiate({0xc0a80005, 4000}, 0, {.nat_learning = true, .packets_to_win = 1, .window_ns = 1000 * kMs}, 0);
  ASSERT_EQ(leg.check_rtp_source(kNatted, 1, kMs), Leg::SourceVerdict::kWon);
  leg.in_ssrc = 0x1234;
  // Same host, another port, another SSRC: someone else behind that NAT.
  EXPECT_FALSE(leg.check_rtcp_source({kNatted.ip, 5555}, 0xBAD, 2 * kMs));
  // The accepted stream's own RTCP from its NAT-mapped port: learnt.
  EXPECT_TRUE(leg.check_rtcp_source({kNatted.ip, 61007}, 0x1234, 2 * kMs));
  EXPECT_EQ(leg.accepted_rtcp.port, 61007);
  EXPECT_FALSE(leg.check_rtcp_source({kNatted.ip, 5555}, 0x1234, 2 * kMs + 10'000 * kMs));  // window long closed
}

TEST(OutputStream, ContinuityAcrossASourceSwitch) {
  OutputStream out;
  out.ssrc = 0x5555;
  std::uint16_t seq;
  std::uint32_t ts;
  // A prompt (server stream) plays 50 packets from seq 7000, ts 100000.
  for (int i = 0; i < 50; ++i) {
    out.map(0xAAAA, static_cast<std::uint16_t>(7000 + i), 100000u + 160u * static_cast<std::uint32_t>(i), i * 20 * kMs, seq, ts);
    EXPECT_EQ(seq, 7000 + i);
  }
  const std::uint16_t last_seq = seq;
  const std::uint32_t last_ts = ts;
  // 20 ms later the agent's stream (another SSRC, unrelated numbering) takes over.
  out.map(0xBBBB, 123, 999999, 50 * 20 * kMs, seq, ts);
  EXPECT_EQ(seq, static_cast<std::uint16_t>(last_seq + 1));
  EXPECT_EQ(ts, last_ts + 160);  // 20 ms at 8 kHz: no jump the far end would notice
  out.map(0xBBBB, 124, 999999 + 160, 51 * 20 * kMs, seq, ts);
  EXPECT_EQ(seq, static_cast<std::uint16_t>(last_seq + 2));
  EXPECT_EQ(ts, last_ts + 320);
  // A reordered older packet keeps its place without moving the high mark.
  out.map(0xBBBB, 123, 999999, 51 * 20 * kMs, seq, ts);
  EXPECT_EQ(seq, static_cast<std::uint16_t>(last_seq + 1));
  EXPECT_EQ(out.last_seq, static_cast<std::uint16_t>(last_seq + 2));
}

TEST(OutputStream, ANewSourceRightAfterTheLastPacketStillStartsAPacketLater) {
  OutputStream out;
  std::uint16_t seq;
  std::uint32_t ts;
  // A 30 ms stream (240 units a packet)...
  for (int i = 0; i < 5; ++i) out.map(1, static_cast<std::uint16_t>(10 + i), 240u * static_cast<std::uint32_t>(i), i * 30 * kMs, seq, ts);
  const std::uint32_t last_ts = ts;
  // ...and another source 1 ms after its last packet: the last packet's
  // 30 ms of audio are not overlapped.
  out.map(2, 900, 5, 4 * 30 * kMs + kMs, seq, ts);
  EXPECT_EQ(ts, last_ts + 240);
  // With no history of steps, 20 ms is assumed.
  OutputStream fresh;
  fresh.map(1, 1, 1000, 0, seq, ts);
  fresh.map(2, 7, 7, kMs, seq, ts);
  EXPECT_EQ(ts, 1000u + 160u);
}

TEST(OutputStream, SameSsrcRestartIsRebased) {
  OutputStream out;
  std::uint16_t seq;
  std::uint32_t ts;
  for (int i = 0; i < 10; ++i) out.map(1, static_cast<std::uint16_t>(100 + i), 1000u + 160u * static_cast<std::uint32_t>(i), i * 20 * kMs, seq, ts);
  out.map(1, 50000, 5, 10 * 20 * kMs, seq, ts);  // the sender restarted its numbering
  EXPECT_EQ(seq, 110);
  EXPECT_EQ(ts, 1000u + 160u * 9u + 160u);
}

TEST(OutputStream, WideBandClockRate) {
  OutputStream out;
  out.clock_rate = 48000;
  std::uint16_t seq;
  std::uint32_t ts;
  out.map(1, 1, 1000, 0, seq, ts);
  out.map(2, 9, 77, 20 * kMs, seq, ts);
  EXPECT_EQ(ts, 1000u + 960u);
}

TEST(Leg, StateStaysWithinOneKibibyte) {
  // The target: session state per relayed leg, buffers excluded.
  EXPECT_LE(sizeof(Leg), 1024u);
}

}  // namespace
}  // namespace sb::dataplane
