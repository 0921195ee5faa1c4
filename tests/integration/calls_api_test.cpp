// A call through a running daemon, driven the way an HTTP-speaking gateway
// and an agent desktop would: place it (POST /api/v1/calls), answer the
// IVR with an RFC 4733 digit over real RTP, wait in queue, answer as the
// offered agent with a media address, talk both ways, hang up; the CTI
// stream carries the call's events in order, GET /calls/{id} its history,
// the recording lands with metadata, and /metrics counts it. Bad requests
// are answered with the field or state that is wrong.
#include <filesystem>

#include "tests/integration/calls_test_support.hpp"

namespace sb {
namespace {

using test::BackgroundProcess;
using test::bearer;
using test::eventually;
using test::http_request;
using test::json_with;
using test::switchboard_binary;
using test::TempDir;
using test::UdpPeer;
using test::port_of;
using test::rtp_packet;

test::CallConfig call_config() {
  return test::CallConfig(13200, 13299)
      .entry_menu("pick")
      .menus(R"([ivr.menus.pick]
entry = "choose"
[ivr.menus.pick.nodes.choose]
type = "collect"
prompts = ["hi"]
max_digits = 1
first_digit_timeout = "10s"
branches = [{ match = "1", next = "sales" }]
on_failure = "sales"
[ivr.menus.pick.nodes.sales]
type = "queue"
queue = "sales"
)")
      .sales("requires = { english = 3 }\nwrap_up_seconds = 5\n");
}

class CallsApi : public test::CallsDaemon {
 protected:
  void SetUp() override { start(call_config().toml()); }
};

TEST_F(CallsApi, OneCallFromIvrToAgentWithItsEventsHistoryRecordingAndMetrics) {
  test::WsClient events;
  ASSERT_EQ(events.connect(port_, "/api/v1/events?types=call.*,ivr.*", bearer(test::kToken)), "");
  ASSERT_TRUE(events.read_json());  // hello
  log_in_ready("a1");

  UdpPeer caller, agent;
  const auto placed = place_call("+15550001111", caller.port(), "pick");
  ASSERT_NE(placed.id, 0);
  const int id = placed.id;
  const std::uint16_t caller_side = placed.media;
  const std::string call_path = placed.path;

  // The prompt reaches the caller as RTP.
  ASSERT_TRUE(caller.receive(std::chrono::seconds(5))) << "no prompt audio";
  // Digit 1 as RFC 4733 events (start, then three End packets).
  std::uint16_t seq = 1;
  for (int k = 0; k < 4; ++k)
    ASSERT_TRUE(caller.send_to(caller_side, rtp_packet(101, seq++, 16000, {1, static_cast<std::uint8_t>(k ? 0x8a : 0x0a), 0x03, 0x20})));

  ASSERT_TRUE(eventually([&] { return call("GET", call_path).json()["state"] == "ringing"; }, std::chrono::seconds(10)))
      << call("GET", call_path).body;
  EXPECT_EQ(call("GET", call_path).json()["agent"], "a1");
  // Only the offered agent may answer, and only with a media address.
  EXPECT_EQ(call("POST", call_path + "/answer", R"({"agent": "a2", "media": "127.0.0.1:9"})").status, 409);
  EXPECT_EQ(call("POST", call_path + "/answer", R"({"agent": "a1"})").status, 422);
  auto answered = call("POST", call_path + "/answer",
                       R"({"agent": "a1", "media": "127.0.0.1:)" + std::to_string(agent.port()) + R"("})");
  ASSERT_EQ(answered.status, 200) << answered.body;
  const std::uint16_t agent_side = port_of(answered.json()["media"]["agent_side"]);
  ASSERT_TRUE(eventually([&] { return call("GET", call_path).json()["state"] == "talking"; }));

  // Talk both ways through the bridge.
  agent.drain(std::chrono::milliseconds(100));
  caller.drain(std::chrono::milliseconds(100));
  for (std::uint16_t i = 0; i < 25; ++i) {
    caller.send_to(caller_side, rtp_packet(0, seq++, 16000 + 160u * i, std::vector<std::uint8_t>(160, 0x11)));
    agent.send_to(agent_side, rtp_packet(0, static_cast<std::uint16_t>(500 + i), 160u * i, std::vector<std::uint8_t>(160, 0x22)));
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  const auto at_agent = agent.drain(std::chrono::milliseconds(300));
  const auto at_caller = caller.drain(std::chrono::milliseconds(300));
  EXPECT_GE(at_agent.size(), 20u);
  EXPECT_GE(at_caller.size(), 20u);

  auto hung = call("POST", call_path + "/hangup", R"({"by": "agent"})");
  ASSERT_EQ(hung.status, 200) << hung.body;
  EXPECT_EQ(hung.json()["state"], "ended");
  EXPECT_EQ(call("POST", call_path + "/hangup").status, 404);

  // The CTI stream, in order.
  std::vector<std::string> seen;
  while (seen.empty() || seen.back() != "call.ended") {
    auto e = events.read_json(std::chrono::seconds(5));
    ASSERT_TRUE(e) << "events so far: " << testing::PrintToString(seen);
    std::string what = (*e)["type"];
    const auto& d = (*e)["data"];
    if (d.contains("state")) what += " " + d["state"].get<std::string>();
    if (d.contains("node")) what += " " + d["node"].get<std::string>();
    seen.push_back(what);
  }
  const std::vector<std::string> expected = {
      "call.created",      "call.state ivr",    "ivr.node choose",    "call.dtmf",  "ivr.input choose",
      "ivr.node sales",    "call.state queued", "call.state ringing", "call.state connecting", "call.state talking",
      "call.ended"};
  // The ACD's "talking" (on accept) and ours may come in either order
  // around "connecting"; the rest is strict.
  ASSERT_EQ(seen.size(), expected.size()) << testing::PrintToString(seen);
  auto sorted_middle = [](std::vector<std::string> v) {
    std::sort(v.begin() + 8, v.begin() + 10);
    return v;
  };
  EXPECT_EQ(sorted_middle(seen), sorted_middle(expected)) << testing::PrintToString(seen);

  // History, recording, metrics.
  const auto shown = call("GET", call_path).json();
  EXPECT_EQ(shown["end_reason"], "completed");
  const std::vector<std::string> history = history_events(call_path);
  for (const char* e : {"created", "dtmf", "ivr.input", "queued", "offered", "answered", "recording_started", "hangup", "ended"})
    EXPECT_NE(std::find(history.begin(), history.end(), e), history.end()) << e;
  const std::string stem = shown["recording"];
  EXPECT_EQ(stem.rfind("call-", 0), 0u) << stem;
  EXPECT_EQ(stem.substr(stem.rfind('-') + 1), std::to_string(id));
  ASSERT_TRUE(eventually([&] { return std::filesystem::exists(dir_.file("rec/" + stem + ".json")); }));
  EXPECT_TRUE(std::filesystem::exists(dir_.file("rec/" + stem + ".wav")));
  const std::string scrape = http_request(port_, "GET", "/metrics").body;
  EXPECT_NE(scrape.find("switchboard_calls_started_total{direction=\"inbound\"} 1"), std::string::npos) << scrape;
  EXPECT_NE(scrape.find("switchboard_calls_ended_total{reason=\"completed\"} 1"), std::string::npos);
  EXPECT_NE(scrape.find("switchboard_calls_active{state=\"talking\"} 0"), std::string::npos);
  EXPECT_NE(scrape.find("switchboard_acd_calls_answered_total{queue=\"sales\"} 1"), std::string::npos);
  EXPECT_NE(scrape.find("switchboard_recordings_started_total 1"), std::string::npos);
  EXPECT_TRUE(eventually([&] {
    return http_request(port_, "GET", "/metrics").body.find("switchboard_recordings_completed_total 1") != std::string::npos;
  }));
  EXPECT_TRUE(eventually([&] { return call("GET", "/api/v1/agents/a1").json()["state"] == "after-call-work"; }));
}

// SIGHUP with a call talking keeps it (media keeps flowing); SIGTERM with
// the call still up waits for it (no new calls meanwhile) and exits 0 once
// it has ended.
TEST_F(CallsApi, ReloadKeepsALiveCallAndDrainWaitsForIt) {
  log_in_ready("a1");
  UdpPeer caller, agent;
  const auto placed = place_call("+15550002222", caller.port(), "pick");
  ASSERT_NE(placed.id, 0);
  const std::string call_path = placed.path;
  const std::uint16_t caller_side = placed.media;
  // The prompt's first packet: the worker has opened the call's ports.
  ASSERT_TRUE(caller.receive(std::chrono::seconds(5))) << "no prompt audio";
  std::uint16_t seq = 1;
  for (int k = 0; k < 4; ++k)
    ASSERT_TRUE(caller.send_to(caller_side, rtp_packet(101, seq++, 16000, {1, static_cast<std::uint8_t>(k ? 0x8a : 0x0a), 0x03, 0x20})));
  ASSERT_TRUE(eventually([&] { return call("GET", call_path).json()["state"] == "ringing"; }, std::chrono::seconds(10)));
  auto answered = call("POST", call_path + "/answer",
                       R"({"agent": "a1", "media": "127.0.0.1:)" + std::to_string(agent.port()) + R"("})");
  ASSERT_EQ(answered.status, 200) << answered.body;
  ASSERT_TRUE(eventually([&] { return call("GET", call_path).json()["state"] == "talking"; }));
  // The caller talks; the agent's socket counts what the bridge delivers.
  auto talk = [&](int packets) {
    agent.drain(std::chrono::milliseconds(50));
    for (int i = 0; i < packets; ++i) {
      caller.send_to(caller_side, rtp_packet(0, seq, 16000 + 160u * seq, std::vector<std::uint8_t>(160, 0x11)));
      ++seq;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return agent.drain(std::chrono::milliseconds(200)).size();
  };
  EXPECT_GE(talk(10), 8u);

  // A reload that changes the ACD (another agent) while the call talks.
  write_config(
      call_config().more_agents("[[acd.agents]]\nid = \"a9\"\nskills = { english = 4 }\nqueues = [\"sales\"]\n").toml());
  daemon_->signal(SIGHUP);
  ASSERT_TRUE(eventually([&] { return call("GET", "/api/v1/agents").json()["agents"].size() == 2; }));
  EXPECT_EQ(call("GET", call_path).json()["state"], "talking");
  EXPECT_GE(talk(10), 8u);

  // Drain: the daemon stays up for the live call and refuses new ones.
  daemon_->signal(SIGTERM);
  ASSERT_TRUE(eventually([&] { return http_request(port_, "GET", "/healthz").status == 503; }));
  EXPECT_EQ(call("POST", "/api/v1/calls", R"({"caller": "+1", "media": "127.0.0.1:4000"})").status, 503);
  EXPECT_FALSE(daemon_->wait_exit(std::chrono::milliseconds(1500)).has_value()) << "exited with a call up";
  EXPECT_GE(talk(5), 4u);
  ASSERT_EQ(call("POST", call_path + "/hangup", R"({"by": "caller"})").status, 200);
  const auto code = daemon_->wait_exit(std::chrono::seconds(15));
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 0);
  daemon_.reset();
}

// The 201 comes once the worker has opened the call's ports: a digit the
// caller sends straight after it, before any prompt audio arrived, reaches
// the IVR.
TEST_F(CallsApi, MediaSentRightAfterThePlacedAnswerIsReceived) {
  log_in_ready("a1");
  for (int attempt = 0; attempt < 3; ++attempt) {
    UdpPeer caller;
    const auto placed = place_call("+15550003333", caller.port(), "pick");
    ASSERT_NE(placed.id, 0);
    const std::uint16_t caller_side = placed.media;
    const std::string call_path = placed.path;
    std::uint16_t seq = 1;
    for (int k = 0; k < 4; ++k)
      ASSERT_TRUE(caller.send_to(caller_side, rtp_packet(101, seq++, 16000, {1, static_cast<std::uint8_t>(k ? 0x8a : 0x0a), 0x03, 0x20})));
    ASSERT_TRUE(eventually([&] { return call("GET", call_path).json()["state"] == "ringing"; }, std::chrono::seconds(8)))
        << call("GET", call_path).body;
    bool digit_seen = false;
    for (const auto& h : history_of(call_path, "dtmf")) digit_seen = digit_seen || h["digit"] == "1";
    EXPECT_TRUE(digit_seen) << call("GET", call_path).body;
    ASSERT_EQ(call("POST", call_path + "/hangup", R"({"by": "caller"})").status, 200);
    ASSERT_TRUE(eventually([&] { return call("GET", "/api/v1/agents/a1").json()["state"] == "ready"; }));
  }
}

TEST_F(CallsApi, BadRequestsAndUnknownCalls) {
  EXPECT_EQ(call("POST", "/api/v1/calls", R"({"caller": "+1", "media": "127.0.0.1"})").status, 422);
  EXPECT_EQ(call("POST", "/api/v1/calls", R"({"media": "127.0.0.1:4000"})").status, 422);
  EXPECT_EQ(call("POST", "/api/v1/calls", R"({"caller": "a b", "media": "127.0.0.1:4000"})").status, 422);
  EXPECT_EQ(call("POST", "/api/v1/calls", R"({"caller": "+1", "media": "127.0.0.1:4000", "extra": 1})").status, 422);
  EXPECT_EQ(call("POST", "/api/v1/calls", R"({"caller": "+1", "media": "127.0.0.1:4000", "menu": "nope"})").status, 404);
  EXPECT_EQ(call("POST", "/api/v1/calls", "{").status, 400);
  EXPECT_EQ(http_request(port_, "POST", "/api/v1/calls", R"({"caller": "+1", "media": "127.0.0.1:4000"})").status, 401);
  EXPECT_EQ(call("GET", "/api/v1/calls/77").status, 404);
  EXPECT_EQ(call("GET", "/api/v1/calls/x").status, 404);
  EXPECT_EQ(call("POST", "/api/v1/calls/77/hangup", R"({"by": "nobody"})").status, 422);
  EXPECT_EQ(call("POST", "/api/v1/calls/77/hangup").status, 404);
  EXPECT_EQ(call("POST", "/api/v1/calls/77/answer", R"({"agent": "a1", "media": "127.0.0.1:4000"})").status, 404);
  EXPECT_EQ(call("GET", "/api/v1/calls").json()["calls"].size(), 0u);
}

}  // namespace
}  // namespace sb
