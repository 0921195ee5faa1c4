// Prompt -> relay -> hold music -> relay on one leg, judged by Wireshark:
// the worker plays a prompt to the caller while the agent's audio is held
// back, then relays the agent, then plays hold music, then relays again.
// The caller's socket records every datagram with its arrival time; the
// capture is written as pcap and `tshark -z rtp,streams` must see one
// stream (one SSRC) with no lost packets, no sequence problem and a small
// maximum jitter (timestamps in step with arrival times) across the three
// switches; the test also checks every sequence and timestamp step itself
// — what a far end's jitter buffer needs to play it without a glitch.
#include <gtest/gtest.h>

#include <atomic>
#include <regex>
#include <sstream>
#include <thread>

#include "dataplane/media_sessions.hpp"
#include "dataplane/rtp/rtp.hpp"
#include "ivr/prompts.hpp"
#include "tests/support/pcap.hpp"
#include "tests/support/process.hpp"
#include "tests/support/signals.hpp"
#include "tests/support/udp.hpp"

namespace sb::dataplane {
namespace {

using namespace std::chrono_literals;

std::int64_t now_ns() { return std::chrono::steady_clock::now().time_since_epoch().count(); }

TEST(PlaybackRelay, OneUnbrokenStreamAcrossPromptRelayAndHoldMusic) {
  if (!test::have_program("tshark")) GTEST_SKIP() << "tshark is not installed (Debian package tshark)";
  DataplaneConfig cfg;
  cfg.port_min = 11000;
  cfg.port_max = 11099;
  auto dp = Dataplane::start(cfg, SteadyClock::instance());
  ASSERT_TRUE(dp) << dp.status().to_string();

  ivr::PromptStore store;
  test::Pcm tone;
  test::append_tone(tone, 8000, 440, -12, 0, -99, 1000);
  ASSERT_TRUE(store.add_pcm("prompt", tone, 8000).is_ok());
  test::Pcm music;
  test::append_tone(music, 8000, 660, -15, 0, -99, 600);
  ASSERT_TRUE(store.add_pcm("moh", music, 8000).is_ok());
  auto prompt = store.encoded("prompt", {codecs::CodecId::kPcmu});
  auto moh = store.encoded("moh", {codecs::CodecId::kPcmu});
  ASSERT_TRUE(prompt && moh);

  test::UdpPeer caller, agent;
  LegRequest a, b;
  a.remote = {0x7f000001, caller.port()};
  b.remote = {0x7f000001, agent.port()};
  auto s = (*dp)->sessions().create(a, b);
  ASSERT_TRUE(s);
  std::this_thread::sleep_for(50ms);

  // The caller's side: every datagram with its arrival time.
  std::vector<test::CapturedDatagram> captured;
  std::atomic<bool> done{false};
  std::thread receiver([&] {
    while (!done.load()) {
      auto d = caller.receive(50ms);
      if (!d) continue;
      captured.push_back({now_ns(), d->from_ip, 0x7f000001, d->from_port, caller.port(), std::move(d->bytes)});
    }
  });
  // The agent talks all along, 20 ms packets on its own clock.
  std::atomic<bool> agent_on{true};
  std::thread talker([&] {
    std::uint16_t seq = 5000;
    std::uint32_t ts = 777777;
    auto next = std::chrono::steady_clock::now();
    while (agent_on.load()) {
      std::vector<std::uint8_t> p(12 + 160, 0x5a);
      rtp::write_rtp_header(p.data(), false, 0, seq++, ts, 0x5555);
      ts += 160;
      agent.send_to(s->local_port[1], p);
      next += 20ms;
      std::this_thread::sleep_until(next);
    }
  });

  MediaSessions::PlayOptions po{.payload_type = 0, .loop = false, .barge_in = false};
  const std::shared_ptr<const ivr::EncodedPrompt> first[] = {*prompt};
  ASSERT_TRUE((*dp)->sessions().play(s->id, 0, first, po));
  std::this_thread::sleep_for(1000ms + 1000ms);  // the prompt, then a second of relay
  const std::shared_ptr<const ivr::EncodedPrompt> second[] = {*moh};
  ASSERT_TRUE((*dp)->sessions().play(s->id, 0, second, po));
  std::this_thread::sleep_for(600ms + 800ms);  // hold music, then relay again
  agent_on = false;
  talker.join();
  std::this_thread::sleep_for(100ms);
  done = true;
  receiver.join();

  Event ev[64];
  int finished = 0;
  for (std::size_t n = (*dp)->sessions().poll_events(ev), i = 0; i < n; ++i)
    finished += ev[i].kind == Event::kPlaybackDone && ev[i].playback_end == PlaybackEnd::kFinished;
  EXPECT_EQ(finished, 2);
  // 3.4 s of 20 ms packets, give or take the edges.
  ASSERT_GE(captured.size(), 160u);
  ASSERT_LE(captured.size(), 175u);

  test::TempDir dir;
  ASSERT_TRUE(test::write_pcap(dir.file("caller.pcap"), captured));
  const auto r = test::run({"tshark", "-n", "-r", dir.file("caller.pcap"), "-d",
                            "udp.port==" + std::to_string(caller.port()) + ",rtp", "-q", "-z", "rtp,streams"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // One data row: start, end, src, port, dst, port, SSRC, payload, packets,
  // lost "(pct)", deltas and jitters, then "X" when tshark saw a problem
  // (wrong sequence numbers or timestamps).
  std::vector<std::string> rows;
  std::istringstream lines(r.out);
  for (std::string line; std::getline(lines, line);)
    if (line.find("0x") != std::string::npos) rows.push_back(line);
  ASSERT_EQ(rows.size(), 1u) << r.out;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(rows[0], m, std::regex(R"((0x[0-9A-Fa-f]+)\s+\S+\s+(\d+)\s+(-?\d+)\s+\()"))) << rows[0];
  EXPECT_EQ(std::stoul(m[2]), captured.size()) << r.out;
  EXPECT_EQ(m[3], "0") << "lost packets:\n" << r.out;
  EXPECT_EQ(rows[0].find(" X"), std::string::npos) << "tshark flags a problem (sequence or timestamp):\n" << r.out;
  // The last figure is the maximum RFC 3550 jitter tshark computed from the
  // timestamps against the arrival times: a timestamp that jumped at a
  // switch would show here as tens of milliseconds.
  std::smatch last;
  ASSERT_TRUE(std::regex_search(rows[0], last, std::regex(R"(([0-9.]+)\s*X?\s*$)"))) << rows[0];
  EXPECT_LT(std::stod(last[1]), 10.0) << r.out;

  // And directly: consecutive sequence numbers, and every timestamp step a
  // whole number of 20 ms frames in step with the arrival times.
  rtp::RtpHeader prev{};
  for (std::size_t i = 0; i < captured.size(); ++i) {
    rtp::RtpHeader h{};
    ASSERT_EQ(rtp::parse_rtp(captured[i].payload.data(), captured[i].payload.size(), h), rtp::RtpError::kNone);
    if (i > 0) {
      EXPECT_EQ(h.ssrc, prev.ssrc);
      EXPECT_EQ(static_cast<std::uint16_t>(h.sequence - prev.sequence), 1) << "at packet " << i;
      const std::uint32_t step = h.timestamp - prev.timestamp;
      const double wall = static_cast<double>(captured[i].time_ns - captured[i - 1].time_ns) * 8e-6;  // in 8 kHz units
      EXPECT_GE(step, 80u) << "at packet " << i;
      EXPECT_LE(step, 480u) << "at packet " << i;
      EXPECT_LT(std::abs(static_cast<double>(step) - wall), 400) << "at packet " << i;
    }
    prev = h;
  }
}

}  // namespace
}  // namespace sb::dataplane
