// Waiting in a queue on a running daemon, with real RTP over loopback:
// position and expected-wait announcements between stretches of hold
// music, and callbacks that keep the caller's place after the caller has
// hung up. This daemon has no [sip.outbound] trunk, so a callback reaches
// "dialling" and SIP fails it at once; the answered path is tested at the
// call-control level with a test signalling layer (calls_callback_test)
// and with real phones (sip_callback).
#include <thread>

#include "tests/integration/calls_test_support.hpp"

namespace sb {
namespace {

using test::eventually;
using test::rtp_packet;
using test::UdpPeer;

std::string queue_config() {
  return test::CallConfig(13600, 13699)
      .menus(std::string(test::kMainWaitsInSales) + R"([ivr.menus.later]
entry = "call_me"
[ivr.menus.later.nodes.call_me]
type = "callback"
queue = "sales"
prompts = ["hi"]
)")
      .sales("announce_interval_seconds = 2\ncallback_dial_seconds = 2\n")
      .toml();
}

class CallsQueue : public test::CallsDaemon {
 protected:
  void SetUp() override { start(queue_config()); }

  struct Caller {
    UdpPeer peer;
    std::string path;
    std::uint16_t local = 0;
    std::uint16_t seq = 1;
    std::vector<std::chrono::steady_clock::time_point> heard;  // arrival of each RTP packet
  };
  void place(Caller& c, const std::string& menu, const std::string& number) {
    const auto placed = place_call(number, c.peer.port(), menu);
    ASSERT_NE(placed.id, 0);
    c.path = placed.path;
    c.local = placed.media;
  }
  // 20 ms of both callers talking and listening.
  static void tick(std::initializer_list<Caller*> callers) {
    for (Caller* c : callers) {
      c->peer.send_to(c->local, rtp_packet(0, c->seq, 160u * c->seq, std::vector<std::uint8_t>(160, 0x11)));
      ++c->seq;
    }
    const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(20);
    for (Caller* c : callers)
      while (auto d = c->peer.receive(std::chrono::milliseconds(0))) c->heard.push_back(std::chrono::steady_clock::now());
    std::this_thread::sleep_until(end);
  }
};

TEST_F(CallsQueue, WaitingCallersHearTheirPositionAndExpectedWaitBetweenHoldMusic) {
  test::WsClient events;
  ASSERT_EQ(events.connect(port_, "/api/v1/events?types=call.announcement", test::bearer(test::kToken)), "");
  ASSERT_TRUE(events.read_json());  // hello
  // Logged in but not ready: calls wait, and the expected wait is figured
  // on one agent (180 s per call until the queue has a handle time).
  EXPECT_EQ(call("POST", "/api/v1/agents/a1/login").status, 202);
  Caller first, second;
  place(first, "main", "+15550001001");
  ASSERT_TRUE(eventually([&] { return state_of(first.path) == "queued"; })) << call("GET", first.path).body;
  place(second, "main", "+15550001002");
  ASSERT_TRUE(eventually([&] { return state_of(second.path) == "queued"; })) << call("GET", second.path).body;

  // Two announcements each, read from the event stream while both callers
  // keep talking and listening.
  std::map<std::string, std::vector<nlohmann::json>> heard_by_call;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(40);
  const std::string first_id = first.path.substr(first.path.rfind('/') + 1);
  const std::string second_id = second.path.substr(second.path.rfind('/') + 1);
  std::thread reader([&] {
    while (std::chrono::steady_clock::now() < deadline &&
           (heard_by_call[first_id].size() < 2 || heard_by_call[second_id].size() < 2)) {
      // A timed-out read ends the client's stream: wait as long as the test may.
      auto e = events.read_json(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()));
      if (!e) break;
      if (e && (*e)["type"] == "call.announcement")
        heard_by_call[std::to_string((*e)["data"]["call_id"].get<int>())].push_back((*e)["data"]);
    }
  });
  const auto listen_from = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() < deadline && history_of(second.path, "hold_music_resumed").size() < 2)
    for (int i = 0; i < 25; ++i) tick({&first, &second});
  reader.join();

