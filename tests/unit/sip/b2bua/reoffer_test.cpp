// Offer/answer inside a confirmed dialog: re-INVITEs without SDP (our
// offer in the 200, the answer in the ACK, a broken answer keeping the
// previous media) and UPDATE with and without an offer.
#include <sstream>

#include "tests/unit/sip/b2bua/b2bua_fixture.hpp"

namespace sb::sip::b2bua::test {
namespace {

// The o= line's session id and version of an SDP body inside `message`,
// and the body without its o= line.
struct Origin {
  std::string session_id, version, rest;
};
Origin origin_of(const std::string& message) {
  Origin o;
  const auto body_at = message.find("\r\n\r\n");
  const std::string body = body_at == std::string::npos ? "" : message.substr(body_at + 4);
  const auto at = body.find("o=");
  if (at == std::string::npos) return o;
  const auto end = body.find("\r\n", at);
  std::istringstream line(body.substr(at + 2, end - at - 2));
  std::string user;
  line >> user >> o.session_id >> o.version;
  o.rest = body.substr(0, at) + body.substr(end);
  return o;
}

class ReofferTest : public B2buaTest {
 protected:
  // An answered, acknowledged inbound call; returns our To-tag.
  std::string live_call(const std::string& call_id, CallId id) {
    const std::string tag = answered_call(call_id, id);
    initial_200 = wire_.last("SIP/2.0 200");
    in(request("ACK", "sip:caller@127.0.0.1:5070", call_id, 1, tag, "z9hG4bK-ack1-" + call_id));
    return tag;
  }
  std::string answer(std::uint16_t port, const std::string& direction = "") {
    return "v=0\r\no=caller 9 9 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
           "m=audio " + std::to_string(port) + " RTP/AVP 0 101\r\na=rtpmap:101 telephone-event/8000\r\n" + direction;
  }
  std::string initial_200;
};

TEST_F(ReofferTest, AReinviteWithoutSdpGetsOurCurrentOfferAndTheAckAnswersIt) {
  const std::string tag = live_call("o1", 61);
  in(request("INVITE", "sip:switchboard@127.0.0.1", "o1", 2, tag, "z9hG4bK-o1re"));
  const std::string ok = wire_.last("SIP/2.0 200");
  ASSERT_NE(ok.find("CSeq: 2 INVITE"), std::string::npos) << ok;
  // Our offer: the codec and port the call runs, with telephone-event.
  EXPECT_NE(ok.find("m=audio 30000 RTP/AVP 0 101\r\n"), std::string::npos) << ok;
  EXPECT_NE(ok.find("a=rtpmap:101 telephone-event/8000"), std::string::npos) << ok;
  EXPECT_NE(ok.find("Allow: INVITE, ACK, BYE, CANCEL, OPTIONS, INFO, REGISTER, REFER, UPDATE"), std::string::npos);
  // RFC 3264 §8: the same session id; the version moves by one exactly
  // when the description differs from the answer in the first 200.
  const Origin first = origin_of(initial_200), offer = origin_of(ok);
  ASSERT_FALSE(first.session_id.empty());
  EXPECT_EQ(offer.session_id, first.session_id);
  EXPECT_EQ(std::stoull(offer.version), std::stoull(first.version) + (offer.rest == first.rest ? 0 : 1));
  EXPECT_TRUE(calls_.updates.empty());

  // The ACK answers: the caller moves its media and holds.
  in(request("ACK", "sip:caller@127.0.0.1:5070", "o1", 2, tag, "z9hG4bK-o1ack2", answer(40020, "a=sendonly\r\n")));
  ASSERT_EQ(calls_.updates.size(), 1u);
  EXPECT_EQ(calls_.updates[0], std::make_pair(0, true));
  EXPECT_EQ(calls_.updated_to[0], (dataplane::Endpoint{0x7f000001, 40020}));
  EXPECT_EQ(b2bua_->counters().offerless_reinvites_answered.load(), 1u);

  // A second refresh offers the same description: the version stays.
  in(request("INVITE", "sip:switchboard@127.0.0.1", "o1", 3, tag, "z9hG4bK-o1re3"));
  const std::string ok3 = wire_.last("SIP/2.0 200");
  ASSERT_NE(ok3.find("CSeq: 3 INVITE"), std::string::npos) << ok3;
  EXPECT_EQ(origin_of(ok3).version, offer.version);
  EXPECT_EQ(origin_of(ok3).session_id, first.session_id);
  // The 2xx is resent until the ACK, like any other.
  const auto before = wire_.sent.size();
  clock_.advance(std::chrono::milliseconds(600));
  b2bua_->on_tick(clock_.now());
  EXPECT_GT(wire_.sent.size(), before);
  // Un-hold in the answer.
  in(request("ACK", "sip:caller@127.0.0.1:5070", "o1", 3, tag, "z9hG4bK-o1ack3", answer(40020)));
  ASSERT_EQ(calls_.updates.size(), 2u);
  EXPECT_EQ(calls_.updates[1], std::make_pair(0, false));
  EXPECT_TRUE(calls_.hangups.empty());
}

TEST_F(ReofferTest, ABrokenAnswerInTheAckKeepsThePreviousMedia) {
  const std::string tag = live_call("o2", 62);
  const std::string broken[] = {
      "",                    // no answer
      "v=0\r\nnot sdp\r\n",  // unreadable
      // PCMA was not offered.
      "v=0\r\no=c 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40004 RTP/AVP 8\r\n",
      // The stream declined.
      "v=0\r\no=c 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 0 RTP/AVP 0\r\n",
  };
  int cseq = 2;
  for (const std::string& body : broken) {
    SCOPED_TRACE(body);
    in(request("INVITE", "sip:switchboard@127.0.0.1", "o2", cseq, tag, "z9hG4bK-o2re" + std::to_string(cseq)));
    ASSERT_NE(wire_.last("SIP/2.0 200").find("CSeq: " + std::to_string(cseq) + " INVITE"), std::string::npos);
    in(request("ACK", "sip:caller@127.0.0.1:5070", "o2", cseq, tag, "z9hG4bK-o2ack" + std::to_string(cseq), body));
    ++cseq;
  }
  EXPECT_EQ(b2bua_->counters().offerless_reinvites_bad_answer.load(), 4u);
  EXPECT_TRUE(calls_.updates.empty());
  EXPECT_TRUE(calls_.hangups.empty());
  EXPECT_TRUE(wire_.last("BYE ").empty());
  // The dialog still works: a re-INVITE with an offer is answered.
  std::string reoffer = kSdp;
  reoffer.replace(reoffer.find("40000"), 5, "40030");
  in(request("INVITE", "sip:switchboard@127.0.0.1", "o2", cseq, tag, "z9hG4bK-o2last", reoffer));
  EXPECT_NE(wire_.last("SIP/2.0 200").find("m=audio 30000 RTP/AVP 0 101"), std::string::npos);
  ASSERT_EQ(calls_.updated_to.size(), 1u);
  EXPECT_EQ(calls_.updated_to[0].port, 40030);
}

TEST_F(ReofferTest, AReinviteCrossingAnUnacknowledged2xxIsPending) {
  const std::string tag = live_call("o3", 63);
  in(request("INVITE", "sip:switchboard@127.0.0.1", "o3", 2, tag, "z9hG4bK-o3a"));
  in(request("INVITE", "sip:switchboard@127.0.0.1", "o3", 3, tag, "z9hG4bK-o3b"));
  EXPECT_NE(wire_.last("SIP/2.0 491").find("CSeq: 3 INVITE"), std::string::npos);
  // An UPDATE with an offer while ours waits for the ACK: 491 too
  // (RFC 3311 §5.2); one without an offer is a plain refresh.
  in(request("UPDATE", "sip:switchboard@127.0.0.1", "o3", 4, tag, "z9hG4bK-o3u", kSdp));
  EXPECT_NE(wire_.last("SIP/2.0 491").find("CSeq: 4 UPDATE"), std::string::npos);
  in(request("UPDATE", "sip:switchboard@127.0.0.1", "o3", 5, tag, "z9hG4bK-o3v"));
  EXPECT_NE(wire_.last("SIP/2.0 200").find("CSeq: 5 UPDATE"), std::string::npos);
}

TEST_F(ReofferTest, UpdateWithAnOfferIsAnsweredInIts200) {
  const std::string tag = live_call("u1", 64);
  std::string hold = kSdp;
  hold.replace(hold.find("o=caller 1 1"), 12, "o=caller 1 2");
  hold.replace(hold.find("40000"), 5, "40040");
  hold += "a=inactive\r\n";
  in(request("UPDATE", "sip:switchboard@127.0.0.1", "u1", 2, tag, "z9hG4bK-u1", hold));
  const std::string ok = wire_.last("SIP/2.0 200");
  ASSERT_NE(ok.find("CSeq: 2 UPDATE"), std::string::npos) << ok;
  EXPECT_NE(ok.find("Contact: <sip:switchboard@"), std::string::npos) << ok;
  EXPECT_NE(ok.find("a=inactive"), std::string::npos) << ok;
  ASSERT_EQ(calls_.updates.size(), 1u);
  EXPECT_EQ(calls_.updates[0], std::make_pair(0, true));
  EXPECT_EQ(calls_.updated_to[0].port, 40040);
  // Without an offer: 200 without a body, the media untouched.
  in(request("UPDATE", "sip:switchboard@127.0.0.1", "u1", 3, tag, "z9hG4bK-u1b"));
  const std::string ok2 = wire_.last("SIP/2.0 200");
  ASSERT_NE(ok2.find("CSeq: 3 UPDATE"), std::string::npos) << ok2;
  EXPECT_NE(ok2.find("Content-Length: 0"), std::string::npos) << ok2;
  EXPECT_EQ(calls_.updates.size(), 1u);
  // Bad offers are refused without touching the call.
  in(request("UPDATE", "sip:switchboard@127.0.0.1", "u1", 4, tag, "z9hG4bK-u1c", "v=0\r\ngarbage\r\n"));
  EXPECT_NE(wire_.last("SIP/2.0 400").find("CSeq: 4 UPDATE"), std::string::npos);
  in(request("UPDATE", "sip:switchboard@127.0.0.1", "u1", 5, tag, "z9hG4bK-u1d", "hello", "text/plain"));
  EXPECT_NE(wire_.last("SIP/2.0 415").find("CSeq: 5 UPDATE"), std::string::npos);
  // Outside a dialog there is nothing to update.
  in(request("UPDATE", "sip:100@127.0.0.1", "u-none", 1, "", "z9hG4bK-u1e"));
  EXPECT_NE(wire_.last("SIP/2.0 481").find("Call-ID: u-none"), std::string::npos);
  EXPECT_EQ(calls_.updates.size(), 1u);
  EXPECT_TRUE(calls_.hangups.empty());
}

TEST_F(ReofferTest, TheAgentsPhoneMayRefreshWithoutSdpToo) {
  register_agent("1001", 5090);
  live_call("o4", 65);
  const AgentDialog d = agent_answers(65, "1001", 5090);
  from_agent(d, "INVITE", 1);
  const std::string ok = wire_.last("SIP/2.0 200");
  ASSERT_NE(ok.find("Call-ID: " + d.call_id), std::string::npos) << ok;
  // The agent leg runs the caller's codec (PCMA) on its own port.
  EXPECT_NE(ok.find("m=audio 30010 RTP/AVP 8 101\r\n"), std::string::npos) << ok;
  // Its ACK without an answer leaves the call as it was.
  from_agent(d, "ACK", 1);
  EXPECT_EQ(b2bua_->counters().offerless_reinvites_bad_answer.load(), 1u);
  EXPECT_TRUE(calls_.hangups.empty());
  EXPECT_TRUE(wire_.last("BYE ").empty());
}

}  // namespace
}  // namespace sb::sip::b2bua::test
