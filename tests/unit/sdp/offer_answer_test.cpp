#include <gtest/gtest.h>

#include <string>

#include "control/sip/sdp/offer_answer.hpp"
#include "tests/unit/sdp/sdp_samples.hpp"

namespace sb::sdp {
namespace {

SessionDescription parse_ok(std::string_view text) {
  auto r = parse(text);
  EXPECT_TRUE(r.has_value()) << r.status().to_string() << "\n" << text;
  return r ? *r : SessionDescription{};
}

LocalCapabilities caps(std::initializer_list<std::string_view> codecs) {
  LocalCapabilities c;
  for (auto name : codecs) c.codecs.push_back(*standard_codec(name));
  c.address = "198.18.0.10";
  c.rtp_port = 20000;
  return c;
}

struct Fixture : ::testing::Test {
  LocalOrigin origin{"switchboard", 4242, AddrType::kIp4, "198.18.0.10"};

  Answer answer_ok(std::string_view offer, const LocalCapabilities& local) {
    auto a = answer_offer(parse_ok(offer), local, origin);
    EXPECT_TRUE(a.has_value()) << a.status().to_string();
    if (!a) return {};
    // Whatever we answer must itself be valid SDP.
    auto again = parse(serialize(a->answer));
    EXPECT_TRUE(again.has_value()) << again.status().to_string() << "\n" << serialize(a->answer);
    return *a;
  }
};

using OfferAnswer = Fixture;

constexpr std::string_view kHead = "v=0\no=- 7 7 IN IP4 203.0.113.5\ns=-\nc=IN IP4 203.0.113.5\nt=0 0\n";

std::string offer(std::string_view media) { return std::string(kHead) + std::string(media); }

TEST_F(OfferAnswer, PicksTheFirstLocalPreferenceTheOfferHas) {
  // The PBX lists G.722 first; we prefer PCMA.
  auto a = answer_ok(samples::kPbx, caps({"PCMA", "G722", "PCMU"}));
  EXPECT_EQ(a.media.codec, "PCMA");
  EXPECT_EQ(a.media.payload_type, 8);
  EXPECT_EQ(a.media.clock_rate, 8000u);
  EXPECT_EQ(a.media.telephone_event_pt, 101);
  const auto& m = a.answer.media.at(0);
  EXPECT_EQ(m.formats, (std::vector<std::string>{"8", "101"}));
  EXPECT_EQ(m.port, 20000);
  EXPECT_EQ(m.codec(101)->encoding, "telephone-event");
  EXPECT_EQ(m.fmtp(101)->raw, "0-16");
  EXPECT_EQ(m.ptime, 20u);
  EXPECT_EQ(m.direction, Direction::kSendRecv);

  auto g722 = answer_ok(samples::kPbx, caps({"G722", "PCMA"}));
  EXPECT_EQ(g722.media.codec, "G722");
  EXPECT_EQ(g722.media.payload_type, 9);
  EXPECT_EQ(g722.media.clock_rate, 8000u);  // G.722's RTP clock
}

TEST_F(OfferAnswer, KeepsTheOfferersDynamicPayloadTypes) {
  LocalCapabilities local = caps({"opus", "PCMU"});
  local.telephone_event_48k = true;
  auto a = answer_ok(samples::kSoftSwitch, local);
  EXPECT_EQ(a.media.codec, "opus");
  EXPECT_EQ(a.media.payload_type, 102);  // ours would be 111
  EXPECT_EQ(a.media.clock_rate, 48000u);
  EXPECT_EQ(a.media.channels, 2u);
  EXPECT_EQ(a.media.telephone_event_pt, 103);  // the 48 kHz one, for opus
  EXPECT_NE(a.media.fmtp.find("maxaveragebitrate=30000"), std::string::npos);
  const auto& m = a.answer.media[0];
  EXPECT_EQ(m.formats, (std::vector<std::string>{"102", "103"}));
  EXPECT_EQ(m.codec(102)->encoding, "opus");
  EXPECT_EQ(m.codec(102)->channels, 2u);
  EXPECT_EQ(m.fmtp(102)->raw, "useinbandfec=1");
}

TEST_F(OfferAnswer, TelephoneEventOnlyAtTheChosenCodecsClock) {
  // Opus chosen but no local telephone-event/48000: no events.
  auto opus = answer_ok(samples::kSoftSwitch, caps({"opus", "PCMU"}));
  EXPECT_EQ(opus.media.codec, "opus");
  EXPECT_FALSE(opus.media.telephone_event_pt);
  EXPECT_EQ(opus.answer.media[0].formats, std::vector<std::string>{"102"});
  // G.711 chosen: the 8 kHz telephone-event, not the 48 kHz one listed first.
  auto pcmu = answer_ok(samples::kSoftSwitch, caps({"PCMU"}));
  EXPECT_EQ(pcmu.media.telephone_event_pt, 101);
  // The mobile offer has telephone-event at 48000 (101), 16000 (99), 8000 (100).
  auto mobile = answer_ok(samples::kMobile, caps({"PCMA"}));
  EXPECT_EQ(mobile.media.telephone_event_pt, 100);
  // Telephone-event disabled locally.
  LocalCapabilities quiet = caps({"PCMU"});
  quiet.telephone_event = false;
  EXPECT_FALSE(answer_ok(samples::kPbx, quiet).media.telephone_event_pt);
  // Not offered at all.
  EXPECT_FALSE(answer_ok(offer("m=audio 4000 RTP/AVP 0\n"), caps({"PCMU"})).media.telephone_event_pt);
}

TEST_F(OfferAnswer, MatchesByNameRateAndChannelsNotNumber) {
  // Upper-case name on a dynamic PT.
  auto a = answer_ok(offer("m=audio 4000 RTP/AVP 98 0\na=rtpmap:98 OPUS/48000/2\n"), caps({"opus", "PCMU"}));
  EXPECT_EQ(a.media.payload_type, 98);
  EXPECT_EQ(a.answer.media[0].codec(98)->encoding, "OPUS");  // echoed as offered
  // Mono opus and PCMU at 16 kHz are different codecs.
  auto b = answer_ok(offer("m=audio 4000 RTP/AVP 96 97 8\na=rtpmap:96 opus/48000\na=rtpmap:97 PCMU/16000\n"),
                     caps({"opus", "PCMU", "PCMA"}));
  EXPECT_EQ(b.media.codec, "PCMA");
  // A static codec under a dynamic number.
  auto c = answer_ok(offer("m=audio 4000 RTP/AVP 118\na=rtpmap:118 PCMA/8000\n"), caps({"PCMA"}));
  EXPECT_EQ(c.media.payload_type, 118);
  // Static payload types without rtpmap (carrier style).
  auto d = answer_ok(samples::kCarrier, caps({"G722", "PCMU", "PCMA"}));
  EXPECT_EQ(d.media.codec, "PCMU");
  EXPECT_EQ(d.media.payload_type, 0);
  EXPECT_EQ(d.answer.media[0].codec(0)->encoding, "PCMU");
}

TEST_F(OfferAnswer, DeclinesVideoAndExtraAudioWithPortZero) {
  auto a = answer_ok(samples::kMobile, caps({"opus", "PCMU"}));
  ASSERT_EQ(a.answer.media.size(), 2u);
  EXPECT_EQ(a.answer.media[0].media, "audio");
  EXPECT_EQ(a.answer.media[0].port, 20000);
  EXPECT_EQ(a.answer.media[1].media, "video");
  EXPECT_EQ(a.answer.media[1].port, 0);
  EXPECT_FALSE(a.answer.media[1].formats.empty());
  EXPECT_EQ(a.media.media_index, 0u);

  // Video first, then two audio streams: the first acceptable audio wins,
  // every m= line is answered in order.
  auto b = answer_ok(offer("m=video 5000 RTP/AVP 31\nm=audio 0 RTP/AVP 0\nm=audio 4000 RTP/AVP 18 8\n"
                           "m=audio 4002 RTP/AVP 0\nm=audio 4004 RTP/AVP 0\n"),
                     caps({"PCMU", "PCMA"}));
  ASSERT_EQ(b.answer.media.size(), 5u);
  EXPECT_EQ(b.media.media_index, 2u);
  EXPECT_EQ(b.media.codec, "PCMA");
  const std::uint16_t ports[] = {0, 0, 20000, 0, 0};
  for (std::size_t i = 0; i < 5; ++i) EXPECT_EQ(b.answer.media[i].port, ports[i]) << i;
}

TEST_F(OfferAnswer, NoAcceptableAudioIsUnsupported) {
  LocalCapabilities local = caps({"PCMU", "PCMA"});
  for (std::string_view media : {"m=audio 4000 RTP/AVP 18\n",                        // G.729 only
                                 "m=audio 4000 RTP/SAVP 0\n",                        // SRTP only
                                 "m=video 4000 RTP/AVP 31\n",                        // no audio
                                 "m=audio 0 RTP/AVP 0\n",                            // disabled
                                 "m=audio 4000 RTP/AVP 96\na=rtpmap:96 AMR/8000\n",  // unknown dynamic
                                 "m=audio 4000 RTP/AVP 101\na=rtpmap:101 telephone-event/8000\n"}) {
    auto a = answer_offer(parse_ok(offer(media)), local, origin);
    ASSERT_FALSE(a.has_value()) << media;
    EXPECT_EQ(a.status().code(), StatusCode::kUnsupported) << media;
  }
  auto web = answer_offer(parse_ok(samples::kWebRtc), local, origin);
  EXPECT_EQ(web.status().code(), StatusCode::kUnsupported);
}

TEST_F(OfferAnswer, BadLocalConfigurationIsInvalid) {
  auto o = parse_ok(samples::kPbx);
  LocalCapabilities none = caps({});
  EXPECT_EQ(answer_offer(o, none, origin).status().code(), StatusCode::kInvalidArgument);
  LocalCapabilities no_port = caps({"PCMU"});
  no_port.rtp_port = 0;
  EXPECT_EQ(answer_offer(o, no_port, origin).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(OfferAnswer, DirectionMatrix) {
  struct Case {
    std::string_view offered;  // attribute line, or "" for none (sendrecv)
    Direction local;
    Direction answered;
    bool remote_hold;
  };
  const Case cases[] = {
      {"", Direction::kSendRecv, Direction::kSendRecv, false},
      {"a=sendrecv\n", Direction::kSendRecv, Direction::kSendRecv, false},
      {"a=sendonly\n", Direction::kSendRecv, Direction::kRecvOnly, true},
      {"a=recvonly\n", Direction::kSendRecv, Direction::kSendOnly, false},
      {"a=inactive\n", Direction::kSendRecv, Direction::kInactive, true},
      // We hold (music on hold): we send, do not listen.
      {"", Direction::kSendOnly, Direction::kSendOnly, false},
      {"a=sendonly\n", Direction::kSendOnly, Direction::kInactive, true},
      {"a=recvonly\n", Direction::kSendOnly, Direction::kSendOnly, false},
      {"a=inactive\n", Direction::kSendOnly, Direction::kInactive, true},
      {"", Direction::kInactive, Direction::kInactive, false},
      {"a=sendonly\n", Direction::kInactive, Direction::kInactive, true},
      {"", Direction::kRecvOnly, Direction::kRecvOnly, false},
      {"a=recvonly\n", Direction::kRecvOnly, Direction::kInactive, false},
  };
  for (const Case& c : cases) {
    LocalCapabilities local = caps({"PCMU"});
    local.direction = c.local;
    auto a = answer_ok(offer("m=audio 4000 RTP/AVP 0\n" + std::string(c.offered)), local);
    const std::string label = std::string(c.offered) + " local " + std::string(direction_name(c.local));
    EXPECT_EQ(a.answer.media[0].direction, c.answered) << label;
    EXPECT_EQ(a.media.direction, c.answered) << label;
    EXPECT_EQ(a.media.remote_hold, c.remote_hold) << label;
  }
  // A session-level attribute applies to the stream.
  auto s = answer_ok(std::string(kHead) + "a=sendonly\nm=audio 4000 RTP/AVP 0\n", caps({"PCMU"}));
  EXPECT_EQ(s.media.direction, Direction::kRecvOnly);
}

TEST_F(OfferAnswer, LegacyHoldWithZeroAddress) {
  const std::string held = "v=0\no=- 7 8 IN IP4 203.0.113.5\ns=-\nc=IN IP4 0.0.0.0\nt=0 0\nm=audio 4000 RTP/AVP 0\n";
  auto a = answer_ok(held, caps({"PCMU"}));
  EXPECT_TRUE(a.media.remote_hold);
  EXPECT_EQ(a.media.direction, Direction::kRecvOnly);  // nowhere to send to
  EXPECT_EQ(a.media.remote_address, "0.0.0.0");
  // Our answer still carries our real address.
  EXPECT_EQ(a.answer.connection->address, "198.18.0.10");
  auto parsed = parse_ok(held);
  EXPECT_TRUE(is_hold(parsed, parsed.media[0]));
  auto normal = parse_ok(samples::kPbx);
  EXPECT_FALSE(is_hold(normal, normal.media[0]));
}

TEST_F(OfferAnswer, RtcpMuxAndRtcpPort) {
  LocalCapabilities mux = caps({"PCMU"});
  mux.rtcp_mux = true;
  const std::string muxed = offer("m=audio 4000 RTP/AVP 0\na=rtcp-mux\n");
  auto a = answer_ok(muxed, mux);
  EXPECT_TRUE(a.media.rtcp_mux);
  EXPECT_TRUE(a.answer.media[0].rtcp_mux);
  EXPECT_EQ(a.media.remote_rtcp_port, 4000);
  // Offered but not supported here.
  auto b = answer_ok(muxed, caps({"PCMU"}));
  EXPECT_FALSE(b.media.rtcp_mux);
  EXPECT_FALSE(b.answer.media[0].rtcp_mux);
  EXPECT_EQ(b.media.remote_rtcp_port, 4001);
  // Supported but not offered.
  EXPECT_FALSE(answer_ok(offer("m=audio 4000 RTP/AVP 0\n"), mux).media.rtcp_mux);
  // Explicit a=rtcp with an address.
  auto c = answer_ok(samples::kCarrier, caps({"PCMU"}));
  EXPECT_EQ(c.media.remote_address, "192.0.2.50");
  EXPECT_EQ(c.media.remote_port, 40012);
  EXPECT_EQ(c.media.remote_rtcp_port, 40013);
  EXPECT_EQ(c.media.remote_rtcp_address, "192.0.2.51");
  // Our RTCP on a port other than RTP + 1 is announced.
  LocalCapabilities odd = caps({"PCMU"});
  odd.rtcp_port = 20011;
  auto d = answer_ok(offer("m=audio 4000 RTP/AVP 0\n"), odd);
  ASSERT_TRUE(d.answer.media[0].rtcp);
  EXPECT_EQ(d.answer.media[0].rtcp->port, 20011);
  EXPECT_FALSE(answer_ok(offer("m=audio 4000 RTP/AVP 0\n"), caps({"PCMU"})).answer.media[0].rtcp);
}

TEST_F(OfferAnswer, Ptime) {
  LocalCapabilities local = caps({"PCMU", "opus"});
  EXPECT_EQ(answer_ok(offer("m=audio 4000 RTP/AVP 0\na=ptime:30\n"), local).media.ptime_ms, 30u);
  EXPECT_EQ(answer_ok(offer("m=audio 4000 RTP/AVP 0\n"), local).media.ptime_ms, 20u);
  // Opus has no 30 ms frame: fall back to ours.
  EXPECT_EQ(answer_ok(offer("m=audio 4000 RTP/AVP 96\na=rtpmap:96 opus/48000/2\na=ptime:30\n"), caps({"opus"}))
                .media.ptime_ms,
            20u);
  // Our 40 ms preference is capped by the peer's maxptime.
  local.ptime_ms = 40;
  auto capped = answer_ok(offer("m=audio 4000 RTP/AVP 0\na=maxptime:20\n"), local);
  EXPECT_EQ(capped.media.ptime_ms, 20u);
  EXPECT_EQ(capped.answer.media[0].ptime, 40u);  // what we ask to receive
  EXPECT_EQ(answer_ok(offer("m=audio 4000 RTP/AVP 0\n"), local).media.ptime_ms, 40u);
}

TEST_F(OfferAnswer, AnswerSessionLevel) {
  auto a = answer_ok(std::string(samples::kWebRtc).replace(std::string(samples::kWebRtc).find("UDP/TLS/RTP/SAVPF"),
                                                             17, "RTP/AVPF"),
                     caps({"PCMU"}));
  EXPECT_EQ(a.answer.media[0].proto, "RTP/AVPF");
  EXPECT_EQ(a.answer.media[0].mid, "0");  // echoed
  EXPECT_EQ(a.media.remote_address, "0.0.0.0");
  EXPECT_TRUE(a.media.remote_hold);
  auto b = answer_ok(samples::kPbx, caps({"PCMU"}));
  EXPECT_EQ(b.answer.origin.username, "switchboard");
  EXPECT_EQ(b.answer.origin.session_id, "4242");
  EXPECT_EQ(b.answer.connection->address, "198.18.0.10");
  ASSERT_EQ(b.answer.timings.size(), 1u);
  EXPECT_EQ(b.answer.timings[0].start, 0u);
  // t= is echoed as offered, repeats included.
  auto timed = answer_ok("v=0\no=- 7 7 IN IP4 203.0.113.5\ns=-\nc=IN IP4 203.0.113.5\nt=3034423619 3042462419\n"
                         "r=7d 1h 0 25h\nm=audio 4000 RTP/AVP 0\n",
                         caps({"PCMU"}));
  ASSERT_EQ(timed.answer.timings.size(), 1u);
  EXPECT_EQ(timed.answer.timings[0].start, 3034423619u);
  EXPECT_EQ(timed.answer.timings[0].repeats, std::vector<std::string>{"7d 1h 0 25h"});
}

TEST_F(OfferAnswer, OriginVersionOnlyMovesWhenTheAnswerChanges) {
  LocalCapabilities local = caps({"PCMU"});
  auto first = answer_ok(samples::kPbx, local);
  const std::uint64_t v = first.answer.origin.session_version;
  // The same offer again (a session refresh): identical answer, same version.
  auto again = answer_ok(samples::kPbx, local);
  EXPECT_EQ(again.answer.origin.session_version, v);
  EXPECT_EQ(serialize(again.answer), serialize(first.answer));
  // We put the call on hold: the answer changes, the version goes up by one.
  local.direction = Direction::kSendOnly;
  auto hold = answer_ok(samples::kPbx, local);
  EXPECT_EQ(hold.answer.origin.session_version, v + 1);
  EXPECT_EQ(hold.answer.origin.session_id, first.answer.origin.session_id);
  auto rev = compare_revision(first.answer, hold.answer);
  ASSERT_TRUE(rev.has_value());
  EXPECT_EQ(*rev, Revision::kChanged);
}

TEST(SdpRevision, RemoteReoffers) {
  auto base = parse_ok(samples::kPbx);
  auto same = base;
  EXPECT_EQ(*compare_revision(base, same), Revision::kUnchanged);
  auto next = base;
  next.origin.session_version += 1;
  EXPECT_EQ(*compare_revision(base, next), Revision::kChanged);
  auto back = base;
  back.origin.session_version -= 1;
  EXPECT_EQ(compare_revision(base, back).status().code(), StatusCode::kInvalidArgument);
  auto other = next;
  other.origin.session_id = "1";
  EXPECT_EQ(compare_revision(base, other).status().code(), StatusCode::kInvalidArgument);
}

LocalCapabilities offer_caps() {
  LocalCapabilities c = caps({"opus", "G722", "PCMU"});
  c.telephone_event_48k = true;
  c.rtcp_mux = true;
  return c;
}

TEST_F(OfferAnswer, MakesAnOffer) {
  auto o = make_offer(offer_caps(), origin);
  ASSERT_TRUE(o.has_value()) << o.status().to_string();
  const std::string text = serialize(*o);
  auto back = parse_ok(text);
  EXPECT_EQ(back, *o);
  ASSERT_EQ(back.media.size(), 1u);
  const auto& m = back.media[0];
  EXPECT_EQ(m.formats, (std::vector<std::string>{"111", "9", "0", "101", "110"}));
  EXPECT_EQ(m.codec(111)->channels, 2u);
  EXPECT_EQ(m.codec(110)->clock_rate, 48000u);
  EXPECT_EQ(m.fmtp(111)->param("useinbandfec"), "1");
  EXPECT_EQ(m.fmtp(101)->raw, "0-16");
  EXPECT_TRUE(m.rtcp_mux);
  EXPECT_EQ(m.ptime, 20u);
  EXPECT_EQ(m.direction, Direction::kSendRecv);
  EXPECT_EQ(back.connection->address, "198.18.0.10");
  // G.711 only: no 48 kHz telephone-event even if enabled.
  LocalCapabilities narrow = caps({"PCMA"});
  narrow.telephone_event_48k = true;
  EXPECT_EQ(make_offer(narrow, origin)->media[0].formats, (std::vector<std::string>{"8", "101"}));
}

TEST_F(OfferAnswer, OfferRejectsBadCapabilities) {
  EXPECT_FALSE(make_offer(caps({}), origin).has_value());
  LocalCapabilities clash = caps({"PCMU"});
  clash.telephone_event_pt = 0;
  EXPECT_EQ(make_offer(clash, origin).status().code(), StatusCode::kInvalidArgument);
  LocalCapabilities unknown = caps({"PCMU"});
  unknown.codecs.push_back(LocalCodec{"AMR-WB", 16000, 1, -1, {}});
  EXPECT_EQ(make_offer(unknown, origin).status().code(), StatusCode::kInvalidArgument);
  LocalCapabilities dup = caps({"PCMU"});
  dup.codecs.push_back(LocalCodec{"speex", 8000, 1, 0, {}});
  EXPECT_EQ(make_offer(dup, origin).status().code(), StatusCode::kInvalidArgument);
}

// The far end's answer to our offer (offer_caps()), with `media` lines.
std::string their_answer(std::string_view media) {
  return "v=0\no=agent 99 1 IN IP4 10.20.0.7\ns=-\nc=IN IP4 10.20.0.7\nt=0 0\n" + std::string(media);
}

struct ProcessAnswer : Fixture {
  SessionDescription ours = *make_offer(offer_caps(), origin);
  Result<NegotiatedMedia> process(std::string_view media) { return process_answer(ours, parse_ok(their_answer(media))); }
};

TEST_F(ProcessAnswer, ExtractsTheAgreedStream) {
  auto n = process("m=audio 7078 RTP/AVP 0 101\na=rtpmap:0 PCMU/8000\na=rtpmap:101 telephone-event/8000\n"
                   "a=fmtp:101 0-15\na=ptime:30\n");
  ASSERT_TRUE(n.has_value()) << n.status().to_string();
  EXPECT_EQ(n->codec, "PCMU");
  EXPECT_EQ(n->payload_type, 0);
  EXPECT_EQ(n->telephone_event_pt, 101);
  EXPECT_EQ(n->remote_address, "10.20.0.7");
  EXPECT_EQ(n->remote_port, 7078);
  EXPECT_EQ(n->remote_rtcp_port, 7079);
  EXPECT_EQ(n->ptime_ms, 30u);
  EXPECT_EQ(n->direction, Direction::kSendRecv);
  EXPECT_FALSE(n->rtcp_mux);
  EXPECT_FALSE(n->remote_hold);
}

TEST_F(ProcessAnswer, FirstCodecOfTheAnswerWithOurNumbers) {
  auto n = process("m=audio 7078 RTP/AVP 111 9 110\na=rtpmap:111 opus/48000/2\na=rtpmap:110 telephone-event/48000\n"
                   "a=fmtp:111 useinbandfec=1;stereo=0\na=rtcp-mux\n");
  ASSERT_TRUE(n.has_value()) << n.status().to_string();
  EXPECT_EQ(n->codec, "opus");
  EXPECT_EQ(n->payload_type, 111);
  EXPECT_EQ(n->clock_rate, 48000u);
  EXPECT_EQ(n->telephone_event_pt, 110);
  EXPECT_EQ(n->fmtp, "useinbandfec=1;stereo=0");
  EXPECT_TRUE(n->rtcp_mux);
  EXPECT_EQ(n->remote_rtcp_port, 7078);
  // Static PT without rtpmap in the answer.
  auto g722 = process("m=audio 7078 RTP/AVP 9\n");
  ASSERT_TRUE(g722.has_value());
  EXPECT_EQ(g722->codec, "G722");
  EXPECT_FALSE(g722->telephone_event_pt);
}

TEST_F(ProcessAnswer, RejectsAnswersThatAreNotASubset) {
  struct Case {
    const char* media;
    StatusCode code;
  };
  for (const Case& c : {
           Case{"m=audio 7078 RTP/AVP 8\n", StatusCode::kInvalidArgument},                          // not offered
           Case{"m=audio 7078 RTP/AVP 96\na=rtpmap:96 opus/48000/2\n", StatusCode::kInvalidArgument},  // renumbered
           Case{"m=audio 7078 RTP/AVP 111\na=rtpmap:111 opus/48000/1\n", StatusCode::kInvalidArgument},  // remapped
           Case{"m=video 7078 RTP/AVP 111\n", StatusCode::kInvalidArgument},                          // wrong type
           Case{"m=audio 7078 RTP/SAVP 0\n", StatusCode::kInvalidArgument},                           // wrong proto
           Case{"m=audio 7078 RTP/AVP 0\nm=video 0 RTP/AVP 31\n", StatusCode::kInvalidArgument},      // extra m=
           Case{"m=audio 0 RTP/AVP 0\n", StatusCode::kUnsupported},                                   // declined
           Case{"m=audio 7078 RTP/AVP 101\n", StatusCode::kUnsupported},                              // events only
       }) {
    auto n = process(c.media);
    ASSERT_FALSE(n.has_value()) << c.media;
    EXPECT_EQ(n.status().code(), c.code) << c.media << ": " << n.status().to_string();
  }
  auto empty = process_answer(ours, parse_ok(their_answer("")));
  EXPECT_EQ(empty.status().code(), StatusCode::kInvalidArgument);
}

TEST_F(ProcessAnswer, Directions) {
  auto held = process("m=audio 7078 RTP/AVP 0\na=sendonly\n");
  ASSERT_TRUE(held.has_value());
  EXPECT_EQ(held->direction, Direction::kRecvOnly);
  EXPECT_TRUE(held->remote_hold);
  auto inactive = process("m=audio 7078 RTP/AVP 0\na=inactive\n");
  EXPECT_EQ(inactive->direction, Direction::kInactive);
  // We offered sendonly (music on hold); recvonly back is not their hold.
  LocalCapabilities moh = offer_caps();
  moh.direction = Direction::kSendOnly;
  ours = *make_offer(moh, origin);
  auto n = process("m=audio 7078 RTP/AVP 0\na=recvonly\n");
  ASSERT_TRUE(n.has_value());
  EXPECT_EQ(n->direction, Direction::kSendOnly);
  EXPECT_FALSE(n->remote_hold);
  // An answer that widens the direction does not make us listen.
  EXPECT_EQ(process("m=audio 7078 RTP/AVP 0\na=sendrecv\n")->direction, Direction::kSendOnly);
}

TEST_F(ProcessAnswer, LegacyHoldInTheAnswer) {
  auto n = process_answer(ours, parse_ok("v=0\no=agent 99 2 IN IP4 10.20.0.7\ns=-\nc=IN IP4 0.0.0.0\nt=0 0\n"
                                         "m=audio 7078 RTP/AVP 0\n"));
  ASSERT_TRUE(n.has_value()) << n.status().to_string();
  EXPECT_TRUE(n->remote_hold);
  EXPECT_EQ(n->direction, Direction::kRecvOnly);
}

TEST_F(OfferAnswer, OurOfferVersionAcrossReoffers) {
  LocalCapabilities local = offer_caps();
  auto first = make_offer(local, origin);
  auto same = make_offer(local, origin);
  EXPECT_EQ(first->origin.session_version, same->origin.session_version);
  local.direction = Direction::kInactive;
  auto hold = make_offer(local, origin);
  EXPECT_EQ(hold->origin.session_version, first->origin.session_version + 1);
  EXPECT_EQ(hold->media[0].direction, Direction::kInactive);
  EXPECT_EQ(origin.version(), hold->origin.session_version);
}

}  // namespace
}  // namespace sb::sdp
