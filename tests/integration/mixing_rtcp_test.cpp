// RTCP the dataplane generates for a mix-room party, over real UDP sockets
// on loopback in real time, driven through MediaSessions: the party's far
// end (an RTP socket and a separate RTCP socket, as without rtcp-mux)
// talks PCMU for a few seconds, receives sender reports from the worker's
// RTCP port, and Wireshark (tshark, reading the RTCP it received written
// as pcap) decodes them as SR + SDES without a malformed or error note. The
// far end's receiver report echoing one of them gives the party's RTT,
// which a statistics request for the party returns.
#include <gtest/gtest.h>

#include <thread>

#include "dataplane/media_sessions.hpp"
#include "dataplane/rtp/rtcp.hpp"
#include "tests/support/pcap.hpp"
#include "tests/support/process.hpp"
#include "tests/support/udp.hpp"
#include "tests/unit/dataplane/talker.hpp"

namespace sb::dataplane {
namespace {

using namespace std::chrono_literals;
using codecs::CodecId;
using test::Talker;

std::int64_t steady_ns() {
  return std::chrono::steady_clock::now().time_since_epoch().count();
}

TEST(MixingRtcp, APartysFarEndGetsSenderReportsWiresharkDecodes) {
  if (!sb::test::have_program("tshark")) GTEST_SKIP() << "tshark is not installed (Debian package tshark)";
  DataplaneConfig cfg;
  cfg.port_min = 12400;
  cfg.port_max = 12499;
  auto dp = Dataplane::start(cfg, SteadyClock::instance());
  ASSERT_TRUE(dp) << dp.status().to_string();
  MediaSessions& ms = (*dp)->sessions();

  auto room = ms.create_room(8000);
  ASSERT_TRUE(room) << room.status().to_string();
  Talker speaker(0, CodecId::kPcmu, 0, 400), listener(0, CodecId::kPcmu, 0, 700);
  sb::test::UdpPeer speaker_rtcp;
  PartyRequest r;
  r.leg.remote = speaker.far_end();
  r.leg.remote_rtcp_port = speaker_rtcp.port();
  r.codec = {0, CodecId::kPcmu, 0};
  auto p = ms.add_party(room->id, r);
  ASSERT_TRUE(p) << p.status().to_string();
  ASSERT_NE(p->local_rtcp_port, 0) << "the test wants a separate RTCP port (rtcp_mux off)";
  speaker.port = p->local_port;
  r.leg.remote = listener.far_end();
  r.leg.remote_rtcp_port = 0;
  auto q = ms.add_party(room->id, r);
  ASSERT_TRUE(q) << q.status().to_string();
  listener.port = q->local_port;

  // The far end answers the first report at once with an RR echoing it
  // (DLSR: the microseconds it held it), as a phone would in its next report.
  const auto answer = [&](const sb::test::CapturedDatagram& got) {
    rtp::RtcpSummary sr;
    ASSERT_EQ(rtp::parse_rtcp(got.payload.data(), got.payload.size(), sr), rtp::RtcpError::kNone);
    const auto held = static_cast<std::uint32_t>((steady_ns() - got.time_ns) / 1000 * 65536 / 1'000'000);
    rtp::RtcpReportBlock echo{sr.sender_ssrc, 0, 0, 1, 0, static_cast<std::uint32_t>(sr.sr.ntp >> 16), held};
    std::vector<std::uint8_t> rr(128);
    rr.resize(rtp::build_rtcp_report(rr, speaker.ssrc, nullptr, &echo, std::span("far", 3)));
    ASSERT_TRUE(speaker_rtcp.send_to(p->local_rtcp_port, rr));
  };
  // Both talk until the first report reached the speaker's RTCP socket
  // (due 1.25-3.75 s after it joined; 15 s is generous).
  std::vector<sb::test::CapturedDatagram> captured;
  const auto deadline = std::chrono::steady_clock::now() + 15s;
  auto next = std::chrono::steady_clock::now();
  while (captured.empty() && std::chrono::steady_clock::now() < deadline) {
    speaker.send(speaker.port);
    listener.send(listener.port);
    next += 20ms;
    while (std::chrono::steady_clock::now() < next) {
      while (auto d = speaker_rtcp.receive(0ms)) {
        captured.push_back({steady_ns(), d->from_ip, 0x7f000001, d->from_port, speaker_rtcp.port(), d->bytes});
        if (captured.size() == 1) answer(captured[0]);
      }
      speaker.collect();
      listener.collect();
      std::this_thread::sleep_for(2ms);
    }
  }
  ASSERT_FALSE(captured.empty()) << "no RTCP reached the party's far end";
  EXPECT_TRUE(speaker.rtcp.empty()) << "RTCP came to the RTP port although the leg has its own RTCP port";
  for (const auto& d : captured) {
    EXPECT_EQ(d.src_port, p->local_rtcp_port) << "RTCP must leave from the leg's RTCP port";
    rtp::RtcpSummary sum;
    ASSERT_EQ(rtp::parse_rtcp(d.payload.data(), d.payload.size(), sum), rtp::RtcpError::kNone);
    EXPECT_TRUE(sum.has_sr);
    ASSERT_EQ(sum.block_count, 1);
    EXPECT_EQ(sum.blocks[0].ssrc, speaker.ssrc);
  }

  sb::test::TempDir dir;
  ASSERT_TRUE(sb::test::write_pcap(dir.file("rtcp.pcap"), captured));
  const auto shark = sb::test::run({"tshark", "-n", "-r", dir.file("rtcp.pcap"), "-d",
                                    "udp.port==" + std::to_string(speaker_rtcp.port()) + ",rtcp", "-V"});
  ASSERT_EQ(shark.exit_code, 0) << shark.err;
  std::size_t srs = 0, sdes = 0;
  for (std::size_t at = 0; (at = shark.out.find("Packet type: Sender Report (200)", at)) != std::string::npos; ++at)
    ++srs;
  for (std::size_t at = 0; (at = shark.out.find("Packet type: Source description (202)", at)) != std::string::npos;
       ++at)
    ++sdes;
  EXPECT_EQ(srs, captured.size()) << shark.out;
  EXPECT_EQ(sdes, captured.size()) << shark.out;
  EXPECT_EQ(shark.out.find("Malformed"), std::string::npos) << shark.out;
  EXPECT_EQ(shark.out.find("[Expert Info (Error"), std::string::npos) << shark.out;
  EXPECT_EQ(shark.out.find("[Expert Info (Warning"), std::string::npos) << shark.out;

  // The party's statistics carry the RTT the RR gave.
  ASSERT_TRUE(ms.request_stats(p->id).is_ok());
  const auto until = std::chrono::steady_clock::now() + 3s;
  std::optional<Event> stats;
  Event ev[64];
  while (!stats && std::chrono::steady_clock::now() < until) {
    const std::size_t n = ms.poll_events(ev);
    for (std::size_t i = 0; i < n; ++i)
      if (ev[i].kind == Event::kStats && ev[i].session == p->id) stats = ev[i];
    std::this_thread::sleep_for(2ms);
  }
  ASSERT_TRUE(stats) << "no statistics for the party";
  EXPECT_EQ(stats->stats.rx_rtcp, 1u);
  EXPECT_GE(stats->stats.rtt_ms, 0.0);
  // Loopback: the SR's and the RR's trips through the sockets and the
  // worker's loop; far below a second even on a loaded machine.
  EXPECT_LT(stats->stats.rtt_ms, 1000.0);
  // It talked until the first report, at least 1.25 s: 62 packets.
  EXPECT_GE(stats->stats.rx_packets, 50u);
  EXPECT_LE(stats->stats.rx_packets, static_cast<std::uint64_t>(speaker.seq - 1000));
  EXPECT_TRUE(ms.remove_room(room->id).is_ok());
}

}  // namespace
}  // namespace sb::dataplane
