// The worker's packet path and command handling, with real socket-backend
// buffers and a manual clock; packets are handed to process_burst() directly
// (the loopback tests in tests/integration go through real sockets).
#include "dataplane/worker.hpp"

#include <gtest/gtest.h>

#include <cstring>

#include "dataplane/io/socket_io.hpp"
#include "tests/unit/dataplane/worker_fixture.hpp"
#include "dataplane/rtp/rtcp.hpp"
#include "dataplane/rtp/rtp.hpp"
#include "ivr/rfc4733.hpp"

namespace sb::dataplane {
namespace {

using test::kA;
using test::kB;
using test::kMs;
using test::WorkerTest;

TEST_F(WorkerTest, RelaysBothWaysWithRewrite) {
  const auto id = create(leg(30000, kA, 0xA0A0), leg(30010, kB, 0xB0B0));
  auto ev = events();
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].kind, Event::kSessionCreated);
  EXPECT_EQ(ev[0].session, id);

  // A -> B: arrives on A's port from A; leaves from B's port to B, with the
  // SSRC we use toward B.
  auto out = relay(packet(30000, kA, rtp(0, 500, 8000, 0x1234)));
  ASSERT_TRUE(out);
  EXPECT_EQ(out->dst, kB);
  EXPECT_EQ(out->local_port, 30010);
  rtp::RtpHeader h;
  ASSERT_EQ(rtp::parse_rtp(out->data, out->len, h), rtp::RtpError::kNone);
  EXPECT_EQ(h.ssrc, 0xB0B0u);
  EXPECT_EQ(h.sequence, 500);
  EXPECT_EQ(h.payload_size, 160);

  auto back = relay(packet(30010, kB, rtp(8, 77, 1, 0x9999)));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->dst, kA);
  EXPECT_EQ(back->local_port, 30000);
  ASSERT_EQ(rtp::parse_rtp(back->data, back->len, h), rtp::RtpError::kNone);
  EXPECT_EQ(h.ssrc, 0xA0A0u);
  EXPECT_EQ(h.payload_type, 8);

  ev = events();
  ASSERT_EQ(ev.size(), 2u);  // first packet on each leg
  EXPECT_EQ(ev[0].kind, Event::kFirstPacket);
  EXPECT_EQ(counters_.sum(kRtpRelayed), 2u);
}

TEST_F(WorkerTest, BleedAndGarbageAreDroppedAndCounted) {
  create(leg(30000, kA, 1), leg(30010, kB, 2));
  const Endpoint attacker{0x7f000001, 50000};
  EXPECT_FALSE(relay(packet(30000, attacker, rtp(0, 1, 1, 7))));
  EXPECT_FALSE(relay(packet(30004, kA, rtp(0, 1, 1, 7))));            // no leg on that port
  EXPECT_FALSE(relay(packet(30000, kA, {0x80, 0, 1})));               // too short
  EXPECT_FALSE(relay(packet(30000, kA, std::vector<std::uint8_t>(40, 0x40))));  // version 1
  auto ext = rtp(0, 1, 1, 7, 4);
  ext[0] |= 0x10;  // extension bit with no room for it
  EXPECT_FALSE(relay(packet(30000, kA, ext)));
  EXPECT_EQ(drops(DropReason::kSourceMismatch), 1u);
  EXPECT_EQ(drops(DropReason::kUnknownPort), 1u);
  EXPECT_EQ(drops(DropReason::kNotRtp), 2u);
  EXPECT_EQ(drops(DropReason::kRtpMalformed), 1u);
  EXPECT_EQ(io_->free_buffers(), SocketIoConfig{}.pool_buffers);  // every dropped buffer came back
}

TEST_F(WorkerTest, NatLearningLatchesThenIsStrict) {
  LegSetup a = leg(30000, {0xc0a80001, 5000}, 1);
  a.latch = {.nat_learning = true, .packets_to_win = 3, .window_ns = 5'000 * kMs};
  create(a, leg(30010, kB, 2));
  const Endpoint natted{0x7f000001, 61000};
  EXPECT_FALSE(relay(packet(30000, natted, rtp(0, 10, 0, 5))));
  EXPECT_FALSE(relay(packet(30000, natted, rtp(0, 11, 160, 5))));
  EXPECT_TRUE(relay(packet(30000, natted, rtp(0, 12, 320, 5))));  // the winning packet is relayed
  bool latched = false;
  for (const auto& e : events())
    if (e.kind == Event::kSourceLatched) {
      latched = true;
      EXPECT_EQ(e.endpoint, natted);
    }
  EXPECT_TRUE(latched);
  // B -> A now goes to the learnt address, never to the negotiated one.
  auto back = relay(packet(30010, kB, rtp(0, 1, 1, 9)));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->dst, natted);
  EXPECT_EQ(drops(DropReason::kLearning), 2u);
}

