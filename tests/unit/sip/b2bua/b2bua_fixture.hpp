// What the B2BUA unit tests share: requests in as bytes, responses and
// requests out through a recording wire, call control replaced by a fake
// that records what it was asked and answers when the test says so; an
// answered inbound call, an agent's phone registering and answering.
#pragma once

#include <gtest/gtest.h>

#include "control/sip/b2bua/b2bua.hpp"
#include "control/sip/headers.hpp"

namespace sb::sip::b2bua::test {

struct FakeCalls final : CallPort {
  struct Start {
    std::uint64_t token;
    calls::InboundCall call;
  };
  std::vector<Start> starts;
  std::vector<std::pair<CallId, std::string>> hangups;
  std::vector<std::pair<CallId, char>> digits;
  std::vector<std::string> rejects;
  std::vector<std::pair<CallId, dataplane::Endpoint>> answers;
  std::vector<std::pair<int, bool>> updates;
  std::vector<dataplane::Endpoint> updated_to;
  void start_call(std::uint64_t token, const calls::InboundCall& call) override { starts.push_back({token, call}); }
  void hangup(CallId call, const std::string& by) override { hangups.emplace_back(call, by); }
  void answer(CallId call, const std::string&, dataplane::Endpoint media) override { answers.emplace_back(call, media); }
  void reject_offer(CallId, const std::string& agent, const std::string& why) override { rejects.push_back(agent + ":" + why); }
  void digit(CallId call, char d) override { digits.emplace_back(call, d); }
  struct Transfer {
    CallId call;
    calls::TransferTarget to;
    std::string by;
  };
  std::vector<Transfer> transfers;
  void transfer(CallId call, const calls::TransferTarget& to, const std::string& by) override {
    transfers.push_back({call, to, by});
  }
  std::vector<std::pair<CallId, dataplane::Endpoint>> outbound_answers;
  std::vector<std::pair<CallId, std::string>> outbound_failures;
  void outbound_answered(CallId call, dataplane::Endpoint media) override { outbound_answers.emplace_back(call, media); }
  void outbound_failed(CallId call, const std::string& why) override { outbound_failures.emplace_back(call, why); }
  std::vector<std::pair<std::string, std::string>> logouts;  // agent, why
  void logout_agent(const std::string& agent, const std::string& why) override { logouts.emplace_back(agent, why); }
  void update_media(CallId, int leg, dataplane::Endpoint to, bool hold) override {
    updates.emplace_back(leg, hold);
    updated_to.push_back(to);
  }
};

struct FakeWire final : WireSink {
  std::vector<std::string> sent;
  std::vector<Peer> sent_to;  // where each of `sent` went
  void send(const Peer& to, std::string bytes) override {
    sent.push_back(std::move(bytes));
    sent_to.push_back(to);
  }
  // The last message starting with `prefix`.
  std::string last(const std::string& prefix) const {
    for (auto it = sent.rbegin(); it != sent.rend(); ++it)
      if (it->rfind(prefix, 0) == 0) return *it;
    return "";
  }
};

inline const std::string kSdp =
    "v=0\r\no=caller 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
    "m=audio 40000 RTP/AVP 8 0 101\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\n";

inline std::string request(const std::string& method, const std::string& ruri, const std::string& call_id, int cseq,
                    const std::string& to_tag = "", const std::string& branch = "z9hG4bK-1",
                    const std::string& body = "", const std::string& type = "application/sdp",
                    const std::string& cseq_method = "") {
  std::string m = method + " " + ruri + " SIP/2.0\r\n"
                  "Via: SIP/2.0/UDP 127.0.0.1:5070;branch=" + branch + "\r\n"
                  "Max-Forwards: 70\r\n"
                  "From: <sip:+15550001@127.0.0.1>;tag=caller1\r\n"
                  "To: <" + ruri + ">" + (to_tag.empty() ? "" : ";tag=" + to_tag) + "\r\n"
                  "Call-ID: " + call_id + "\r\n"
                  "CSeq: " + std::to_string(cseq) + " " + (cseq_method.empty() ? method : cseq_method) + "\r\n"
                  "Contact: <sip:caller@127.0.0.1:5070>\r\n";
  if (!body.empty()) m += "Content-Type: " + type + "\r\n";
  m += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  return m;
}

class B2buaTest : public ::testing::Test {
 protected:
  B2buaTest() {
    B2buaOptions o;
    o.trunks = {{"local", {"127.0.0.0/8"}, "", ""}};
    o.dids = {{"100", "sales_menu"}, {"200", "queue:support"}};
    o.media_address = "127.0.0.1";
    o.registrar.agents = {{"1001", "secret-1001"}, {"1002", "secret-1002"}};
    o.registrar.nonce_secret = "x";
    b2bua_ = std::make_unique<B2bua>(clock_, o, calls_, wire_);
  }
  void in(const std::string& bytes, const std::string& host = "127.0.0.1") {
    b2bua_->on_message(*OwnedMessage::parse(bytes), Peer{host, 5070, "UDP", false});
  }
  std::string tag_of(const std::string& response) {
    auto m = OwnedMessage::parse(response);
    return std::string(to(m->message())->tag);
  }
  // An answered inbound call: returns the To-tag of our 200.
  std::string answered_call(const std::string& call_id, CallId id) {
    in(request("INVITE", "sip:100@127.0.0.1", call_id, 1, "", "z9hG4bK-inv-" + call_id, kSdp));
    EXPECT_FALSE(calls_.starts.empty());
    b2bua_->on_call_started(calls_.starts.back().token, B2bua::Started{id, {0x7f000001, 30000}});
    const std::string ok = wire_.last("SIP/2.0 200");
    EXPECT_NE(ok.find("m=audio 30000 RTP/AVP 0 101"), std::string::npos) << ok;
    return tag_of(ok);
  }

