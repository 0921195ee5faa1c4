// Calls the B2BUA places through the outbound trunk (callbacks): INVITE
// with our offer, Digest answered on 407, 2xx -> ACK and outbound_answered,
// failures reported, CANCEL when call control ends a ringing call, BYE;
// a callback's caller let go and the same call dialled later. And a blind
// transfer to a number of a call whose caller is on SIP: the dialled party
// takes the released agent's place while the caller's leg stays.
#include "control/sip/b2bua/digest.hpp"
#include "tests/unit/sip/b2bua/b2bua_fixture.hpp"

namespace sb::sip::b2bua::test {
namespace {

class OutboundTest : public B2buaTest {
 protected:
  OutboundTest() {
    B2buaOptions o;
    o.trunks = {{"local", {"127.0.0.0/8"}, "", ""}};
    o.dids = {{"100", "sales_menu"}};
    o.registrar.agents = {{"1001", "secret-1001"}};
    o.registrar.nonce_secret = "x";
    o.outbound = OutboundTrunk{Peer{"127.0.0.1", 5080, "UDP", false}, "acct", "trunk-secret", "", ""};
    b2bua_ = std::make_unique<B2bua>(clock_, o, calls_, wire_);
  }
  void place(CallId id) {
    b2bua_->place_outbound({id, "+15550199", "100", {0x7f000001, 30020}, codecs::CodecId::kPcmu, 0, 101});
  }
  // The trunk's response to `req` (our last INVITE unless given).
  void trunk_says(const std::string& req, int code, const std::string& reason, const std::string& extra = "",
                  const std::string& body = "") {
    auto m = OwnedMessage::parse(req);
    const SipMessage& r = m->message();
    std::string out = "SIP/2.0 " + std::to_string(code) + " " + reason + "\r\nVia: " + std::string(r.find(HeaderId::kVia)->value) +
                      "\r\nFrom: " + std::string(r.find(HeaderId::kFrom)->value) + "\r\nTo: " +
                      std::string(r.find(HeaderId::kTo)->value) + (code > 100 ? ";tag=trunktag" : "") +
                      "\r\nCall-ID: " + std::string(*call_id(r)) + "\r\nCSeq: " + std::to_string(cseq(r)->number) + " " +
                      std::string(cseq(r)->method) + "\r\nContact: <sip:+15550199@127.0.0.1:5080>\r\n" + extra;
    if (!body.empty()) out += "Content-Type: application/sdp\r\n";
    out += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
    b2bua_->on_message(*OwnedMessage::parse(out), Peer{"127.0.0.1", 5080, "UDP", false});
  }
  const std::string answer_ =
      "v=0\r\no=far 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 42000 RTP/AVP 0 101\r\n"
      "a=rtpmap:101 telephone-event/8000\r\n";
};

TEST_F(OutboundTest, ChallengedAnsweredAndHungUp) {
  place(71);
  const std::string invite = wire_.last("INVITE sip:+15550199@127.0.0.1:5080");
  ASSERT_FALSE(invite.empty());
  EXPECT_NE(invite.find("From: \"100\" <sip:100@switchboard.local>"), std::string::npos) << invite;
  EXPECT_NE(invite.find("m=audio 30020 RTP/AVP 0 101"), std::string::npos) << invite;
  trunk_says(invite, 407, "Proxy Authentication Required",
             "Proxy-Authenticate: Digest realm=\"trunk\", nonce=\"n0nce\", qop=\"auth\", algorithm=MD5\r\n");
  const std::string again = wire_.last("INVITE sip:+15550199@127.0.0.1:5080");
  ASSERT_NE(again, invite);
  EXPECT_NE(again.find("CSeq: 2 INVITE"), std::string::npos) << again;
  auto msg = OwnedMessage::parse(again);
  const Header* auth = msg->message().find(HeaderId::kProxyAuthorization);
  ASSERT_NE(auth, nullptr) << again;
  auto creds = parse_digest(auth->value, "Proxy-Authorization");
  ASSERT_TRUE(creds);
  EXPECT_EQ(creds->username, "acct");
  EXPECT_TRUE(verify_digest(*creds, "INVITE", "trunk-secret"));
  EXPECT_FALSE(verify_digest(*creds, "INVITE", "wrong"));

  trunk_says(again, 180, "Ringing");
  EXPECT_TRUE(calls_.outbound_answers.empty());
  trunk_says(again, 200, "OK", "", answer_);
  EXPECT_NE(wire_.last("ACK sip:+15550199@127.0.0.1:5080").find("CSeq: 2 ACK"), std::string::npos);
  ASSERT_EQ(calls_.outbound_answers.size(), 1u);
  EXPECT_EQ(calls_.outbound_answers[0], std::make_pair(CallId{71}, dataplane::Endpoint{0x7f000001, 42000}));
  EXPECT_TRUE(calls_.outbound_failures.empty());
  EXPECT_EQ(b2bua_->counters().outbound_placed.load(), 1u);
  EXPECT_EQ(b2bua_->counters().outbound_answered.load(), 1u);
  b2bua_->on_call_ended(71, "completed", "agent");
  EXPECT_NE(wire_.last("BYE sip:+15550199@127.0.0.1:5080").find("CSeq: 3 BYE"), std::string::npos);
  EXPECT_EQ(b2bua_->sessions(), 0u);
}

TEST_F(OutboundTest, FailuresAreReported) {
  place(72);
  trunk_says(wire_.last("INVITE "), 486, "Busy Here");
  ASSERT_EQ(calls_.outbound_failures.size(), 1u);
  EXPECT_EQ(calls_.outbound_failures[0], std::make_pair(CallId{72}, std::string("486 Busy Here")));
  EXPECT_EQ(b2bua_->sessions(), 0u);
  // A second challenge after our answer: the credentials are wrong.
  place(73);
  const std::string challenge = "WWW-Authenticate: Digest realm=\"trunk\", nonce=\"x\"\r\n";
  trunk_says(wire_.last("INVITE "), 401, "Unauthorized", challenge);
  trunk_says(wire_.last("INVITE "), 401, "Unauthorized", challenge);
  ASSERT_EQ(calls_.outbound_failures.size(), 2u);
  EXPECT_EQ(calls_.outbound_failures[1], std::make_pair(CallId{73}, std::string("401 Unauthorized")));
  // No answer before the ring timeout: CANCEL and a failure.
  place(74);
  trunk_says(wire_.last("INVITE "), 180, "Ringing");
  clock_.advance(std::chrono::seconds(31));
  b2bua_->on_tick(clock_.now());
  EXPECT_FALSE(wire_.last("CANCEL sip:+15550199@").empty());
  ASSERT_EQ(calls_.outbound_failures.size(), 3u);
  EXPECT_EQ(calls_.outbound_failures[2], std::make_pair(CallId{74}, std::string("no-answer")));
  EXPECT_EQ(b2bua_->counters().outbound_placed.load(), 3u);
  EXPECT_EQ(b2bua_->counters().outbound_failed.load(), 3u);
  EXPECT_EQ(b2bua_->counters().outbound_answered.load(), 0u);
}

TEST_F(OutboundTest, CallControlEndingARingingCallCancelsIt) {
  place(75);
  const std::string invite = wire_.last("INVITE ");
  trunk_says(invite, 180, "Ringing");
  b2bua_->on_call_ended(75, "abandoned", "system");
  EXPECT_FALSE(wire_.last("CANCEL sip:+15550199@").empty());
  trunk_says(invite, 487, "Request Terminated");
  EXPECT_TRUE(calls_.outbound_failures.empty());
  EXPECT_EQ(b2bua_->sessions(), 0u);
}

TEST_F(OutboundTest, TrunkDomainAndCallerIdArePresentedAtTheTrunkAddress) {
  B2buaOptions o;
  o.outbound = OutboundTrunk{Peer{"192.0.2.10", 5070, "UDP", false}, "", "", "+15550100", "carrier.example"};
  b2bua_ = std::make_unique<B2bua>(clock_, o, calls_, wire_);
  place(72);
  ASSERT_FALSE(wire_.sent.empty());
  const std::string invite = wire_.sent.back();
  EXPECT_EQ(invite.rfind("INVITE sip:+15550199@carrier.example SIP/2.0\r\n", 0), 0u) << invite;
  EXPECT_NE(invite.find("To: <sip:+15550199@carrier.example>"), std::string::npos) << invite;
  EXPECT_NE(invite.find("From: \"+15550100\" <sip:+15550100@switchboard.local>;tag="), std::string::npos) << invite;
  EXPECT_EQ(wire_.sent_to.back().host, "192.0.2.10");
  EXPECT_EQ(wire_.sent_to.back().port, 5070);
}

// Callbacks: the caller who asked for one is let go (on_call_ended
// "callback_waiting") while the call lives on in call control, which later
// dials it under the same id and rings the reserved agent.
TEST_F(OutboundTest, CallbackWaitingCallerIsLetGoAndTheSameCallIsDialledLater) {
  const std::string tag = answered_call("cb1", 61);
  in(request("ACK", "sip:caller@127.0.0.1:5070", "cb1", 1, tag, "z9hG4bK-cb1ack"));
  b2bua_->on_call_ended(61, "callback_waiting", "system");
  EXPECT_NE(wire_.last("BYE sip:caller@127.0.0.1:5070").find("Call-ID: cb1"), std::string::npos);
  EXPECT_EQ(b2bua_->sessions(), 0u);
  // The caller's own BYE crossing ours reaches nothing, and call control
  // hears no hang-up that would end the waiting callback.
  in(request("BYE", "sip:switchboard@127.0.0.1", "cb1", 2, tag, "z9hG4bK-cb1bye"));
  EXPECT_NE(wire_.last("SIP/2.0 ").find("CSeq: 2 BYE"), std::string::npos);
  EXPECT_TRUE(calls_.hangups.empty());

  // An agent is reserved: call control dials the caller's number, without
  // a caller id of its own, so the trunk's account is presented.
  b2bua_->place_outbound({61, "+15550199", "", {0x7f000001, 30020}, codecs::CodecId::kPcmu, 0, 101});
  const std::string invite = wire_.last("INVITE sip:+15550199@127.0.0.1:5080");
  ASSERT_FALSE(invite.empty());
  EXPECT_NE(invite.find("From: \"acct\" <sip:acct@switchboard.local>"), std::string::npos) << invite;
  trunk_says(invite, 200, "OK", "", answer_);
  ASSERT_EQ(calls_.outbound_answers.size(), 1u);
  EXPECT_EQ(calls_.outbound_answers[0].first, 61u);
  EXPECT_TRUE(calls_.outbound_failures.empty());
  // The reserved agent's phone is rung in the same session and answers.
  register_agent("1001", 5090);
  agent_answers(61, "1001", 5090);
  ASSERT_EQ(calls_.answers.size(), 1u);
  EXPECT_EQ(calls_.answers[0], std::make_pair(CallId{61}, dataplane::Endpoint{0x7f000001, 41000}));
  EXPECT_EQ(b2bua_->sessions(), 1u);
  // The real end tears down both legs.
  b2bua_->on_call_ended(61, "completed", "agent");
  EXPECT_FALSE(wire_.last("BYE sip:+15550199@127.0.0.1:5080").empty());
  EXPECT_FALSE(wire_.last("BYE sip:1001@127.0.0.1:5090").empty());
  EXPECT_EQ(b2bua_->sessions(), 0u);
}

TEST_F(OutboundTest, LegsStillTearingDownDoNotHoldUpTheCallback) {
  const std::string tag = answered_call("cb2", 62);
  in(request("ACK", "sip:caller@127.0.0.1:5070", "cb2", 1, tag, "z9hG4bK-cb2ack"));
  register_agent("1001", 5090);
  b2bua_->on_agent_offered({62, "1001", "+15550001", {0x7f000001, 30010}, codecs::CodecId::kPcmu, 0, 101});
  const std::string agent_invite = wire_.last("INVITE sip:1001@127.0.0.1:5090");
  ASSERT_FALSE(agent_invite.empty());
  // Let go while an agent's phone still rings: its CANCEL is under way.
  b2bua_->on_call_ended(62, "callback_waiting", "system");
  EXPECT_FALSE(wire_.last("CANCEL sip:1001@").empty());
  EXPECT_EQ(b2bua_->sessions(), 1u);
  place(62);
  const std::string invite = wire_.last("INVITE sip:+15550199@127.0.0.1:5080");
  ASSERT_FALSE(invite.empty());
  EXPECT_TRUE(calls_.outbound_failures.empty());
  EXPECT_EQ(b2bua_->sessions(), 2u);
  // The old session finishing does not take the call's new leg with it.
  trunk_says(agent_invite, 487, "Request Terminated");
  EXPECT_EQ(b2bua_->sessions(), 1u);
  EXPECT_TRUE(calls_.rejects.empty());
  b2bua_->on_call_ended(62, "abandoned", "system");
  EXPECT_FALSE(wire_.last("CANCEL sip:+15550199@").empty());
}

TEST_F(OutboundTest, CallerLetGoBeforeTheAnswerGets480) {
  in(request("INVITE", "sip:100@127.0.0.1", "cb3", 1, "", "z9hG4bK-cb3", kSdp));
  ASSERT_EQ(calls_.starts.size(), 1u);
  // A callback node with nothing to play: call control lets the caller go
  // while starting the call, before the B2BUA knows its id.
  b2bua_->on_call_ended(63, "callback_waiting", "system");
  B2bua::Started started{63, {0x7f000001, 30000}};
  started.caller_released = true;
  b2bua_->on_call_started(calls_.starts[0].token, started);
  EXPECT_NE(wire_.last("SIP/2.0 ").find("SIP/2.0 480"), std::string::npos) << wire_.last("SIP/2.0 ");
  EXPECT_TRUE(calls_.hangups.empty());
  EXPECT_EQ(b2bua_->sessions(), 0u);
  place(63);
  EXPECT_FALSE(wire_.last("INVITE sip:+15550199@").empty());
  EXPECT_TRUE(calls_.outbound_failures.empty());
}

// Call 91: an inbound SIP caller talking to agent 1001's phone, whom call
// control has released for a transfer to a number.
class TransferOutTest : public OutboundTest {
 protected:
  AgentDialog released_agent() {
    AgentDialog d = caller_talking_to_agent("x1", 91);
    b2bua_->on_agent_released(91, "1001");
    EXPECT_FALSE(wire_.last("BYE sip:1001@127.0.0.1:5090").empty());
    return d;
  }
  void dial_out() {
    b2bua_->place_outbound({91, "+15550123", "+15550001", {0x7f000001, 30010}, codecs::CodecId::kPcmu, 0, 101});
  }
};

TEST_F(TransferOutTest, TheDialledPartyTakesTheAgentsPlace) {
  const AgentDialog agent = released_agent();
  dial_out();
  const std::string invite = wire_.last("INVITE sip:+15550123@127.0.0.1:5080");
  ASSERT_FALSE(invite.empty()) << "no INVITE to the trunk";
  EXPECT_NE(invite.find("m=audio 30010 RTP/AVP 0 101"), std::string::npos) << invite;  // leg 1's port
  EXPECT_TRUE(calls_.outbound_failures.empty());
  // The released phone's BYE crossing ours is answered and ends nothing.
  from_agent(agent, "BYE", 2);
  EXPECT_EQ(wire_.last("SIP/2.0").rfind("SIP/2.0 200 OK", 0), 0u) << wire_.last("SIP/2.0");
  EXPECT_TRUE(calls_.hangups.empty());

  trunk_says(invite, 200, "OK", "", answer_);
  EXPECT_FALSE(wire_.last("ACK sip:+15550199@127.0.0.1:5080").empty());
  ASSERT_EQ(calls_.outbound_answers.size(), 1u);
  EXPECT_EQ(calls_.outbound_answers[0], std::make_pair(CallId{91}, dataplane::Endpoint{0x7f000001, 42000}));
  EXPECT_TRUE(wire_.last("BYE sip:caller@").empty());  // the caller stayed throughout
  // The dialled party hangs up: the call ends, from its side.
  auto sent = OwnedMessage::parse(invite);
  const std::string bye = "BYE sip:switchboard@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5080;branch=z9hG4bK-tb\r\n"
                          "From: <sip:+15550123@127.0.0.1>;tag=trunktag\r\nTo: " +
                          std::string(sent->message().find(HeaderId::kFrom)->value) +
                          "\r\nCall-ID: " + std::string(*call_id(sent->message())) +
                          "\r\nCSeq: 1 BYE\r\nContent-Length: 0\r\n\r\n";
  b2bua_->on_message(*OwnedMessage::parse(bye), Peer{"127.0.0.1", 5080, "UDP", false});
  ASSERT_EQ(calls_.hangups.size(), 1u);
  EXPECT_EQ(calls_.hangups[0], std::make_pair(CallId{91}, std::string("agent")));
  b2bua_->on_call_ended(91, "completed", "agent");
  EXPECT_FALSE(wire_.last("BYE sip:caller@127.0.0.1:5070").empty());
  EXPECT_EQ(b2bua_->sessions(), 0u);
}

TEST_F(TransferOutTest, AFailedDialLeavesTheCallerUp) {
  released_agent();
  dial_out();
  const std::string invite = wire_.last("INVITE sip:+15550123@127.0.0.1:5080");
  ASSERT_FALSE(invite.empty());
  trunk_says(invite, 486, "Busy Here");
  ASSERT_EQ(calls_.outbound_failures.size(), 1u);
  EXPECT_EQ(calls_.outbound_failures[0].first, 91u);
  EXPECT_EQ(calls_.outbound_failures[0].second.rfind("486", 0), 0u) << calls_.outbound_failures[0].second;
  EXPECT_TRUE(wire_.last("BYE sip:caller@").empty());
  EXPECT_EQ(b2bua_->sessions(), 1u);
  // The caller is still ours: call control re-queued it, and a second
  // dial, not answered in time, is cancelled and reported.
  dial_out();
  ASSERT_FALSE(wire_.last("INVITE sip:+15550123@127.0.0.1:5080").empty());
  clock_.advance(std::chrono::seconds(31));
  b2bua_->on_tick(clock_.now());
  EXPECT_FALSE(wire_.last("CANCEL sip:+15550123@127.0.0.1:5080").empty());
  ASSERT_EQ(calls_.outbound_failures.size(), 2u);
  EXPECT_EQ(calls_.outbound_failures[1].second, "no-answer");
  // The caller hangs up: that ends the call.
  in(request("BYE", "sip:switchboard@127.0.0.1", "x1", 2, caller_tag_, "z9hG4bK-x1bye"));
  ASSERT_EQ(calls_.hangups.size(), 1u);
  EXPECT_EQ(calls_.hangups[0], std::make_pair(CallId{91}, std::string("caller")));
}

// Call control's own dial timeout (longer ring timeouts than its wait):
// the dial is withdrawn, its 487 reported to nobody, the caller kept.
TEST_F(TransferOutTest, ADialCallControlGaveUpOnIsCancelled) {
  released_agent();
  dial_out();
  const std::string invite = wire_.last("INVITE sip:+15550123@127.0.0.1:5080");
  ASSERT_FALSE(invite.empty());
  trunk_says(invite, 180, "Ringing");
  b2bua_->cancel_outbound_dial(91);
  EXPECT_FALSE(wire_.last("CANCEL sip:+15550123@127.0.0.1:5080").empty());
  trunk_says(invite, 487, "Request Terminated");
  EXPECT_TRUE(calls_.outbound_failures.empty());
  EXPECT_TRUE(calls_.hangups.empty());
  EXPECT_TRUE(wire_.last("BYE sip:caller@").empty());
  EXPECT_EQ(b2bua_->sessions(), 1u);
  // Nothing rings any more: a second withdrawal sends nothing.
  const std::size_t sent = wire_.sent.size();
  b2bua_->cancel_outbound_dial(91);
  EXPECT_EQ(wire_.sent.size(), sent);
}

TEST_F(TransferOutTest, RefusedWhileTheAgentIsStillOnTheCall) {
  caller_talking_to_agent("x2", 92);
  b2bua_->place_outbound({92, "+15550123", "", {0x7f000001, 30010}, codecs::CodecId::kPcmu, 0, 101});
  ASSERT_EQ(calls_.outbound_failures.size(), 1u);
  EXPECT_EQ(calls_.outbound_failures[0].second, "the call already has a SIP leg");
  EXPECT_TRUE(wire_.last("INVITE sip:+15550123@").empty());
}

TEST_F(B2buaTest, NoOutboundTrunkFailsAtOnce) {
  b2bua_->place_outbound({81, "+15550199", "100", {0x7f000001, 30020}, codecs::CodecId::kPcmu, 0, 101});
  ASSERT_EQ(calls_.outbound_failures.size(), 1u);
  EXPECT_EQ(calls_.outbound_failures[0].first, 81u);
  EXPECT_TRUE(wire_.last("INVITE").empty());
  EXPECT_EQ(b2bua_->counters().outbound_placed.load(), 0u);
  EXPECT_EQ(b2bua_->counters().outbound_failed.load(), 1u);
}

}  // namespace
}  // namespace sb::sip::b2bua::test
