// Supervisors on live calls through the API, with real RTP over loopback:
// a caller (400 Hz) talks to agent a1 (700 Hz) and a supervisor (1300 Hz)
// joins with POST /calls/{id}/supervise, then switches from listen to
// whisper to barge and leaves with DELETE, after which the call relays
// again. What each far end hears is judged by tone levels
// (mix_test_support.hpp says why the bounds hold). Also: the refusals
// (409 off a talking call or twice, 422 naming the field, 404), events,
// history, metrics, and the supervisor removed by hold and by hang-up.
#include <algorithm>

#include "tests/integration/calls_test_support.hpp"
#include "tests/integration/mix_test_support.hpp"

namespace sb {
namespace {

using namespace std::chrono_literals;
using test::converse;
using test::does_not_hear;
using test::eventually;
using test::forget_heard;
using test::hears;
using test::port_of;
using test::Talker;

constexpr double kCallerHz = 400, kAgentHz = 700, kSupervisorHz = 1300;

class CallsSupervisor : public test::CallsDaemon {
 protected:
  void SetUp() override {
    start(test::CallConfig(13400, 13499).sales("wrap_up_seconds = 30\n").toml());
    if (HasFatalFailure()) return;
    log_in_ready("a1");
  }

  // A call from `caller_` waiting for a1 (ringing); then answered on `agent_`.
  void place() {
    const auto placed = place_call("+15550007777", caller_.peer.port());
    ASSERT_NE(placed.id, 0);
    path_ = placed.path;
    caller_.port = placed.media;
    ASSERT_TRUE(eventually([&] { return state_of(path_) == "ringing"; }, 10s)) << call("GET", path_).body;
  }
  void answer() {
    auto answered = call("POST", path_ + "/answer",
                         R"({"agent": "a1", "media": "127.0.0.1:)" + std::to_string(agent_.peer.port()) + R"("})");
    ASSERT_EQ(answered.status, 200) << answered.body;
    agent_.port = port_of(answered.json()["media"]["agent_side"]);
    ASSERT_TRUE(eventually([&] { return state_of(path_) == "talking"; })) << call("GET", path_).body;
  }
  std::string supervise_body(const std::string& mode) {
    return R"({"supervisor": "sup1", "mode": ")" + mode + R"(", "media": "127.0.0.1:)" +
           std::to_string(supervisor_.peer.port()) + R"("})";
  }
  std::vector<std::string> history() { return history_events(path_); }
  std::string metrics() { return test::http_request(port_, "GET", "/metrics").body; }

  Talker caller_{0, codecs::CodecId::kPcmu, 0, kCallerHz};
  Talker agent_{0, codecs::CodecId::kPcmu, 0, kAgentHz};
  Talker supervisor_{0, codecs::CodecId::kPcmu, 0, kSupervisorHz};
  std::string path_;
};

bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