  // Agent `agent` (password "secret-<agent>") registers its phone at
  // 127.0.0.1:`port` with MD5 Digest; with `expires` >= 0 the REGISTER
  // asks for that (0 removes the binding) in a registration of its own.
  void register_agent(const std::string& agent, std::uint16_t port, int expires = -1) {
    const std::string aor = "<sip:" + agent + "@switchboard.local>";
    const std::string contact = "<sip:" + agent + "@127.0.0.1:" + std::to_string(port) + ">";
    const std::string reg = "REGISTER sip:switchboard.local SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:" + std::to_string(port) +
                            ";branch=z9hG4bK-r" + agent + (expires >= 0 ? "x" + std::to_string(expires) : "") + "\r\nFrom: " + aor + ";tag=p\r\nTo: " + aor +
                            "\r\nCall-ID: reg" + agent + (expires >= 0 ? "-" + std::to_string(expires) : "") +
                            "\r\nCSeq: 1 REGISTER\r\nContact: " + contact +
                            (expires >= 0 ? "\r\nExpires: " + std::to_string(expires) : "") +
                            "\r\nContent-Length: 0\r\n\r\n";
    const Peer phone{"127.0.0.1", port, "UDP", false};
    b2bua_->on_message(*OwnedMessage::parse(reg), phone);
    const std::string challenge = wire_.last("SIP/2.0 401");
    ASSERT_FALSE(challenge.empty());
    auto chal = OwnedMessage::parse(challenge);
    const std::string nonce = parse_digest(chal->message().find(HeaderId::kWwwAuthenticate)->value, "WWW-Authenticate")->nonce;
    const std::string resp = digest_response(DigestAlgorithm::kMd5, agent, "switchboard.local", "secret-" + agent, "REGISTER",
                                             "sip:switchboard.local", nonce, "", "", "");
    std::string reg2 = reg;
    reg2.replace(reg2.find("CSeq: 1"), 7, "CSeq: 2");
    reg2.replace(reg2.find("branch=z9hG4bK-r"), 16, "branch=z9hG4bK-s");
    reg2.insert(reg2.find("Content-Length"), "Authorization: Digest username=\"" + agent +
                                                 "\", realm=\"switchboard.local\", nonce=\"" + nonce +
                                                 "\", uri=\"sip:switchboard.local\", response=\"" + resp + "\"\r\n");
    b2bua_->on_message(*OwnedMessage::parse(reg2), phone);
    if (expires == 0) ASSERT_NE(wire_.last("SIP/2.0 ").find("SIP/2.0 200"), std::string::npos) << wire_.last("SIP/2.0");
    else ASSERT_NE(wire_.last("SIP/2.0 200").find("expires="), std::string::npos) << wire_.last("SIP/2.0");
  }