TEST_F(WorkerTest, NoDestinationAndInactiveModes) {
  create(leg(30000, kA, 1), leg(30010, {}, 2));  // B's address not known yet
  EXPECT_FALSE(relay(packet(30000, kA, rtp(0, 1, 1, 5))));
  EXPECT_EQ(drops(DropReason::kNoDestination), 1u);
  Command c;
  c.kind = Command::kUpdateLeg;
  c.session = (std::uint64_t{1} << 32);
  c.leg = 1;
  c.legs[1] = leg(30010, kB, 2);
  c.legs[1].mode = LegMode::kInactive;  // and on hold
  ASSERT_TRUE(commands_.try_push(c));
  worker_->poll_once();
  EXPECT_FALSE(relay(packet(30000, kA, rtp(0, 2, 160, 5))));
  EXPECT_EQ(drops(DropReason::kLegInactive), 1u);
  c.kind = Command::kSetLegMode;
  c.legs[1].mode = LegMode::kRelay;
  ASSERT_TRUE(commands_.try_push(c));
  worker_->poll_once();
  EXPECT_TRUE(relay(packet(30000, kA, rtp(0, 3, 320, 5))));
}

TEST_F(WorkerTest, RtcpIsForwardedWithSsrcTranslation) {
  LegSetup a = leg(30000, kA, 0xA0A0), b = leg(30010, kB, 0xB0B0);
  a.local_rtcp_port = 30001;
  b.local_rtcp_port = 30011;
  create(a, b);
  ASSERT_TRUE(relay(packet(30000, kA, rtp(0, 1, 1, 0x1111))));   // A's own SSRC is 0x1111
  ASSERT_TRUE(relay(packet(30010, kB, rtp(0, 1, 1, 0x2222))));   // B's is 0x2222
  // A sends an SR with a report block about the stream it receives (our 0xA0A0).
  rtp::RtcpSenderInfo info{rtp::ntp_from_unix_nanos(1'700'000'000'000'000'000), 1, 1, 1};
  rtp::RtcpReportBlock block{0xA0A0, 0, 0, 1, 0, 0, 0};
  std::vector<std::uint8_t> sr(128);
  sr.resize(rtp::build_rtcp_report(sr, 0x1111, &info, &block, std::span("a", 1)));
  auto out = relay(packet(30001, {kA.ip, static_cast<std::uint16_t>(kA.port + 1)}, sr));
  ASSERT_TRUE(out);
  EXPECT_EQ(out->dst, (Endpoint{kB.ip, static_cast<std::uint16_t>(kB.port + 1)}));
  EXPECT_EQ(out->local_port, 30011);
  rtp::RtcpSummary s;
  ASSERT_EQ(rtp::parse_rtcp(out->data, out->len, s), rtp::RtcpError::kNone);
  EXPECT_EQ(s.sender_ssrc, 0xB0B0u);    // A's SSRC as B knows it
  EXPECT_EQ(s.blocks[0].ssrc, 0x2222u); // the stream B sent, under B's own SSRC

  // B answers with an RR echoing that SR 30 ms later, having held it 10 ms:
  // the RTT between us and B is 20 ms.
  clock_.advance(Nanos{30 * kMs});
  rtp::RtcpReportBlock echo{0xB0B0, 0, 0, 1, 0, static_cast<std::uint32_t>(info.ntp >> 16), 65536 / 100};
  std::vector<std::uint8_t> rr(128);
  rr.resize(rtp::build_rtcp_report(rr, 0x2222, nullptr, &echo, std::span("b", 1)));
  ASSERT_TRUE(relay(packet(30011, {kB.ip, static_cast<std::uint16_t>(kB.port + 1)}, rr)));
  EXPECT_NEAR(worker_->leg(1).rtt_seconds, 0.020, 0.001);
  // Malformed RTCP is dropped.
  auto bad = sr;
  bad[2] = 0x40;
  EXPECT_FALSE(relay(packet(30001, {kA.ip, static_cast<std::uint16_t>(kA.port + 1)}, bad)));
  EXPECT_EQ(drops(DropReason::kRtcpMalformed), 1u);
}

