// The B2BUA driven without sockets (b2bua_fixture.hpp): inbound calls,
// refusals, CANCEL, re-INVITE, late offers, agents rung and answering.
#include "tests/unit/sip/b2bua/b2bua_fixture.hpp"

namespace sb::sip::b2bua::test {
namespace {

TEST_F(B2buaTest, InboundCallIsAnsweredAcknowledgedAndHungUp) {
  in(request("INVITE", "sip:200@127.0.0.1", "c1", 1, "", "z9hG4bK-a", kSdp));
  ASSERT_EQ(calls_.starts.size(), 1u);
  const auto& start = calls_.starts[0].call;
  EXPECT_EQ(start.caller_media.port, 40000);
  EXPECT_FALSE(start.caller_media_pending);
  EXPECT_EQ(start.caller_id, "+15550001");
  EXPECT_EQ(start.queue, "support");
  EXPECT_EQ(start.codec, codecs::CodecId::kPcmu);  // our preference order wins over the offer's
  b2bua_->on_call_started(calls_.starts[0].token, B2bua::Started{7, {0x7f000001, 30000}});
  const std::string ok = wire_.last("SIP/2.0 200");
  ASSERT_FALSE(ok.empty());
  EXPECT_NE(ok.find("Contact: <sip:switchboard@"), std::string::npos);
  const std::string tag = tag_of(ok);
  ASSERT_FALSE(tag.empty());
  EXPECT_EQ(b2bua_->counters().dialogs.load(), 1u);

  // No ACK yet: the 2xx is resent at T1.
  const auto before = wire_.sent.size();
  clock_.advance(std::chrono::milliseconds(600));
  b2bua_->on_tick(clock_.now());
  EXPECT_GT(wire_.sent.size(), before);
  in(request("ACK", "sip:caller@127.0.0.1:5070", "c1", 1, tag, "z9hG4bK-ack"));
  const auto after_ack = wire_.sent.size();
  clock_.advance(std::chrono::seconds(5));
  b2bua_->on_tick(clock_.now());
  EXPECT_EQ(wire_.sent.size(), after_ack);

  // DTMF by INFO, then BYE.
  in(request("INFO", "sip:switchboard@127.0.0.1", "c1", 2, tag, "z9hG4bK-info", "Signal=5\r\nDuration=160\r\n",
             "application/dtmf-relay"));
  ASSERT_EQ(calls_.digits.size(), 1u);
  EXPECT_EQ(calls_.digits[0].second, '5');
  in(request("BYE", "sip:switchboard@127.0.0.1", "c1", 3, tag, "z9hG4bK-bye"));
  EXPECT_EQ(wire_.last("SIP/2.0 200").find("CSeq: 3 BYE") != std::string::npos, true);
  ASSERT_EQ(calls_.hangups.size(), 1u);
  EXPECT_EQ(calls_.hangups[0], std::make_pair(CallId{7}, std::string("caller")));
  b2bua_->on_call_ended(7, "completed", "caller");
  EXPECT_EQ(b2bua_->sessions(), 0u);
}

TEST_F(B2buaTest, RefusesWhatItCannotServe) {
  in(request("INVITE", "sip:100@127.0.0.1", "x1", 1, "", "z9hG4bK-x1", kSdp), "10.1.2.3");
  EXPECT_NE(wire_.last("SIP/2.0 ").find("SIP/2.0 403"), std::string::npos);
  EXPECT_EQ(b2bua_->counters().acl_rejections.load(), 1u);
  const std::string g729 = "v=0\r\no=c 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 18\r\n";
  in(request("INVITE", "sip:100@127.0.0.1", "x3", 1, "", "z9hG4bK-x3", g729));
  EXPECT_NE(wire_.last("SIP/2.0 ").find("SIP/2.0 488"), std::string::npos);
  in(request("INVITE", "sip:100@127.0.0.1", "x4", 1, "", "z9hG4bK-x4", "v=0\r\ngarbage\r\n"));
  EXPECT_NE(wire_.last("SIP/2.0 ").find("SIP/2.0 400"), std::string::npos);
  in(request("REFER", "sip:100@127.0.0.1", "x5", 1, "", "z9hG4bK-x5"));
  EXPECT_NE(wire_.last("SIP/2.0 ").find("SIP/2.0 501"), std::string::npos);
  in(request("BYE", "sip:100@127.0.0.1", "x6", 1, "nosuchtag", "z9hG4bK-x6"));
  EXPECT_NE(wire_.last("SIP/2.0 ").find("SIP/2.0 481"), std::string::npos);
  in(request("OPTIONS", "sip:127.0.0.1", "x7", 1, "", "z9hG4bK-x7"));
  const std::string options = wire_.last("SIP/2.0 ");
  EXPECT_NE(options.find("SIP/2.0 200"), std::string::npos);
  EXPECT_NE(options.find("Allow: INVITE"), std::string::npos);
  EXPECT_TRUE(calls_.starts.empty());
  EXPECT_EQ(b2bua_->sessions(), 0u);
}

TEST_F(B2buaTest, CancelBeforeAnswerEndsTheCall) {
  in(request("INVITE", "sip:100@127.0.0.1", "k1", 1, "", "z9hG4bK-k1", kSdp));
  ASSERT_EQ(calls_.starts.size(), 1u);
  EXPECT_EQ(calls_.starts[0].call.menu, "sales_menu");
  in(request("CANCEL", "sip:100@127.0.0.1", "k1", 1, "", "z9hG4bK-k1", "", "", "CANCEL"));
  EXPECT_NE(wire_.last("SIP/2.0 487").find("CSeq: 1 INVITE"), std::string::npos);
  // Call control's answer arrives after the CANCEL: the call is hung up.
  b2bua_->on_call_started(calls_.starts[0].token, B2bua::Started{9, {0x7f000001, 30002}});
  ASSERT_EQ(calls_.hangups.size(), 1u);
  EXPECT_EQ(calls_.hangups[0].first, 9u);
  EXPECT_TRUE(wire_.last("SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-k1\r\n").find("INVITE") ==
              std::string::npos);
}

TEST_F(B2buaTest, CallControlRefusalIs503AndReinviteHolds) {
  in(request("INVITE", "sip:100@127.0.0.1", "r1", 1, "", "z9hG4bK-r1", kSdp));
  b2bua_->on_call_started(calls_.starts[0].token, unavailable("draining"));
  EXPECT_NE(wire_.last("SIP/2.0 ").find("SIP/2.0 503"), std::string::npos);
  EXPECT_EQ(b2bua_->sessions(), 0u);

  const std::string tag = answered_call("r2", 11);
  in(request("ACK", "sip:caller@127.0.0.1:5070", "r2", 1, tag, "z9hG4bK-r2ack"));
  std::string hold = kSdp;
  hold.replace(hold.find("o=caller 1 1"), 12, "o=caller 1 2");
  hold += "a=sendonly\r\n";
  in(request("INVITE", "sip:caller@127.0.0.1:5070", "r2", 2, tag, "z9hG4bK-r2re", hold));
  const std::string ok = wire_.last("SIP/2.0 200");
  EXPECT_NE(ok.find("a=recvonly"), std::string::npos) << ok;
  ASSERT_EQ(calls_.updates.size(), 1u);
  EXPECT_EQ(calls_.updates[0], std::make_pair(0, true));
  // Call control ends the call (IVR hang-up): we BYE the caller.
  b2bua_->on_call_ended(11, "completed_in_ivr", "system");
  EXPECT_NE(wire_.last("BYE ").find("Call-ID: r2"), std::string::npos);
}

// Late offer (RFC 3261 §13.2.1): no SDP in the INVITE, our offer in the
// 200, the caller's answer in the ACK.
class LateOfferTest : public B2buaTest {
 protected:
  // INVITE without a body, call control starts call `id`: our 200's To-tag.
  std::string offered_in_200(const std::string& call_id, CallId id) {
    in(request("INVITE", "sip:200@127.0.0.1", call_id, 1, "", "z9hG4bK-inv-" + call_id));
    EXPECT_EQ(calls_.starts.size(), 1u);
    if (calls_.starts.empty()) return "";
    // Until the answer the caller's address is not known (call control
    // starts leg 0 without a remote); the codec is the one our offer names.
    const auto& start = calls_.starts.back().call;
    EXPECT_TRUE(start.caller_media_pending);
    EXPECT_FALSE(start.caller_media.valid());
    EXPECT_EQ(start.codec, codecs::CodecId::kPcmu);
    EXPECT_EQ(start.payload_type, 0);
    EXPECT_EQ(start.telephone_event_pt, 101);
    b2bua_->on_call_started(calls_.starts.back().token, B2bua::Started{id, {0x7f000001, 30000}});
    const std::string ok = wire_.last("SIP/2.0 200");
    EXPECT_NE(ok.find("Content-Type: application/sdp"), std::string::npos) << ok;
    EXPECT_NE(ok.find("m=audio 30000 RTP/AVP 0 101\r\n"), std::string::npos) << ok;
    EXPECT_NE(ok.find("a=rtpmap:101 telephone-event/8000"), std::string::npos) << ok;
    return tag_of(ok);
  }
  void ack(const std::string& call_id, const std::string& tag, const std::string& body) {
    in(request("ACK", "sip:caller@127.0.0.1:5070", call_id, 1, tag, "z9hG4bK-ack-" + call_id, body));
  }
};

TEST_F(LateOfferTest, TheAckAnswerGivesTheCallersMedia) {
  const std::string tag = offered_in_200("l1", 41);
  ASSERT_FALSE(tag.empty());
  EXPECT_TRUE(calls_.updates.empty());
  const std::string answer = "v=0\r\no=caller 7 7 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
                             "m=audio 40002 RTP/AVP 0 101\r\na=rtpmap:101 telephone-event/8000\r\n";
  ack("l1", tag, answer);
  ASSERT_EQ(calls_.updates.size(), 1u);
  EXPECT_EQ(calls_.updates[0], std::make_pair(0, false));
  EXPECT_EQ(calls_.updated_to[0], (dataplane::Endpoint{0x7f000001, 40002}));
  EXPECT_TRUE(calls_.hangups.empty());
  // The 2xx is no longer resent, and the dialog serves re-INVITEs with
  // the negotiated codec.
  const auto after_ack = wire_.sent.size();
  clock_.advance(std::chrono::seconds(2));
  b2bua_->on_tick(clock_.now());
  EXPECT_EQ(wire_.sent.size(), after_ack);
  std::string reoffer = kSdp;
  reoffer.replace(reoffer.find("40000"), 5, "40010");
  in(request("INVITE", "sip:switchboard@127.0.0.1", "l1", 2, tag, "z9hG4bK-l1re", reoffer));
  EXPECT_NE(wire_.last("SIP/2.0 200").find("m=audio 30000 RTP/AVP 0 101"), std::string::npos) << wire_.last("SIP/2.0 200");
  ASSERT_EQ(calls_.updated_to.size(), 2u);
  EXPECT_EQ(calls_.updated_to[1].port, 40010);
}

TEST_F(LateOfferTest, AMissingOrBadAnswerEndsTheCallWithBye) {
  const std::string answers[] = {
      "",                                                      // no answer at all
      "v=0\r\nnot sdp\r\n",                                   // unreadable
      // PCMA was never offered.
      "v=0\r\no=c 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40004 RTP/AVP 8\r\n",
      // The stream declined.
      "v=0\r\no=c 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 0 RTP/AVP 0\r\n",
  };
  CallId id = 50;
  for (const std::string& answer : answers) {
    SCOPED_TRACE(answer);
    calls_.starts.clear();
    calls_.hangups.clear();
    const std::string call_id = "lb" + std::to_string(id);
    const std::string tag = offered_in_200(call_id, id);
    ack(call_id, tag, answer);
    EXPECT_NE(wire_.last("BYE sip:caller@127.0.0.1:5070").find("Call-ID: " + call_id), std::string::npos);
    ASSERT_EQ(calls_.hangups.size(), 1u);
    EXPECT_EQ(calls_.hangups[0], std::make_pair(id, std::string("bad-sdp-answer")));
    EXPECT_TRUE(calls_.updates.empty());
    b2bua_->on_call_ended(id, "abandoned", "bad-sdp-answer");
    EXPECT_EQ(b2bua_->sessions(), 0u);
    ++id;
  }
}

TEST_F(B2buaTest, LateOfferNeedsAG711Codec) {
  B2buaOptions o;
  o.trunks = {{"local", {"127.0.0.0/8"}, "", ""}};
  o.codecs = {"G722"};
  B2bua g722_only(clock_, o, calls_, wire_);
  g722_only.on_message(*OwnedMessage::parse(request("INVITE", "sip:100@127.0.0.1", "g1", 1, "", "z9hG4bK-g1")),
                       Peer{"127.0.0.1", 5070, "UDP", false});
  EXPECT_NE(wire_.last("SIP/2.0 ").find("SIP/2.0 488"), std::string::npos);
  EXPECT_TRUE(calls_.starts.empty());
}

TEST_F(B2buaTest, RegisteredAgentIsRungAndAnswers) {
  register_agent("1001", 5090);
  EXPECT_EQ(b2bua_->counters().registrations.load(), 1u);
  answered_call("a1", 21);
  const AgentDialog d = agent_answers(21, "1001", 5090);
  EXPECT_NE(d.invite.find("m=audio 30010 RTP/AVP 8 101"), std::string::npos) << d.invite;
  EXPECT_NE(d.invite.find("From: \"+15550001\" <sip:+15550001@switchboard.local>"), std::string::npos);
  EXPECT_NE(wire_.last("ACK sip:1001@127.0.0.1:5090").find("CSeq: 1 ACK"), std::string::npos);
  ASSERT_EQ(calls_.answers.size(), 1u);
  EXPECT_EQ(calls_.answers[0].second.port, 41000);

  // The agent hangs up: 200, call control told; its end BYEs the caller.
  from_agent(d, "BYE", 1);
  ASSERT_FALSE(calls_.hangups.empty());
  EXPECT_EQ(calls_.hangups.back(), std::make_pair(CallId{21}, std::string("agent")));
  b2bua_->on_call_ended(21, "completed", "agent");
  EXPECT_NE(wire_.last("BYE sip:caller@127.0.0.1:5070").find("Call-ID: a1"), std::string::npos);
}

TEST_F(B2buaTest, UnregisteredAgentIsNotRung) {
  // Not registered: nothing is sent (the API path answers).
  b2bua_->on_agent_offered({31, "1001", "x", {0x7f000001, 30020}, codecs::CodecId::kPcmu, 0, 101});
  EXPECT_TRUE(wire_.last("INVITE").empty());
}

}  // namespace
}  // namespace sb::sip::b2bua::test