  // The agent leg's dialog as the phone sees it.
  struct AgentDialog {
    std::string agent;
    std::string invite;      // our INVITE
    std::string call_id;
    std::string our_tag;     // From-tag of our INVITE
    std::uint16_t port = 0;  // the phone's
  };
  // Call control offers `call` to registered `agent` (phone on `port`),
  // which answers 200 with its media on 41000; we ACK.
  AgentDialog agent_answers(CallId call, const std::string& agent, std::uint16_t port) {
    AgentDialog d;
    d.agent = agent;
    d.port = port;
    b2bua_->on_agent_offered({call, agent, "+15550001", {0x7f000001, 30010}, codecs::CodecId::kPcma, 8, 101});
    d.invite = wire_.last("INVITE sip:" + agent + "@127.0.0.1:" + std::to_string(port));
    EXPECT_FALSE(d.invite.empty());
    if (d.invite.empty()) return d;
    auto inv = OwnedMessage::parse(d.invite);
    const std::string via = std::string(inv->message().find(HeaderId::kVia)->value);
    d.call_id = std::string(*call_id(inv->message()));
    d.our_tag = std::string(from(inv->message())->tag);
    const std::string answer_sdp = "v=0\r\no=agent 5 5 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
                                   "m=audio 41000 RTP/AVP 8 101\r\na=rtpmap:101 telephone-event/8000\r\n";
    const std::string ok = "SIP/2.0 200 OK\r\nVia: " + via + "\r\nFrom: " +
                           std::string(inv->message().find(HeaderId::kFrom)->value) + "\r\nTo: <sip:" + agent +
                           "@switchboard.local>;tag=agenttag\r\nCall-ID: " + d.call_id +
                           "\r\nCSeq: 1 INVITE\r\nContact: <sip:" + agent + "@127.0.0.1:" + std::to_string(port) +
                           ">\r\nContent-Type: application/sdp\r\nContent-Length: " + std::to_string(answer_sdp.size()) +
                           "\r\n\r\n" + answer_sdp;
    b2bua_->on_message(*OwnedMessage::parse(ok), Peer{"127.0.0.1", port, "UDP", false});
    return d;
  }
  // Inbound call `id` (SIP Call-ID `call_id`) answered and ACKed by the
  // caller side, and answered by agent 1001's phone on 5090; the caller's
  // dialog tag (our To-tag) is left in caller_tag_.
  AgentDialog caller_talking_to_agent(const std::string& call_id, CallId id) {
    register_agent("1001", 5090);
    caller_tag_ = answered_call(call_id, id);
    in(request("ACK", "sip:caller@127.0.0.1:5070", call_id, 1, caller_tag_, "z9hG4bK-" + call_id + "ack"));
    return agent_answers(id, "1001", 5090);
  }
  // A request from the agent's phone in that dialog.
  void from_agent(const AgentDialog& d, const std::string& method, int cseq, const std::string& extra_headers = "") {
    const std::string m = method + " sip:switchboard@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:" +
                          std::to_string(d.port) + ";branch=z9hG4bK-a" + method + std::to_string(cseq) +
                          "\r\nFrom: <sip:" + d.agent + "@switchboard.local>;tag=agenttag\r\nTo: <sip:+15550001@switchboard.local>;tag=" +
                          d.our_tag + "\r\nCall-ID: " + d.call_id + "\r\nCSeq: " + std::to_string(cseq) + " " + method +
                          "\r\nContact: <sip:" + d.agent + "@127.0.0.1:" + std::to_string(d.port) + ">\r\n" + extra_headers +
                          "Content-Length: 0\r\n\r\n";
    b2bua_->on_message(*OwnedMessage::parse(m), Peer{"127.0.0.1", d.port, "UDP", false});
  }

  ManualClock clock_{std::chrono::seconds(10)};
  FakeCalls calls_;
  FakeWire wire_;
  std::unique_ptr<B2bua> b2bua_;
  std::string caller_tag_;
};

}  // namespace sb::sip::b2bua::test
