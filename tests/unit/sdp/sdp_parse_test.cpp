#include <gtest/gtest.h>

#include <string>

#include "control/sip/sdp/sdp.hpp"
#include "tests/unit/sdp/sdp_samples.hpp"

namespace sb::sdp {
namespace {

using samples::crlf;

SessionDescription parse_ok(std::string_view text) {
  auto r = parse(text);
  EXPECT_TRUE(r.has_value()) << r.status().to_string();
  return r ? *r : SessionDescription{};
}

// The error for `text`, which must be rejected with `code`.
std::string reject(std::string_view text, StatusCode code = StatusCode::kInvalidArgument) {
  auto r = parse(text);
  EXPECT_FALSE(r.has_value()) << "accepted:\n" << text;
  if (r) return {};
  EXPECT_EQ(r.status().code(), code) << r.status().to_string();
  return r.status().message();
}

constexpr std::string_view kHead = "v=0\no=- 1 1 IN IP4 10.0.0.1\ns=-\nc=IN IP4 10.0.0.1\nt=0 0\n";

// kHead + an audio m= line + `rest`.
std::string audio(std::string_view rest, std::string_view m = "m=audio 4000 RTP/AVP 0 8 101\n") {
  return std::string(kHead) + std::string(m) + std::string(rest);
}

TEST(SdpParse, SoftphoneOffer) {
  auto s = parse_ok(crlf(samples::kSoftphone));
  EXPECT_EQ(s.origin.username, "-");
  EXPECT_EQ(s.origin.session_id, "1839481245");
  EXPECT_EQ(s.origin.session_version, 2791043125u);
  EXPECT_EQ(s.origin.addr_type, AddrType::kIp4);
  EXPECT_EQ(s.origin.address, "192.168.1.34");
  EXPECT_EQ(s.session_name, "-");
  ASSERT_TRUE(s.connection);
  EXPECT_EQ(s.connection->address, "192.168.1.34");
  ASSERT_EQ(s.timings.size(), 1u);
  ASSERT_EQ(s.media.size(), 1u);
  const auto& m = s.media[0];
  EXPECT_EQ(m.media, "audio");
  EXPECT_EQ(m.port, 10306);
  EXPECT_EQ(m.proto, "RTP/AVP");
  EXPECT_EQ(m.payload_types, (std::vector<int>{0, 8, 9, 111, 101}));
  ASSERT_EQ(m.bandwidths.size(), 1u);
  EXPECT_EQ(m.bandwidths[0].type, "AS");
  EXPECT_EQ(m.bandwidths[0].value, 107u);
  auto opus = m.codec(111);
  ASSERT_TRUE(opus);
  EXPECT_EQ(opus->encoding, "opus");
  EXPECT_EQ(opus->clock_rate, 48000u);
  EXPECT_EQ(opus->channels, 2u);
  ASSERT_NE(m.fmtp(111), nullptr);
  EXPECT_EQ(m.fmtp(111)->param("sprop-stereo"), "1");
  ASSERT_NE(m.fmtp(101), nullptr);
  EXPECT_EQ(m.fmtp(101)->raw, "0-15");
  EXPECT_EQ(m.ptime, 20u);
  EXPECT_EQ(m.direction, Direction::kSendRecv);
  ASSERT_NE(m.attribute("ssrc"), nullptr);
  EXPECT_EQ(*m.attribute("ssrc")->value, "3847593027 cname:c1a4f5e0-2b7d-4e55-8d11-5cbd2a0e7f41");
  ASSERT_NE(m.attribute("rtcp-rsize"), nullptr);
  EXPECT_FALSE(m.attribute("rtcp-rsize")->value);
}

TEST(SdpParse, MobileOfferWithVideo) {
  auto s = parse_ok(crlf(samples::kMobile));
  ASSERT_EQ(s.attributes.size(), 2u);
  EXPECT_EQ(s.attributes[0].name, "rtcp-xr");
  EXPECT_EQ(*s.attributes[0].value, "rcvr-rtt=all:10000 stat-summary=loss,dup,jitt,TTL voip-metrics");
  ASSERT_EQ(s.media.size(), 2u);
  const auto& a = s.media[0];
  EXPECT_EQ(a.codec(97)->encoding, "speex");
  EXPECT_EQ(a.codec(97)->clock_rate, 16000u);
  EXPECT_EQ(a.codec(101)->clock_rate, 48000u);
  EXPECT_EQ(a.codec(100)->clock_rate, 8000u);
  // G.729 comes without an rtpmap; its fmtp is still kept.
  EXPECT_EQ(a.codec(18)->encoding, "G729");
  EXPECT_EQ(a.fmtp(18)->param("annexb"), "yes");
  const auto& v = s.media[1];
  EXPECT_EQ(v.media, "video");
  EXPECT_EQ(v.port, 9078);
  EXPECT_EQ(v.codec(102)->encoding, "VP8");
  EXPECT_EQ(v.codec(102)->clock_rate, 90000u);
  EXPECT_EQ(s.direction_of(v), Direction::kSendRecv);
}

TEST(SdpParse, PbxOfferWithMaxptime) {
  auto s = parse_ok(crlf(samples::kPbx));
  const auto& m = s.media[0];
  EXPECT_EQ(m.payload_types, (std::vector<int>{9, 0, 8, 101}));
  EXPECT_EQ(m.codec(9)->encoding, "G722");
  EXPECT_EQ(m.codec(9)->clock_rate, 8000u);
  EXPECT_EQ(m.maxptime, 150u);
}

TEST(SdpParse, SpacedFmtpParameters) {
  auto s = parse_ok(crlf(samples::kSoftSwitch));
  const Fmtp* f = s.media[0].fmtp(102);
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->param("useinbandfec"), "1");
  EXPECT_EQ(f->param("MaxAverageBitrate"), "30000");  // keys compare case-insensitively
  EXPECT_EQ(f->param("maxptime"), "40");
  EXPECT_FALSE(f->param("stereo"));
  EXPECT_EQ(f->params.size(), 6u);
  EXPECT_EQ(s.media[0].codec(13)->encoding, "CN");
}

TEST(SdpParse, CarrierStaticPayloadTypesAndRtcpAddress) {
  auto s = parse_ok(crlf(samples::kCarrier));
  const auto& m = s.media[0];
  EXPECT_TRUE(m.rtpmaps.size() == 1u);
  EXPECT_EQ(m.codec(18)->encoding, "G729");
  EXPECT_EQ(m.codec(0)->encoding, "PCMU");
  EXPECT_EQ(m.codec(8)->encoding, "PCMA");
  ASSERT_TRUE(m.rtcp);
  EXPECT_EQ(m.rtcp->port, 40013);
  ASSERT_TRUE(m.rtcp->connection);
  EXPECT_EQ(m.rtcp->connection->address, "192.0.2.51");
  EXPECT_EQ(m.maxptime, 20u);
}

TEST(SdpParse, WebRtcOfferKeepsIceAndBundle) {
  auto s = parse_ok(crlf(samples::kWebRtc));
  EXPECT_FALSE(s.connection);
  ASSERT_NE(s.attribute("group"), nullptr);
  EXPECT_EQ(*s.attribute("group")->value, "BUNDLE 0");
  const auto& m = s.media[0];
  EXPECT_EQ(m.proto, "UDP/TLS/RTP/SAVPF");
  EXPECT_TRUE(m.is_rtp());
  EXPECT_TRUE(m.rtcp_mux);
  EXPECT_EQ(m.mid, "0");
  ASSERT_TRUE(m.connection);
  EXPECT_EQ(m.connection->address, "0.0.0.0");
  ASSERT_NE(m.attribute("fingerprint"), nullptr);
  EXPECT_EQ(m.attribute("setup")->value, "actpass");
}

TEST(SdpParse, StaticPayloadTypes) {
  struct Case {
    int pt;
    const char* name;
    std::uint32_t rate;
    std::uint32_t channels;
  };
  for (const Case& c : {Case{0, "PCMU", 8000, 1}, Case{8, "PCMA", 8000, 1}, Case{9, "G722", 8000, 1},
                        Case{18, "G729", 8000, 1}, Case{3, "GSM", 8000, 1}, Case{13, "CN", 8000, 1},
                        Case{10, "L16", 44100, 2}, Case{34, "H263", 90000, 1}}) {
    auto r = static_payload_type(c.pt);
    ASSERT_TRUE(r) << c.pt;
    EXPECT_EQ(r->encoding, c.name);
    EXPECT_EQ(r->clock_rate, c.rate);
    EXPECT_EQ(r->channels, c.channels);
  }
  for (int pt : {1, 2, 19, 35, 72, 96, 101, 127}) EXPECT_FALSE(static_payload_type(pt)) << pt;
  // An rtpmap overrides the static table.
  auto s = parse_ok(audio("a=rtpmap:8 X-ODD/16000\n"));
  EXPECT_EQ(s.media[0].codec(8)->encoding, "X-ODD");
  EXPECT_FALSE(s.media[0].codec(101));  // dynamic and unmapped
}

TEST(SdpParse, LineEndings) {
  const std::string lf(samples::kPbx);
  auto a = parse_ok(lf);
  EXPECT_EQ(parse_ok(crlf(lf)), a);
  std::string no_final = lf.substr(0, lf.size() - 1);
  EXPECT_EQ(parse_ok(no_final), a);
  EXPECT_EQ(parse_ok(crlf(lf) + "\r\n\r\n"), a);  // empty lines at the end
  EXPECT_EQ(parse_ok(lf + "\n"), a);
}

TEST(SdpParse, DirectionSessionDefaultAndMediaOverride) {
  auto s = parse_ok(std::string(kHead) + "a=sendonly\nm=audio 4000 RTP/AVP 0\na=recvonly\nm=audio 4002 RTP/AVP 0\n");
  EXPECT_EQ(s.direction, Direction::kSendOnly);
  EXPECT_EQ(s.direction_of(s.media[0]), Direction::kRecvOnly);
  EXPECT_EQ(s.direction_of(s.media[1]), Direction::kSendOnly);
  auto plain = parse_ok(audio(""));
  EXPECT_EQ(plain.direction_of(plain.media[0]), Direction::kSendRecv);
  EXPECT_EQ(parse_ok(audio("a=inactive\n")).media[0].direction, Direction::kInactive);
}

TEST(SdpParse, ConnectionAtMediaLevelOnlyAndIpv6) {
  auto s = parse_ok(
      "v=0\no=- 1 1 IN IP6 2001:db8::1\ns=-\nt=0 0\nm=audio 4000 RTP/AVP 0\nc=IN IP6 2001:db8::2\n"
      "m=audio 0 RTP/AVP 0\n");
  EXPECT_EQ(s.origin.addr_type, AddrType::kIp6);
  EXPECT_EQ(s.connection_of(s.media[0])->address, "2001:db8::2");
  EXPECT_EQ(s.connection_of(s.media[1]), nullptr);  // a disabled stream needs none
  auto mc = parse_ok(audio("", "m=audio 4000 RTP/AVP 0\nc=IN IP4 224.2.1.1/127/3\n"));
  EXPECT_EQ(mc.media[0].connection->ttl, 127u);
  EXPECT_EQ(mc.media[0].connection->count, 3u);
  auto host = parse_ok(audio("", "m=audio 4000 RTP/AVP 0\nc=IN IP4 media.example.net\n"));
  EXPECT_EQ(host.media[0].connection->address, "media.example.net");
}

TEST(SdpParse, PortCountAndNonRtpFormats) {
  auto s = parse_ok(std::string(kHead) + "m=audio 49170/2 RTP/AVP 0\nm=image 40020 udptl t38\na=T38FaxVersion:0\n");
  EXPECT_EQ(s.media[0].port_count, 2);
  EXPECT_FALSE(s.media[1].is_rtp());
  EXPECT_EQ(s.media[1].formats, std::vector<std::string>{"t38"});
  EXPECT_TRUE(s.media[1].payload_types.empty());
}

TEST(SdpParse, TrailingWhitespaceAndEmptySessionName) {
  auto s = parse_ok("v=0 \no=- 1 1 IN IP4 10.0.0.1 \ns=\nc=IN IP4 10.0.0.1\t\nt=0 0 \nm=audio 4000 RTP/AVP 0 8 \n"
                    "a=rtpmap:8 PCMA/8000 \na=ptime:20 \na=sendrecv \n");
  EXPECT_EQ(s.session_name, "");
  EXPECT_EQ(s.media[0].payload_types, (std::vector<int>{0, 8}));
  EXPECT_EQ(s.media[0].ptime, 20u);
  EXPECT_EQ(parse_ok(audio("a=ptime:20.0\n")).media[0].ptime, 20u);
}

TEST(SdpParse, RtpmapForAnUnlistedFormatIsKept) {
  // Some gateways map every codec they know whatever the m= line offers.
  auto s = parse_ok(audio("a=rtpmap:18 G729/8000\na=rtpmap:97 iLBC/8000\n", "m=audio 4000 RTP/AVP 0\n"));
  EXPECT_EQ(s.media[0].payload_types, std::vector<int>{0});
  EXPECT_EQ(s.media[0].rtpmaps.size(), 2u);
}

TEST(SdpParse, RejectsMalformedLines) {
  EXPECT_NE(reject("v=0\r\nbogus\r\n").find("line 2: not of the form <letter>=<value>"), std::string::npos);
  reject("V=0\no=- 1 1 IN IP4 10.0.0.1\ns=-\nt=0 0\n");
  reject(" v=0\no=- 1 1 IN IP4 10.0.0.1\ns=-\nt=0 0\n");
  reject("v 0\no=- 1 1 IN IP4 10.0.0.1\ns=-\nt=0 0\n");
  EXPECT_NE(reject(std::string(kHead) + "\nm=audio 4000 RTP/AVP 0\n").find("line 6"), std::string::npos);
  reject(audio("a=sendrecv\rx=1\n"));
  reject(audio(std::string("a=tool:a\0b\n", 11)));
  reject("");
  reject("\n\n");
  EXPECT_NE(reject(audio("x=whatever\n")).find("(x=): unknown line type"), std::string::npos);
}

TEST(SdpParse, RejectsOutOfOrderMandatoryLines) {
  EXPECT_NE(reject("o=- 1 1 IN IP4 10.0.0.1\nv=0\ns=-\nt=0 0\n").find("line 1 (o=): expected v="), std::string::npos);
  EXPECT_NE(reject("v=0\ns=-\no=- 1 1 IN IP4 10.0.0.1\nt=0 0\n").find("line 2 (s=): expected o="),
            std::string::npos);
  reject("v=0\no=- 1 1 IN IP4 10.0.0.1\nc=IN IP4 10.0.0.1\ns=-\nt=0 0\n");
  reject("v=0\no=- 1 1 IN IP4 10.0.0.1\n");
  reject(std::string(kHead) + "o=- 1 1 IN IP4 10.0.0.1\n");
  reject(std::string(kHead) + "v=0\n");
  EXPECT_NE(reject("v=0\no=- 1 1 IN IP4 10.0.0.1\ns=-\nc=IN IP4 10.0.0.1\nm=audio 4000 RTP/AVP 0\n").find("no t="),
            std::string::npos);
  EXPECT_NE(reject(audio("t=0 0\n")).find("(t=): belongs in the session section"), std::string::npos);
  reject(audio("z=2882844526 -1h\n"));
  EXPECT_NE(reject("v=0\no=- 1 1 IN IP4 10.0.0.1\ns=-\nr=7d 1h 0 25h\nt=0 0\n").find("(r=): must follow"),
            std::string::npos);
  parse_ok("v=0\no=- 1 1 IN IP4 10.0.0.1\ns=-\nt=3034423619 3042462419\nr=7d 1h 0 25h\n");
}

TEST(SdpParse, RejectsBadVersionAndOrigin) {
  EXPECT_NE(reject("v=1\no=- 1 1 IN IP4 10.0.0.1\ns=-\nt=0 0\n").find("line 1 (v=): version must be 0"),
            std::string::npos);
  for (std::string_view o : {"o=- 1 1 IN IP4", "o=- 1 1 IN IP4 10.0.0.1 extra", "o=- 1 1 ATM IP4 10.0.0.1",
                             "o=- 1 1 IN IP5 10.0.0.1", "o=- 1 1 IN IP4 300.1.1.1", "o=- x1 1 IN IP4 10.0.0.1",
                             "o=- 1 -1 IN IP4 10.0.0.1", "o=- 1 99999999999999999999 IN IP4 10.0.0.1",
                             "o=- 1 1 IN IP6 10.0.0.1x:", "o=- 1 1 IN IP4 bad_host"}) {
    const std::string msg = reject("v=0\n" + std::string(o) + "\ns=-\nt=0 0\n");
    EXPECT_NE(msg.find("line 2 (o=)"), std::string::npos) << o << ": " << msg;
  }
}

TEST(SdpParse, RejectsMissingOrBadConnection) {
  const std::string no_c = "v=0\no=- 1 1 IN IP4 10.0.0.1\ns=-\nt=0 0\nm=audio 0 RTP/AVP 0\nm=audio 4000 RTP/AVP 0\n";
  EXPECT_NE(reject(no_c).find("line 6 (m=): no c= line"), std::string::npos);
  for (std::string_view c : {"c=IN IP4", "c=IN IP4 10.0.0.256", "c=IN IP6 ::g", "c=XX IP4 10.0.0.1",
                             "c=IN IP4 224.2.1.1/300", "c=IN IP4 224.2.1.1/127/0", "c=IN IP6 ff15::1/3/2"}) {
    const std::string msg = reject(audio(std::string(c) + "\n"));
    EXPECT_NE(msg.find("line 7 (c=)"), std::string::npos) << c << ": " << msg;
  }
  EXPECT_NE(reject(audio("c=IN IP4 10.0.0.1\nc=IN IP4 10.0.0.2\n")).find("line 8 (c=): appears more than once"),
            std::string::npos);
}

TEST(SdpParse, RejectsBadMediaLines) {
  struct Case {
    const char* m;
    const char* expect;
  };
  for (const Case& c : {Case{"m=audio 70000 RTP/AVP 0", "port 70000 is out of range"},
                        Case{"m=audio 65536 RTP/AVP 0", "port 65536 is out of range"},
                        Case{"m=audio -1 RTP/AVP 0", "out of range"}, Case{"m=audio x RTP/AVP 0", "out of range"},
                        Case{"m=audio 4000/0 RTP/AVP 0", "bad port count"},
                        Case{"m=audio 4000 RTP/AVP 128", "payload type 128 is not in 0..127"},
                        Case{"m=audio 4000 RTP/AVP abc", "payload type abc"},
                        Case{"m=audio 4000 RTP/AVP 0 0", "listed twice"}, Case{"m=audio 4000 RTP/AVP", "expected"},
                        Case{"m=audio 4000", "expected"}}) {
    const std::string msg = reject(audio("", std::string(c.m) + "\n"));
    EXPECT_NE(msg.find("line 6 (m=)"), std::string::npos) << c.m << ": " << msg;
    EXPECT_NE(msg.find(c.expect), std::string::npos) << c.m << ": " << msg;
  }
  parse_ok(audio("", "m=audio 65535 RTP/AVP 127\n"));
}

TEST(SdpParse, RejectsMalformedRtpmap) {
  for (std::string_view a : {"a=rtpmap", "a=rtpmap:", "a=rtpmap:101", "a=rtpmap:101 telephone-event",
                             "a=rtpmap:101 telephone-event/", "a=rtpmap:101 telephone-event/0",
                             "a=rtpmap:101 telephone-event/8k", "a=rtpmap:200 X/8000", "a=rtpmap:x X/8000",
                             "a=rtpmap:96 opus/48000/0", "a=rtpmap:96 opus/48000/two", "a=rtpmap:96 /8000",
                             "a=rtpmap:96 op us/8000", "a=rtpmap:96 opus/48000/2 extra"}) {
    const std::string msg = reject(audio(std::string(a) + "\n"));
    EXPECT_NE(msg.find("line 7 (a=rtpmap)"), std::string::npos) << a << ": " << msg;
  }
  EXPECT_NE(reject(audio("a=rtpmap:101 telephone-event/8000\na=rtpmap:101 telephone-event/16000\n"))
                .find("line 8 (a=rtpmap): payload type 101 is mapped twice"),
            std::string::npos);
  EXPECT_NE(reject(std::string(kHead) + "a=rtpmap:0 PCMU/8000\n").find("only allowed in a media section"),
            std::string::npos);
}

TEST(SdpParse, RejectsBadAttributes) {
  struct Case {
    const char* a;
    const char* field;
  };
  for (const Case& c : {Case{"a=fmtp:101", "a=fmtp"}, Case{"a=fmtp:101 ", "a=fmtp"}, Case{"a=fmtp:300 0-15", "a=fmtp"},
                        Case{"a=fmtp:101 0-15\na=fmtp:101 0-16", "a=fmtp"}, Case{"a=ptime:abc", "a=ptime"},
                        Case{"a=ptime:0", "a=ptime"}, Case{"a=ptime", "a=ptime"}, Case{"a=ptime:20.", "a=ptime"},
                        Case{"a=ptime:20\na=ptime:30", "a=ptime"}, Case{"a=maxptime:99999", "a=maxptime"},
                        Case{"a=sendrecv:yes", "a=sendrecv"}, Case{"a=sendonly\na=recvonly", "a=recvonly"},
                        Case{"a=rtcp:0", "a=rtcp"}, Case{"a=rtcp:70000", "a=rtcp"},
                        Case{"a=rtcp:5001 IN IP4 1.2.3", "a=rtcp"}, Case{"a=rtcp-mux:1", "a=rtcp-mux"},
                        Case{"a=mid:", "a=mid"}, Case{"a=:x", "a="}, Case{"a=bad name:x", "a="}}) {
    const std::string msg = reject(audio(std::string(c.a) + "\n"));
    EXPECT_NE(msg.find(std::string("(") + c.field + ")"), std::string::npos) << c.a << ": " << msg;
  }
  EXPECT_NE(reject(audio("b=AS\n")).find("(b=)"), std::string::npos);
  EXPECT_NE(reject(audio("b=AS:fast\n")).find("(b=)"), std::string::npos);
}

TEST(SdpParse, EnforcesLimits) {
  const std::string base = audio("");
  ParseLimits small;
  small.max_bytes = base.size() - 1;
  EXPECT_EQ(parse(base, small).status().code(), StatusCode::kResourceExhausted);
  small = {};
  small.max_lines = 5;
  EXPECT_EQ(parse(base, small).status().code(), StatusCode::kResourceExhausted);
  small = {};
  small.max_line_length = 20;
  EXPECT_EQ(parse(base, small).status().code(), StatusCode::kResourceExhausted);

  std::string many(kHead);
  for (int i = 0; i < 17; ++i) many += "m=audio 0 RTP/AVP 0\n";
  EXPECT_NE(reject(many, StatusCode::kResourceExhausted).find("more than 16 media sections"), std::string::npos);
  std::string formats = "m=audio 4000 RTP/AVP";
  for (int pt = 0; pt < 65; ++pt) formats += " " + std::to_string(pt);
  reject(audio("", formats + "\n"), StatusCode::kResourceExhausted);
  std::string lines = audio("");
  for (int i = 0; i < 1100; ++i) lines += "a=x-filler\n";
  reject(lines, StatusCode::kResourceExhausted);
  reject(std::string(40000, 'a'), StatusCode::kResourceExhausted);
}

TEST(SdpParse, RoundTripsThroughTheSerialiser) {
  for (std::string_view sample : {samples::kSoftphone, samples::kMobile, samples::kPbx, samples::kSoftSwitch,
                                  samples::kCarrier, samples::kWebRtc}) {
    auto first = parse_ok(sample);
    const std::string text = serialize(first);
    auto second = parse_ok(text);
    EXPECT_EQ(first, second) << text;
    EXPECT_EQ(serialize(second), text);
    // CRLF everywhere, nothing else.
    for (std::size_t i = 0; i < text.size(); ++i) {
      if (text[i] == '\n') {
        ASSERT_TRUE(i > 0 && text[i - 1] == '\r') << "bare LF at " << i;
      }
    }
    EXPECT_EQ(text.substr(0, 5), "v=0\r\n");
  }
}

TEST(SdpParse, SerialiserWritesCanonicalOrder) {
  auto s = parse_ok(audio("a=sendonly\na=ptime:30\na=fmtp:101 0-16\na=rtpmap:101 telephone-event/8000\n"
                          "a=rtcp-mux\na=x-custom:1\na=mid:audio\n"));
  EXPECT_EQ(serialize(s),
            "v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\n"
            "m=audio 4000 RTP/AVP 0 8 101\r\na=mid:audio\r\na=rtpmap:101 telephone-event/8000\r\n"
            "a=fmtp:101 0-16\r\na=ptime:30\r\na=rtcp-mux\r\na=sendonly\r\na=x-custom:1\r\n");
}

TEST(SdpParse, DirectionHelpers) {
  EXPECT_EQ(reverse(Direction::kSendOnly), Direction::kRecvOnly);
  EXPECT_EQ(reverse(Direction::kRecvOnly), Direction::kSendOnly);
  EXPECT_EQ(reverse(Direction::kSendRecv), Direction::kSendRecv);
  EXPECT_EQ(reverse(Direction::kInactive), Direction::kInactive);
  EXPECT_EQ(make_direction(true, false), Direction::kSendOnly);
  EXPECT_EQ(direction_name(Direction::kInactive), "inactive");
}

}  // namespace
}  // namespace sb::sdp
