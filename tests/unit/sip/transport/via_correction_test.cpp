#include "control/sip/transport/via_correction.hpp"

#include <gtest/gtest.h>

#include <string>

namespace sb::sip {
namespace {

Endpoint ep(const char* text) {
  auto e = parse_endpoint(text);
  EXPECT_TRUE(e) << e.status().to_string();
  return *e;
}

std::string corrected(std::string_view via, const char* source) {
  auto r = correct_via_value(via, ep(source));
  EXPECT_TRUE(r) << r.status().to_string();
  return r ? *r : std::string();
}

TEST(ViaCorrection, SentByMatchesSourceNoRport) {
  EXPECT_EQ(corrected("SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1", "192.0.2.1:5060"),
            "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1");
  // The port does not matter for received (§18.2.1 compares the host).
  EXPECT_EQ(corrected("SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1", "192.0.2.1:40000"),
            "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1");
}

TEST(ViaCorrection, DomainOrOtherAddressGetsReceived) {
  EXPECT_EQ(corrected("SIP/2.0/UDP pc33.example.com;branch=z9hG4bK1", "192.0.2.9:5060"),
            "SIP/2.0/UDP pc33.example.com;branch=z9hG4bK1;received=192.0.2.9");
  EXPECT_EQ(corrected("SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1", "192.0.2.9:5060"),
            "SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1;received=192.0.2.9");
}

TEST(ViaCorrection, RportGetsSourcePortAndReceivedAlways) {
  // RFC 3581 §4: received even when it equals sent-by.
  EXPECT_EQ(corrected("SIP/2.0/UDP 192.0.2.1:5060;rport;branch=z9hG4bK1", "192.0.2.1:40000"),
            "SIP/2.0/UDP 192.0.2.1:5060;rport=40000;branch=z9hG4bK1;received=192.0.2.1");
  // Whitespace around separators and a client-written received are normalised away.
  EXPECT_EQ(corrected("SIP/2.0/UDP 10.0.0.1 ; received=1.2.3.4 ; rport ;branch=z9hG4bK1", "192.0.2.9:7"),
            "SIP/2.0/UDP 10.0.0.1;rport=7;branch=z9hG4bK1;received=192.0.2.9");
}

TEST(ViaCorrection, Ipv6) {
  EXPECT_EQ(corrected("SIP/2.0/UDP [2001:db8::1]:5060;branch=z9hG4bK1", "[2001:db8::1]:5060"),
            "SIP/2.0/UDP [2001:db8::1]:5060;branch=z9hG4bK1");
  EXPECT_EQ(corrected("SIP/2.0/UDP [2001:db8::1]:5060;branch=z9hG4bK1;rport", "[2001:db8::2]:6000"),
            "SIP/2.0/UDP [2001:db8::1]:5060;branch=z9hG4bK1;rport=6000;received=[2001:db8::2]");
  // The corrected value reads back.
  auto v = parse_via("SIP/2.0/UDP [2001:db8::1]:5060;branch=z9hG4bK1;rport=6000;received=[2001:db8::2]");
  ASSERT_TRUE(v) << v.status().to_string();
  EXPECT_EQ((*v)[0].received, "[2001:db8::2]");
}

TEST(ViaCorrection, UnreadableVia) {
  EXPECT_FALSE(correct_via_value("SIP/2.0/UDP", ep("192.0.2.1:1")));
  EXPECT_FALSE(correct_via_value("SIP/2.0/UDP a, SIP/2.0/UDP b", ep("192.0.2.1:1")));
}

TEST(ViaCorrection, TopOfMessage) {
  const std::string raw =
      "OPTIONS sip:sb@127.0.0.1 SIP/2.0\r\n"
      "Via: SIP/2.0/UDP 10.0.0.1:5062;rport;branch=z9hG4bKa, SIP/2.0/UDP 10.0.0.2;branch=z9hG4bKb\r\n"
      "Via: SIP/2.0/UDP 10.0.0.3;branch=z9hG4bKc\r\n"
      "From: <sip:a@b>;tag=1\r\nTo: <sip:sb@127.0.0.1>\r\nCall-ID: x\r\nCSeq: 1 OPTIONS\r\n"
      "Content-Length: 0\r\n\r\n";
  auto m = parse_sip_message(raw, ParseLimits{});
  ASSERT_TRUE(m) << m.status().to_string();
  auto top = correct_top_via(*m, raw, ep("198.51.100.7:40000"));
  ASSERT_TRUE(top) << top.status().to_string();
  EXPECT_EQ(top->written, "SIP/2.0/UDP 10.0.0.1:5062;rport;branch=z9hG4bKa");
  EXPECT_EQ(top->corrected, "SIP/2.0/UDP 10.0.0.1:5062;rport=40000;branch=z9hG4bKa;received=198.51.100.7");
  EXPECT_TRUE(top->changed);
  EXPECT_TRUE(top->in_raw);
}

TEST(ResponseTarget, Rules) {
  const Endpoint src = ep("198.51.100.7:40000");
  auto via = [](const char* text) { return parse_via(text)->front(); };
  // Unreliable, rport: source address and port.
  auto t = response_target(via("SIP/2.0/UDP h:5062;rport=40000;received=198.51.100.7"), Transport::kUdp, src, 0);
  EXPECT_EQ(t.endpoint, src);
  // Unreliable, no rport: received (the source) and the sent-by port, 5060 by default.
  t = response_target(via("SIP/2.0/UDP h:5062;received=198.51.100.7"), Transport::kUdp, src, 0);
  EXPECT_EQ(t.endpoint.to_string(), "198.51.100.7:5062");
  t = response_target(via("SIP/2.0/UDP h;maddr=224.0.0.1"), Transport::kUdp, src, 0);
  EXPECT_EQ(t.endpoint.to_string(), "198.51.100.7:5060");  // maddr ignored
  // Reliable: the connection, with the sent-by port to reconnect to.
  t = response_target(via("SIP/2.0/TCP h:5070;rport"), Transport::kTcp, src, 42);
  EXPECT_EQ(t.connection, 42u);
  EXPECT_EQ(t.endpoint.to_string(), "198.51.100.7:5070");
}

TEST(ListenAddress, Parse) {
  auto l = parse_listen_address("udp:127.0.0.1:5060");
  ASSERT_TRUE(l);
  EXPECT_EQ(l->transport, Transport::kUdp);
  EXPECT_EQ(l->endpoint.to_string(), "127.0.0.1:5060");
  l = parse_listen_address("TCP:[::1]:0");
  ASSERT_TRUE(l);
  EXPECT_EQ(l->transport, Transport::kTcp);
  EXPECT_EQ(l->endpoint.to_string(), "[::1]:0");
  EXPECT_FALSE(parse_listen_address("sctp:127.0.0.1:5060"));
  EXPECT_FALSE(parse_listen_address("udp:::1:5060"));
  EXPECT_FALSE(parse_listen_address("udp:example.com:5060"));
  EXPECT_FALSE(parse_listen_address("udp:127.0.0.1:70000"));
}

}  // namespace
}  // namespace sb::sip