  ASSERT_GE(heard_by_call[first_id].size(), 2u) << call("GET", first.path).body;
  ASSERT_GE(heard_by_call[second_id].size(), 2u) << call("GET", second.path).body;
  for (const auto& e : heard_by_call[first_id]) {
    EXPECT_EQ(e["position"], 1) << e;
    EXPECT_EQ(e["expected_wait_seconds"], 180) << e;
    EXPECT_EQ(e["expected_wait_minutes"], 3) << e;
    EXPECT_EQ(e["queue"], "sales");
  }
  for (const auto& e : heard_by_call[second_id]) {
    EXPECT_EQ(e["position"], 2) << e;
    EXPECT_EQ(e["expected_wait_seconds"], 360) << e;
  }
  // The history says what was said, and that the music came back after each.
  for (Caller* c : {&first, &second}) {
    const auto said = history_of(c->path, "announcement");
    const auto resumed = history_of(c->path, "hold_music_resumed");
    ASSERT_GE(said.size(), 2u) << call("GET", c->path).body;
    EXPECT_GE(resumed.size(), said.size() - 1) << call("GET", c->path).body;
    EXPECT_EQ(said[0]["prompts"][0], "announce_position");
    EXPECT_EQ(said[0]["prompts"][1], c == &first ? "number_1" : "number_2");
    EXPECT_GE(call("GET", c->path).json()["announcements"].get<int>(), 2);
    // Audio throughout: music, announcement, music again, with no silent
    // stretch anywhere near the length of an announcement.
    ASSERT_GT(c->heard.size(), 100u);
    EXPECT_LT(c->heard.front() - listen_from, std::chrono::seconds(1));
    auto longest = std::chrono::steady_clock::duration::zero();
    for (std::size_t i = 1; i < c->heard.size(); ++i) longest = std::max(longest, c->heard[i] - c->heard[i - 1]);
    EXPECT_LT(longest, std::chrono::milliseconds(1000));
    EXPECT_EQ(state_of(c->path), "queued");
  }
  for (Caller* c : {&first, &second}) EXPECT_EQ(call("POST", c->path + "/hangup", R"({"by": "caller"})").status, 200);
}