TEST_F(CallsSupervisor, ListenWhisperBargeThenTheCallRelaysAgain) {
  test::WsClient events;
  ASSERT_EQ(events.connect(port_, "/api/v1/events?types=call.supervisor", test::bearer(test::kToken)), "");
  ASSERT_TRUE(events.read_json());  // hello
  place();
  // Ringing is not talking.
  auto refused = call("POST", path_ + "/supervise", supervise_body("listen"));
  EXPECT_EQ(refused.status, 409) << refused.body;
  answer();

  // Bad bodies name the field; nothing joins.
  struct Bad {
    const char* method;
    std::string body;
    const char* field;
  };
  const std::string media = R"(, "media": "127.0.0.1:)" + std::to_string(supervisor_.peer.port()) + "\"";
  for (const Bad& b :
       std::vector<Bad>{{"POST", R"({"supervisor": "sup1"})", "media"},
                        {"POST", R"({"media": "127.0.0.1:5"})", "supervisor"},
                        {"POST", R"({"supervisor": "sup1", "media": "localhost:9"})", "media"},
                        {"POST", R"({"supervisor": "sup1", "mode": "shout")" + media + "}", "mode"},
                        {"POST", R"({"supervisor": "sup1", "codec": "opus")" + media + "}", "payload_type"},
                        {"POST", R"({"supervisor": "sup 1")" + media + "}", "supervisor"},
                        {"POST", "{}", "mode"},
                        {"PUT", "{}", "mode"},
                        {"PUT", R"({"mode": "barge", "supervisor": "sup1"})", "supervisor"}}) {
    auto r = call(b.method, path_ + "/supervise", b.body);
    EXPECT_EQ(r.status, 422) << b.body << " " << r.body;
    EXPECT_EQ(r.json()["error"]["field"], b.field) << b.body << " " << r.body;
  }
  EXPECT_EQ(call("PUT", path_ + "/supervise", R"({"mode": "barge"})").status, 409);  // nobody to switch
  EXPECT_EQ(call("DELETE", path_ + "/supervise").status, 409);
  EXPECT_EQ(call("POST", "/api/v1/calls/999/supervise", supervise_body("listen")).status, 404);

  // Listen: the 201 comes once the supervisor's port is open.
  auto joined = call("POST", path_ + "/supervise", supervise_body("listen"));
  ASSERT_EQ(joined.status, 201) << joined.body;
  EXPECT_EQ(joined.json()["mode"], "listen");
  EXPECT_EQ(joined.json()["supervisor"], "sup1");
  supervisor_.port = port_of(joined.json()["media"]);
  auto again = call("POST", path_ + "/supervise", supervise_body("barge"));
  EXPECT_EQ(again.status, 409) << again.body;
  EXPECT_EQ(call("GET", path_).json()["supervision"]["mode"], "listen");

  // Each mode in turn: listen (just joined), whisper (through PUT), barge
  // (through POST with the mode alone). The far ends always hear each
  // other and the supervisor hears both; who hears the supervisor is what
  // the mode decides; nobody hears itself.
  struct Phase {
    const char* mode;
    const char* method;
    bool caller_hears_supervisor, agent_hears_supervisor;
  };
  const auto all = {&caller_, &agent_, &supervisor_};
  for (const Phase& p : {Phase{"listen", nullptr, false, false}, Phase{"whisper", "PUT", false, true},
                         Phase{"barge", "POST", true, true}}) {
    SCOPED_TRACE(p.mode);
    if (p.method) {
      auto changed = call(p.method, path_ + "/supervise", std::string(R"({"mode": ")") + p.mode + "\"}");
      ASSERT_EQ(changed.status, 200) << changed.body;
      EXPECT_EQ(changed.json()["supervision"]["mode"], p.mode);
      // The worker takes the switch from its command ring: half a second of
      // everyone talking on (no gap for the jitter buffers to conceal) puts
      // the switch and its first frames before what the phase is judged on,
      // even on a loaded machine.
      converse(all, 500ms);
    }
    forget_heard(all);
    converse(all, 1500ms);
    EXPECT_TRUE(hears(caller_, kAgentHz));
    EXPECT_TRUE(hears(agent_, kCallerHz));
    EXPECT_TRUE(hears(supervisor_, kCallerHz));
    EXPECT_TRUE(hears(supervisor_, kAgentHz));
    EXPECT_TRUE(p.caller_hears_supervisor ? hears(caller_, kSupervisorHz) : does_not_hear(caller_, kSupervisorHz));
    EXPECT_TRUE(p.agent_hears_supervisor ? hears(agent_, kSupervisorHz) : does_not_hear(agent_, kSupervisorHz));
    EXPECT_TRUE(does_not_hear(caller_, kCallerHz));
    EXPECT_TRUE(does_not_hear(agent_, kAgentHz));
    EXPECT_TRUE(does_not_hear(supervisor_, kSupervisorHz));
  }
  EXPECT_NE(metrics().find("switchboard_calls_supervised 1"), std::string::npos);

  // The supervisor leaves: the two far ends hear each other again, the
  // supervisor nothing, and the mix counters stop.
  auto left = call("DELETE", path_ + "/supervise");
  ASSERT_EQ(left.status, 200) << left.body;
  EXPECT_FALSE(left.json().contains("supervision")) << left.body;
  std::this_thread::sleep_for(100ms);
  forget_heard(all);
  converse(all, 1500ms);
  EXPECT_TRUE(hears(caller_, kAgentHz));
  EXPECT_TRUE(hears(agent_, kCallerHz));
  EXPECT_TRUE(does_not_hear(caller_, kSupervisorHz));
  EXPECT_TRUE(supervisor_.headers.empty()) << supervisor_.headers.size() << " packets after leaving";
  const std::string scrape = metrics();
  EXPECT_NE(scrape.find("switchboard_calls_supervised 0"), std::string::npos);
  EXPECT_NE(scrape.find("switchboard_call_supervisions_total 1"), std::string::npos);
  EXPECT_NE(scrape.find("switchboard_dataplane_mixed_packets_total{direction=\"in\"}"), std::string::npos);
  EXPECT_EQ(scrape.find("switchboard_dataplane_mixed_packets_total{direction=\"in\"} 0\n"), std::string::npos);

  const auto h = history();
  for (const char* e : {"supervisor_joined", "supervisor_mode", "supervisor_left"}) EXPECT_TRUE(contains(h, e)) << e;
  std::vector<std::string> seen;
  for (int i = 0; i < 4; ++i) {
    auto e = events.read_json(5s);
    ASSERT_TRUE(e) << testing::PrintToString(seen);
    seen.push_back((*e)["data"]["action"].get<std::string>() + ":" + (*e)["data"].value("mode", std::string()));
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"joined:listen", "mode:whisper", "mode:barge", "left:"}));
  ASSERT_EQ(call("POST", path_ + "/hangup", R"({"by": "caller"})").status, 200);
}

TEST_F(CallsSupervisor, HoldAndHangUpRemoveTheSupervisor) {
  place();
  answer();
  auto joined = call("POST", path_ + "/supervise", supervise_body("whisper"));
  ASSERT_EQ(joined.status, 201) << joined.body;
  auto held = call("POST", path_ + "/hold");
  ASSERT_EQ(held.status, 200) << held.body;
  EXPECT_FALSE(held.json().contains("supervision")) << held.body;
  EXPECT_EQ(call("POST", path_ + "/supervise", supervise_body("listen")).status, 409);  // on hold
  ASSERT_EQ(call("POST", path_ + "/unhold").status, 200);

  joined = call("POST", path_ + "/supervise", supervise_body("listen"));
  ASSERT_EQ(joined.status, 201) << joined.body;
  supervisor_.port = port_of(joined.json()["media"]);
  const auto all = {&caller_, &agent_, &supervisor_};
  converse(all, 1000ms);
  EXPECT_TRUE(hears(supervisor_, kAgentHz));
  ASSERT_EQ(call("POST", path_ + "/hangup", R"({"by": "agent"})").status, 200);
  std::vector<std::string> reasons;
  for (const auto& h : history_of(path_, "supervisor_left")) reasons.push_back(h["reason"]);
  EXPECT_EQ(reasons, (std::vector<std::string>{"held", "call_ended"})) << call("GET", path_).body;
  EXPECT_NE(metrics().find("switchboard_calls_supervised 0"), std::string::npos);
  // Nothing reaches the supervisor once the call is gone.
  forget_heard({&supervisor_});
  std::this_thread::sleep_for(200ms);
  supervisor_.collect();
  EXPECT_TRUE(supervisor_.headers.empty());
}

}  // namespace
}  // namespace sb
