// A mixed leg under real network impairment: a veth pair with one end in a
// network namespace the test creates, `tc netem` on the namespace's end
// (5% loss, 60 ms delay with 20 ms jitter, which also reorders), ffmpeg in
// the namespace sending a 1 kHz PCMU tone as 20 ms RTP packets in real
// time through it into a party of a mix room (the worker's kernel-socket
// backend bound to the veth address), and the room's output for a second
// party received on loopback. The jitter buffer and the codec's PLC must
// turn the impaired input into continuous output: one packet per 20 ms of
// RTP time with no sequence gap, concealment used, the tone in at least
// 95% of the frames. Concealment counts only frames a later packet proved
// lost or late (not the ticks after the sender's end: a clean steady stream
// counts none, tests/unit/dataplane/mixing_test.cpp), so it measures the
// impairment: 5% of 300 packets is 15 expected losses, and fewer than 3
// has a probability near 1e-4 (Poisson), hence the bound of 3.
//
// Needs root (namespaces, veth, tc) with iproute2, netem and ffmpeg;
// skips with the reason otherwise. The namespace (and with it both veth
// ends) is removed however the test ends.
#include <gtest/gtest.h>
#include <unistd.h>

#include <string>
#include <thread>

#include "codecs/codec.hpp"
#include "codecs/signal_metrics.hpp"
#include "dataplane/media_sessions.hpp"
#include "tests/support/dataplane_events.hpp"
#include "tests/support/process.hpp"
#include "tests/support/udp.hpp"

namespace sb::dataplane {
namespace {

using namespace std::chrono_literals;

bool ok(const std::vector<std::string>& argv) { return test::run(argv).exit_code == 0; }

// The namespace and veth pair; the destructor removes them.
struct NetemLink {
  std::string ns, host_if, ns_if, host_ip, ns_ip;
  std::string error;  // empty when set up
  NetemLink() {
    const std::string id = std::to_string(getpid() % 100000);
    const int octet = 1 + getpid() % 250;
    ns = "sbnetem" + id;
    host_if = "sbnh" + id;
    ns_if = "sbnn" + id;
    host_ip = "10.213." + std::to_string(octet) + ".1";
    ns_ip = "10.213." + std::to_string(octet) + ".2";
    const std::vector<std::vector<std::string>> steps = {
        {"ip", "netns", "add", ns},
        {"ip", "link", "add", host_if, "type", "veth", "peer", "name", ns_if},
        {"ip", "link", "set", ns_if, "netns", ns},
        {"ip", "addr", "add", host_ip + "/24", "dev", host_if},
        {"ip", "link", "set", host_if, "up"},
        {"ip", "netns", "exec", ns, "ip", "addr", "add", ns_ip + "/24", "dev", ns_if},
        {"ip", "netns", "exec", ns, "ip", "link", "set", ns_if, "up"},
        {"ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up"},
        {"ip", "netns", "exec", ns, "tc", "qdisc", "add", "dev", ns_if, "root", "netem", "loss", "5%", "delay", "60ms",
         "20ms"},
    };
    for (const auto& s : steps) {
      const auto r = test::run(s);
      if (r.exit_code != 0) {
        error = "`";
        for (const auto& a : s) error += a + " ";
        error += "` failed: " + r.err;
        return;
      }
    }
  }
  ~NetemLink() {
    // Deleting the namespace destroys its veth end, which takes the pair.
    (void)ok({"ip", "netns", "del", ns});
    (void)ok({"ip", "link", "del", host_if});
  }
  static std::uint32_t to_u32(const std::string& dotted) {
    unsigned a, b, c, d;
    std::sscanf(dotted.c_str(), "%u.%u.%u.%u", &a, &b, &c, &d);
    return a << 24 | b << 16 | c << 8 | d;
  }
};

TEST(Netem, JitterBufferedMixedLegGivesContinuousToneThroughLossAndJitter) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root (network namespaces, veth, tc netem)";
  for (const char* p : {"ip", "tc", "ffmpeg"})
    if (!test::have_program(p)) GTEST_SKIP() << p << " is not installed (iproute2 / ffmpeg)";
  NetemLink link;
  if (!link.error.empty()) GTEST_SKIP() << "cannot build the impaired link: " << link.error;

  DataplaneConfig cfg;
  cfg.bind_ip = NetemLink::to_u32(link.host_ip);
  cfg.port_min = 15400;
  cfg.port_max = 15499;
  auto dp = Dataplane::start(cfg, SteadyClock::instance());
  ASSERT_TRUE(dp) << dp.status().to_string();
  MediaSessions& ms = (*dp)->sessions();
  auto room = ms.create_room(8000);
  ASSERT_TRUE(room);
  ASSERT_TRUE(test::wait_dataplane_event(ms, room->id, Event::kSessionCreated));

