// RTCP the worker generates for legs it terminates (mix-room parties and a
// supervised call's legs), in virtual time: the far end's UDP socket gets
// SR/RR + SDES compounds on RFC 3550's schedule, whose sender info matches
// the RTP it received and whose report block matches the losses the test
// made; what the far end reports back gives the leg's RTT; a party's
// statistics can be requested by its id, and a room's by the room's.
//
// Every test runs the worker in 20 ms steps of the manual clock and reads
// the far ends' sockets after each step, so each RTCP packet is seen at the
// virtual time it was sent and after exactly the RTP sent before it.
#include <gtest/gtest.h>

#include <map>
#include <vector>

#include "dataplane/rtp/rtcp.hpp"
#include "tests/unit/dataplane/mixing_fixture.hpp"

namespace sb::dataplane {
namespace {

using codecs::CodecId;
using test::kMs;
using test::MixingTest;
using test::Talker;

constexpr std::int64_t kSecond = 1000 * kMs;

// One RTCP compound a far end received, parsed, with when it came and the
// RTP the far end had received before it.
struct Received {
  rtp::RtcpSummary sum;
  std::int64_t at_ns;
  std::vector<std::uint8_t> bytes;
  std::size_t rtp_before;
};

class RtcpGenerationTest : public MixingTest {
 protected:
  // One 20 ms step where only the talkers in `sending` hand a packet in
  // (and a `lose` predicate may swallow it after it was numbered); every
  // talker's socket is read afterwards.
  void tick(std::vector<Talker*> all, std::vector<Talker*> sending = {}, bool lose = false) {
    for (Talker* t : sending) {
      const auto bytes = t->next_packet();
      if (!lose) relay(packet(t->port, t->far_end(), bytes));
    }
    clock_.advance(std::chrono::milliseconds(20));
    worker_->poll_once();
    for (Talker* t : all) {
      const std::size_t before = t->rtcp.size();
      t->collect();
      for (std::size_t i = before; i < t->rtcp.size(); ++i) {
        Received r;
        r.at_ns = clock_.now().count();
        r.bytes = t->rtcp[i].bytes;
        r.rtp_before = t->rtcp[i].after_headers;
        EXPECT_EQ(rtp::parse_rtcp(r.bytes.data(), r.bytes.size(), r.sum), rtp::RtcpError::kNone);
        received_[t].push_back(r);
      }
    }
  }
  std::vector<Received>& reports(Talker& t) { return received_[&t]; }
  // The RTP payload octets among the first `n` packets `t` received.
  static std::uint64_t octets(const Talker& t, std::size_t n) {
    std::uint64_t sum = 0;
    for (std::size_t i = 0; i < n; ++i) sum += t.headers[i].payload_size;
    return sum;
  }
  // The second packet of a compound (after the SR/RR): its type.
  static std::uint8_t second_packet_type(const Received& r) {
    const std::size_t first = 4u * (static_cast<std::size_t>(r.bytes[2]) << 8 | r.bytes[3]) + 4;
    return first + 1 < r.bytes.size() ? r.bytes[first + 1] : 0;
  }
  std::vector<Event> stats_of(std::uint64_t id) {
    Command c;
    c.kind = Command::kRequestStats;
    c.session = id;
    command(c);
    return events_of(Event::kStats);
  }

