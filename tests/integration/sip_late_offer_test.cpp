// A late offer (INVITE without SDP) against `switchboard run`, the test
// being the caller over real UDP: the daemon answers 200 with its offer
// and starts the call with the caller's media address pending; the ACK's
// answer names the test's RTP socket. From then on the caller's leg is
// live both ways: an RFC 4733 digit sent from that socket moves the IVR
// ("press one" -> the queue), and the queue's hold music arrives there
// from the port the offer named. The history shows the address pending at
// the start and set by the answer.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/integration/sip_call_centre.hpp"
#include "tests/support/udp.hpp"

namespace sb {
namespace {

using test::CallCentre;
using test::TempDir;
using test::UdpPeer;

std::vector<std::uint8_t> bytes_of(const std::string& s) { return {s.begin(), s.end()}; }

// The value after `key` up to the end of its line or `stop`.
std::string field(const std::string& text, const std::string& key, const std::string& stop = "\r\n") {
  const auto at = text.find(key);
  if (at == std::string::npos) return "";
  const auto from = at + key.size();
  const auto end = text.find_first_of(stop, from);
  return text.substr(from, end == std::string::npos ? std::string::npos : end - from);
}

// RTP with payload type `pt` (RFC 3550 fixed header, no CSRC).
std::vector<std::uint8_t> rtp(std::uint8_t pt, std::uint16_t seq, std::uint32_t ts, const std::vector<std::uint8_t>& payload) {
  std::vector<std::uint8_t> p(12 + payload.size());
  p[0] = 0x80;
  p[1] = pt;
  p[2] = static_cast<std::uint8_t>(seq >> 8);
  p[3] = static_cast<std::uint8_t>(seq);
  for (int i = 0; i < 4; ++i) p[4 + i] = static_cast<std::uint8_t>(ts >> (24 - 8 * i));
  p[8] = 0x5e;  // SSRC
  p[9] = 0x11;
  p[10] = 0x0f;
  p[11] = 0xfe;
  for (std::size_t i = 0; i < payload.size(); ++i) p[12 + i] = payload[i];
  return p;
}

TEST(SipLateOffer, AckAnswerGivesTheCallersMediaAndTheIvrWorksAfterIt) {
  TempDir dir;
  const std::uint16_t sip = test::spaced_free_ports(1)[0];
  test::CallCentreOptions options;
  options.sip_port = sip;
  options.media_port_min = 14600;
  CallCentre centre(dir, options);
  const std::string failed = centre.wait_ready();
  ASSERT_TRUE(failed.empty()) << failed;

  UdpPeer signalling, media;
  const std::string us = "127.0.0.1:" + std::to_string(signalling.port());
  const std::string dialog = "From: <sip:5550177@127.0.0.1>;tag=late1\r\nCall-ID: late-offer-1@127.0.0.1\r\n";
  ASSERT_TRUE(signalling.send_to(sip, bytes_of("INVITE sip:100@127.0.0.1:" + std::to_string(sip) + " SIP/2.0\r\n"
                                               "Via: SIP/2.0/UDP " + us + ";branch=z9hG4bK-late1;rport\r\nMax-Forwards: 70\r\n" +
                                               dialog + "To: <sip:100@127.0.0.1>\r\nCSeq: 1 INVITE\r\n"
                                               "Contact: <sip:5550177@" + us + ">\r\nContent-Length: 0\r\n\r\n")));
  std::string ok;
  for (int i = 0; i < 50 && ok.empty(); ++i) {
    auto d = signalling.receive(std::chrono::milliseconds(200));
    if (d && std::string(d->bytes.begin(), d->bytes.end()).rfind("SIP/2.0 200", 0) == 0) ok.assign(d->bytes.begin(), d->bytes.end());
  }
  ASSERT_FALSE(ok.empty()) << centre.process().err();
  const std::string to_tag = field(ok, "To: <sip:100@127.0.0.1>;tag=");
  const std::string offered_port = field(ok, "m=audio ", " ");
  ASSERT_FALSE(to_tag.empty()) << ok;
  ASSERT_NE(ok.find("m=audio " + offered_port + " RTP/AVP 0 101\r\n"), std::string::npos) << ok;
  const std::uint64_t id = centre.wait_for_call_in("ivr");
  ASSERT_NE(id, 0u) << centre.api("GET", "/api/v1/calls").body;
  EXPECT_NE(centre.call(id)["history"].dump().find("\"media\":\"pending\""), std::string::npos) << centre.call(id).dump(1);

  const std::string answer = "v=0\r\no=late 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
                             "m=audio " + std::to_string(media.port()) + " RTP/AVP 0 101\r\n"
                             "a=rtpmap:101 telephone-event/8000\r\n";
  ASSERT_TRUE(signalling.send_to(sip, bytes_of("ACK sip:switchboard@127.0.0.1:" + std::to_string(sip) + " SIP/2.0\r\n"
                                               "Via: SIP/2.0/UDP " + us + ";branch=z9hG4bK-late1ack;rport\r\nMax-Forwards: 70\r\n" +
                                               dialog + "To: <sip:100@127.0.0.1>;tag=" + to_tag + "\r\nCSeq: 1 ACK\r\n"
                                               "Content-Type: application/sdp\r\nContent-Length: " +
                                               std::to_string(answer.size()) + "\r\n\r\n" + answer)));
  const std::string media_set = "\"media\":\"127.0.0.1:" + std::to_string(media.port()) + "\"";
  ASSERT_TRUE(test::eventually([&] { return centre.call(id)["history"].dump().find(media_set) != std::string::npos; }))
      << centre.call(id).dump(1);

  // Digit 1 by RFC 4733 from the answered address: the IVR routes to the queue.
  const auto daemon_port = static_cast<std::uint16_t>(std::stoi(offered_port));
  for (std::uint16_t k = 0; k < 6; ++k)
    ASSERT_TRUE(media.send_to(daemon_port, rtp(101, static_cast<std::uint16_t>(300 + k), 8000,
                                               {1, static_cast<std::uint8_t>(k >= 3 ? 0x8a : 0x0a), 0x03, 0x20})));
  ASSERT_TRUE(centre.call_reaches(id, "queued")) << centre.call(id).dump(1) << centre.process().err();
  EXPECT_NE(centre.call(id)["history"].dump().find("\"source\":\"rfc4733\""), std::string::npos) << centre.call(id).dump(1);

  // Hold music comes to the answered address from the offered port.
  bool music = false;
  for (int i = 0; i < 100 && !music; ++i) {
    auto d = media.receive(std::chrono::milliseconds(100));
    music = d && d->bytes.size() > 12 && (d->bytes[1] & 0x7f) == 0 && d->from_port == daemon_port;
  }
  EXPECT_TRUE(music) << centre.call(id).dump(1);

  ASSERT_TRUE(signalling.send_to(sip, bytes_of("BYE sip:switchboard@127.0.0.1:" + std::to_string(sip) + " SIP/2.0\r\n"
                                               "Via: SIP/2.0/UDP " + us + ";branch=z9hG4bK-late1bye;rport\r\nMax-Forwards: 70\r\n" +
                                               dialog + "To: <sip:100@127.0.0.1>;tag=" + to_tag + "\r\nCSeq: 2 BYE\r\n"
                                               "Content-Length: 0\r\n\r\n")));
  ASSERT_TRUE(centre.call_reaches(id, "ended")) << centre.call(id).dump(1);
  EXPECT_TRUE(centre.metrics_have("switchboard_sip_dialogs_active 0")) << centre.process().err();
  centre.process().signal(SIGTERM);
  EXPECT_EQ(centre.process().wait_exit(), 0) << centre.process().err();
}

}  // namespace
}  // namespace sb
