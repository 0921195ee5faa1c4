// Blind transfer (RFC 3515 REFER) in the B2BUA: 202, NOTIFYs with
// message/sipfrag in the REFER's dialog, call control's transfer() with
// the target the Refer-To names, the released agent's leg hung up and the
// call offered on to the next agent.
#include "tests/unit/sip/b2bua/b2bua_fixture.hpp"

namespace sb::sip::b2bua::test {
namespace {

class TransferTest : public B2buaTest {
 protected:
  // Call 61 answered by the caller side and by agent 1001's phone.
  AgentDialog talking() { return caller_talking_to_agent("t1", 61); }
  // Every NOTIFY we sent to `target` ("sip:1001@127.0.0.1:5090"), in order.
  std::vector<std::string> notifies(const std::string& target) const {
    std::vector<std::string> out;
    for (const auto& m : wire_.sent)
      if (m.rfind("NOTIFY " + target, 0) == 0) out.push_back(m);
    return out;
  }
  std::size_t index_of(const std::string& prefix) const {
    for (std::size_t i = wire_.sent.size(); i-- > 0;)
      if (wire_.sent[i].rfind(prefix, 0) == 0) return i;
    return wire_.sent.size();
  }
};

TEST_F(TransferTest, AgentTransfersToAQueueAndTheNextAgentIsRung) {
  const AgentDialog d = talking();
  ASSERT_FALSE(d.call_id.empty());
  // DID 200 is "queue:support".
  from_agent(d, "REFER", 2, "Refer-To: <sip:200@127.0.0.1>\r\nReferred-By: <sip:1001@switchboard.local>\r\n");
  EXPECT_NE(wire_.last("SIP/2.0 202").find("CSeq: 2 REFER"), std::string::npos) << wire_.last("SIP/2.0");
  ASSERT_EQ(calls_.transfers.size(), 1u);
  EXPECT_EQ(calls_.transfers[0].call, 61u);
  EXPECT_EQ(calls_.transfers[0].to.kind, calls::TransferTarget::Kind::kQueue);
  EXPECT_EQ(calls_.transfers[0].to.name, "support");
  EXPECT_EQ(calls_.transfers[0].by, "agent");
  auto sent = notifies("sip:1001@127.0.0.1:5090");
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_NE(sent[0].find("Event: refer\r\n"), std::string::npos) << sent[0];
  EXPECT_NE(sent[0].find("Subscription-State: active"), std::string::npos) << sent[0];
  EXPECT_NE(sent[0].find("Content-Type: message/sipfrag;version=2.0"), std::string::npos) << sent[0];
  EXPECT_NE(sent[0].find("Call-ID: " + d.call_id), std::string::npos) << sent[0];
  EXPECT_NE(sent[0].find("\r\n\r\nSIP/2.0 100 Trying\r\n"), std::string::npos) << sent[0];

  // Call control releases the agent: the final NOTIFY, then our BYE.
  b2bua_->on_agent_released(61, "1001");
  sent = notifies("sip:1001@127.0.0.1:5090");
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_NE(sent[1].find("Subscription-State: terminated"), std::string::npos) << sent[1];
  EXPECT_NE(sent[1].find("\r\n\r\nSIP/2.0 200 OK\r\n"), std::string::npos) << sent[1];
  EXPECT_LT(index_of("NOTIFY sip:1001@"), index_of("BYE sip:1001@"));
  EXPECT_NE(wire_.last("BYE sip:1001@127.0.0.1:5090").find("Call-ID: " + d.call_id), std::string::npos);
  b2bua_->on_transfer_result(61, Status::ok());
  EXPECT_EQ(notifies("sip:1001@127.0.0.1:5090").size(), 2u);  // reported once
  // The phone's own BYE crossing ours ends nothing.
  from_agent(d, "BYE", 3);
  EXPECT_NE(wire_.last("SIP/2.0").find("CSeq: 3 BYE"), std::string::npos) << wire_.last("SIP/2.0");
  EXPECT_EQ(wire_.last("SIP/2.0").rfind("SIP/2.0 200 OK", 0), 0u) << wire_.last("SIP/2.0");
  EXPECT_TRUE(calls_.hangups.empty());
  EXPECT_EQ(wire_.last("BYE sip:caller@").size(), 0u);

  // The same call is offered to agent 1002, whose phone is rung.
  register_agent("1002", 5092);
  const AgentDialog next = agent_answers(61, "1002", 5092);
  EXPECT_FALSE(next.invite.empty());
  ASSERT_EQ(calls_.answers.size(), 2u);
  EXPECT_EQ(calls_.answers[1].first, 61u);
  b2bua_->on_call_ended(61, "completed", "caller");
  EXPECT_NE(wire_.last("BYE sip:caller@127.0.0.1:5070").find("Call-ID: t1"), std::string::npos);
  EXPECT_NE(wire_.last("BYE sip:1002@127.0.0.1:5092").find("Call-ID: " + next.call_id), std::string::npos);
  EXPECT_EQ(b2bua_->sessions(), 0u);
}

TEST_F(TransferTest, RefusedTransferIsReportedAndTheCallStays) {
  const AgentDialog d = talking();
  from_agent(d, "REFER", 2, "Refer-To: sip:1002@switchboard.local\r\n");
  ASSERT_EQ(calls_.transfers.size(), 1u);
  EXPECT_EQ(calls_.transfers[0].to.kind, calls::TransferTarget::Kind::kAgent);
  EXPECT_EQ(calls_.transfers[0].to.name, "1002");
  // A second REFER while the first is pending.
  from_agent(d, "REFER", 3, "Refer-To: <sip:200@127.0.0.1>\r\n");
  EXPECT_NE(wire_.last("SIP/2.0 491").find("CSeq: 3 REFER"), std::string::npos);
  b2bua_->on_transfer_result(61, failed_precondition("agent 1002 is not ready"));
  const auto sent = notifies("sip:1001@127.0.0.1:5090");
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_NE(sent[1].find("\r\n\r\nSIP/2.0 480 Temporarily Unavailable\r\n"), std::string::npos) << sent[1];
  EXPECT_NE(sent[1].find("Subscription-State: terminated"), std::string::npos);
  EXPECT_TRUE(wire_.last("BYE ").empty());
  // Counted: the first REFER accepted then refused, the second refused.
  EXPECT_EQ(b2bua_->counters().transfers_accepted.load(), 1u);
  EXPECT_EQ(b2bua_->counters().transfers_failed.load(), 1u);
  EXPECT_EQ(b2bua_->counters().transfers_refused.load(), 1u);
  // The agent is still on the call: its BYE ends it.
  from_agent(d, "BYE", 4);
  ASSERT_EQ(calls_.hangups.size(), 1u);
  EXPECT_EQ(calls_.hangups[0], std::make_pair(CallId{61}, std::string("agent")));
}

TEST_F(TransferTest, AgentLeavingBeforeARefusalEndsTheCall) {
  const AgentDialog d = talking();
  from_agent(d, "REFER", 2, "Refer-To: <sip:1002@127.0.0.1>\r\n");
  from_agent(d, "BYE", 3);  // phones often hang up right after 202
  EXPECT_TRUE(calls_.hangups.empty());
  b2bua_->on_transfer_result(61, invalid_argument("no agent 1002"));
  ASSERT_EQ(calls_.hangups.size(), 1u);
  EXPECT_EQ(calls_.hangups[0], std::make_pair(CallId{61}, std::string("agent")));
}

TEST_F(TransferTest, CallerTransfersItself) {
  const AgentDialog d = talking();
  const std::string refer = request("REFER", "sip:switchboard@127.0.0.1", "t1", 2, caller_tag_, "z9hG4bK-cref");
  std::string with_target = refer;
  with_target.insert(with_target.find("Content-Length"), "Refer-To: <sip:1002@switchboard.local>\r\n");
  in(with_target);
  EXPECT_NE(wire_.last("SIP/2.0 202").find("Call-ID: t1"), std::string::npos);
  ASSERT_EQ(calls_.transfers.size(), 1u);
  EXPECT_EQ(calls_.transfers[0].by, "caller");
  EXPECT_EQ(notifies("sip:caller@127.0.0.1:5070").size(), 1u);
  b2bua_->on_agent_released(61, "1001");
  // The agent's leg is hung up; the report goes to the caller.
  EXPECT_NE(wire_.last("BYE sip:1001@127.0.0.1:5090").find("Call-ID: " + d.call_id), std::string::npos);
  const auto sent = notifies("sip:caller@127.0.0.1:5070");
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_NE(sent[1].find("SIP/2.0 200 OK\r\n"), std::string::npos);
  EXPECT_TRUE(notifies("sip:1001@127.0.0.1:5090").empty());
}

TEST_F(TransferTest, BadRefersAreRefused) {
  const AgentDialog d = talking();
  from_agent(d, "REFER", 2);
  EXPECT_NE(wire_.last("SIP/2.0 ").find("SIP/2.0 400"), std::string::npos);
  // A tel: URI that is no number, and a scheme that leads nowhere.
  from_agent(d, "REFER", 3, "Refer-To: <tel:call-me-maybe>\r\n");
  EXPECT_NE(wire_.last("SIP/2.0 ").find("SIP/2.0 400"), std::string::npos);
  from_agent(d, "REFER", 4, "Refer-To: <mailto:boss@example.com>\r\n");
  EXPECT_NE(wire_.last("SIP/2.0 ").find("SIP/2.0 400"), std::string::npos);
  // DID 100 leads to an IVR menu, not a queue.
  from_agent(d, "REFER", 5, "Refer-To: <sip:100@127.0.0.1>\r\n");
  EXPECT_NE(wire_.last("SIP/2.0 ").find("SIP/2.0 403"), std::string::npos);
  // Attended transfer.
  from_agent(d, "REFER", 6, "Refer-To: <sip:1002@127.0.0.1?Replaces=abc%3Bto-tag%3D1%3Bfrom-tag%3D2>\r\n");
  EXPECT_NE(wire_.last("SIP/2.0 ").find("SIP/2.0 403"), std::string::npos);
  EXPECT_TRUE(calls_.transfers.empty());
  EXPECT_TRUE(notifies("sip:1001@127.0.0.1:5090").empty());
  EXPECT_EQ(b2bua_->counters().transfers_refused.load(), 5u);
  EXPECT_EQ(b2bua_->counters().transfers_accepted.load(), 0u);
}

TEST_F(TransferTest, ANumberThatIsNeitherADidNorAnAgentIsDialled) {
  const AgentDialog d = talking();
  // Refer-To -> what call control is asked for.
  const std::pair<std::string, calls::TransferTarget> cases[] = {
      {"<sip:+15550002@carrier.example>", {calls::TransferTarget::Kind::kNumber, "+15550002"}},
      {"<sip:5551234@127.0.0.1;user=phone>", {calls::TransferTarget::Kind::kNumber, "5551234"}},
      {"<tel:+1-555-000-3>", {calls::TransferTarget::Kind::kNumber, "+15550003"}},
      {"<tel:5550004;phone-context=example.com>", {calls::TransferTarget::Kind::kNumber, "5550004"}},
      // Digits, but an agent's id: the agent; a queue's DID: the queue.
      {"<sip:1002@switchboard.local>", {calls::TransferTarget::Kind::kAgent, "1002"}},
      {"<sip:200@127.0.0.1>", {calls::TransferTarget::Kind::kQueue, "support"}},
      // Not a number: taken as an agent id (call control refuses unknown ones).
      {"<sip:alice@switchboard.local>", {calls::TransferTarget::Kind::kAgent, "alice"}},
  };
  int cseq = 2;
  for (const auto& [refer_to, expected] : cases) {
    SCOPED_TRACE(refer_to);
    calls_.transfers.clear();
    from_agent(d, "REFER", cseq++, "Refer-To: " + refer_to + "\r\n");
    EXPECT_NE(wire_.last("SIP/2.0 ").find("SIP/2.0 202"), std::string::npos) << wire_.last("SIP/2.0 ");
    ASSERT_EQ(calls_.transfers.size(), 1u);
    EXPECT_EQ(calls_.transfers[0].to.kind, expected.kind);
    EXPECT_EQ(calls_.transfers[0].to.name, expected.name);
    EXPECT_EQ(calls_.transfers[0].by, "agent");
    // Call control refuses; the next REFER is not pending behind it.
    b2bua_->on_transfer_result(61, not_found("no"));
  }
}

}  // namespace
}  // namespace sb::sip::b2bua::test
