// Real relays of real packets over the kernel-socket backend on loopback:
// two UDP peers through a relayed call; an RTP-bleed attack; and ffmpeg as
// a real RTP source and sink.
#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "codecs/signal_metrics.hpp"
#include "common/audio_file.hpp"
#include "dataplane/io/packet_ring_io.hpp"
#include "dataplane/media_sessions.hpp"
#include "dataplane/rtp/rtcp.hpp"
#include "dataplane/rtp/rtp.hpp"
#include "tests/support/ffmpeg_rtp.hpp"
#include "tests/support/process.hpp"
#include "tests/support/signals.hpp"
#include "tests/support/udp.hpp"

namespace sb::dataplane {
namespace {

using namespace std::chrono_literals;
using test::UdpPeer;

std::vector<std::uint8_t> rtp(std::uint16_t seq, std::uint32_t ts, std::uint32_t ssrc, std::uint8_t fill = 0x55) {
  std::vector<std::uint8_t> b(12 + 160, fill);
  rtp::write_rtp_header(b.data(), false, 0, seq, ts, ssrc);
  return b;
}

// Waits until the control plane has seen `kind` for session `id`.
bool wait_event(MediaSessions& ms, SessionId id, Event::Kind kind, std::vector<Event>* all = nullptr,
                std::chrono::milliseconds timeout = 2000ms) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  Event ev[64];
  while (std::chrono::steady_clock::now() < deadline) {
    const std::size_t n = ms.poll_events(ev);
    for (std::size_t i = 0; i < n; ++i) {
      if (all) all->push_back(ev[i]);
      if (ev[i].session == id && ev[i].kind == kind) return true;
    }
    std::this_thread::sleep_for(2ms);
  }
  return false;
}

// Every test runs over each receive path of the socket backend.
class SocketRelay : public ::testing::TestWithParam<DataplaneConfig::SocketRx> {
 protected:
  void SetUp() override {
    DataplaneConfig cfg;
    cfg.port_min = 31000;
    cfg.port_max = 31999;
    cfg.socket_rx = GetParam();
    if (GetParam() == DataplaneConfig::SocketRx::kPacketRing) {
      // The dataplane would fall back to epoll without the ring: check it
      // opens here, so these runs really test the ring.
      SocketIoConfig probe;
      auto ring = PacketRingIo::create(probe);
      if (!ring) GTEST_SKIP() << "packet-ring receive needs CAP_NET_RAW (run as root): " << ring.status().to_string();
    }
    auto dp = Dataplane::start(cfg, SteadyClock::instance());
    if (!dp && GetParam() == DataplaneConfig::SocketRx::kUring)
      GTEST_SKIP() << "io_uring receive unavailable here: " << dp.status().to_string();
    ASSERT_TRUE(dp) << dp.status().to_string();
    dp_ = std::move(*dp);
  }
  std::unique_ptr<Dataplane> dp_;
};

INSTANTIATE_TEST_SUITE_P(Rx, SocketRelay,
                         ::testing::Values(DataplaneConfig::SocketRx::kEpoll, DataplaneConfig::SocketRx::kUring,
                                           DataplaneConfig::SocketRx::kPacketRing),
                         [](const auto& p) {
                           switch (p.param) {
                             case DataplaneConfig::SocketRx::kUring: return std::string("io_uring");
                             case DataplaneConfig::SocketRx::kPacketRing: return std::string("packet_ring");
                             default: return std::string("epoll");
                           }
                         });

TEST_P(SocketRelay, TwoPeersExchangeRtpEveryPacketRewritten) {
  UdpPeer a, b;
  LegRequest la, lb;
  la.remote = {0x7f000001, a.port()};
  lb.remote = {0x7f000001, b.port()};
  auto s = dp_->sessions().create(la, lb);
  ASSERT_TRUE(s) << s.status().to_string();
  ASSERT_TRUE(wait_event(dp_->sessions(), s->id, Event::kSessionCreated));

  constexpr int kPackets = 500;
  for (int i = 0; i < kPackets; ++i) {
    ASSERT_TRUE(a.send_to(s->local_port[0], rtp(static_cast<std::uint16_t>(1000 + i), 8000u + 160u * static_cast<std::uint32_t>(i), 0xA11CE, static_cast<std::uint8_t>(i))));
    ASSERT_TRUE(b.send_to(s->local_port[1], rtp(static_cast<std::uint16_t>(5 + i), 160u * static_cast<std::uint32_t>(i), 0xB0B, static_cast<std::uint8_t>(i))));
    if (i % 50 == 49) std::this_thread::sleep_for(5ms);  // a burst, then a breath
  }
  const auto at_b = b.drain(300ms);
  const auto at_a = a.drain(50ms);
  ASSERT_EQ(at_b.size(), static_cast<std::size_t>(kPackets));
  ASSERT_EQ(at_a.size(), static_cast<std::size_t>(kPackets));
  std::set<std::uint32_t> ssrcs;
  for (int i = 0; i < kPackets; ++i) {
    const auto& d = at_b[static_cast<std::size_t>(i)];
    // From the session's B port, to B, payload untouched, header rewritten.
    EXPECT_EQ(d.from_port, s->local_port[1]);
    rtp::RtpHeader h;
    ASSERT_EQ(rtp::parse_rtp(d.bytes.data(), d.bytes.size(), h), rtp::RtpError::kNone);
    EXPECT_EQ(h.sequence, 1000 + i);
    EXPECT_EQ(h.timestamp, 8000u + 160u * static_cast<std::uint32_t>(i));
    EXPECT_EQ(d.bytes[12], static_cast<std::uint8_t>(i));
    ssrcs.insert(h.ssrc);
  }
  ASSERT_EQ(ssrcs.size(), 1u);
  EXPECT_NE(*ssrcs.begin(), 0xA11CEu);  // the leg's own output SSRC, not the caller's
  EXPECT_EQ(at_a[0].from_port, s->local_port[0]);

  const auto& c = dp_->counters();
  EXPECT_EQ(c.sum(kRtpRelayed), 2u * kPackets);
  EXPECT_EQ(c.sum(kRxPackets), 2u * kPackets);
  ASSERT_TRUE(dp_->sessions().request_stats(s->id).is_ok());
  std::vector<Event> evs;
  ASSERT_TRUE(wait_event(dp_->sessions(), s->id, Event::kStats, &evs));
  EXPECT_TRUE(dp_->sessions().remove(s->id).is_ok());
  ASSERT_TRUE(wait_event(dp_->sessions(), s->id, Event::kSessionDeleted));
}

TEST_P(SocketRelay, RtpBleedAttackerGetsNothingAndTheCallIsUndisturbed) {
  UdpPeer a, b, attacker;
  LegRequest la, lb;
  la.remote = {0x7f000001, a.port()};
  lb.remote = {0x7f000001, b.port()};
  // NAT learning on: the window is where bleed attacks aim.
  la.latch = lb.latch = {.nat_learning = true, .packets_to_win = 5, .window_ns = 10'000'000'000};
  auto s = dp_->sessions().create(la, lb);
  ASSERT_TRUE(s);
  ASSERT_TRUE(wait_event(dp_->sessions(), s->id, Event::kSessionCreated));
  // Both ends start talking: each leg latches onto its negotiated address.
  for (int i = 0; i < 5; ++i) {
    a.send_to(s->local_port[0], rtp(static_cast<std::uint16_t>(i), 160u * static_cast<std::uint32_t>(i), 1));
    b.send_to(s->local_port[1], rtp(static_cast<std::uint16_t>(i), 160u * static_cast<std::uint32_t>(i), 2));
  }
  EXPECT_EQ(b.drain(200ms).size(), 5u);
  EXPECT_EQ(a.drain(50ms).size(), 5u);

  // The attacker sprays in-sequence RTP and valid RTCP at every port in the
  // media range, while the call goes on.
  std::vector<std::uint8_t> rr(64);
  rr.resize(rtp::build_rtcp_report(rr, 0xBAD, nullptr, nullptr, std::span("x", 1)));
  std::uint16_t seq = 100;
  int call_packets = 0;
  for (int round = 0; round < 20; ++round) {
    for (std::uint16_t port = 31000; port <= 31100; ++port) {
      attacker.send_to(port, rtp(seq, 160u * seq, 0xBAD));
      attacker.send_to(port, rr);
    }
    ++seq;
    a.send_to(s->local_port[0], rtp(static_cast<std::uint16_t>(5 + round), 160u * (5u + static_cast<std::uint32_t>(round)), 1));
    ++call_packets;
    std::this_thread::sleep_for(2ms);
  }
  EXPECT_TRUE(attacker.drain(200ms).empty()) << "the attacker received media";
  EXPECT_EQ(b.drain(50ms).size(), static_cast<std::size_t>(call_packets));
  const auto& c = dp_->counters();
  EXPECT_GE(c.sum(drop_index(DropReason::kSourceMismatch)), 4u * 20u);  // the session's 4 ports, every round
  EXPECT_GT(c.sum(drop_index(DropReason::kUnknownPort)) + c.sum(drop_index(DropReason::kSourceMismatch)), 0u);
}

TEST_P(SocketRelay, FfmpegSourceToFfmpegSinkKeepsTheAudio) {
  if (!test::have_program("ffmpeg")) GTEST_SKIP() << "ffmpeg is not installed (the test command installs it)";
  test::TempDir dir;
  // 4 s of speech as the source.
  const auto speech = test::committed_speech(8000);
  std::vector<std::int16_t> src(speech.begin(), speech.begin() + 4 * 8000);
  ASSERT_TRUE(write_wav_pcm16(dir.file("src.wav"), 8000, 1, src).is_ok());

  const std::uint16_t sender_port = test::free_udp_port(), receiver_port = test::free_udp_port();

  LegRequest la, lb;
  la.remote = {0x7f000001, sender_port};
  lb.remote = {0x7f000001, receiver_port};
  auto s = dp_->sessions().create(la, lb);
  ASSERT_TRUE(s);
  ASSERT_TRUE(wait_event(dp_->sessions(), s->id, Event::kSessionCreated));

  auto sink = test::spawn_pcmu_sink(dir, receiver_port, "3.5", dir.file("out.wav"));
  ASSERT_TRUE(test::wait_udp_bound(receiver_port, 10s)) << "ffmpeg receiver did not start";
  const auto source = test::send_pcmu(dir.file("src.wav"), s->local_port[0], sender_port);
  EXPECT_EQ(source.exit_code, 0) << source.err;
  // The sink stops by itself after 3.5 s of audio (the source sends 4 s).
  EXPECT_EQ(sink.wait(15s), 0);
  auto out = read_audio_file(dir.file("out.wav"));
  ASSERT_TRUE(out) << out.status().to_string();
  // Bit-exact relay: the received audio is the µ-law-coded source. Align and
  // correlate over what arrived (the receiver may miss the first packets):
  // G.711's ~37 dB SNR puts correlation above 0.999; 0.99 allows for a
  // frame or two lost at start-up without letting through a broken relay
  // (wrong payload, reordering or gaps drop it far below).
  ASSERT_GE(out->frames(), 3u * 8000u) << "too little audio arrived";
  const auto got = out->channel(0);
  const int lag = codecs::best_lag(src, got, 8000);
  EXPECT_GE(codecs::correlation(src, got, lag), 0.99) << "lag " << lag;
  const auto& c = dp_->counters();
  std::string drops;
  for (std::size_t r = 0; r < static_cast<std::size_t>(DropReason::kCount); ++r)
    if (c.sum(drop_index(static_cast<DropReason>(r)))) drops += std::string(kDropReasonLabels[r]) + "=" + std::to_string(c.sum(drop_index(static_cast<DropReason>(r)))) + " ";
  // 20 ms packets (-packetsize 172 = 12 header + 160 samples).
  EXPECT_GE(c.sum(kRtpRelayed), 175u) << "rx " << c.sum(kRxPackets) << " tx " << c.sum(kTxPackets) << " drops: " << drops;
}

}  // namespace
}  // namespace sb::dataplane
