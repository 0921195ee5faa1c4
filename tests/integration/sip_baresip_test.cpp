// SIP end to end with real softphones: two baresip user agents (Debian
// package baresip), one the caller, one agent 1001's phone, against
// `switchboard run`. The agent registers with Digest and auto-answers; the
// caller dials a DID, presses 1 (RFC 4733), waits in the queue, is
// connected to the agent, both send a tone, the recording holds both;
// the caller hangs up and the agent's phone gets the BYE. Then a blind
// transfer: agent 1001's phone sends REFER (baresip's transfer command)
// naming the queue's DID, is told NOTIFY 200 and hung up, and agent
// 1002's phone rings, answers and talks with the caller.
#include <gtest/gtest.h>
#include <signal.h>

#include "tests/integration/sip_call_centre.hpp"

namespace sb {
namespace {

using test::Baresip;
using test::CallCentre;
using test::TempDir;

TEST(SipBaresip, CallerReachesAgentThroughIvrAndQueue) {
  if (!test::have_baresip()) GTEST_SKIP() << "baresip is not installed (Debian package baresip)";
  TempDir dir;
  const auto ports = test::spaced_free_ports(5);
  test::CallCentreOptions options;
  options.sip_port = ports[0];
  CallCentre centre(dir, options);
  const std::string failed = centre.wait_ready();
  ASSERT_TRUE(failed.empty()) << failed;

  const std::string sip_host = centre.sip_host();
  Baresip agent(dir.file("agent"), test::agent_phone("1001", sip_host, ports[1], ports[3], 440));
  Baresip caller(dir.file("caller"), test::caller_phone(sip_host, ports[2], ports[4], 1000));

  // The agent's phone registers; the agent logs in and is ready.
  ASSERT_TRUE(centre.registered(1)) << agent.out() << agent.err() << centre.process().err();
  centre.log_in("1001");

  const std::uint64_t id = test::call_through_ivr_to_agent(centre, caller, agent, "sip:100@" + sip_host);
  ASSERT_NE(id, 0u);
  ASSERT_TRUE(caller.command("hangup"));
  test::expect_completed_call(centre, id, "caller");

  // The agent's phone got the BYE; the agent is in wrap-up.
  EXPECT_TRUE(test::eventually([&] { return agent.out().find("BYE sip:") != std::string::npos; }, std::chrono::seconds(10)))
      << agent.out();
  EXPECT_TRUE(test::eventually(
      [&] { return centre.api("GET", "/api/v1/agents/1001").body.find("after") != std::string::npos; },
      std::chrono::seconds(10)))
      << centre.api("GET", "/api/v1/agents/1001").body;
  EXPECT_TRUE(centre.metrics_have("switchboard_sip_dialogs_active 0"));

  agent.stop(SIGTERM);
  caller.stop(SIGTERM);
  centre.process().signal(SIGTERM);
  EXPECT_EQ(centre.process().wait_exit(), 0) << centre.process().err();
}

TEST(SipBaresip, AgentBlindTransfersToQueueAndSecondAgentTalks) {
  if (!test::have_baresip()) GTEST_SKIP() << "baresip is not installed (Debian package baresip)";
  TempDir dir;
  const auto ports = test::spaced_free_ports(7);
  test::CallCentreOptions options;
  options.sip_port = ports[0];
  options.agents = {"1001", "1002"};
  options.media_port_min = 14200;
  CallCentre centre(dir, options);
  const std::string failed = centre.wait_ready();
  ASSERT_TRUE(failed.empty()) << failed;

  const std::string sip_host = centre.sip_host();
  constexpr int kCallerHz = 1000, kFirstHz = 440, kSecondHz = 660;
  Baresip first(dir.file("agent1"), test::agent_phone("1001", sip_host, ports[1], ports[4], kFirstHz));
  Baresip second(dir.file("agent2"), test::agent_phone("1002", sip_host, ports[2], ports[5], kSecondHz));
  Baresip caller(dir.file("caller"), test::caller_phone(sip_host, ports[3], ports[6], kCallerHz));
  ASSERT_TRUE(centre.registered(2)) << first.err() << second.err() << centre.process().err();
  // Only 1001 is ready when the call queues, so it gets the call first.
  centre.log_in("1001");
  centre.log_in("1002", /*ready=*/false);

  const std::uint64_t id = test::call_through_ivr_to_agent(centre, caller, first, "sip:100@" + sip_host);
  ASSERT_NE(id, 0u);
  EXPECT_TRUE(centre.agent_ready("1002"));

  ASSERT_TRUE(first.command("transfer", "sip:200@" + sip_host));
  // 1001's phone: REFER accepted, NOTIFY 200 (sipfrag), then its dialog ends.
  const auto after_notify_200 = [&] {
    const std::string out = first.out();
    const auto refer = out.find("REFER sip:");
    if (refer == std::string::npos) return false;
    for (auto frag = out.find("message/sipfrag", refer); frag != std::string::npos; frag = out.find("message/sipfrag", frag + 1)) {
      const auto body = out.find("\r\n\r\n", frag);
      if (body != std::string::npos && out.compare(body + 4, 11, "SIP/2.0 200") == 0)
        return out.find("BYE sip:", body) != std::string::npos;
    }
    return false;
  };
  EXPECT_TRUE(test::eventually(after_notify_200, std::chrono::seconds(15))) << first.out();

  // The caller waits in the queue again; 1002's phone rings and answers.
  ASSERT_TRUE(test::eventually(
      [&] {
        const auto shown = centre.call(id);
        return shown.value("state", "") == "talking" && shown.value("agent", "") == "1002";
      },
      std::chrono::seconds(30)))
      << centre.call(id).dump(1) << second.out() << centre.process().err();
  std::this_thread::sleep_for(std::chrono::seconds(3));  // both tones flow and are recorded
  ASSERT_TRUE(caller.command("hangup"));
  ASSERT_TRUE(centre.call_reaches(id, "ended")) << centre.call(id).dump(1);

  const auto shown = centre.call(id);
  EXPECT_EQ(shown["end_reason"], "completed") << shown.dump(1);
  const std::string history = shown["history"].dump();
  for (const char* want : {"\"event\":\"transferred\"", "\"from_agent\":\"1001\"", "\"queue\":\"sales\""})
    EXPECT_NE(history.find(want), std::string::npos) << want << " missing in " << shown.dump(1);
  EXPECT_EQ(shown["previous_agents"], nlohmann::json::array({"1001"})) << shown.dump(1);
  // One recording per agent: the caller's tone on the left of both, each
  // agent's own tone on the right of its part.
  ASSERT_EQ(shown["recordings"].size(), 2u) << shown.dump(1);
  const int hz[2] = {kFirstHz, kSecondHz};
  for (std::size_t part = 0; part < 2; ++part) {
    const std::string wav = dir.file("rec/" + shown["recordings"][part].get<std::string>() + ".wav");
    ASSERT_TRUE(test::eventually([&] { return std::filesystem::exists(wav); })) << wav;
    test::expect_tones(wav, kCallerHz, hz[part]);
  }
  test::expect_bye_and_shut_down(centre, second, {&first, &second, &caller});
}

}  // namespace
}  // namespace sb