  constexpr std::uint16_t kSenderPort = 40100;  // in the namespace: nothing else there
  test::UdpPeer listener;
  PartyRequest talker, hearer;
  talker.leg.remote = {NetemLink::to_u32(link.ns_ip), kSenderPort};
  talker.codec = {0, codecs::CodecId::kPcmu, 0};
  hearer.leg.remote = {0x7f000001, listener.port()};
  hearer.codec = {0, codecs::CodecId::kPcmu, 0};
  auto t = ms.add_party(room->id, talker);
  ASSERT_TRUE(t);
  ASSERT_TRUE(test::wait_dataplane_event(ms, t->id, Event::kSessionCreated));
  auto h = ms.add_party(room->id, hearer);
  ASSERT_TRUE(h);
  ASSERT_TRUE(test::wait_dataplane_event(ms, h->id, Event::kSessionCreated));

  // 6 s of tone from the namespace, in real time, while the listener
  // collects what the room sends it.
  auto sender = test::Child::spawn(
      {"ip", "netns", "exec", link.ns, "ffmpeg", "-nostdin", "-loglevel", "error", "-re", "-f", "lavfi", "-i",
       "sine=frequency=1000:sample_rate=8000:duration=6", "-c:a", "pcm_mulaw", "-ar", "8000", "-ac", "1",
       "-packetsize", "172", "-f", "rtp",
       "rtp://" + link.host_ip + ":" + std::to_string(t->local_port) + "?localport=" + std::to_string(kSenderPort)});
  std::vector<test::UdpPeer::Datagram> got;
  const auto deadline = std::chrono::steady_clock::now() + 6500ms;
  while (std::chrono::steady_clock::now() < deadline)
    if (auto d = listener.receive(20ms)) got.push_back(std::move(*d));
  EXPECT_EQ(sender.wait(10s), 0);

  // Continuous output: consecutive sequence numbers, 160 timestamp units
  // (20 ms) apart, one stream.
  ASSERT_GT(got.size(), 250u) << "the room sent too little";
  auto dec = codecs::Decoder::create(codecs::CodecId::kPcmu, {});
  ASSERT_TRUE(dec);
  std::vector<std::vector<std::int16_t>> frames;
  rtp::RtpHeader prev{};
  for (std::size_t i = 0; i < got.size(); ++i) {
    rtp::RtpHeader hd;
    ASSERT_EQ(rtp::parse_rtp(got[i].bytes.data(), got[i].bytes.size(), hd), rtp::RtpError::kNone);
    if (i > 0) {
      EXPECT_EQ(static_cast<std::uint16_t>(hd.sequence - prev.sequence), 1) << "packet " << i;
      EXPECT_EQ(hd.timestamp - prev.timestamp, 160u) << "packet " << i;
      EXPECT_EQ(hd.ssrc, prev.ssrc);
    }
    prev = hd;
    std::vector<std::int16_t> pcm(codecs::kMaxFrameSamples);
    const int n = dec->decode(std::span(got[i].bytes).subspan(hd.header_size, hd.payload_size), pcm);
    ASSERT_EQ(n, 160);
    pcm.resize(160);
    frames.push_back(std::move(pcm));
  }
  // The tone's frames: from the first frame carrying it (the link's delay
  // and the jitter buffer's start) to the last (the sender's end). ffmpeg's
  // sine is -18 dBFS; a 20 ms frame of it measures about that at 1 kHz, and
  // a frame with no tone (silence filling a hole) is far below -40 dBFS.
  auto has_tone = [](const std::vector<std::int16_t>& f) { return codecs::tone_level_dbfs(f, 1000, 8000) > -30; };
  std::size_t first = frames.size(), last = 0;
  for (std::size_t i = 0; i < frames.size(); ++i) {
    if (!has_tone(frames[i])) continue;
    first = std::min(first, i);
    last = i;
  }
  ASSERT_LT(first, frames.size()) << "no tone arrived";
  std::size_t toned = 0;
  for (std::size_t i = first; i <= last; ++i) toned += has_tone(frames[i]);
  const std::size_t span = last - first + 1;
  EXPECT_GT(span, 200u) << "the tone lasted too short";
  EXPECT_GE(static_cast<double>(toned), 0.95 * static_cast<double>(span)) << toned << " of " << span << " frames";
  const auto& c = (*dp)->counters();
  EXPECT_GE(c.sum(kMixConcealed), 3u) << "5% loss and reordering, yet (almost) nothing concealed";
  std::printf("netem: %zu of %zu frames with the tone, %llu concealed, %llu jitter-buffer drops, %llu mixed in\n", toned,
              span, static_cast<unsigned long long>(c.sum(kMixConcealed)),
              static_cast<unsigned long long>(c.sum(drop_index(DropReason::kJitterBuffer))),
              static_cast<unsigned long long>(c.sum(kMixedIn)));
  ASSERT_TRUE(ms.remove_room(room->id).is_ok());
}

}  // namespace
}  // namespace sb::dataplane
