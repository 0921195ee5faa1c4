// Hold and transfer on a running daemon, with real RTP over loopback: the
// caller talks to agent a1, is put on hold (music to the caller, nothing to
// the agent) and taken off it, is transferred to another queue or straight
// to a named agent, and then talks to agent a2. The test peers speak in
// packets of one repeated byte (caller 0x11, a1 0xA1, a2 0xB2), so what
// each socket hears tells whose voice, or the music, reached it.
#include <filesystem>
#include <fstream>
#include <thread>

#include "tests/integration/calls_test_support.hpp"

namespace sb {
namespace {

using test::eventually;
using test::Heard;
using test::port_of;
using test::rtp_packet;
using test::UdpPeer;

std::string transfer_config() {
  return test::CallConfig(13300, 13399)
      .menus(std::string(test::kMainWaitsInSales) + R"([ivr.menus.to_a2]
entry = "hand_over"
[ivr.menus.to_a2.nodes.hand_over]
type = "transfer"
destination = "agent:a2"
)")
      .sales("wrap_up_seconds = 30\n")
      .more_queues("[[acd.queues]]\nname = \"billing\"\nwrap_up_seconds = 30\n")
      .more_agents("[[acd.agents]]\nid = \"a2\"\nskills = { english = 5 }\nqueues = [\"sales\", \"billing\"]\n")
      .toml();
}

constexpr std::uint8_t kCallerVoice = 0x11, kA1Voice = 0xA1, kA2Voice = 0xB2;

class CallsTransfer : public test::CallsDaemon {
 protected:
  void SetUp() override { start(transfer_config()); }

  // Places a call that waits in "sales", answered by `agent` on `agent_peer`.
  void connect(const std::string& agent, UdpPeer& agent_peer, const std::string& menu = "main") {
    const auto placed = place_call("+15550004444", caller_.port(), menu);
    ASSERT_NE(placed.id, 0);
    path_ = placed.path;
    caller_side_ = placed.media;
    answer(agent, agent_peer);
  }
  void answer(const std::string& agent, UdpPeer& agent_peer) {
    ASSERT_TRUE(eventually([&] { return call("GET", path_).json()["agent"] == agent && state_of(path_) == "ringing"; },
                           std::chrono::seconds(10)))
        << call("GET", path_).body;
    auto answered = call("POST", path_ + "/answer",
                         R"({"agent": ")" + agent + R"(", "media": "127.0.0.1:)" + std::to_string(agent_peer.port()) + R"("})");
    ASSERT_EQ(answered.status, 200) << answered.body;
    agent_side_ = port_of(answered.json()["media"]["agent_side"]);
    ASSERT_TRUE(eventually([&] { return state_of(path_) == "talking"; })) << call("GET", path_).body;
  }
  // A second of both sides talking; what the caller and the agent heard.
  // Reads are bounded by time: music on hold never goes quiet.
  std::pair<Heard, Heard> exchange(UdpPeer& agent_peer, std::uint8_t agent_voice) {
    take(caller_, std::chrono::milliseconds(100));
    take(agent_peer, std::chrono::milliseconds(100));
    std::vector<UdpPeer::Datagram> at_caller, at_agent;
    for (int i = 0; i < 50; ++i) {
      caller_.send_to(caller_side_, rtp_packet(0, caller_seq_, 160u * caller_seq_, std::vector<std::uint8_t>(160, kCallerVoice)));
      ++caller_seq_;
      agent_peer.send_to(agent_side_, rtp_packet(0, agent_seq_, 160u * agent_seq_, std::vector<std::uint8_t>(160, agent_voice),
                                                 0xA6E0 + agent_voice));
      ++agent_seq_;
      for (auto& d : take(caller_, std::chrono::milliseconds(10))) at_caller.push_back(std::move(d));
      for (auto& d : take(agent_peer, std::chrono::milliseconds(10))) at_agent.push_back(std::move(d));
    }
    for (auto& d : take(caller_, std::chrono::milliseconds(200))) at_caller.push_back(std::move(d));
    for (auto& d : take(agent_peer, std::chrono::milliseconds(200))) at_agent.push_back(std::move(d));
    return {test::classify(at_caller), test::classify(at_agent)};
  }
  // What arrives within `span`.
  static std::vector<UdpPeer::Datagram> take(UdpPeer& peer, std::chrono::milliseconds span) {
    std::vector<UdpPeer::Datagram> out;
    const auto end = std::chrono::steady_clock::now() + span;
    for (auto now = std::chrono::steady_clock::now(); now < end; now = std::chrono::steady_clock::now())
      if (auto d = peer.receive(std::chrono::duration_cast<std::chrono::milliseconds>(end - now) + std::chrono::milliseconds(1)))
        out.push_back(std::move(*d));
    return out;
  }
  std::vector<std::string> history() { return history_events(path_); }

