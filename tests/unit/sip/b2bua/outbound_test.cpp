// Calls the B2BUA places through the outbound trunk (callbacks): INVITE
// with our offer, Digest answered on 407, 2xx -> ACK and outbound_answered,
// failures reported, CANCEL when call control ends a ringing call, BYE.
#include "control/sip/b2bua/digest.hpp"
#include "tests/unit/sip/b2bua/b2bua_fixture.hpp"

namespace sb::sip::b2bua::test {
namespace {

class OutboundTest : public B2buaTest {
 protected:
  OutboundTest() {
    B2buaOptions o;
    o.trunks = {{"local", {"127.0.0.0/8"}, "", ""}};
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

TEST_F(B2buaTest, NoOutboundTrunkFailsAtOnce) {
  b2bua_->place_outbound({81, "+15550199", "100", {0x7f000001, 30020}, codecs::CodecId::kPcmu, 0, 101});
  ASSERT_EQ(calls_.outbound_failures.size(), 1u);
  EXPECT_EQ(calls_.outbound_failures[0].first, 81u);
  EXPECT_TRUE(wire_.last("INVITE").empty());
}

}  // namespace
}  // namespace sb::sip::b2bua::test