TEST_F(WorkerTest, MediaTimeoutAndDtmfEvents) {
  LegSetup a = leg(30000, kA, 1);
  a.media_timeout_ms = 2000;
  a.telephone_event_pt = 101;
  create(a, leg(30010, kB, 2));
  events();
  // A digit '7' over RFC 4733: three event packets, End sent three times.
  ivr::Rfc4733Sender tx(8000, 160);
  tx.start('7', 60);
  ivr::Rfc4733Packet ep;
  std::uint16_t seq = 1;
  while (tx.next(ep)) {
    auto b = rtp(101, seq++, 48000, 0x77, 0);
    b.insert(b.end(), ep.payload, ep.payload + 4);
    relay(packet(30000, kA, b));
    clock_.advance(Nanos{20 * kMs});
  }
  int digits = 0;
  for (const auto& e : events())
    if (e.kind == Event::kDtmf) {
      ++digits;
      EXPECT_EQ(e.digit, '7');
      EXPECT_EQ(e.duration_ms, 60u);
    }
  EXPECT_EQ(digits, 1);
  // Then silence: one timeout event after 2 s, not one per check.
  for (int i = 0; i < 100; ++i) {
    clock_.advance(Nanos{50 * kMs});
    worker_->poll_once();
  }
  int timeouts = 0;
  for (const auto& e : events()) timeouts += e.kind == Event::kMediaTimeout;
  EXPECT_EQ(timeouts, 1);
  EXPECT_EQ(counters_.sum(kMediaTimeouts), 1u);
}

TEST_F(WorkerTest, StatsAndDelete) {
  const auto id = create(leg(30000, kA, 1), leg(30010, kB, 2));
  for (std::uint16_t s = 0; s < 10; ++s) {
    if (s == 4) continue;  // one lost
    relay(packet(30000, kA, rtp(0, s, s * 160u, 5)));
    clock_.advance(Nanos{20 * kMs});
  }
  events();
  Command c;
  c.kind = Command::kRequestStats;
  c.session = id;
  ASSERT_TRUE(commands_.try_push(c));
  worker_->poll_once();
  auto ev = events();
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[0].kind, Event::kStats);
  EXPECT_EQ(ev[0].stats.rx_packets, 9u);
  EXPECT_EQ(ev[0].stats.lost, 1);
  // 1 of 10 lost (10%): Ie_eff = 95*10/(10+25.1) = 27.1; delay 40 ms
  // (RTT unknown): Id = 0.96; R = 65.2, MOS 3.36.
  EXPECT_NEAR(ev[0].stats.mos, 3.36, 0.03);
  EXPECT_EQ(ev[1].stats.tx_packets, 9u);  // relayed toward B

  c.kind = Command::kDeleteSession;
  ASSERT_TRUE(commands_.try_push(c));
  worker_->poll_once();
  ev = events();
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].kind, Event::kSessionDeleted);
  EXPECT_EQ(worker_->active_sessions(), 0u);
  EXPECT_FALSE(relay(packet(30000, kA, rtp(0, 11, 1, 5))));  // the port is gone
  // A stale id is refused.
  ASSERT_TRUE(commands_.try_push(c));
  worker_->poll_once();
  ev = events();
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].kind, Event::kCommandFailed);
}

TEST_F(WorkerTest, CreateFailsCleanlyOnABusyPort) {
  create(leg(30000, kA, 1), leg(30010, kB, 2), 0);
  events();
  create(leg(30020, kA, 1), leg(30010, kB, 2), 1);  // B's port taken
  auto ev = events();
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].kind, Event::kCommandFailed);
  // Nothing was left half made: 30020 is free for the next session.
  create(leg(30020, kA, 1), leg(30030, kB, 2), 1);
  ev = events();
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].kind, Event::kSessionCreated);
}

}  // namespace
}  // namespace sb::dataplane