  UdpPeer caller_;
  std::string path_;
  std::uint16_t caller_side_ = 0, agent_side_ = 0;
  std::uint16_t caller_seq_ = 1, agent_seq_ = 1;
};

bool contains(const std::vector<std::string>& v, const std::string& s) { return std::find(v.begin(), v.end(), s) != v.end(); }

TEST_F(CallsTransfer, HoldPlaysMusicToTheCallerAndTransferToAQueueReachesTheNextAgent) {
  test::WsClient events;
  ASSERT_EQ(events.connect(port_, "/api/v1/events?types=call.*", test::bearer(test::kToken)), "");
  ASSERT_TRUE(events.read_json());  // hello
  for (const char* a : {"a1", "a2"}) EXPECT_EQ(call("POST", std::string("/api/v1/agents/") + a + "/login").status, 202);
  EXPECT_EQ(call("POST", "/api/v1/agents/a1/ready").status, 202);
  UdpPeer a1, a2;
  connect("a1", a1);

  auto [caller_heard, a1_heard] = exchange(a1, kA1Voice);
  EXPECT_GE(caller_heard.of(kA1Voice), 30u);
  EXPECT_GE(a1_heard.of(kCallerVoice), 30u);

  // Hold: the caller hears music, not a1; a1 hears nothing.
  auto held = call("POST", path_ + "/hold", R"({"by": "agent"})");
  ASSERT_EQ(held.status, 200) << held.body;
  EXPECT_EQ(held.json()["on_hold"], true);
  EXPECT_EQ(call("POST", path_ + "/hold").status, 409);
  std::tie(caller_heard, a1_heard) = exchange(a1, kA1Voice);
  EXPECT_EQ(caller_heard.of(kA1Voice), 0u);
  EXPECT_GE(caller_heard.other, 30u) << "no hold music " << call("GET", path_).body;
  EXPECT_EQ(a1_heard.total, 0u);

  // Unhold: a1's voice again, both ways.
  auto resumed = call("POST", path_ + "/unhold");
  ASSERT_EQ(resumed.status, 200) << resumed.body;
  EXPECT_EQ(resumed.json()["on_hold"], false);
  EXPECT_EQ(call("POST", path_ + "/unhold").status, 409);
  std::tie(caller_heard, a1_heard) = exchange(a1, kA1Voice);
  EXPECT_GE(caller_heard.of(kA1Voice), 30u);
  EXPECT_GE(a1_heard.of(kCallerVoice), 30u);

  // Bad transfers name the field, or say why, and change nothing.
  auto bad = call("POST", path_ + "/transfer", "{}");
  EXPECT_EQ(bad.status, 422);
  EXPECT_EQ(bad.json()["error"]["field"], "queue") << bad.body;
  bad = call("POST", path_ + "/transfer", R"({"queue": "billing", "agent": "a2"})");
  EXPECT_EQ(bad.status, 422);
  EXPECT_EQ(bad.json()["error"]["field"], "agent") << bad.body;
  bad = call("POST", path_ + "/transfer", R"({"queue": "billing", "number": "+15551234567"})");
  EXPECT_EQ(bad.status, 422);
  EXPECT_EQ(bad.json()["error"]["field"], "number") << bad.body;
  for (const char* number : {R"("12ab")", R"("+1")", R"("++15551234567")", R"("+123456789012345678901")", "15551234567"}) {
    bad = call("POST", path_ + "/transfer", std::string(R"({"number": )") + number + "}");
    EXPECT_EQ(bad.status, 422) << number;
    EXPECT_EQ(bad.json()["error"]["field"], "number") << number << ": " << bad.body;
  }
  bad = call("POST", path_ + "/transfer", R"({"queue": "nowhere"})");
  EXPECT_EQ(bad.status, 422);
  EXPECT_EQ(bad.json()["error"]["field"], "queue") << bad.body;
  bad = call("POST", path_ + "/transfer", R"({"agent": "nobody"})");
  EXPECT_EQ(bad.status, 422);
  EXPECT_EQ(bad.json()["error"]["field"], "agent") << bad.body;
  bad = call("POST", path_ + "/transfer", R"({"agent": "a2"})");  // logged in, not ready
  EXPECT_EQ(bad.status, 409) << bad.body;
  EXPECT_NE(bad.body.find("not-ready"), std::string::npos) << bad.body;
  bad = call("POST", path_ + "/transfer", R"({"agent": "a1"})");
  EXPECT_EQ(bad.status, 409) << bad.body;
  EXPECT_EQ(call("POST", "/api/v1/calls/999/transfer", R"({"queue": "billing"})").status, 404);
  EXPECT_EQ(state_of(path_), "talking");
  EXPECT_EQ(call("GET", path_).json()["agent"], "a1");

  // To "billing", which only a2 serves: a1 leaves for wrap-up, the caller
  // hears music until a2 answers, then a2.
  EXPECT_EQ(call("POST", "/api/v1/agents/a2/ready").status, 202);
  auto moved = call("POST", path_ + "/transfer", R"({"queue": "billing", "by": "agent"})");
  ASSERT_EQ(moved.status, 200) << moved.body;
  EXPECT_EQ(moved.json()["queue"], "billing");
  EXPECT_TRUE(eventually([&] { return call("GET", "/api/v1/agents/a1").json()["state"] == "after-call-work"; }));
  answer("a2", a2);
  Heard a2_heard;
  std::tie(caller_heard, a2_heard) = exchange(a2, kA2Voice);
  EXPECT_GE(caller_heard.of(kA2Voice), 30u);
  EXPECT_EQ(caller_heard.of(kA1Voice), 0u);
  EXPECT_GE(a2_heard.of(kCallerVoice), 30u);
  EXPECT_EQ(test::classify(take(a1, std::chrono::milliseconds(100))).total, 0u);

  ASSERT_EQ(call("POST", path_ + "/hangup", R"({"by": "caller"})").status, 200);
  const auto h = history();
  for (const char* e : {"held", "resumed", "transferred", "recording_started", "ended"}) EXPECT_TRUE(contains(h, e)) << e;
  const auto shown = call("GET", path_).json();
  EXPECT_EQ(shown["previous_agents"], nlohmann::json::array({"a1"}));
  // One recording per agent; the second names the first agent.
  ASSERT_EQ(shown["recordings"].size(), 2u) << shown.dump();
  const std::string second = shown["recordings"][1];
  ASSERT_TRUE(eventually([&] { return std::filesystem::exists(dir_.file("rec/" + second + ".json")); }));
  std::ifstream meta_file(dir_.file("rec/" + second + ".json"));
  const auto meta = nlohmann::json::parse(meta_file);
  EXPECT_NE(meta.dump().find("\"transferred_from\":[\"a1\"]"), std::string::npos) << meta.dump();
  EXPECT_TRUE(std::filesystem::exists(dir_.file("rec/" + shown["recordings"][0].get<std::string>() + ".wav")));

  std::vector<std::string> seen;
  while (seen.empty() || seen.back() != "call.ended") {
    auto e = events.read_json(std::chrono::seconds(5));
    ASSERT_TRUE(e) << testing::PrintToString(seen);
    seen.push_back((*e)["type"]);
  }
  for (const char* e : {"call.held", "call.resumed", "call.transferred"}) EXPECT_TRUE(contains(seen, e)) << e;
  EXPECT_EQ(std::count(seen.begin(), seen.end(), "call.ended"), 1);
}

TEST_F(CallsTransfer, TransferToANamedAgentAndFromTheIvr) {
  for (const char* a : {"a1", "a2"}) {
    EXPECT_EQ(call("POST", std::string("/api/v1/agents/") + a + "/login").status, 202);
  }
  EXPECT_EQ(call("POST", "/api/v1/agents/a1/ready").status, 202);
  UdpPeer a1, a2;
  connect("a1", a1);
  EXPECT_EQ(call("POST", "/api/v1/agents/a2/ready").status, 202);
  // The snapshot the check reads is refreshed within 100 ms.
  ASSERT_TRUE(eventually([&] { return call("GET", "/api/v1/agents/a2").json()["state"] == "ready"; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  auto moved = call("POST", path_ + "/transfer", R"({"agent": "a2"})");
  ASSERT_EQ(moved.status, 200) << moved.body;
  answer("a2", a2);
  auto [caller_heard, a2_heard] = exchange(a2, kA2Voice);
  EXPECT_GE(caller_heard.of(kA2Voice), 30u);
  EXPECT_GE(a2_heard.of(kCallerVoice), 30u);
  ASSERT_EQ(call("POST", path_ + "/hangup", R"({"by": "agent"})").status, 200);

  // The IVR's transfer node names agent a2 (in wrap-up now, so the call
  // waits in a2's first queue until a2 ends wrap-up).
  ASSERT_TRUE(eventually([&] { return call("GET", "/api/v1/agents/a2").json()["state"] == "after-call-work"; }));
  caller_seq_ = 1;
  const auto placed = place_call("+15550005555", caller_.port(), "to_a2");
  ASSERT_NE(placed.id, 0);
  path_ = placed.path;
  caller_side_ = placed.media;
  ASSERT_TRUE(eventually([&] { return state_of(path_) == "queued"; })) << call("GET", path_).body;
  EXPECT_TRUE(contains(history(), "transferred"));
  EXPECT_EQ(call("POST", "/api/v1/agents/a2/end-wrap-up").status, 202);
  answer("a2", a2);
  std::tie(caller_heard, a2_heard) = exchange(a2, kA2Voice);
  EXPECT_GE(caller_heard.of(kA2Voice), 30u);
  ASSERT_EQ(call("POST", path_ + "/hangup", R"({"by": "caller"})").status, 200);
}

}  // namespace
}  // namespace sb