TEST_F(CallsQueue, ACallbackKeepsItsPlaceAndFailsVisiblyWhenNobodyCanBeDialled) {
  test::WsClient events;
  ASSERT_EQ(events.connect(port_, "/api/v1/events?types=call.*,agent.*", test::bearer(test::kToken)), "");
  ASSERT_TRUE(events.read_json());  // hello
  EXPECT_EQ(call("POST", "/api/v1/agents/a1/login").status, 202);
  Caller caller;
  place(caller, "later", "+15550002002");
  // The caller has gone; the call waits in the queue without media.
  ASSERT_TRUE(eventually([&] { return state_of(caller.path) == "callback_waiting"; })) << call("GET", caller.path).body;
  EXPECT_EQ(call("GET", caller.path).json()["callback"]["number"], "+15550002002");
  EXPECT_TRUE(eventually([&] { return call("GET", "/api/v1/queues/sales").json()["waiting"] == 1; }));
  // Its turn: a1 is reserved and the number dialled; this daemon has no
  // [sip.outbound] trunk, so SIP fails the call at once (the dial timeout
  // is covered by the engine's unit tests), a1 free again without a miss.
  EXPECT_EQ(call("POST", "/api/v1/agents/a1/ready").status, 202);
  ASSERT_TRUE(eventually([&] { return state_of(caller.path) == "ended"; }, std::chrono::seconds(15)))
      << call("GET", caller.path).body;
  const auto shown = call("GET", caller.path).json();
  EXPECT_EQ(shown["end_reason"], "failed") << shown;
  EXPECT_EQ(shown["callback"]["failure"], "no outbound SIP trunk configured") << shown;
  std::vector<std::string> states;
  for (const auto& h : shown["history"])
    if (h["event"] == "state") states.push_back(h["state"]);
  EXPECT_EQ(states, (std::vector<std::string>{"callback_waiting", "dialling", "ended"})) << shown;
  EXPECT_EQ(history_of(caller.path, "callback_dialling").at(0)["agent"], "a1");
  ASSERT_TRUE(eventually([&] { return call("GET", "/api/v1/agents/a1").json()["state"] == "ready"; }))
      << call("GET", "/api/v1/agents/a1").body;
  EXPECT_EQ(call("GET", "/api/v1/agents/a1").json()["missed"], 0);
  EXPECT_EQ(call("GET", "/api/v1/queues/sales").json()["total"]["callbacks_failed"], 1);
  // Call control's own counters say the same on /metrics.
  const std::string scrape = test::http_request(port_, "GET", "/metrics").body;
  EXPECT_NE(scrape.find("\nswitchboard_call_callbacks_requested_total 1\n"), std::string::npos) << scrape;
  EXPECT_NE(scrape.find("\nswitchboard_call_callbacks_placed_total 1\n"), std::string::npos) << scrape;
  EXPECT_NE(scrape.find("\nswitchboard_call_callbacks_answered_total 0\n"), std::string::npos) << scrape;
  EXPECT_NE(scrape.find("\nswitchboard_call_callbacks_failed_total 1\n"), std::string::npos) << scrape;

  // The event stream told the story: requested, dialling, then failed
  // (from call control) and ended (from the ACD's thread) in either order.
  std::vector<std::string> story;
  for (int i = 0; i < 40 && story.size() < 4; ++i) {
    auto e = events.read_json(std::chrono::seconds(5));
    if (!e) break;
    const std::string type = (*e)["type"];
    if (type == "call.callback_requested" || type == "call.callback_failed" || type == "call.ended") story.push_back(type);
    if (type == "call.state" && (*e)["data"]["state"] == "dialling") story.push_back("dialling");
    if (type == "call.ended") {
      EXPECT_EQ((*e)["data"]["reason"], "callback-failed") << *e;
    }
  }
  ASSERT_EQ(story.size(), 4u) << testing::PrintToString(story);
  std::sort(story.begin() + 2, story.end());
  EXPECT_EQ(story, (std::vector<std::string>{"call.callback_requested", "dialling", "call.callback_failed", "call.ended"}));
}

// A drain does not wait for callers who are waiting for a callback (no
// media, nobody on the line, and nothing keeps them across the restart):
// each ends with reason "shutdown", its number in the log and in a
// call.callback_failed event, so ops can call back by hand.
TEST_F(CallsQueue, ADrainEndsWaitingCallbacksAndNamesTheirNumbers) {
  test::WsClient events;
  ASSERT_EQ(events.connect(port_, "/api/v1/events?types=call.callback_failed", test::bearer(test::kToken)), "");
  ASSERT_TRUE(events.read_json());  // hello
  Caller caller;  // a1 is logged out: nobody can call back yet
  place(caller, "later", "+15550006006");
  ASSERT_TRUE(eventually([&] { return state_of(caller.path) == "callback_waiting"; })) << call("GET", caller.path).body;

  daemon_->signal(SIGTERM);
  const auto code = daemon_->wait_exit(std::chrono::seconds(60));
  ASSERT_TRUE(code) << daemon_->out() << daemon_->err();
  EXPECT_EQ(*code, 0) << daemon_->err();
  // The log names the number; the drain did not wait for its timeout.
  const std::string log = daemon_->out() + daemon_->err();
  EXPECT_NE(log.find("call them back: +15550006006"), std::string::npos) << log;
  EXPECT_EQ(log.find("drain timeout reached"), std::string::npos) << log;
  std::optional<nlohmann::json> failed;
  while (auto e = events.read_json(std::chrono::seconds(5)))
    if ((*e)["type"] == "call.callback_failed") failed = *e;
  ASSERT_TRUE(failed) << log;
  EXPECT_EQ((*failed)["data"]["number"], "+15550006006") << *failed;
  EXPECT_NE((*failed)["data"]["reason"].get<std::string>().find("shutdown"), std::string::npos) << *failed;
  daemon_.reset();  // already stopped
}

}  // namespace
}  // namespace sb