  std::map<Talker*, std::vector<Received>> received_;
};

TEST_F(RtcpGenerationTest, APartyGetsSenderReportsOnScheduleMatchingTheRtpItReceived) {
  create_room(8000);
  Talker a(30100, CodecId::kPcmu, 0, 400), b(30102, CodecId::kPcmu, 0, 700);
  const std::int64_t joined = clock_.now().count();
  add_party(0, a);
  add_party(1, b);
  for (int i = 0; i < 1500; ++i) tick({&a, &b}, {&a, &b});  // 30 s
  for (Talker* t : {&a, &b}) {
    const auto& got = reports(*t);
    SCOPED_TRACE(::testing::Message() << "party on " << t->port);
    // RFC 3550 §6.2: the first within half the 5 s minimum, randomised
    // (1.25-3.75 s); then 2.5-7.5 s apart (plus the 20 ms step the poll
    // that sends it may come late by). 30 s: at least 4 more.
    ASSERT_GE(got.size(), 5u);
    EXPECT_GE(got[0].at_ns - joined, 1250 * kMs);
    EXPECT_LE(got[0].at_ns - joined, 3750 * kMs + 20 * kMs);
    for (std::size_t i = 1; i < got.size(); ++i) {
      EXPECT_GE(got[i].at_ns - got[i - 1].at_ns, 2500 * kMs) << "report " << i;
      EXPECT_LE(got[i].at_ns - got[i - 1].at_ns, 7500 * kMs + 20 * kMs) << "report " << i;
    }
    const std::uint32_t ssrc = t->headers.at(0).ssrc;
    for (const Received& r : got) {
      ASSERT_TRUE(r.sum.has_sr);
      EXPECT_EQ(r.sum.packets, 2);  // SR, SDES
      EXPECT_EQ(second_packet_type(r), rtp::kRtcpSdes);
      EXPECT_EQ(r.sum.sender_ssrc, ssrc);
      // Counts: exactly the RTP the far end received before the SR.
      EXPECT_EQ(r.sum.sr.packets, r.rtp_before);
      EXPECT_EQ(r.sum.sr.octets, octets(*t, r.rtp_before));
      // NTP time: the wall clock at the moment it was sent.
      EXPECT_EQ(r.sum.sr.ntp, rtp::ntp_from_unix_nanos(clock_.wall_now().count() - (clock_.now().count() - r.at_ns)));
      // Its RTP timestamp lies on the stream's timeline: at or after the
      // last packet's, within one 20 ms frame (160 units at 8 kHz), and
      // not after the next packet's.
      ASSERT_GT(r.rtp_before, 0u);
      const std::uint32_t last = t->headers[r.rtp_before - 1].timestamp;
      EXPECT_LE(r.sum.sr.rtp_timestamp - last, 160u);
      if (r.rtp_before < t->headers.size()) {
        EXPECT_LE(static_cast<std::int32_t>(r.sum.sr.rtp_timestamp - t->headers[r.rtp_before].timestamp), 0);
      }
      // One report block, on the stream the far end sends.
      ASSERT_EQ(r.sum.block_count, 1);
      EXPECT_EQ(r.sum.blocks[0].ssrc, t->ssrc);
      EXPECT_EQ(r.sum.blocks[0].cumulative_lost, 0);
      EXPECT_EQ(r.sum.blocks[0].lsr, 0u);  // it never sent an SR
    }
  }
  EXPECT_EQ(counters_.sum(kRtcpGenerated), reports(a).size() + reports(b).size());
}

// Losses made by the test, counted by hand: 50 packets with 5 lost before
// the first report, 50 more with 10 lost before the second. The talker is
// silent around each report, so each covers exactly one batch.
TEST_F(RtcpGenerationTest, TheReportBlockCountsTheLossesOfEachInterval) {
  create_room(8000);
  Talker a(30100, CodecId::kPcmu, 0, 400), b(30102, CodecId::kPcmu, 0, 0);
  add_party(0, a);
  add_party(1, b);
  // seq 1000..1049: 1010..1014 lost.
  for (int i = 0; i < 50; ++i) tick({&a, &b}, {&a}, i >= 10 && i < 15);
  ASSERT_TRUE(reports(a).empty()) << "the first report came before 1.25 s";
  while (reports(a).empty()) tick({&a, &b});
  {
    const rtp::RtcpReportBlock& blk = reports(a)[0].sum.blocks[0];
    ASSERT_EQ(reports(a)[0].sum.block_count, 1);
    EXPECT_EQ(blk.ssrc, a.ssrc);
    EXPECT_EQ(blk.fraction_lost, 25);  // 5/50 * 256 = 25.6
    EXPECT_EQ(blk.cumulative_lost, 5);
    EXPECT_EQ(blk.highest_seq, 1049u);
    EXPECT_EQ(blk.jitter, 0u);  // every packet on time
  }
  // seq 1050..1099: every fifth (1050, 1055, ...) lost.
  for (int i = 0; i < 50; ++i) tick({&a, &b}, {&a}, i % 5 == 0);
  ASSERT_EQ(reports(a).size(), 1u) << "the second report came within 1 s of the first";
  while (reports(a).size() < 2) tick({&a, &b});
  const rtp::RtcpReportBlock& blk = reports(a)[1].sum.blocks[0];
  EXPECT_EQ(blk.fraction_lost, 51);  // 10/50 * 256 = 51.2
  EXPECT_EQ(blk.cumulative_lost, 15);
  EXPECT_EQ(blk.highest_seq, 1099u);
  // Nothing new by the third report: no fraction lost, the total stays.
  while (reports(a).size() < 3) tick({&a, &b});
  EXPECT_EQ(reports(a)[2].sum.blocks[0].fraction_lost, 0);
  EXPECT_EQ(reports(a)[2].sum.blocks[0].cumulative_lost, 15);
}

// The far end's reports are consumed: its RR echoing our SR gives the RTT
// the test built (sent 300 ms after our SR, having held it 250 ms: 50 ms),
// its SR is echoed in our next report block (LSR, and DLSR = the time since
// it arrived), and the party's statistics carry the RTT.
TEST_F(RtcpGenerationTest, TheFarEndsReportsGiveRttAndAreEchoed) {
  create_room(8000);
  Talker a(30100, CodecId::kPcmu, 0, 400), b(30102, CodecId::kPcmu, 0, 0);
  add_party(0, a);
  add_party(1, b);
  while (reports(a).empty()) tick({&a, &b}, {&a, &b});
  const Received sr = reports(a)[0];
  ASSERT_TRUE(sr.sum.has_sr);
  for (int i = 0; i < 15; ++i) tick({&a, &b}, {&a, &b});  // 300 ms
  rtp::RtcpReportBlock echo{sr.sum.sender_ssrc, 0, 0, 1, 0, static_cast<std::uint32_t>(sr.sum.sr.ntp >> 16), 65536 / 4};
  std::vector<std::uint8_t> rr(128);
  rr.resize(rtp::build_rtcp_report(rr, a.ssrc, nullptr, &echo, std::span("far", 3)));
  EXPECT_FALSE(relay(packet(a.port, a.far_end(), rr))) << "a mixed leg's RTCP is not forwarded";
  EXPECT_NEAR(worker_->leg(2 * 8 + 0).rtt_seconds, 0.050, 0.0005);
  events();
  auto stats = stats_of(party_id(0));
  ASSERT_EQ(stats.size(), 1u);
  EXPECT_EQ(stats[0].session, party_id(0));
  EXPECT_EQ(stats[0].owner, kRoom);
  EXPECT_NEAR(stats[0].stats.rtt_ms, 50.0, 0.5);
  EXPECT_EQ(stats[0].stats.rx_rtcp, 1u);
  EXPECT_EQ(stats[0].stats.rx_packets, a.seq - 1000u);

  // The far end's own SR, 1.5 s of virtual time before our next report at most.
  const std::size_t seen = reports(a).size();
  rtp::RtcpSenderInfo info{rtp::ntp_from_unix_nanos(clock_.wall_now().count()) + (std::uint64_t{7} << 32), 1, 1, 1};
  std::vector<std::uint8_t> far_sr(128);
  far_sr.resize(rtp::build_rtcp_report(far_sr, a.ssrc, &info, nullptr, std::span("far", 3)));
  const std::int64_t sr_at = clock_.now().count();
  relay(packet(a.port, a.far_end(), far_sr));
  while (reports(a).size() == seen) tick({&a, &b}, {&a, &b});
  const Received& next = reports(a).back();
  ASSERT_EQ(next.sum.block_count, 1);
  EXPECT_EQ(next.sum.blocks[0].lsr, static_cast<std::uint32_t>(info.ntp >> 16));
  const double dlsr = (next.at_ns - sr_at) * 1e-9;
  EXPECT_NEAR(next.sum.blocks[0].dlsr / 65536.0, dlsr, 1.0 / 65536);
}

// A leg we send nothing to (recvonly) gets receiver reports; removing a
// party ends its stream with a BYE.
TEST_F(RtcpGenerationTest, AReceiverReportWhenNothingWasSentAndAByeAtTheEnd) {
  create_room(8000);
  Talker a(30100, CodecId::kPcmu, 0, 400), b(30102, CodecId::kPcmu, 0, 0);
  Command pa = party_command(0, a);
  pa.legs[0].mode = LegMode::kRecvOnly;
  command(pa);
  add_party(1, b);
  while (reports(a).empty()) tick({&a, &b}, {&a, &b});
  EXPECT_TRUE(a.headers.empty());
  const Received& rr = reports(a)[0];
  EXPECT_TRUE(rr.sum.has_report);
  EXPECT_FALSE(rr.sum.has_sr);
  EXPECT_EQ(rr.sum.sender_ssrc, 0x7700u);  // the leg's output SSRC
  ASSERT_EQ(rr.sum.block_count, 1);
  EXPECT_EQ(rr.sum.blocks[0].ssrc, a.ssrc);
  EXPECT_EQ(rr.sum.blocks[0].highest_seq, a.seq - 1u);

  Command remove;
  remove.kind = Command::kRemoveParty;
  remove.session = remove.party = party_id(1);
  remove.mix.room = kRoom;
  command(remove);
  tick({&a, &b});
  ASSERT_FALSE(reports(b).empty());
  const Received& bye = reports(b).back();
  EXPECT_TRUE(bye.sum.has_bye);
  EXPECT_TRUE(bye.sum.has_sr);  // it was sent the mix since its last report
  EXPECT_EQ(bye.sum.sender_ssrc, 0x7701u);
  EXPECT_EQ(bye.sum.packets, 3);
  // Reports go on for the party that stays, and none for the one that left.
  const std::size_t seen_a = reports(a).size(), seen_b = reports(b).size();
  for (int i = 0; i < 400; ++i) tick({&a, &b});
  EXPECT_GT(reports(a).size(), seen_a);
  EXPECT_EQ(reports(b).size(), seen_b);
}

// A supervised call's legs are terminated while the supervisor is there:
// their far ends get the worker's reports, on the output stream they hear
// (its SSRC, its counts including what was relayed before); when the
// supervisor leaves they are relayed again, without a BYE, and their far
// ends' reports are forwarded again.
TEST_F(RtcpGenerationTest, ASupervisedCallsLegsGetReportsWhileMixed) {
  Talker caller(30000, CodecId::kPcmu, 0, 400), agent(30010, CodecId::kPcmu, 0, 700),
      sup(30100, CodecId::kPcmu, 0, 1300);
  const SessionId call = create(leg(30000, caller.far_end(), 0xCA), leg(30010, agent.far_end(), 0xA6));
  for (int i = 0; i < 10; ++i) tick({&caller, &agent}, {&caller, &agent});
  add_supervisor(call, caller, agent, sup);
  while (reports(caller).empty() || reports(agent).empty() || reports(sup).empty())
    tick({&caller, &agent, &sup}, {&caller, &agent, &sup});
  for (Talker* t : {&caller, &agent, &sup}) {
    const Received& r = reports(*t)[0];
    ASSERT_TRUE(r.sum.has_sr);
    EXPECT_EQ(r.sum.sender_ssrc, t->headers.at(0).ssrc);
    // The call's legs: also the 10 packets relayed to them before (which
    // relay() hands back to the test instead of sending).
    EXPECT_EQ(r.sum.sr.packets, r.rtp_before + (t == &sup ? 0u : 10u));
  }
  EXPECT_EQ(reports(caller)[0].sum.sender_ssrc, 0xCAu);

  // A room id names each of its legs.
  events();
  auto stats = stats_of(kRoom);
  ASSERT_EQ(stats.size(), 3u);
  EXPECT_EQ(stats[0].session, call);
  EXPECT_EQ(stats[0].leg, 0);
  EXPECT_EQ(stats[1].session, call);
  EXPECT_EQ(stats[1].leg, 1);
  EXPECT_EQ(stats[2].session, party_id(5));

  Command end;
  end.kind = Command::kRemoveSupervisor;
  end.session = call;
  command(end);
  tick({&caller, &agent, &sup});
  EXPECT_TRUE(reports(sup).back().sum.has_bye);
  for (Talker* t : {&caller, &agent})
    for (const Received& r : reports(*t)) EXPECT_FALSE(r.sum.has_bye);
  const std::size_t caller_reports = reports(caller).size();
  for (int i = 0; i < 500; ++i) tick({&caller, &agent}, {&caller, &agent});
  EXPECT_EQ(reports(caller).size(), caller_reports) << "a relayed leg got a generated report";
  // Relayed again: the agent's SR reaches the caller, under the caller's view of SSRCs.
  rtp::RtcpSenderInfo info{rtp::ntp_from_unix_nanos(clock_.wall_now().count()), 1, 1, 1};
  std::vector<std::uint8_t> agent_sr(128);
  agent_sr.resize(rtp::build_rtcp_report(agent_sr, agent.ssrc, &info, nullptr, std::span("agent", 5)));
  EXPECT_TRUE(relay(packet(agent.port, agent.far_end(), agent_sr)));
}

TEST_F(RtcpGenerationTest, StatsRequestsForPartiesAndRooms) {
  create_room(8000);
  Talker a(30100, CodecId::kPcmu, 0, 400), b(30102, CodecId::kPcmu, 0, 700);
  add_party(0, a);
  add_party(1, b);
  for (int i = 0; i < 50; ++i) tick({&a, &b}, {&a, &b}, false);
  for (int i = 0; i < 10; ++i) tick({&a, &b}, {&b}, false);
  events();
  auto one = stats_of(party_id(1));
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0].session, party_id(1));
  EXPECT_EQ(one[0].leg, 0);
  EXPECT_EQ(one[0].stats.rx_packets, 60u);
  EXPECT_EQ(one[0].stats.tx_packets, b.headers.size());
  EXPECT_EQ(one[0].stats.accepted, b.far_end());

  auto all = stats_of(kRoom);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].session, party_id(0));
  EXPECT_EQ(all[0].stats.rx_packets, 50u);
  EXPECT_EQ(all[1].session, party_id(1));

  // Unknown ids fail by name.
  for (const std::uint64_t id : {party_id(7), kRoom + 1}) {
    Command c;
    c.kind = Command::kRequestStats;
    c.session = id;
    command(c);
    auto failed = events_of(Event::kCommandFailed);
    ASSERT_EQ(failed.size(), 1u);
    EXPECT_EQ(failed[0].session, id);
  }
}

}  // namespace
}  // namespace sb::dataplane
